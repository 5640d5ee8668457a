"""Offers (оферти): what a client was offered, and the order it became.

An offer has a client, an address, lines (article, quantity, price, technical specifics), a
validity date and a note. Its status is derived, never stored (:func:`offer_status`):

* ``confirmed`` once it became an order (``Offer.order`` points at it);
* ``expired`` when its validity date (``valid_until``) is before today and it is not confirmed;
* ``open`` otherwise (no validity date: open until confirmed).

:func:`confirm_offer` creates the order in the same transaction: its document is the offer
(``document_kind = "offer"``, ``document_ref`` = the offer's number, as the importer and the
demo data already record it) and ``Offer.order`` is the link back, so the order screen finds
its offer and the offer shows its order. The order has no field of its own for it (decision:
the link lives on the offer, where schema 1 already had it; no new column on the busy order
table). An offer is confirmed once, never when expired.

Offers carry a ``version`` like orders: every change bumps it, and a change made from a stale
read (``expected_version``) fails with :class:`ConflictError`, nothing written. Every change
writes an audit entry (entity ``offer`` / ``offer_line``; the confirmation goes on the new
order's history too).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import JOIN, fn

from ..i18n import _
from . import audit
from .compute import line_amount
from .db import database, transactional
from .errors import ConflictError, NotFound, ValidationError
from .masterdata import _text, client_address, get_article, get_client
from .models import (
    Address,
    Article,
    Client,
    DocumentKind,
    Offer,
    OfferItem,
    OfferStatus,
    Order,
    OrderItem,
    Tax,
)
from .money import ZERO, format_price, format_qty, parse_price, parse_qty
from .numbers import move_past, next_seq
from .orders import _date, _finish, create_order
from .queries import clients_matching

Ref = int | str

#: The deadline of an order confirmed from an offer when none is given: this many days after
#: the confirmation (an order's deadline is mandatory; the operator corrects it on the order).
DEFAULT_DEADLINE_DAYS = 30
NUMBER_PREFIX = "OF"


def offer_status(
    order_id: int | None, valid_until: dt.date | None, today: dt.date | None = None
) -> OfferStatus:
    """confirmed / expired / open, from the offer's order link and validity date."""
    if order_id is not None:
        return OfferStatus.CONFIRMED
    day = today or dt.date.today()
    if valid_until is not None and valid_until < day:
        return OfferStatus.EXPIRED
    return OfferStatus.OPEN


def get_offer(ref: Ref | Offer) -> Offer:
    """An offer by id, instance or number."""
    if isinstance(ref, Offer):
        return ref
    query = Offer.select()
    offer = (
        query.where(Offer.id == ref).first()
        if isinstance(ref, int)
        else query.where(Offer.number == str(ref).strip()).first()
    )
    if offer is None:
        raise NotFound(_("no offer {ref!r}").format(ref=ref))
    return offer


def _offer_number(year: int) -> str:
    """The next free ``OF-YYYY-NNNNN`` (inside a write transaction); numbers already taken
    (imported, demo data) are skipped by moving the year's counter past the highest."""
    prefix = f"{NUMBER_PREFIX}-{year:04d}-"
    for _attempt in range(3):
        number = f"{prefix}{next_seq('offer', year):05d}"
        if not Offer.select().where(Offer.number == number).exists():
            return number
        highest = (
            Offer.select(fn.MAX(Offer.number))
            .where(Offer.number >= prefix, Offer.number < prefix + "\U0010ffff")
            .scalar()
        )
        tail = str(highest or "")[len(prefix) :]
        if tail.isdigit():
            move_past("offer", year, int(tail))
    raise ValidationError(  # pragma: no cover
        _("no free offer number in {year}: give one").format(year=year)
    )


def _touch(offer_id: int, expected_version: int | None) -> Offer:
    """Claim the offer for this change: version + 1, or a conflict if it moved on."""
    query = Offer.update(version=Offer.version + 1).where(Offer.id == offer_id)
    if expected_version is not None:
        query = query.where(Offer.version == expected_version)
    if query.execute() == 0:
        offer = Offer.get_or_none(Offer.id == offer_id)
        if offer is None:
            raise NotFound(_("no offer with id {id}").format(id=offer_id))
        raise ConflictError(
            _(
                "offer {number} was changed in another terminal since you opened it; "
                "nothing was saved: reload it and make your change again"
            ).format(number=offer.number)
        )
    return Offer.get_by_id(offer_id)


