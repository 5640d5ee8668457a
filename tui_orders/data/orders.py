"""The rules of an order, one transaction per user action.

Every function here that changes an order:

1. bumps the order's ``version`` (and, given ``expected_version``, fails with
   :class:`ConflictError` when another terminal changed the order since it was read);
2. makes its change, validating it (:class:`ValidationError`, nothing written);
3. recomputes every computed field of the order (:func:`recompute.recompute_order`);
4. writes an audit entry: who, when, what changed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import fn

from ..i18n import _, status_label
from . import audit
from .db import transactional
from .errors import ConflictError, NotFound, ValidationError
from .masterdata import _text, client_address, get_article, get_client, get_tax
from .models import (
    Address,
    Allocation,
    Article,
    AuditLog,
    Client,
    Delivery,
    DeliveryKind,
    DeliveryLine,
    DocumentKind,
    DocumentType,
    FinancialDocument,
    LinkedOrder,
    LinkKind,
    LinkStatus,
    Order,
    OrderItem,
    Payment,
    PaymentTerm,
    Tax,
    from_scaled,
    number_key,
    parse_number,
)
from .money import MONEY_PLACES, ZERO, format_qty, parse_money, parse_price, parse_qty
from .numbers import format_number, move_past, next_seq
from .recompute import OrderState, recompute_order

Ref = int | str

#: Prefix of the numbers generated for linked orders: ``PR-2026-00003``, ``PO-2026-00017``.
LINK_PREFIX = {LinkKind.PRODUCTION.value: "PR", LinkKind.PURCHASE.value: "PO"}
LINK_NUMBER_RE = re.compile(r"^(PR|PO)-(\d{4})-(\d{5,9})$")


def _choice(value: object, enum: Any, what: str) -> str:
    text = value.value if hasattr(value, "value") else value
    allowed = [e.value for e in enum]
    if text not in allowed:
        raise ValidationError(
            _("{what} {value!r} must be one of: {allowed}").format(
                what=_(what), value=value, allowed=", ".join(allowed)
            )
        )
    return str(text)


def _date(value: object, what: str, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            raise ValidationError(_("{what} is required").format(what=_(what)))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                _("{what} {value!r} is not a date (YYYY-MM-DD)").format(what=_(what), value=value)
            ) from None
    raise ValidationError(_("{what} {value!r} is not a date").format(what=_(what), value=value))


def get_order(ref: Ref | Order) -> Order:
    """An order by id, instance or number."""
    if isinstance(ref, Order):
        return ref
    query = Order.select()
    order = (
        query.where(Order.id == ref).first()
        if isinstance(ref, int)
        else query.where(Order.number == ref.strip()).first()
    )
    if order is None:
        raise NotFound(_("no order {ref!r}").format(ref=ref))
    return order


def _touch(order_id: int, expected_version: int | None) -> Order:
    """Claim the order for this change: version + 1, or a conflict if it moved on."""
    query = Order.update(version=Order.version + 1, updated_at=dt.datetime.now()).where(
        Order.id == order_id
    )
    if expected_version is not None:
        query = query.where(Order.version == expected_version)
    if query.execute() == 0:
        order = Order.get_or_none(Order.id == order_id)
        if order is None:
            raise NotFound(_("no order with id {id}").format(id=order_id))
        last = (
            AuditLog.select().where(AuditLog.order == order_id).order_by(AuditLog.id.desc()).first()
        )
        who = (
            _(" by {user} at {time}").format(user=last.user, time=f"{last.at:%H:%M:%S}")
            if last
            else ""
        )
        raise ConflictError(
            _(
                "order {number} was changed{who} since you opened it; "
                "nothing was saved: reload it and make your change again"
            ).format(number=order.number, who=who)
        )
    return Order.get_by_id(order_id)


def _get(model: Any, row_id: int, what: str) -> Any:
    """The row of ``model`` with ``row_id``, or :class:`NotFound` naming ``what``."""
    row = model.get_or_none(model.id == row_id)
    if row is None:
        raise NotFound(_("no {what} with id {id}").format(what=_(what), id=row_id))
    return row


def _set(row: Any, name: str, value: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """Give ``row.name`` the new ``value``, noting ``(old, new)`` in ``changes`` for the audit
    log; nothing when the value is the same."""
    old = getattr(row, name)
    if value != old:
        changes[name] = (old, value)
        setattr(row, name, value)


def _finish(order_id: int, *, log_status: bool = True) -> OrderState:
    """Recompute the order; when its status moved (new -> in progress -> ready -> closed and
    back), the change's own audit entry also gets ``order_status: [old, new]``, so every
    transition is in the log with who and when, next to what caused it."""
    old = Order.select(Order.status).where(Order.id == order_id).scalar()
    state = recompute_order(order_id)
    if log_status and old is not None and old != state.status.value:
        _note_status(order_id, old, state.status.value)
    return state


def _note_status(order_id: int, old: str, new: str) -> None:
    last = AuditLog.select().where(AuditLog.order == order_id).order_by(AuditLog.id.desc()).first()
    if last is None:  # pragma: no cover - every change writes its entry before recomputing
        audit.record("status", "order", order_id, order_id, {"order_status": (old, new)})
        return
    try:
        changes = json.loads(last.changes or "{}")
    except ValueError:
        changes = {}
    if not isinstance(changes, dict):
        changes = {}
    changes["order_status"] = [old, new]
    AuditLog.update(changes=json.dumps(changes, ensure_ascii=False, sort_keys=True)).where(
        AuditLog.id == last.id
    ).execute()


# --------------------------------------------------------------------------- orders


@transactional
def create_order(
    client: Ref | Client,
    deadline: dt.date | str,
    *,
    created: dt.date | str | None = None,
    address: str | None = None,
    document_kind: str = DocumentKind.CONTRACT.value,
    document_ref: str = "",
    tax: Ref | Tax | None = None,
    note: str = "",
    number: str | None = None,
    started: bool = False,
) -> Order:
    """A new order. The number is generated from the creation date's year unless given
    (an imported number is kept, and the year's sequence moves past it)."""
    the_client = get_client(client)
    created_date = _date(created, "created", required=False) or dt.date.today()
    deadline_date = _date(deadline, "deadline")
    assert deadline_date is not None
    if deadline_date < created_date:
        raise ValidationError(
            _("deadline {deadline} is before the creation date {created}").format(
                deadline=deadline_date.isoformat(), created=created_date.isoformat()
            )
        )
    kind = _choice(document_kind, DocumentKind, "document kind")
    the_address = client_address(the_client, address)
    the_tax = get_tax(tax) if tax is not None else None
    if number:
        number = _text(number, "order number", max_len=30)
        if Order.select().where(Order.number == number).exists():
            raise ValidationError(_("order number {number} is already used").format(number=number))
        parsed = parse_number(number)
        if parsed:
            move_past("order", parsed[0], parsed[1])
    else:
        while True:
            number = format_number(created_date.year, next_seq("order", created_date.year))
            if not Order.select().where(Order.number == number).exists():
                break
    order = Order.create(
        number=number,
        number_key=number_key(number),
        client=the_client,
        address=the_address,
        currency=the_client.currency,
        document_kind=kind,
        document_ref=_text(document_ref, "document reference", required=False, max_len=100),
        created=created_date,
        deadline=deadline_date,
        tax=the_tax,
        note=note or "",
        started=bool(started),
    )
    audit.record(
        "create",
        "order",
        order.id,
        order.id,
        {
            "number": number,
            "client": the_client.name,
            "deadline": deadline_date,
            "created": created_date,
        },
    )
    _finish(order.id)
    return Order.get_by_id(order.id)


EDITABLE = ("address", "document_kind", "document_ref", "created", "deadline", "tax", "note")


@transactional
def update_order(order_ref: Ref | Order, expected_version: int | None, **fields: Any) -> Order:
    """Change header fields of an order (see ``EDITABLE``); the tax recomputes the totals.

    ``address`` takes a label of the client's addresses, ``tax`` a name, id or None.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            _("cannot change {fields} of an order").format(fields=", ".join(sorted(unknown)))
        )
    order = get_order(order_ref)
    order = _touch(order.id, expected_version)
    changes: dict[str, tuple[Any, Any]] = {}

    def put(name: str, old: Any, new: Any, store: Any) -> None:
        if old != new:
            changes[name] = (old, new)
            setattr(order, name, store)

    for name, value in fields.items():
        if name == "address":
            addr = client_address(order.client, value) if value else None
            old = order.address.label if order.address_id else None
            put("address", old, addr.label if addr else None, addr)
        elif name == "document_kind":
            kind = _choice(value, DocumentKind, "document kind")
            put(name, order.document_kind, kind, kind)
        elif name == "document_ref":
            ref = _text(value, "document reference", required=False, max_len=100)
            put(name, order.document_ref, ref, ref)
        elif name in ("created", "deadline"):
            day = _date(value, name)
            put(name, getattr(order, name), day, day)
        elif name == "tax":
            the_tax = get_tax(value) if value is not None else None
            old = order.tax.name if order.tax_id else None
            put("tax", old, the_tax.name if the_tax else None, the_tax)
        elif name == "note":
            put(name, order.note, value or "", value or "")
    if order.deadline < order.created:
        raise ValidationError(
            _("deadline {deadline} is before the creation date {created}").format(
                deadline=order.deadline.isoformat(), created=order.created.isoformat()
            )
        )
    order.save()
    if changes:
        audit.record("update", "order", order.id, order.id, changes)
    _finish(order.id)
    return Order.get_by_id(order.id)


@transactional
def start_order(order_ref: Ref | Order, expected_version: int | None = None) -> Order:
    """The operator's explicit "work has started" (new -> in progress)."""
    order = _touch(get_order(order_ref).id, expected_version)
    if order.cancelled:
        raise ValidationError(
            _("order {number} is cancelled: reopen it first").format(number=order.number)
        )
    if not order.started:
        Order.update(started=True).where(Order.id == order.id).execute()
        audit.record("start", "order", order.id, order.id, {"started": (False, True)})
    _finish(order.id)
    return Order.get_by_id(order.id)


@transactional
def cancel_order(order_ref: Ref | Order, reason: str, expected_version: int | None = None) -> Order:
    """Cancel with a reason; refused while any delivery of the order stands."""
    order = _touch(get_order(order_ref).id, expected_version)
    reason = _text(reason, "cancel reason", max_len=500)
    if order.cancelled:
        raise ValidationError(_("order {number} is already cancelled").format(number=order.number))
    active = Delivery.select().where(Delivery.order == order.id, ~Delivery.cancelled).count()
    if active:
        raise ValidationError(
            _("order {number} has {count} delivery(ies): cancel them before the order").format(
                number=order.number, count=active
            )
        )
    Order.update(cancelled=True, cancel_reason=reason).where(Order.id == order.id).execute()
    audit.record(
        "cancel",
        "order",
        order.id,
        order.id,
        {"status": (order.status, "cancelled"), "reason": reason},
    )
    _finish(order.id, log_status=False)  # the entry above names the transition
    return Order.get_by_id(order.id)


@transactional
def reopen_order(order_ref: Ref | Order, expected_version: int | None = None) -> Order:
    """Undo a cancellation; the status goes back to what the order's facts say."""
    order = _touch(get_order(order_ref).id, expected_version)
    if not order.cancelled:
        raise ValidationError(_("order {number} is not cancelled").format(number=order.number))
    Order.update(cancelled=False, cancel_reason="").where(Order.id == order.id).execute()
    state = _finish(order.id, log_status=False)  # the entry below names the transition
    audit.record("reopen", "order", order.id, order.id, {"status": ("cancelled", state.status)})
    return Order.get_by_id(order.id)


# --------------------------------------------------------------------------- items


def _next_position(model: Any, order_id: int) -> int:
    return (
        int(model.select(fn.MAX(model.position)).where(model.order == order_id).scalar() or 0) + 1
    )


@transactional
def add_item(
    order_ref: Ref | Order,
    article: Ref | Article,
    qty: Decimal | str,
    price: Decimal | str | None = None,
    specs: str = "",
    expected_version: int | None = None,
) -> OrderItem:
    """Add an article to the order; the price defaults to the catalogue price."""
    order = _touch(get_order(order_ref).id, expected_version)
    if order.cancelled:
        raise ValidationError(
            _("order {number} is cancelled: reopen it first").format(number=order.number)
        )
    the_article = get_article(article)
    quantity = parse_qty(qty)
    unit_price = the_article.price if price is None or price == "" else parse_price(price)
    item = OrderItem.create(
        order=order.id,
        position=_next_position(OrderItem, order.id),
        article=the_article,
        qty=quantity,
        price=unit_price,
        specs=specs or "",
    )
    audit.record(
        "add",
        "item",
        item.id,
        order.id,
        {"article": the_article.code, "qty": quantity, "price": unit_price},
    )
    _finish(order.id)
    return OrderItem.get_by_id(item.id)


@transactional
def update_item(
    item_id: int,
    expected_version: int | None = None,
    *,
    qty: Decimal | str | None = None,
    price: Decimal | str | None = None,
    specs: str | None = None,
) -> OrderItem:
    item = _get(OrderItem, item_id, "order item")
    order = _touch(item.order_id, expected_version)
    if order.cancelled:
        raise ValidationError(
            _("order {number} is cancelled: reopen it first").format(number=order.number)
        )
    changes: dict[str, tuple[Any, Any]] = {}
    if qty is not None:
        new_qty = parse_qty(qty)
        if new_qty < item.delivered:
            raise ValidationError(
                _(
                    "{qty} of this item were already delivered: the quantity "
                    "cannot go below that (cancel the delivery first)"
                ).format(qty=format_qty(item.delivered))
            )
        _set(item, "qty", new_qty, changes)
    if price is not None:
        _set(item, "price", parse_price(price), changes)
    if specs is not None:
        _set(item, "specs", specs, changes)
    item.save()
    if changes:
        audit.record("update", "item", item.id, item.order_id, changes)
    _finish(item.order_id)
    return OrderItem.get_by_id(item.id)


@transactional
def remove_item(item_id: int, expected_version: int | None = None) -> None:
    item = _get(OrderItem, item_id, "order item")
    _touch(item.order_id, expected_version)
    article = Article.get_by_id(item.article_id)
    if item.delivered > 0:
        raise ValidationError(
            _(
                "{qty} of {article} were already delivered on this line: "
                "cancel the delivery before removing it"
            ).format(qty=format_qty(item.delivered), article=article.code)
        )
    item.delete_instance()
    audit.record(
        "remove", "item", item_id, item.order_id, {"article": article.code, "qty": item.qty}
    )
    _finish(item.order_id)


# --------------------------------------------------------------------------- payment terms


@transactional
def add_term(
    order_ref: Ref | Order,
    name: str,
    due: dt.date | str,
    amount: Decimal | str,
    expected_version: int | None = None,
) -> PaymentTerm:
    """A payment term: "advance 30%" due on a date for an amount."""
    order = _touch(get_order(order_ref).id, expected_version)
    term_name = _text(name, "term name")
    if (
        PaymentTerm.select()
        .where(PaymentTerm.order == order.id, PaymentTerm.name == term_name)
        .exists()
    ):
        raise ValidationError(
            _("order {number} already has a payment term {name!r}").format(
                number=order.number, name=term_name
            )
        )
    term = PaymentTerm.create(
        order=order.id,
        position=_next_position(PaymentTerm, order.id),
        name=term_name,
        due=_date(due, "due date"),
        amount=parse_money(amount),
    )
    audit.record(
        "add",
        "term",
        term.id,
        order.id,
        {"name": term_name, "due": term.due, "amount": term.amount},
    )
    _finish(order.id)
    return PaymentTerm.get_by_id(term.id)


@transactional
def update_term(
    term_id: int,
    expected_version: int | None = None,
    *,
    name: str | None = None,
    due: dt.date | str | None = None,
    amount: Decimal | str | None = None,
) -> PaymentTerm:
    term = _get(PaymentTerm, term_id, "payment term")
    _touch(term.order_id, expected_version)
    changes: dict[str, tuple[Any, Any]] = {}
    if name is not None:
        new_name = _text(name, "term name")
        if new_name != term.name:
            clash = PaymentTerm.select().where(
                PaymentTerm.order == term.order_id,
                PaymentTerm.name == new_name,
                PaymentTerm.id != term.id,
            )
            if clash.exists():
                raise ValidationError(
                    _("the order already has a payment term {name!r}").format(name=new_name)
                )
            _set(term, "name", new_name, changes)
    if due is not None:
        _set(term, "due", _date(due, "due date"), changes)
    if amount is not None:
        _set(term, "amount", parse_money(amount), changes)
    term.save()
    if changes:
        audit.record("update", "term", term.id, term.order_id, changes)
    _finish(term.order_id)
    return PaymentTerm.get_by_id(term.id)


@transactional
def remove_term(term_id: int, expected_version: int | None = None) -> None:
    """Remove a term; its documents stay, no longer tied to a term."""
    term = _get(PaymentTerm, term_id, "payment term")
    _touch(term.order_id, expected_version)
    FinancialDocument.update(term=None).where(FinancialDocument.term == term.id).execute()
    term.delete_instance()
    audit.record(
        "remove", "term", term_id, term.order_id, {"name": term.name, "amount": term.amount}
    )
    _finish(term.order_id)


# --------------------------------------------------------------------------- documents


def _document(order_id: int, ref: Ref | FinancialDocument) -> FinancialDocument:
    """A document of this order, by id, instance or number.

    Numbers are unique per type only, so where a proforma and an invoice of the order share a
    number, the type must be named too ("invoice 1001"); silently picking one would put the
    money on the wrong document.
    """
    doc: FinancialDocument | None
    if isinstance(ref, FinancialDocument):
        doc = ref
    elif isinstance(ref, int):
        doc = FinancialDocument.get_or_none(FinancialDocument.id == ref)
    else:
        text = ref.strip()
        query = FinancialDocument.select().where(FinancialDocument.order == order_id)
        found = list(query.where(FinancialDocument.number == text))
        if not found:
            kind, _sep, number = text.partition(" ")
            if kind in {t.value for t in DocumentType} and number.strip():
                found = list(
                    query.where(
                        FinancialDocument.doc_type == kind,
                        FinancialDocument.number == number.strip(),
                    )
                )
        if len(found) > 1:
            types = sorted(d.doc_type for d in found)
            raise ValidationError(
                _(
                    "{text!r} is the number of a {kinds} of this order: name the type too, "
                    "e.g. '{kind} {text}'"
                ).format(
                    text=text,
                    kinds=" and ".join(types),
                    kind_words=_(" and ").join(status_label(t) for t in types),
                    kind=found[0].doc_type,
                )
            )
        doc = found[0] if found else None
    if doc is None or doc.order_id != order_id:
        raise ValidationError(_("the order has no financial document {ref!r}").format(ref=ref))
    return doc


@transactional
def add_document(
    order_ref: Ref | Order,
    doc_type: str,
    number: str,
    amount: Decimal | str,
    issued: dt.date | str,
    due: dt.date | str | None = None,
    term: int | str | None = None,
    duplicate_of: Ref | FinancialDocument | None = None,
    expected_version: int | None = None,
) -> FinancialDocument:
    """A proforma, invoice or foreign invoice of the order.

    ``duplicate_of`` names a document standing for the same money (the proforma an invoice
    replaces): the two then share one paid amount and one status, and count once in sums.
    A duplicate of a duplicate is tied to the original. A duplicate belongs to its original's
    payment term.
    """
    order = _touch(get_order(order_ref).id, expected_version)
    kind = _choice(doc_type, DocumentType, "document type")
    doc_number = _text(number, "document number", max_len=60)
    clash = (
        FinancialDocument.select(FinancialDocument.order)
        .where(FinancialDocument.doc_type == kind, FinancialDocument.number == doc_number)
        .first()
    )
    if clash is not None:
        other = Order.get_by_id(clash.order_id).number
        raise ValidationError(
            _("{kind} {number} already exists (order {order})").format(
                kind=kind, kind_word=status_label(kind), number=doc_number, order=other
            )
        )
    the_term = _term_of(order.id, term)
    root = None
    if duplicate_of is not None and duplicate_of != "":
        root = _document(order.id, duplicate_of)
        if root.duplicate_of_id is not None:
            root = FinancialDocument.get_by_id(root.duplicate_of_id)
        if the_term is not None and root.term_id not in (None, the_term.id):
            raise ValidationError(
                _("a duplicate belongs to the payment term of {number}, not to {term!r}").format(
                    number=root.number, term=the_term.name
                )
            )
        the_term = PaymentTerm.get_by_id(root.term_id) if root.term_id else the_term
        if root.term_id is None and the_term is not None:
            root.term = the_term
            root.save()
            audit.record("update", "document", root.id, order.id, {"term": (None, the_term.name)})
    issued_date = _date(issued, "issue date")
    due_date = _date(due, "due date", required=False)
    if due_date is not None and issued_date is not None and due_date < issued_date:
        raise ValidationError(
            _("due date {due} is before the issue date {issued}").format(
                due=due_date, issued=issued_date
            )
        )
    doc = FinancialDocument.create(
        order=order.id,
        doc_type=kind,
        number=doc_number,
        amount=parse_money(amount),
        issued=issued_date,
        due=due_date,
        term=the_term,
        duplicate_of=root,
    )
    audit.record(
        "add",
        "document",
        doc.id,
        order.id,
        {
            "type": kind,
            "number": doc_number,
            "amount": doc.amount,
            "duplicate_of": root.number if root else None,
        },
    )
    _finish(order.id)
    return FinancialDocument.get_by_id(doc.id)


def _term_of(order_id: int, term: int | str | None) -> PaymentTerm | None:
    if term is None or term == "":
        return None
    if isinstance(term, int):
        found = PaymentTerm.get_or_none(PaymentTerm.id == term, PaymentTerm.order == order_id)
    else:
        found = PaymentTerm.get_or_none(PaymentTerm.name == term, PaymentTerm.order == order_id)
    if found is None:
        raise ValidationError(_("the order has no payment term {term!r}").format(term=term))
    return found


@transactional
def remove_document(doc_id: int, expected_version: int | None = None) -> None:
    """Remove a document and its allocations (the money goes back to unallocated)."""
    doc = _get(FinancialDocument, doc_id, "financial document")
    _touch(doc.order_id, expected_version)
    dups = [
        d.number for d in FinancialDocument.select().where(FinancialDocument.duplicate_of == doc.id)
    ]
    if dups:
        raise ValidationError(
            _("{number} has duplicate(s) {duplicates}: remove them first").format(
                number=doc.number, duplicates=", ".join(dups)
            )
        )
    doc.delete_instance(recursive=False)
    audit.record("remove", "document", doc_id, doc.order_id, {"number": doc.number})
    _finish(doc.order_id)


# --------------------------------------------------------------------------- payments


@dataclass(frozen=True, slots=True)
class AllocationInput:
    document: int | str  # id or number of a document of the same order
    amount: Decimal | str


def _check_allocations(
    order_id: int, payment_amount: Decimal, allocations: Sequence[AllocationInput]
) -> list[tuple[FinancialDocument, Decimal]]:
    checked: list[tuple[FinancialDocument, Decimal]] = []
    seen: set[int] = set()
    total = ZERO
    for n, a in enumerate(allocations):
        try:
            doc = _document(order_id, a.document)
            amount = parse_money(a.amount, what="allocated amount")
        except ValidationError as exc:
            raise exc.at(f"allocations[{n}]") from None
        if doc.id in seen:
            raise ValidationError(
                _("document {number} is allocated twice").format(number=doc.number)
            ).at(f"allocations[{n}]")
        seen.add(doc.id)
        total += amount
        checked.append((doc, amount))
    if total > payment_amount:
        raise ValidationError(
            _("the allocations ({total}) exceed the payment ({amount}) by {excess}").format(
                total=total, amount=payment_amount, excess=total - payment_amount
            )
        )
    return checked


@transactional
def record_payment(
    order_ref: Ref | Order,
    date: dt.date | str,
    amount: Decimal | str,
    note: str = "",
    allocations: Sequence[AllocationInput] = (),
    expected_version: int | None = None,
) -> Payment:
    """Money received against the order, split over its documents (or not at all: a payment
    without basis counts for the order but for no document until someone allocates it)."""
    order = _touch(get_order(order_ref).id, expected_version)
    value = parse_money(amount)
    checked = _check_allocations(order.id, value, allocations)
    payment = Payment.create(
        order=order.id,
        date=_date(date, "payment date"),
        amount=value,
        note=note or "",
        currency=order.currency,
    )
    for doc, part in checked:
        Allocation.create(payment=payment, document=doc, amount=part)
    audit.record(
        "add",
        "payment",
        payment.id,
        order.id,
        {
            "date": payment.date,
            "amount": value,
            "allocations": {doc.number: str(part) for doc, part in checked},
        },
    )
    _finish(order.id)
    return Payment.get_by_id(payment.id)


@transactional
def allocate(
    payment_id: int,
    document: int | str,
    amount: Decimal | str,
    expected_version: int | None = None,
) -> Payment:
    """Set how much of a payment goes to one document (0 removes the allocation).

    The payment's allocations together never exceed its amount.
    """
    payment = _get(Payment, payment_id, "payment")
    doc = _document(payment.order_id, document)
    value = parse_money(amount, what="allocated amount", allow_zero=True)
    existing = Allocation.get_or_none(
        Allocation.payment == payment.id, Allocation.document == doc.id
    )
    old = existing.amount if existing else ZERO
    if value == old:  # nothing changes: no new version, no audit entry
        return payment
    _touch(payment.order_id, expected_version)
    others = (
        Allocation.select(fn.SUM(Allocation.amount))
        .where(Allocation.payment == payment.id, Allocation.document != doc.id)
        .scalar()
    )
    allocated_elsewhere = from_scaled(others, MONEY_PLACES)
    left = payment.amount - allocated_elsewhere
    if value > left:
        raise ValidationError(
            _(
                "only {left} of this payment is left to allocate; {value} is {excess} too much"
            ).format(left=left, value=value, excess=value - left)
        )
    if value == 0:
        if existing:
            existing.delete_instance()
    elif existing:
        existing.amount = value
        existing.save()
    else:
        Allocation.create(payment=payment, document=doc, amount=value)
    audit.record("allocate", "payment", payment.id, payment.order_id, {doc.number: (old, value)})
    _finish(payment.order_id)
    return Payment.get_by_id(payment.id)


@transactional
def remove_payment(payment_id: int, expected_version: int | None = None) -> None:
    payment = _get(Payment, payment_id, "payment")
    _touch(payment.order_id, expected_version)
    payment.delete_instance(recursive=True)
    audit.record(
        "remove",
        "payment",
        payment_id,
        payment.order_id,
        {"date": payment.date, "amount": payment.amount},
    )
    _finish(payment.order_id)


# --------------------------------------------------------------------------- deliveries


@dataclass(frozen=True, slots=True)
class DeliveryLineInput:
    article: int | str  # id or code
    qty: Decimal | str


@transactional
def add_delivery(
    order_ref: Ref | Order,
    kind: str,
    date: dt.date | str,
    lines: Sequence[DeliveryLineInput],
    number: str | None = None,
    address: str | None = None,
    note: str = "",
    allow_over: bool = False,
    expected_version: int | None = None,
) -> Delivery:
    """A sale or shipment handing articles of the order to the client.

    Delivering more of an article than is left to deliver needs ``allow_over`` (the operator's
    explicit confirmation), and is then recorded in the audit log as an over-delivery.
    """
    order = _touch(get_order(order_ref).id, expected_version)
    if order.cancelled:
        raise ValidationError(_("order {number} is cancelled").format(number=order.number))
    the_kind = _choice(kind, DeliveryKind, "delivery kind")
    day = _date(date, "delivery date")
    assert day is not None
    if not lines:
        raise ValidationError(_("a delivery needs at least one line"))
    ordered: dict[int, Decimal] = {}
    delivered: dict[int, Decimal] = {}
    for item in OrderItem.select().where(OrderItem.order == order.id):
        ordered[item.article_id] = ordered.get(item.article_id, ZERO) + item.qty
        delivered[item.article_id] = delivered.get(item.article_id, ZERO) + item.delivered
    checked: list[tuple[Article, Decimal]] = []
    over: dict[str, str] = {}
    for n, line in enumerate(lines):
        try:
            article = get_article(line.article)
            qty = parse_qty(line.qty)
        except (ValidationError, NotFound) as exc:
            raise ValidationError(str(exc)).at(f"lines[{n}]") from None
        if article.id not in ordered:
            raise ValidationError(
                _("article {article} is not on order {number}").format(
                    article=article.code, number=order.number
                )
            ).at(f"lines[{n}]")
        delivered[article.id] += qty
        if delivered[article.id] > ordered[article.id]:
            over[article.code] = format_qty(delivered[article.id] - ordered[article.id])
        checked.append((article, qty))
    if over and not allow_over:
        details = ", ".join(
            _("{article} by {qty}").format(article=code, qty=qty) for code, qty in over.items()
        )
        raise ValidationError(
            _("this delivers more than was ordered ({details}); confirm to record it").format(
                details=details
            )
        )
    if number:
        the_number = _text(number, "delivery number", max_len=60)
    else:
        prefix = "S" if the_kind == DeliveryKind.SALE.value else "SH"
        the_number = f"{prefix}-{format_number(day.year, next_seq(the_kind, day.year))}"
    if Delivery.select().where(Delivery.kind == the_kind, Delivery.number == the_number).exists():
        raise ValidationError(
            _("{kind} {number} already exists").format(
                kind=the_kind, kind_word=status_label(the_kind), number=the_number
            )
        )
    addr: Address | None
    if address:
        addr = client_address(Client.get_by_id(order.client_id), address)
    else:
        addr = Address.get_or_none(Address.id == order.address_id) if order.address_id else None
    delivery = Delivery.create(
        order=order.id, kind=the_kind, number=the_number, date=day, address=addr, note=note or ""
    )
    for article, qty in checked:
        DeliveryLine.create(delivery=delivery, article=article, qty=qty)
    changes: dict[str, Any] = {
        "kind": the_kind,
        "number": the_number,
        "lines": {a.code: format_qty(q) for a, q in checked},
    }
    if over:
        changes["over_delivery"] = over
    audit.record("deliver", "delivery", delivery.id, order.id, changes)
    _finish(order.id)
    return Delivery.get_by_id(delivery.id)


@transactional
def cancel_delivery(delivery_id: int, expected_version: int | None = None) -> Delivery:
    """Cancel a sale or shipment: its quantities count as not delivered again."""
    delivery = _get(Delivery, delivery_id, "delivery")
    _touch(delivery.order_id, expected_version)
    if delivery.cancelled:
        raise ValidationError(
            _("{kind} {number} is already cancelled").format(
                kind=delivery.kind, kind_word=status_label(delivery.kind), number=delivery.number
            )
        )
    Delivery.update(cancelled=True).where(Delivery.id == delivery.id).execute()
    audit.record("cancel", "delivery", delivery.id, delivery.order_id, {"number": delivery.number})
    _finish(delivery.order_id)
    return Delivery.get_by_id(delivery.id)


# --------------------------------------------------------------------------- linked orders


@transactional
def link_order(
    order_ref: Ref | Order,
    kind: str,
    number: str,
    status: str = LinkStatus.PLANNED.value,
    deadline: dt.date | str | None = None,
    expected: dt.date | str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> LinkedOrder:
    """Link a production or purchase order; its deadline defaults to the order's."""
    order = _touch(get_order(order_ref).id, expected_version)
    the_kind = _choice(kind, LinkKind, "linked order kind")
    the_number = _text(number, "linked order number", max_len=60)
    if (
        LinkedOrder.select()
        .where(
            LinkedOrder.order == order.id,
            LinkedOrder.kind == the_kind,
            LinkedOrder.number == the_number,
        )
        .exists()
    ):
        raise ValidationError(
            _("{kind} order {number} is already linked").format(
                kind=the_kind, kind_word=status_label(the_kind), number=the_number
            )
        )
    typed = LINK_NUMBER_RE.match(the_number)
    if typed and typed.group(1) == LINK_PREFIX[the_kind]:
        # a number of the generated form, typed or imported: the generator moves past it
        move_past(the_kind, int(typed.group(2)), int(typed.group(3)))
    link = LinkedOrder.create(
        order=order.id,
        kind=the_kind,
        number=the_number,
        status=_choice(status, LinkStatus, "status"),
        deadline=_date(deadline, "deadline", required=False) or order.deadline,
        expected=_date(expected, "expected date", required=False),
        note=note or "",
    )
    audit.record(
        "link", "linked_order", link.id, order.id, {"kind": the_kind, "number": the_number}
    )
    _finish(order.id)
    return LinkedOrder.get_by_id(link.id)


@transactional
def update_link(
    link_id: int,
    expected_version: int | None = None,
    *,
    status: str | None = None,
    expected: dt.date | str | None = None,
    deadline: dt.date | str | None = None,
    note: str | None = None,
) -> LinkedOrder:
    link = _get(LinkedOrder, link_id, "linked order")
    _touch(link.order_id, expected_version)
    changes: dict[str, tuple[Any, Any]] = {}
    if status is not None:
        new = _choice(status, LinkStatus, "status")
        _set(link, "status", new, changes)
    if expected is not None:
        day = _date(expected, "expected date", required=False)
        _set(link, "expected", day, changes)
    if deadline is not None:
        _set(link, "deadline", _date(deadline, "deadline", required=False), changes)
    if note is not None:
        _set(link, "note", note, changes)
    link.save()
    if changes:
        audit.record("update", "linked_order", link.id, link.order_id, changes)
    _finish(link.order_id)
    return LinkedOrder.get_by_id(link.id)


def _link_number(kind: str, year: int) -> str:
    """The next free ``PR-YYYY-NNNNN`` / ``PO-YYYY-NNNNN`` (call inside a write transaction).

    The counter is the app's per-year sequence; numbers already in the database (imported,
    demo data, typed by hand) are skipped: the counter moves past the highest of that year.
    """
    prefix = f"{LINK_PREFIX[kind]}-{year:04d}-"
    for _attempt in range(3):
        number = f"{prefix}{next_seq(kind, year):05d}"
        taken = LinkedOrder.select().where(LinkedOrder.kind == kind, LinkedOrder.number == number)
        if not taken.exists():
            return number
        # an index range on (kind, number), not a scan
        highest = (
            LinkedOrder.select(fn.MAX(LinkedOrder.number))
            .where(
                LinkedOrder.kind == kind,
                LinkedOrder.number >= prefix,
                LinkedOrder.number < prefix + "\U0010ffff",
            )
            .scalar()
        )
        tail = str(highest or "")[len(prefix) :]
        if tail.isdigit():
            move_past(kind, year, int(tail))
    raise ValidationError(  # pragma: no cover
        _("no free {kind} order number in {year}: give one").format(
            kind=kind, kind_word=status_label(kind), year=year
        )
    )


@transactional
def create_linked(
    order_ref: Ref | Order,
    kind: str,
    number: str | None = None,
    *,
    status: str = LinkStatus.PLANNED.value,
    deadline: dt.date | str | None = None,
    expected: dt.date | str | None = None,
    note: str = "",
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> LinkedOrder:
    """Create a production or purchase order from a client order, or link an existing number.

    It inherits the order's deadline (unless ``deadline`` is given); without ``number`` one is
    generated (``PR-2026-00003`` for production, ``PO-2026-00017`` for purchase) from the
    year of ``today``. The order goes to *in progress* (a link that is not cancelled).
    """
    the_kind = _choice(kind, LinkKind, "linked order kind")
    if number is None or not str(number).strip():
        number = _link_number(the_kind, (today or dt.date.today()).year)
    return link_order(
        order_ref,
        the_kind,
        number,
        status=status,
        deadline=deadline,
        expected=expected,
        note=note,
        expected_version=expected_version,
    )


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One line of the production / purchase orders list."""

    id: int
    kind: str
    number: str
    status: str
    deadline: dt.date | None
    expected: dt.date | None
    note: str
    order_id: int
    order_number: str
    order_deadline: dt.date
    client: str

    def overdue_days(self, today: dt.date) -> int:
        """Days past its expected date (else its deadline) while not done; 0 when not late."""
        if self.status in (LinkStatus.DONE.value, LinkStatus.CANCELLED.value):
            return 0
        due = self.expected or self.deadline
        return max(0, (today - due).days) if due else 0


#: statuses of the links that still need doing
OPEN_LINK_STATUSES = (LinkStatus.PLANNED.value, LinkStatus.IN_PROGRESS.value)


def list_links(
    kind: str | None = None,
    status: str | Sequence[str] | None = None,
    text: str = "",
    *,
    limit: int = 200,
) -> list[LinkRow]:
    """Production / purchase orders for their list screen, by deadline (then expected date).

    ``kind``: production or purchase (None: both); ``status``: one status or several, or
    ``"open"`` for planned and in progress (None: all); ``text``: part of the link's number, or
    a prefix of the client order's number (any case).
    """
    query = (
        LinkedOrder.select(
            LinkedOrder.id,
            LinkedOrder.kind,
            LinkedOrder.number,
            LinkedOrder.status,
            LinkedOrder.deadline,
            LinkedOrder.expected,
            LinkedOrder.note,
            Order.id,
            Order.number,
            Order.deadline,
            Client.name,
        )
        .join(Order, on=(LinkedOrder.order == Order.id))
        .join(Client, on=(Order.client == Client.id))
    )
    if kind:
        query = query.where(LinkedOrder.kind == _choice(kind, LinkKind, "linked order kind"))
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        if "open" in wanted:
            wanted = [w for w in wanted if w != "open"] + list(OPEN_LINK_STATUSES)
        for w in wanted:
            _choice(w, LinkStatus, "status")
        query = query.where(LinkedOrder.status.in_(sorted(set(wanted))))
    needle = text.strip()
    if needle:
        query = query.where(
            fn.LOWER(LinkedOrder.number).contains(needle.lower())
            | ((Order.number >= needle) & (Order.number < needle + "\U0010ffff"))
        )
    query = query.order_by(
        fn.COALESCE(LinkedOrder.deadline, Order.deadline), LinkedOrder.expected, LinkedOrder.id
    ).limit(limit)
    return [LinkRow(*row) for row in query.tuples()]


@transactional
def update_document(
    doc_id: int,
    expected_version: int | None = None,
    *,
    number: str | None = None,
    amount: Decimal | str | None = None,
    issued: dt.date | str | None = None,
    due: dt.date | str | None = None,
    clear_due: bool = False,
    term: int | str | None = None,
    clear_term: bool = False,
) -> FinancialDocument:
    """Correct a financial document: number, amount, dates or payment term.

    Its type and what it duplicates stay (remove it and add it again to change those). A
    duplicate's term follows its original; changing the original's term moves the pair.
    """
    doc = _get(FinancialDocument, doc_id, "financial document")
    order = _touch(doc.order_id, expected_version)
    changes: dict[str, tuple[Any, Any]] = {}
    if number is not None:
        new_number = _text(number, "document number", max_len=60)
        if new_number != doc.number:
            clash = FinancialDocument.select().where(
                FinancialDocument.doc_type == doc.doc_type,
                FinancialDocument.number == new_number,
                FinancialDocument.id != doc.id,
            )
            if clash.exists():
                raise ValidationError(
                    _("{kind} {number} already exists").format(
                        kind=doc.doc_type, kind_word=status_label(doc.doc_type), number=new_number
                    )
                )
            _set(doc, "number", new_number, changes)
    if amount is not None:
        _set(doc, "amount", parse_money(amount), changes)
    if issued is not None:
        _set(doc, "issued", _date(issued, "issue date"), changes)
    if clear_due or due is not None:
        _set(doc, "due", None if clear_due else _date(due, "due date", required=False), changes)
    if doc.due is not None and doc.due < doc.issued:
        raise ValidationError(
            _("due date {due} is before the issue date {issued}").format(
                due=doc.due, issued=doc.issued
            )
        )
    if clear_term or term is not None:
        if doc.duplicate_of_id is not None:
            raise ValidationError(
                _("a duplicate belongs to its original's payment term: change the original's")
            )
        new_term = None if clear_term else _term_of(order.id, term)
        old_term = PaymentTerm.get_or_none(PaymentTerm.id == doc.term_id) if doc.term_id else None
        if (new_term.id if new_term else None) != doc.term_id:
            changes["term"] = (
                old_term.name if old_term else None,
                new_term.name if new_term else None,
            )
            doc.term = new_term
            FinancialDocument.update(term=new_term).where(
                FinancialDocument.duplicate_of == doc.id
            ).execute()
    doc.save()
    if changes:
        audit.record("update", "document", doc.id, order.id, changes)
    _finish(order.id)
    return FinancialDocument.get_by_id(doc.id)


@transactional
def update_payment(
    payment_id: int,
    expected_version: int | None = None,
    *,
    date: dt.date | str | None = None,
    amount: Decimal | str | None = None,
    note: str | None = None,
) -> Payment:
    """Correct a payment's date, amount or note. The amount never goes below what is
    already allocated from it (lower the allocations first)."""
    payment = _get(Payment, payment_id, "payment")
    _touch(payment.order_id, expected_version)
    changes: dict[str, tuple[Any, Any]] = {}
    if date is not None:
        _set(payment, "date", _date(date, "payment date"), changes)
    if amount is not None:
        new_amount = parse_money(amount)
        allocated = from_scaled(
            Allocation.select(fn.SUM(Allocation.amount))
            .where(Allocation.payment == payment.id)
            .scalar(),
            MONEY_PLACES,
        )
        if new_amount < allocated:
            raise ValidationError(
                _(
                    "{allocated} of this payment is allocated to documents: the amount cannot go "
                    "below that (lower the allocations first)"
                ).format(allocated=allocated)
            )
        _set(payment, "amount", new_amount, changes)
    if note is not None:
        _set(payment, "note", note, changes)
    payment.save()
    if changes:
        audit.record("update", "payment", payment.id, payment.order_id, changes)
    _finish(payment.order_id)
    return Payment.get_by_id(payment.id)


def history(order_ref: Ref | Order) -> list[AuditLog]:
    """The order's audit log, oldest first."""
    order = get_order(order_ref)
    return list(AuditLog.select().where(AuditLog.order == order.id).order_by(AuditLog.id))


__all__ = [
    "AllocationInput",
    "DeliveryLineInput",
    "LinkRow",
    "add_delivery",
    "add_document",
    "add_item",
    "add_term",
    "allocate",
    "cancel_delivery",
    "cancel_order",
    "create_linked",
    "create_order",
    "get_order",
    "history",
    "link_order",
    "list_links",
    "record_payment",
    "remove_document",
    "remove_item",
    "remove_payment",
    "remove_term",
    "reopen_order",
    "start_order",
    "update_document",
    "update_item",
    "update_link",
    "update_order",
    "update_payment",
    "update_term",
]