def _editable(offer: Offer) -> None:
    if offer.order_id is not None:
        number = Order.select(Order.number).where(Order.id == offer.order_id).scalar()
        raise ValidationError(
            _(
                "offer {number} was confirmed as order {order}: it no longer changes "
                "(change the order)"
            ).format(number=offer.number, order=number)
        )


# --------------------------------------------------------------------------- offers


@dataclass(frozen=True, slots=True)
class OfferLineInput:
    article: int | str  # id or code
    qty: Decimal | str
    price: Decimal | str | None = None  # None: the catalogue price
    specs: str = ""


@transactional
def create_offer(
    client: Ref | Client,
    valid_until: dt.date | str | None = None,
    *,
    created: dt.date | str | None = None,
    address: str | None = None,
    note: str = "",
    number: str | None = None,
    lines: list[OfferLineInput] | tuple[OfferLineInput, ...] = (),
) -> Offer:
    """A new offer, numbered ``OF-YYYY-NNNNN`` from the creation year unless ``number`` is
    given; ``address`` is a label of the client's addresses (None: the default one)."""
    the_client = get_client(client)
    created_date = _date(created, "created", required=False) or dt.date.today()
    valid = _date(valid_until, "valid until", required=False)
    if valid is not None and valid < created_date:
        raise ValidationError(
            _("valid until {valid} is before the offer's date {created}").format(
                valid=valid.isoformat(), created=created_date.isoformat()
            )
        )
    the_address = client_address(the_client, address)
    if number:
        number = _text(number, "offer number", max_len=30)
        if Offer.select().where(Offer.number == number).exists():
            raise ValidationError(_("offer number {number} is already used").format(number=number))
    else:
        number = _offer_number(created_date.year)
    offer = Offer.create(
        number=number,
        client=the_client,
        address=the_address,
        created=created_date,
        valid_until=valid,
        note=note or "",
    )
    audit.record(
        "create",
        "offer",
        offer.id,
        None,
        {
            "number": number,
            "client": the_client.name,
            "valid_until": valid,
            "created": created_date,
        },
    )
    for n, line in enumerate(lines):
        try:
            _add_line(offer, line.article, line.qty, line.price, line.specs)
        except (ValidationError, NotFound) as exc:
            raise ValidationError(str(exc)).at(f"lines[{n}]") from None
    return Offer.get_by_id(offer.id)


OFFER_EDITABLE = ("client", "address", "created", "valid_until", "note")


@transactional
def update_offer(offer_ref: Ref | Offer, expected_version: int | None, **fields: Any) -> Offer:
    """Change an offer that is not confirmed yet (see ``OFFER_EDITABLE``).

    ``valid_until=None`` clears the validity date (valid until confirmed); a new ``client``
    takes its default address unless ``address`` is given too.
    """
    unknown = set(fields) - set(OFFER_EDITABLE)
    if unknown:
        raise ValidationError(
            _("cannot change {fields} of an offer").format(fields=", ".join(sorted(unknown)))
        )
    offer = _touch(get_offer(offer_ref).id, expected_version)
    _editable(offer)
    changes: dict[str, tuple[Any, Any]] = {}
    client = Client.get_by_id(offer.client_id)
    if "client" in fields:
        new_client = get_client(fields["client"])
        if new_client.id != client.id:
            changes["client"] = (client.name, new_client.name)
            offer.client = new_client
            client = new_client
            if "address" not in fields:
                fields["address"] = None  # the new client's default
    if "address" in fields:
        addr = client_address(client, fields["address"])
        old = Address.get_or_none(Address.id == offer.address_id) if offer.address_id else None
        if (addr.id if addr else None) != offer.address_id:
            changes["address"] = (old.label if old else None, addr.label if addr else None)
            offer.address = addr
    if "created" in fields:
        day = _date(fields["created"], "created")
        if day != offer.created:
            changes["created"] = (offer.created, day)
            offer.created = day
    if "valid_until" in fields:
        day = _date(fields["valid_until"], "valid until", required=False)
        if day != offer.valid_until:
            changes["valid_until"] = (offer.valid_until, day)
            offer.valid_until = day
    if "note" in fields:
        note = fields["note"] or ""
        if note != offer.note:
            changes["note"] = (offer.note, note)
            offer.note = note
    if offer.valid_until is not None and offer.valid_until < offer.created:
        raise ValidationError(
            _("valid until {valid} is before the offer's date {created}").format(
                valid=offer.valid_until.isoformat(), created=offer.created.isoformat()
            )
        )
    offer.save()
    if changes:
        audit.record("update", "offer", offer.id, None, changes)
    return Offer.get_by_id(offer.id)


# --------------------------------------------------------------------------- lines


def _add_line(
    offer: Offer,
    article: Ref | Article,
    qty: Decimal | str,
    price: Decimal | str | None,
    specs: str,
) -> OfferItem:
    the_article = get_article(article)
    quantity = parse_qty(qty)
    unit_price = the_article.price if price is None or price == "" else parse_price(price)
    position = (
        int(
            OfferItem.select(fn.MAX(OfferItem.position)).where(OfferItem.offer == offer.id).scalar()
            or 0
        )
        + 1
    )
    line = OfferItem.create(
        offer=offer.id,
        position=position,
        article=the_article,
        qty=quantity,
        price=unit_price,
        specs=specs or "",
    )
    audit.record(
        "add",
        "offer_line",
        line.id,
        None,
        {
            "offer": offer.number,
            "article": the_article.code,
            "qty": format_qty(quantity),
            "price": format_price(unit_price),
        },
    )
    return line


@transactional
def add_offer_line(
    offer_ref: Ref | Offer,
    article: Ref | Article,
    qty: Decimal | str,
    price: Decimal | str | None = None,
    specs: str = "",
    expected_version: int | None = None,
) -> OfferItem:
    """Add an article to the offer; the price defaults to the catalogue price."""
    offer = _touch(get_offer(offer_ref).id, expected_version)
    _editable(offer)
    line = _add_line(offer, article, qty, price, specs)
    return OfferItem.get_by_id(line.id)


def _line(line_id: int) -> OfferItem:
    line = OfferItem.get_or_none(OfferItem.id == line_id)
    if line is None:
        raise NotFound(_("no offer line with id {id}").format(id=line_id))
    return line


@transactional
def update_offer_line(
    line_id: int,
    expected_version: int | None = None,
    *,
    qty: Decimal | str | None = None,
    price: Decimal | str | None = None,
    specs: str | None = None,
) -> OfferItem:
    line = _line(line_id)
    offer = _touch(line.offer_id, expected_version)
    _editable(offer)
    changes: dict[str, tuple[Any, Any]] = {}
    new: Any
    if qty is not None:
        new = parse_qty(qty)
        if new != line.qty:
            changes["qty"] = (format_qty(line.qty), format_qty(new))
            line.qty = new
    if price is not None:
        new = parse_price(price)
        if new != line.price:
            changes["price"] = (format_price(line.price), format_price(new))
            line.price = new
    if specs is not None and specs != line.specs:
        changes["specs"] = (line.specs, specs)
        line.specs = specs
    line.save()
    if changes:
        audit.record("update", "offer_line", line.id, None, {"offer": offer.number, **changes})
    return OfferItem.get_by_id(line.id)


@transactional
def remove_offer_line(line_id: int, expected_version: int | None = None) -> None:
    line = _line(line_id)
    offer = _touch(line.offer_id, expected_version)
    _editable(offer)
    code = Article.select(Article.code).where(Article.id == line.article_id).scalar()
    line.delete_instance()
    audit.record(
        "remove",
        "offer_line",
        line_id,
        None,
        {"offer": offer.number, "article": code, "qty": format_qty(line.qty)},
    )


# --------------------------------------------------------------------------- confirmation


@transactional
def confirm_offer(
    offer_ref: Ref | Offer,
    expected_version: int | None = None,
    *,
    deadline: dt.date | str | None = None,
    created: dt.date | str | None = None,
    tax: Ref | Tax | None = None,
    today: dt.date | None = None,
) -> Order:
    """Turn the offer into an order, in one transaction, and return the order.

    The order: the offer's client and address, its lines as items (same articles, quantities,
    prices, specifics, in order), document ``offer`` with the offer's number, the offer's note;
    created ``created`` (default today), deadline ``deadline`` (default
    :data:`DEFAULT_DEADLINE_DAYS` after the creation). Refused for an offer already confirmed,
    an expired one (extend its validity first) and one without lines.
    """
    day = today or dt.date.today()
    found = get_offer(offer_ref)
    # Claim it: only one terminal can confirm an offer (the row stays locked until commit on
    # PostgreSQL; SQLite's write transaction excludes the others anyway).
    claim = Offer.update(version=Offer.version + 1).where(
        Offer.id == found.id, Offer.order.is_null()
    )
    if expected_version is not None:
        claim = claim.where(Offer.version == expected_version)
    if claim.execute() == 0:
        offer = Offer.get_or_none(Offer.id == found.id)
        if offer is None:
            raise NotFound(_("no offer with id {id}").format(id=found.id))
        if offer.order_id is not None:
            number = Order.select(Order.number).where(Order.id == offer.order_id).scalar()
            raise ValidationError(
                _("offer {number} was already confirmed: it became order {order}").format(
                    number=offer.number, order=number
                )
            )
        raise ConflictError(
            _(
                "offer {number} was changed in another terminal since you opened it; "
                "nothing was saved: reload it and confirm again"
            ).format(number=offer.number)
        )
    offer = Offer.get_by_id(found.id)
    if offer.valid_until is not None and offer.valid_until < day:
        raise ValidationError(
            _(
                "offer {number} expired on {valid}: extend its "
                "validity (valid until) before confirming it"
            ).format(number=offer.number, valid=offer.valid_until.isoformat())
        )
    lines = list(OfferItem.select().where(OfferItem.offer == offer.id).order_by(OfferItem.position))
    if not lines:
        raise ValidationError(
            _("offer {number} has no lines: there is nothing to order").format(number=offer.number)
        )
    created_date = _date(created, "created", required=False) or day
    deadline_date = _date(deadline, "deadline", required=False) or (
        created_date + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)
    )
    address = Address.get_or_none(Address.id == offer.address_id) if offer.address_id else None
    order = create_order(
        offer.client_id,
        deadline_date,
        created=created_date,
        address=address.label if address else None,
        document_kind=DocumentKind.OFFER.value,
        document_ref=offer.number,
        tax=tax,
        note=offer.note,
    )
    for position, line in enumerate(lines, 1):
        OrderItem.create(
            order=order.id,
            position=position,
            article=line.article_id,
            qty=line.qty,
            price=line.price,
            specs=line.specs,
        )
    Offer.update(order=order.id).where(Offer.id == offer.id).execute()
    audit.record(
        "confirm",
        "offer",
        offer.id,
        order.id,
        {
            "offer": offer.number,
            "order": order.number,
            "items": {
                f"{n}": f"{code} x {format_qty(line.qty)} @ {format_price(line.price)}"
                for n, (line, code) in enumerate(
                    zip(lines, _codes([ln.article_id for ln in lines]), strict=True), 1
                )
            },
        },
    )
    _finish(order.id)
    return Order.get_by_id(order.id)


def _codes(article_ids: list[int]) -> list[str]:
    codes = dict(
        Article.select(Article.id, Article.code).where(Article.id.in_(article_ids)).tuples()
    )
    return [codes.get(a, "?") for a in article_ids]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class OfferRow:
    """One line of the offer list."""

    id: int
    number: str
    client: str
    currency: str
    created: dt.date
    valid_until: dt.date | None
    status: str
    order_id: int | None
    order_number: str
    lines: int
    total: Decimal
    note: str
    version: int


@dataclass(frozen=True, slots=True)
class OfferLineView:
    id: int
    position: int
    article_id: int
    article_code: str
    article_name: str
    unit: str
    qty: Decimal
    price: Decimal
    amount: Decimal
    specs: str


@dataclass(frozen=True, slots=True)
class OfferDetail:
    """One offer as its screen (and ``offer show``) shows it."""

    id: int
    number: str
    version: int
    client_id: int
    client: str
    currency: str
    address_label: str
    address_text: str
    created: dt.date
    valid_until: dt.date | None
    note: str
    status: str
    order_id: int | None
    order_number: str
    lines: tuple[OfferLineView, ...]

    @property
    def total(self) -> Decimal:
        """Σ line amounts (no tax: an offer names none; the order applies one)."""
        return sum((ln.amount for ln in self.lines), ZERO)


def list_offers(
    text: str = "",
    *,
    include_expired: bool = True,
    include_confirmed: bool = True,
    today: dt.date | None = None,
    limit: int = 200,
) -> list[OfferRow]:
    """Offers, newest first. ``text``: part of the number or of the client's name (any case,
    any script). Expired and confirmed offers are listed (and marked) unless excluded."""
    day = today or dt.date.today()
    # The page of offers is chosen first and joined after: joining every offer to its client
    # and order before the sort and the limit took 1.7 s on the demo's 190,000 offers (0.13 s
    # this way), on every keystroke of the offers screen's search.
    page = Offer.select(Offer.id)
    if not include_confirmed:
        page = page.where(Offer.order.is_null())
    if not include_expired:
        page = page.where(
            Offer.order.is_null(False) | Offer.valid_until.is_null() | (Offer.valid_until >= day)
        )
    needle = text.strip()
    if needle:
        ids = clients_matching(needle)
        by_number = fn.LOWER(Offer.number).contains(needle.lower())
        page = page.where(by_number | Offer.client.in_(ids)) if ids else page.where(by_number)
    page = page.order_by(Offer.created.desc(), Offer.id.desc()).limit(limit)
    query = (
        Offer.select(
            Offer.id,
            Offer.number,
            Client.name,
            Client.currency,
            Offer.created,
            Offer.valid_until,
            Offer.order,
            Order.number,
            Offer.note,
            Offer.version,
        )
        .join(Client, on=(Offer.client == Client.id))
        .switch(Offer)
        .join(Order, JOIN.LEFT_OUTER, on=(Offer.order == Order.id))
        .where(Offer.id.in_(page))
    )
    rows = list(query.order_by(Offer.created.desc(), Offer.id.desc()).tuples())
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[int, int] = defaultdict(int)
    if rows:
        for offer_id, qty, price in (
            OfferItem.select(OfferItem.offer, OfferItem.qty, OfferItem.price)
            .where(OfferItem.offer.in_([r[0] for r in rows]))
            .tuples()
        ):
            totals[offer_id] += line_amount(qty, price)
            counts[offer_id] += 1
    out = []
    for row in rows:
        oid, number, client, currency, created, valid, order_id, order_number, note, version = row
        out.append(
            OfferRow(
                id=oid,
                number=number,
                client=client,
                currency=currency,
                created=created,
                valid_until=valid,
                status=offer_status(order_id, valid, day).value,
                order_id=order_id,
                order_number=order_number or "",
                lines=counts[oid],
                total=totals[oid],
                note=note,
                version=version,
            )
        )
    return out


def offer_detail(offer_ref: Ref | Offer, today: dt.date | None = None) -> OfferDetail:
    """Everything the offer screen shows, in one read transaction."""
    with database.atomic():
        offer = get_offer(offer_ref)
        client = Client.get_by_id(offer.client_id)
        address = Address.get_or_none(Address.id == offer.address_id) if offer.address_id else None
        order_number = (
            Order.select(Order.number).where(Order.id == offer.order_id).scalar()
            if offer.order_id
            else ""
        )
        lines = tuple(
            OfferLineView(
                lid,
                pos,
                aid,
                code,
                name,
                unit,
                qty,
                price,
                line_amount(qty, price),
                specs,
            )
            for lid, pos, aid, code, name, unit, qty, price, specs in (
                OfferItem.select(
                    OfferItem.id,
                    OfferItem.position,
                    Article.id,
                    Article.code,
                    Article.name,
                    Article.unit,
                    OfferItem.qty,
                    OfferItem.price,
                    OfferItem.specs,
                )
                .join(Article, on=(OfferItem.article == Article.id))
                .where(OfferItem.offer == offer.id)
                .order_by(OfferItem.position, OfferItem.id)
                .tuples()
            )
        )
    return OfferDetail(
        id=offer.id,
        number=offer.number,
        version=offer.version,
        client_id=client.id,
        client=client.name,
        currency=client.currency,
        address_label=address.label if address else "",
        address_text=address.text if address else "",
        created=offer.created,
        valid_until=offer.valid_until,
        note=offer.note,
        status=offer_status(offer.order_id, offer.valid_until, today).value,
        order_id=offer.order_id,
        order_number=order_number or "",
        lines=lines,
    )


__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "OfferDetail",
    "OfferLineInput",
    "OfferLineView",
    "OfferRow",
    "add_offer_line",
    "confirm_offer",
    "create_offer",
    "get_offer",
    "list_offers",
    "offer_detail",
    "offer_status",
    "remove_offer_line",
    "update_offer",
    "update_offer_line",
]
