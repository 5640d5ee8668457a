"""The JSON interchange format: import (parse, then :func:`bulk.load`) and export.

The format is described field by field in docs/interchange.md. In short: one JSON object with
the lists ``taxes``, ``clients``, ``articles``, ``offers`` and ``orders``; records refer to each
other by name, code or number, never by database id; amounts, prices, quantities and rates are
strings (``"12.50"``), dates ISO ``YYYY-MM-DD``.

:func:`parse` checks the structure (types, enums, unknown and missing keys) and turns JSON into
:class:`~tui_orders.data.dataset.Dataset` records; :func:`bulk.load` checks the references and
the rules, and writes everything or nothing. Every error is a :class:`ValidationError` whose
path names the record and field (``orders[2].items[0].qty: 'abc' is not a number``).

The export writes the same shape plus the computed fields (read-only: an import accepts and
ignores them), so an export imported into an empty database exports identically again.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from peewee import JOIN, fn

from . import split_import
from .bulk import LoadStats, gc_paused, load
from .compute import (
    AllocationFact,
    DocumentFact,
    ItemFact,
    OrderFacts,
    PaymentFact,
    TermFact,
    compute_order,
    coverage,
)
from .dataset import (
    AddressRec,
    AllocationRec,
    ArticleRec,
    AttachmentRec,
    ClientRec,
    Dataset,
    DeliveryLineRec,
    DeliveryRec,
    DocumentRec,
    ItemRec,
    LinkRec,
    OfferItemRec,
    OfferRec,
    OrderRec,
    PaymentRec,
    TaxRec,
    TermRec,
)
from .db import database
from .errors import ValidationError
from .models import (
    Address,
    Allocation,
    Article,
    Attachment,
    Barcode,
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
    Offer,
    OfferItem,
    Order,
    OrderItem,
    Payment,
    PaymentTerm,
    Tax,
)
from .money import (
    MONEY_PLACES,
    PRICE_PLACES,
    QTY_PLACES,
    RATE_PLACES,
    fast_parser,
    format_money,
    parse_money,
    parse_price,
    parse_qty,
    parse_rate,
)

#: Orders read per batch when exporting (a handful of queries per batch).
EXPORT_BATCH = 2000
#: File content held at most while exporting (bytes; base64 makes it a third more).
EXPORT_FILE_BYTES = 64 * 1024 * 1024

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# --------------------------------------------------------------------------- parsing helpers


def _key_path(path: str, key: str) -> str:
    if key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _what(value: object) -> str:
    """How a JSON value is called in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _record(
    obj: object,
    path: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    ignored: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``obj`` as a JSON object with exactly these keys (computed ``ignored`` ones allowed)."""
    if not isinstance(obj, dict):
        raise ValidationError(f"must be an object {{...}}, not {_what(obj)}", path)
    for key in obj:
        if key not in required and key not in optional and key not in ignored:
            expected = ", ".join((*required, *optional))
            raise ValidationError(
                f"unknown key (expected one of: {expected})", _key_path(path, key)
            )
    for key in required:
        if key not in obj:
            raise ValidationError("is missing (required)", _key_path(path, key))
    return obj


def _list(obj: dict[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
    """The elements of an optional list with their paths (``[]`` when absent or null)."""
    value = obj.get(key)
    where = _key_path(path, key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"must be a list [...], not {_what(value)}", where)
    return [(f"{where}[{n}]", item) for n, item in enumerate(value)]


def _str(obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
    """A name, code or number: text, stripped; required ones must not be empty."""
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"must be text, not {_what(value)}", _key_path(path, key))
    value = value.strip()
    if required and not value:
        raise ValidationError("must not be empty", _key_path(path, key))
    return value


def _opt_str(obj: dict[str, Any], key: str, path: str) -> str | None:
    """A reference that may be null (or absent): a tax, a term, an order number."""
    if obj.get(key) is None:
        return None
    return _str(obj, key, path)


def _free_text(obj: dict[str, Any], key: str, path: str) -> str:
    """A note or description: any text, kept as written; null or absent is empty."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"must be text, not {_what(value)}", _key_path(path, key))
    return value


def _bool(obj: dict[str, Any], key: str, path: str) -> bool:
    value = obj.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(f"must be true or false, not {_what(value)}", _key_path(path, key))
    return value


def _date(obj: dict[str, Any], key: str, path: str) -> dt.date:
    value = obj.get(key)
    where = _key_path(path, key)
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise ValidationError(f"{_what(value)} is not a date (YYYY-MM-DD)", where)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD)", where) from None


def _opt_date(obj: dict[str, Any], key: str, path: str) -> dt.date | None:
    return None if obj.get(key) is None else _date(obj, key, path)


def _number(
    obj: dict[str, Any], key: str, path: str, parser: Callable[..., Decimal], **kwargs: Any
) -> Decimal:
    try:
        return parser(obj.get(key), what="", **kwargs)
    except ValidationError as exc:
        # the field is named by the path; the message starts after the (empty) "what"
        raise ValidationError(exc.message.strip(), _key_path(path, key)) from None


def _choice(obj: dict[str, Any], key: str, path: str, allowed: Any, default: str = "") -> str:
    value = obj.get(key, default or None)
    if value is None and default:
        value = default
    names = [e.value for e in allowed]
    if value not in names:
        raise ValidationError(
            f"{_what(value)} is not one of: {', '.join(names)}", _key_path(path, key)
        )
    return str(value)


# --------------------------------------------------------------------------- parse

#: (required, optional, computed: accepted and ignored) keys of the records that both the
#: full parsers (:func:`_record`) and the fast ones (:func:`_keys`) check
Shape = tuple[tuple[str, ...], ...]


ORDER_COMPUTED = (
    "currency",
    "version",
    "status",
    "financial_status",
    "subtotal",
    "tax_amount",
    "total",
    "paid",
    "unallocated",
    "overpaid",
    "delivered_pct",
    "coverage",
    # added by ``order show --json`` (they depend on the day): read back, they are ignored
    "at_risk",
    "delay_causes",
)


ITEM_SHAPE: Shape = (("article", "qty", "price"), ("specs",), ("amount", "delivered"))
OFFER_SHAPE: Shape = (
    ("number", "client", "created"),
    ("valid_until", "items", "order", "address", "note"),
)
ORDER_SHAPE: Shape = (
    ("client", "created", "deadline"),
    (
        "number",
        "address",
        "document",
        "tax",
        "note",
        "started",
        "cancelled",
        "cancel_reason",
        "items",
        "payment_terms",
        "documents",
        "payments",
        "deliveries",
        "links",
        "attachments",
    ),
    ORDER_COMPUTED,
)
ORDER_DOCUMENT_SHAPE: Shape = ((), ("kind", "ref"))
TERM_SHAPE: Shape = (("name", "due", "amount"), (), ("paid", "status"))
DOCUMENT_SHAPE: Shape = (
    ("type", "number", "amount", "issued"),
    ("due", "term", "duplicate_of"),
    ("paid", "status"),
)
PAYMENT_SHAPE: Shape = (("date", "amount"), ("note", "allocations"), ("unallocated",))
ALLOCATION_SHAPE: Shape = (("document", "amount"),)
DELIVERY_SHAPE: Shape = (("kind", "number", "date"), ("lines", "cancelled"))
LINE_SHAPE: Shape = (("article", "qty"),)
LINK_SHAPE: Shape = (("kind", "number"), ("status", "deadline", "expected"))


def parse(obj: object) -> Dataset:
    """Check the structure of an interchange document and turn it into a :class:`Dataset`.

    Only the structure and the values are checked here (types, enums, numbers, dates,
    unknown and missing keys); references and rules are checked by :func:`bulk.load`.

    Offers and orders (nearly all of a large file) first go through a fast parser
    (:func:`_offer_fast`, :func:`_order_fast`) that accepts only the common, valid shape and
    builds the same records; a record it does not accept goes through the full parser
    (:func:`_offer`, :func:`_order`), which gives the record back or the error naming the
    record and field. So the messages, and what is accepted, are the full parser's.
    """
    top = _record(obj, "", (), ("taxes", "clients", "articles", "offers", "orders"))
    return Dataset(
        taxes=[_tax(rec, path) for path, rec in _list(top, "taxes", "")],
        clients=[_client(rec, path) for path, rec in _list(top, "clients", "")],
        articles=[_article(rec, path) for path, rec in _list(top, "articles", "")],
        offers=_fast_list(top, "offers", _offer_fast, _offer),
        orders=_fast_list(top, "orders", _order_fast, _order),
    )


def _fast_list(
    top: dict[str, Any], key: str, fast: Callable[[Any], Any], full: Callable[[Any, str], Any]
) -> list[Any]:
    """The records of the list ``key``: each by ``fast``, else by ``full`` (see :func:`parse`)."""
    value = top.get(key)
    if type(value) is not list:
        return [full(rec, path) for path, rec in _list(top, key, "")]
    out: list[Any] = []
    append = out.append
    for n, rec in enumerate(value):
        try:
            append(fast(rec))
        except Exception:  # not the common shape, or not valid: the full parser decides
            append(full(rec, f"{key}[{n}]"))
    return out


# --------------------------------------------------------------------------- fast parsers
#
# They accept only what the full parsers accept, and build the very same records; anything
# else raises (``_Slow`` or whatever a wrong type raises), and the full parser takes over.


class _Slow(Exception):
    """Not the common shape: the full parser decides."""


_money_fast = fast_parser(MONEY_PLACES, allow_zero=False)
_qty_fast = fast_parser(QTY_PLACES, allow_zero=False)
_price_fast = fast_parser(PRICE_PLACES, allow_zero=True)

#: the dates met so far (text -> date), valid ones only
_DATES: dict[str, dt.date] = {}


def _f_date(value: Any) -> dt.date:
    """As :func:`_date`."""
    day = _DATES.get(value)
    if day is None:
        if type(value) is not str or not _DATE_RE.match(value):
            raise _Slow
        day = dt.date.fromisoformat(value)  # ValueError: the full parser says why
        if len(_DATES) > 100_000:
            _DATES.clear()
        _DATES[value] = day
    return day


def _f_opt_date(value: Any) -> dt.date | None:
    return None if value is None else _f_date(value)


def _f_str(value: Any) -> str:
    """As :func:`_str` (required)."""
    if type(value) is str:
        value = value.strip()
        if value:
            return value
    raise _Slow


def _f_opt_str(value: Any) -> str | None:
    """As :func:`_opt_str`."""
    return None if value is None else _f_str(value)


def _f_text(value: Any) -> str:
    """As :func:`_free_text`."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    raise _Slow


def _f_bool(value: Any) -> bool:
    """As :func:`_bool`."""
    if value is None:
        return False
    if type(value) is bool:
        return value
    raise _Slow


def _f_money(value: Any) -> Decimal:
    number = _money_fast(value)
    if number is None:
        raise _Slow
    return number


def _f_qty(value: Any) -> Decimal:
    number = _qty_fast(value)
    if number is None:
        raise _Slow
    return number


def _f_price(value: Any) -> Decimal:
    number = _price_fast(value)
    if number is None:
        raise _Slow
    return number


def _f_list(value: Any) -> list[Any]:
    """As :func:`_list`, without the paths."""
    if value is None:
        return []
    if type(value) is list:
        return value
    raise _Slow


def _keys(required: tuple[str, ...], *others: tuple[str, ...]) -> Callable[[Any], None]:
    """As :func:`_record`: a check that raises unless ``obj`` is an object with these keys."""
    need = frozenset(required)
    allowed = frozenset(required).union(*others)

    def check(obj: Any) -> None:
        if type(obj) is not dict:
            raise _Slow
        keys = obj.keys()
        if not (keys <= allowed and need <= keys):
            raise _Slow

    return check


_DOC_KINDS = frozenset(e.value for e in DocumentKind)
_DOC_TYPES = frozenset(e.value for e in DocumentType)
_DELIVERY_KINDS = frozenset(e.value for e in DeliveryKind)
_LINK_KINDS = frozenset(e.value for e in LinkKind)
_LINK_STATUSES = frozenset(e.value for e in LinkStatus)

_ITEM_KEYS = _keys(*ITEM_SHAPE)
_OFFER_KEYS = _keys(*OFFER_SHAPE)
_ORDER_KEYS = _keys(*ORDER_SHAPE)
_ORDER_DOC_KEYS = _keys(*ORDER_DOCUMENT_SHAPE)
_TERM_KEYS = _keys(*TERM_SHAPE)
_DOCUMENT_KEYS = _keys(*DOCUMENT_SHAPE)
_PAYMENT_KEYS = _keys(*PAYMENT_SHAPE)
_ALLOCATION_KEYS = _keys(*ALLOCATION_SHAPE)
_DELIVERY_KEYS = _keys(*DELIVERY_SHAPE)
_LINE_KEYS = _keys(*LINE_SHAPE)
_LINK_KEYS = _keys(*LINK_SHAPE)


def _f_items(value: Any) -> list[tuple[str, Decimal, Decimal, str]]:
    """(article, qty, price, specs) of the items, as :func:`_items`."""
    items = []
    for item in _f_list(value):
        _ITEM_KEYS(item)
        get = item.get
        items.append(
            (
                _f_str(get("article")),
                _f_qty(get("qty")),
                _f_price(get("price")),
                _f_text(get("specs")),
            )
        )
    return items


def _offer_fast(rec: Any) -> OfferRec:
    """As :func:`_offer`, for the common shape only."""
    _OFFER_KEYS(rec)
    get = rec.get
    return OfferRec(
        number=_f_str(get("number")),
        client=_f_str(get("client")),
        created=_f_date(get("created")),
        valid_until=_f_opt_date(get("valid_until")),
        items=[OfferItemRec(*i) for i in _f_items(get("items"))],
        order=_f_opt_str(get("order")),
        address=_f_opt_str(get("address")),
        note=_f_text(get("note")),
    )


def _order_fast(rec: Any) -> OrderRec:
    """As :func:`_order`, for the common shape only (an order with files is not)."""
    _ORDER_KEYS(rec)
    if rec.get("attachments"):
        raise _Slow
    get = rec.get
    kind, ref = "contract", ""
    doc = get("document")
    if doc is not None:
        _ORDER_DOC_KEYS(doc)
        kind = doc.get("kind", "contract")
        if kind is None:
            kind = "contract"
        if kind not in _DOC_KINDS:
            raise _Slow
        ref = doc.get("ref")
        ref = "" if ref is None else _f_ref(ref)
    terms = []
    for t in _f_list(get("payment_terms")):
        _TERM_KEYS(t)
        terms.append(TermRec(_f_str(t["name"]), _f_date(t["due"]), _f_money(t["amount"])))
    documents = []
    for d in _f_list(get("documents")):
        _DOCUMENT_KEYS(d)
        dget = d.get
        dtype = d["type"]
        if dtype not in _DOC_TYPES:
            raise _Slow
        documents.append(
            DocumentRec(
                dtype,
                _f_str(d["number"]),
                _f_money(d["amount"]),
                _f_date(d["issued"]),
                _f_opt_date(dget("due")),
                _f_opt_str(dget("term")),
                _f_opt_str(dget("duplicate_of")),
            )
        )
    payments = []
    for pay in _f_list(get("payments")):
        _PAYMENT_KEYS(pay)
        allocations = []
        for a in _f_list(pay.get("allocations")):
            _ALLOCATION_KEYS(a)
            allocations.append(AllocationRec(_f_str(a["document"]), _f_money(a["amount"])))
        payments.append(
            PaymentRec(
                _f_date(pay["date"]), _f_money(pay["amount"]), _f_text(pay.get("note")), allocations
            )
        )
    deliveries = []
    for d in _f_list(get("deliveries")):
        _DELIVERY_KEYS(d)
        dkind = d["kind"]
        if dkind not in _DELIVERY_KINDS:
            raise _Slow
        lines = []
        for line in _f_list(d.get("lines")):
            _LINE_KEYS(line)
            lines.append(DeliveryLineRec(_f_str(line["article"]), _f_qty(line["qty"])))
        deliveries.append(
            DeliveryRec(
                dkind, _f_str(d["number"]), _f_date(d["date"]), lines, _f_bool(d.get("cancelled"))
            )
        )
    links = []
    for x in _f_list(get("links")):
        _LINK_KEYS(x)
        lkind = x["kind"]
        status = x.get("status", "planned")
        if status is None:
            status = "planned"
        if lkind not in _LINK_KINDS or status not in _LINK_STATUSES:
            raise _Slow
        links.append(
            LinkRec(
                lkind,
                _f_str(x["number"]),
                status,
                _f_opt_date(x.get("deadline")),
                _f_opt_date(x.get("expected")),
            )
        )
    return OrderRec(
        client=_f_str(get("client")),
        created=_f_date(get("created")),
        deadline=_f_date(get("deadline")),
        number=_f_opt_str(get("number")),
        address=_f_opt_str(get("address")),
        document_kind=kind,
        document_ref=ref,
        tax=_f_opt_str(get("tax")),
        note=_f_text(get("note")),
        started=_f_bool(get("started")),
        cancelled=_f_bool(get("cancelled")),
        cancel_reason=_f_text(get("cancel_reason")),
        items=[ItemRec(*i) for i in _f_items(get("items"))],
        payment_terms=terms,
        documents=documents,
        payments=payments,
        deliveries=deliveries,
        links=links,
    )


def _f_ref(value: Any) -> str:
    """As :func:`_str` (not required): text, stripped, may be empty."""
    if type(value) is str:
        return value.strip()
    raise _Slow


def _tax(obj: object, path: str) -> TaxRec:
    rec = _record(obj, path, ("name", "rate"))
    return TaxRec(_str(rec, "name", path), _number(rec, "rate", path, parse_rate))


def _client(obj: object, path: str) -> ClientRec:
    rec = _record(obj, path, ("name", "currency"), ("vat_id", "addresses"))
    addresses = []
    for apath, item in _list(rec, "addresses", path):
        a = _record(item, apath, ("label",), ("text", "default"))
        addresses.append(
            AddressRec(
                _str(a, "label", apath), _free_text(a, "text", apath), _bool(a, "default", apath)
            )
        )
    return ClientRec(
        name=_str(rec, "name", path),
        currency=_str(rec, "currency", path),
        vat_id=_str(rec, "vat_id", path, required=False),
        addresses=addresses,
    )


def _article(obj: object, path: str) -> ArticleRec:
    rec = _record(obj, path, ("code", "name", "price"), ("unit", "barcodes"))
    barcodes = []
    for bpath, code in _list(rec, "barcodes", path):
        if not isinstance(code, str) or not code.strip():
            raise ValidationError(f"a barcode must be text, not {_what(code)}", bpath)
        barcodes.append(code.strip())
    unit = _str(rec, "unit", path) if rec.get("unit") is not None else "pcs"
    return ArticleRec(
        code=_str(rec, "code", path),
        name=_str(rec, "name", path),
        price=_number(rec, "price", path, parse_price),
        unit=unit,
        barcodes=barcodes,
    )


def _items(rec: dict[str, Any], path: str) -> list[ItemRec]:
    items = []
    for ipath, obj in _list(rec, "items", path):
        item = _record(obj, ipath, *ITEM_SHAPE)
        items.append(
            ItemRec(
                article=_str(item, "article", ipath),
                qty=_number(item, "qty", ipath, parse_qty),
                price=_number(item, "price", ipath, parse_price),
                specs=_free_text(item, "specs", ipath),
            )
        )
    return items


def _offer(obj: object, path: str) -> OfferRec:
    rec = _record(obj, path, *OFFER_SHAPE)
    return OfferRec(
        number=_str(rec, "number", path),
        client=_str(rec, "client", path),
        created=_date(rec, "created", path),
        valid_until=_opt_date(rec, "valid_until", path),
        items=[OfferItemRec(i.article, i.qty, i.price, i.specs) for i in _items(rec, path)],
        order=_opt_str(rec, "order", path),
        address=_opt_str(rec, "address", path),
        note=_free_text(rec, "note", path),
    )


def _order(obj: object, path: str) -> OrderRec:
    rec = _record(obj, path, *ORDER_SHAPE)
    kind, ref = DocumentKind.CONTRACT.value, ""
    if rec.get("document") is not None:
        dpath = _key_path(path, "document")
        doc = _record(rec["document"], dpath, *ORDER_DOCUMENT_SHAPE)
        kind = _choice(doc, "kind", dpath, DocumentKind, DocumentKind.CONTRACT.value)
        ref = _str(doc, "ref", dpath, required=False)
    return OrderRec(
        client=_str(rec, "client", path),
        created=_date(rec, "created", path),
        deadline=_date(rec, "deadline", path),
        number=_opt_str(rec, "number", path),
        address=_opt_str(rec, "address", path),
        document_kind=kind,
        document_ref=ref,
        tax=_opt_str(rec, "tax", path),
        note=_free_text(rec, "note", path),
        started=_bool(rec, "started", path),
        cancelled=_bool(rec, "cancelled", path),
        cancel_reason=_free_text(rec, "cancel_reason", path),
        items=_items(rec, path),
        payment_terms=[_term(t, tpath) for tpath, t in _list(rec, "payment_terms", path)],
        documents=[_document(d, dpath) for dpath, d in _list(rec, "documents", path)],
        payments=[_payment(p, ppath) for ppath, p in _list(rec, "payments", path)],
        deliveries=[_delivery(d, dpath) for dpath, d in _list(rec, "deliveries", path)],
        links=[_link(x, lpath) for lpath, x in _list(rec, "links", path)],
        attachments=[_attachment(a, apath) for apath, a in _list(rec, "attachments", path)],
    )


def _attachment(obj: object, path: str) -> AttachmentRec:
    """A file of the order: its content in base64; ``size`` and ``sha256``, when given,
    must match it (a damaged or cut file is refused, not imported)."""
    rec = _record(obj, path, ("name", "content"), ("added", "user", "note", "size", "sha256"))
    content_path = _key_path(path, "content")
    text = rec["content"]
    if not isinstance(text, str):
        raise ValidationError(
            f"must be the file's bytes in base64 text, not {_what(text)}", content_path
        )
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("is not valid base64", content_path) from None
    size, sha = rec.get("size"), rec.get("sha256")
    if size is not None and (type(size) is not int or size != len(content)):
        raise ValidationError(
            f"says {size!r} bytes, the content has {len(content)}", _key_path(path, "size")
        )
    if sha is not None and sha != hashlib.sha256(content).hexdigest():
        raise ValidationError(
            "does not match the content (a damaged file?)", _key_path(path, "sha256")
        )
    added = rec.get("added")
    when: dt.datetime | None = None
    if added is not None:
        try:
            when = dt.datetime.fromisoformat(added) if isinstance(added, str) else None
        except ValueError:
            when = None
        if when is None:
            raise ValidationError(
                f"must be a date and time such as 2026-11-27T14:05:00, not {added!r}",
                _key_path(path, "added"),
            )
    return AttachmentRec(
        name=_str(rec, "name", path),
        content=content,
        added=when,
        user=_str(rec, "user", path, required=False),
        note=_free_text(rec, "note", path),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _term(obj: object, path: str) -> TermRec:
    rec = _record(obj, path, *TERM_SHAPE)
    return TermRec(
        name=_str(rec, "name", path),
        due=_date(rec, "due", path),
        amount=_number(rec, "amount", path, parse_money),
    )


def _document(obj: object, path: str) -> DocumentRec:
    rec = _record(obj, path, *DOCUMENT_SHAPE)
    return DocumentRec(
        type=_choice(rec, "type", path, DocumentType),
        number=_str(rec, "number", path),
        amount=_number(rec, "amount", path, parse_money),
        issued=_date(rec, "issued", path),
        due=_opt_date(rec, "due", path),
        term=_opt_str(rec, "term", path),
        duplicate_of=_opt_str(rec, "duplicate_of", path),
    )


def _payment(obj: object, path: str) -> PaymentRec:
    rec = _record(obj, path, *PAYMENT_SHAPE)
    allocations = []
    for apath, item in _list(rec, "allocations", path):
        a = _record(item, apath, *ALLOCATION_SHAPE)
        allocations.append(
            AllocationRec(_str(a, "document", apath), _number(a, "amount", apath, parse_money))
        )
    return PaymentRec(
        date=_date(rec, "date", path),
        amount=_number(rec, "amount", path, parse_money),
        note=_free_text(rec, "note", path),
        allocations=allocations,
    )


def _delivery(obj: object, path: str) -> DeliveryRec:
    rec = _record(obj, path, *DELIVERY_SHAPE)
    lines = []
    for lpath, item in _list(rec, "lines", path):
        line = _record(item, lpath, *LINE_SHAPE)
        lines.append(
            DeliveryLineRec(_str(line, "article", lpath), _number(line, "qty", lpath, parse_qty))
        )
    return DeliveryRec(
        kind=_choice(rec, "kind", path, DeliveryKind),
        number=_str(rec, "number", path),
        date=_date(rec, "date", path),
        lines=lines,
        cancelled=_bool(rec, "cancelled", path),
    )


def _link(obj: object, path: str) -> LinkRec:
    rec = _record(obj, path, *LINK_SHAPE)
    return LinkRec(
        kind=_choice(rec, "kind", path, LinkKind),
        number=_str(rec, "number", path),
        status=_choice(rec, "status", path, LinkStatus, LinkStatus.PLANNED.value),
        deadline=_opt_date(rec, "deadline", path),
        expected=_opt_date(rec, "expected", path),
    )


# --------------------------------------------------------------------------- import


def import_data(obj: object) -> LoadStats:
    """Import an already decoded interchange document: all of it, or nothing (the cyclic
    garbage collector paused, as in :func:`import_file`)."""
    with gc_paused():
        return load(parse(obj), source="import")


def read_json(path: str | Path) -> object:
    """Decode a JSON file; a file that cannot be read or decoded is a :class:`ValidationError`."""
    return decode_json(read_text(path), str(path))


def read_text(path: str | Path) -> str:
    """The text of a UTF-8 file (a byte order mark dropped), or a :class:`ValidationError`."""
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except OSError as exc:
        raise ValidationError(f"cannot read the file: {exc.strerror or exc}", name) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"the file is not UTF-8 text (byte {exc.start}: {exc.reason})", name
        ) from None


def decode_json(text: str, name: str) -> object:
    """``json.loads``, its errors a :class:`ValidationError` naming ``name``, line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", name
        ) from None
    except RecursionError:
        raise ValidationError("not valid JSON: nested too deeply", name) from None


def import_file(path: str | Path, *, parallel: bool = False) -> LoadStats:
    """Import an interchange file: all of it, or nothing.

    With the cyclic garbage collector paused (:func:`bulk.gc_paused`: decoding and parsing
    make millions of objects and no cycles; the collector walking them took half the time),
    and the decoded JSON freed before the records are loaded (it is the larger of the two).

    ``parallel`` (the command line): a large file into a database without orders is decoded
    and loaded by this process and a forked one together (:func:`split_import.load_split`)
    when that applies; the result is the same, and any error is found and told by the
    ordinary road.
    """
    with gc_paused():
        if parallel:
            text = read_text(path)
            stats = split_import.load_split(text, parse)
            if stats is not None:
                return stats
            obj = decode_json(text, str(path))
            del text
        else:
            obj = read_json(path)
        dataset = parse(obj)
        del obj
        return load(dataset, source="import")


# --------------------------------------------------------------------------- export
#
# The export reads plain rows (``_rows``) and formats the stored scaled integers itself: going
# through peewee's per-value conversion (a ``strptime`` per SQLite date, a Decimal per amount)
# took most of the time of a large export. The formatting is the one of :mod:`money`
# (``format_money`` and the others; a test holds them equal).


def _rows(query: Any) -> list[tuple[Any, ...]]:
    """The raw database values of a peewee query."""
    sql, params = query.sql()
    return list(database.execute_sql(sql, params).fetchall())


def _money(scaled: int) -> str:
    """= ``format_money`` of a stored amount (cents)."""
    if scaled < 0:
        return "-" + _money(-scaled)
    return f"{scaled // 100}.{scaled % 100:02d}"


def _qty(scaled: int) -> str:
    """= ``format_qty`` of a stored quantity (thousandths)."""
    whole, frac = divmod(scaled, 1000)
    return f"{whole}.{frac:03d}".rstrip("0") if frac else str(whole)


def _price(scaled: int) -> str:
    """= ``format_price`` of a stored price (ten-thousandths)."""
    whole, frac = divmod(scaled, 10_000)
    return f"{whole}.{f'{frac:04d}'.rstrip('0').ljust(2, '0')}"


def _rate(scaled: int) -> str:
    """= ``format_rate`` of a stored rate (ten-thousandths of a percent)."""
    whole, frac = divmod(scaled, 10_000)
    return f"{whole}.{frac:04d}".rstrip("0") if frac else str(whole)


def _moment(value: Any) -> str:
    """A stored date and time as ISO text (SQLite gives text, PostgreSQL a datetime)."""
    return value.replace(" ", "T") if isinstance(value, str) else value.isoformat()


def _day(value: Any) -> str | None:
    """A stored date as ``YYYY-MM-DD`` (SQLite gives text, PostgreSQL a date)."""
    if value is None:
        return None
    return value[:10] if isinstance(value, str) else value.isoformat()


def _dec(scaled: int, places: int) -> Decimal:
    return Decimal(scaled).scaleb(-places)


def _export_taxes() -> list[dict[str, Any]]:
    return [
        {"name": name, "rate": _rate(rate)}
        for name, rate in _rows(Tax.select(Tax.name, Tax.rate).order_by(Tax.id))
    ]


def _export_clients() -> list[dict[str, Any]]:
    addresses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for client_id, label, text, is_default in _rows(
        Address.select(Address.client, Address.label, Address.text, Address.is_default).order_by(
            Address.id
        )
    ):
        addresses[client_id].append({"label": label, "text": text, "default": bool(is_default)})
    return [
        {"name": name, "vat_id": vat_id, "currency": currency, "addresses": addresses[cid]}
        for cid, name, vat_id, currency in _rows(
            Client.select(Client.id, Client.name, Client.vat_id, Client.currency).order_by(
                Client.id
            )
        )
    ]


def _export_articles() -> list[dict[str, Any]]:
    barcodes: dict[int, list[str]] = defaultdict(list)
    for article_id, code in _rows(
        Barcode.select(Barcode.article, Barcode.code).order_by(Barcode.id)
    ):
        barcodes[article_id].append(code)
    return [
        {
            "code": code,
            "name": name,
            "unit": unit,
            "price": _price(price),
            "barcodes": barcodes[aid],
        }
        for aid, code, name, unit, price in _rows(
            Article.select(
                Article.id, Article.code, Article.name, Article.unit, Article.price
            ).order_by(Article.id)
        )
    ]


class _Names:
    """id -> name maps of the master data: all of it, or what one order needs."""

    def __init__(self, order_id: int | None = None) -> None:
        clients = Client.select(Client.id, Client.name)
        addresses = Address.select(Address.id, Address.label)
        articles = Article.select(Article.id, Article.code)
        if order_id is not None:
            the_order = Order.select(Order.client).where(Order.id == order_id)
            clients = clients.where(Client.id.in_(the_order))
            addresses = addresses.where(
                Address.id.in_(Order.select(Order.address).where(Order.id == order_id))
            )
            used = OrderItem.select(OrderItem.article).where(OrderItem.order == order_id) | (
                DeliveryLine.select(DeliveryLine.article)
                .join(Delivery)
                .where(Delivery.order == order_id)
            )
            articles = articles.where(Article.id.in_(used))
        self.clients: dict[int, str] = dict(_rows(clients))
        self.addresses: dict[int, str] = dict(_rows(addresses))
        self.articles: dict[int, str] = dict(_rows(articles))
        self.taxes: dict[int, tuple[str, Decimal]] = {
            tid: (name, _dec(rate, RATE_PLACES))
            for tid, name, rate in _rows(Tax.select(Tax.id, Tax.name, Tax.rate))
        }


def _offer_batches(names: _Names, batch: int = EXPORT_BATCH) -> Iterator[list[dict[str, Any]]]:
    """Offers by id, ``batch`` at a time, with their items (two queries per batch)."""
    last = 0
    while True:
        rows = _rows(
            Offer.select(
                Offer.id,
                Offer.number,
                Offer.client,
                Offer.address,
                Offer.created,
                Offer.valid_until,
                Offer.note,
                Order.number,
            )
            .join(Order, JOIN.LEFT_OUTER, on=(Offer.order == Order.id))
            .where(Offer.id > last)
            .order_by(Offer.id)
            .limit(batch)
        )
        if not rows:
            return
        items: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for offer_id, article_id, qty, price, specs in _rows(
            OfferItem.select(
                OfferItem.offer, OfferItem.article, OfferItem.qty, OfferItem.price, OfferItem.specs
            )
            .where(OfferItem.offer.between(rows[0][0], rows[-1][0]))
            .order_by(OfferItem.offer, OfferItem.position, OfferItem.id)
        ):
            items[offer_id].append(
                {
                    "article": names.articles[article_id],
                    "qty": _qty(qty),
                    "price": _price(price),
                    "specs": specs,
                }
            )
        yield [
            {
                "number": number,
                "client": names.clients[client_id],
                "address": names.addresses.get(address_id) if address_id else None,
                "created": _day(created),
                "valid_until": _day(valid_until),
                "note": note,
                "items": items.get(oid, []),
                "order": order_number,
            }
            for oid, number, client_id, address_id, created, valid_until, note, order_number in rows
        ]
        if len(rows) < batch:
            return
        last = rows[-1][0]


_ORDER_COLUMNS = (
    Order.id,
    Order.number,
    Order.client,
    Order.address,
    Order.currency,
    Order.document_kind,
    Order.document_ref,
    Order.created,
    Order.deadline,
    Order.tax,
    Order.note,
    Order.started,
    Order.cancelled,
    Order.cancel_reason,
    Order.version,
    Order.status,
    Order.financial_status,
    Order.subtotal,
    Order.tax_amount,
    Order.total,
    Order.paid,
    Order.unallocated,
    Order.delivered_pct,
)


def _order_batches(names: _Names, batch: int = EXPORT_BATCH) -> Iterator[list[dict[str, Any]]]:
    """Orders by id, ``batch`` at a time, each batch read in one query per table; orders with
    files go in smaller batches, so that at most about :data:`EXPORT_FILE_BYTES` of file
    content is held at once."""
    last = 0
    while True:
        rows = _rows(
            Order.select(*_ORDER_COLUMNS).where(Order.id > last).order_by(Order.id).limit(batch)
        )
        if not rows:
            return
        for part in _by_file_bytes(rows):
            yield _export_batch(names, part)
        if len(rows) < batch:
            return
        last = rows[-1][0]


def _by_file_bytes(rows: list[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """``rows`` (orders by id) in runs whose files hold at most :data:`EXPORT_FILE_BYTES`
    together (an order with more: a run of its own)."""
    sizes = dict(
        _rows(
            Attachment.select(Attachment.order, fn.SUM(Attachment.size))
            .where(Attachment.order.between(rows[0][0], rows[-1][0]))
            .group_by(Attachment.order)
        )
    )
    if sum(sizes.values()) <= EXPORT_FILE_BYTES:
        yield rows
        return
    run: list[tuple[Any, ...]] = []
    held = 0
    for row in rows:
        size = sizes.get(row[0], 0)
        if run and held + size > EXPORT_FILE_BYTES:
            yield run
            run, held = [], 0
        run.append(row)
        held += size
    if run:
        yield run


def _export_batch(
    names: _Names, rows: list[tuple[Any, ...]], *, content: bool = True
) -> list[dict[str, Any]]:
    """The export of the orders in ``rows`` (sorted by id), their parts in one query each.

    ``content`` False: an order's files are listed without their bytes (``order show``).
    """
    lo, hi = rows[0][0], rows[-1][0]

    def scope(column: Any) -> Any:
        # a range scan of the order index: the batch is every order with an id from lo to hi
        return column.between(lo, hi)

    facts: dict[int, OrderFacts] = {}
    out: dict[int, dict[str, Any]] = {}
    for (
        oid,
        number,
        client_id,
        address_id,
        currency,
        kind,
        ref,
        created,
        deadline,
        tax_id,
        note,
        started,
        cancelled,
        cancel_reason,
        version,
        status,
        financial_status,
        subtotal,
        tax_amount,
        total,
        paid,
        unallocated,
        delivered_pct,
    ) in rows:
        tax_name, rate = names.taxes[tax_id] if tax_id else (None, None)
        facts[oid] = OrderFacts(tax_rate=rate, started=bool(started), cancelled=bool(cancelled))
        out[oid] = {
            "number": number,
            "client": names.clients[client_id],
            "address": names.addresses.get(address_id) if address_id else None,
            "document": {"kind": kind, "ref": ref},
            "created": _day(created),
            "deadline": _day(deadline),
            "tax": tax_name,
            "note": note,
            "started": bool(started),
            "cancelled": bool(cancelled),
            "cancel_reason": cancel_reason,
            "currency": currency,
            "version": version,
            "status": status,
            "financial_status": financial_status,
            "subtotal": _money(subtotal),
            "tax_amount": _money(tax_amount),
            "total": _money(total),
            "paid": _money(paid),
            "unallocated": _money(unallocated),
            "overpaid": _money(max(paid - total, 0)),
            "delivered_pct": _money(delivered_pct),
            "items": [],
            "payment_terms": [],
            "documents": [],
            "payments": [],
            "deliveries": [],
            "links": [],
        }

    for iid, oid, position, article_id, qty, price, specs, amount, delivered in _rows(
        OrderItem.select(
            OrderItem.id,
            OrderItem.order,
            OrderItem.position,
            OrderItem.article,
            OrderItem.qty,
            OrderItem.price,
            OrderItem.specs,
            OrderItem.amount,
            OrderItem.delivered,
        )
        .where(scope(OrderItem.order))
        .order_by(OrderItem.order, OrderItem.position, OrderItem.id)
    ):
        facts[oid].items.append(ItemFact(iid, position, article_id, _dec(qty, 3), _dec(price, 4)))
        out[oid]["items"].append(
            {
                "article": names.articles[article_id],
                "qty": _qty(qty),
                "price": _price(price),
                "specs": specs,
                "amount": _money(amount),
                "delivered": _qty(delivered),
            }
        )
    term_names: dict[int, str] = {}
    for tid, oid, name, due, amount, paid, status in _rows(
        PaymentTerm.select(
            PaymentTerm.id,
            PaymentTerm.order,
            PaymentTerm.name,
            PaymentTerm.due,
            PaymentTerm.amount,
            PaymentTerm.paid,
            PaymentTerm.status,
        )
        .where(scope(PaymentTerm.order))
        .order_by(PaymentTerm.order, PaymentTerm.position, PaymentTerm.id)
    ):
        term_names[tid] = name
        facts[oid].terms.append(TermFact(tid, _dec(amount, 2)))
        out[oid]["payment_terms"].append(
            {
                "name": name,
                "due": _day(due),
                "amount": _money(amount),
                "paid": _money(paid),
                "status": status,
            }
        )
    doc_rows = _rows(
        FinancialDocument.select(
            FinancialDocument.id,
            FinancialDocument.order,
            FinancialDocument.doc_type,
            FinancialDocument.number,
            FinancialDocument.amount,
            FinancialDocument.issued,
            FinancialDocument.due,
            FinancialDocument.term,
            FinancialDocument.duplicate_of,
            FinancialDocument.paid,
            FinancialDocument.status,
        )
        .where(scope(FinancialDocument.order))
        .order_by(FinancialDocument.order, FinancialDocument.id)
    )
    doc_numbers = {r[0]: r[3] for r in doc_rows}
    for did, oid, doc_type, number, amount, issued, due, term_id, dup, paid, status in doc_rows:
        facts[oid].documents.append(DocumentFact(did, _dec(amount, 2), term_id, dup))
        out[oid]["documents"].append(
            {
                "type": doc_type,
                "number": number,
                "amount": _money(amount),
                "issued": _day(issued),
                "due": _day(due),
                "term": term_names.get(term_id) if term_id else None,
                "duplicate_of": doc_numbers.get(dup) if dup else None,
                "paid": _money(paid),
                "status": status,
            }
        )
    allocations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pid, did, amount, oid in _rows(
        Allocation.select(Allocation.payment, Allocation.document, Allocation.amount, Payment.order)
        .join(Payment)
        .where(scope(Payment.order))
        .order_by(Allocation.payment, Allocation.id)
    ):
        facts[oid].allocations.append(AllocationFact(pid, did, _dec(amount, 2)))
        allocations[pid].append({"document": doc_numbers[did], "amount": _money(amount)})
    for pid, oid, day, amount, note, unallocated in _rows(
        Payment.select(
            Payment.id,
            Payment.order,
            Payment.date,
            Payment.amount,
            Payment.note,
            Payment.unallocated,
        )
        .where(scope(Payment.order))
        .order_by(Payment.order, Payment.id)
    ):
        facts[oid].payments.append(PaymentFact(pid, _dec(amount, 2)))
        out[oid]["payments"].append(
            {
                "date": _day(day),
                "amount": _money(amount),
                "note": note,
                "allocations": allocations.get(pid, []),
                "unallocated": _money(unallocated),
            }
        )
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    line_facts: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for delivery_id, article_id, qty in _rows(
        DeliveryLine.select(DeliveryLine.delivery, DeliveryLine.article, DeliveryLine.qty)
        .join(Delivery)
        .where(scope(Delivery.order))
        .order_by(DeliveryLine.delivery, DeliveryLine.id)
    ):
        lines[delivery_id].append({"article": names.articles[article_id], "qty": _qty(qty)})
        line_facts[delivery_id].append((article_id, _dec(qty, 3)))
    for delivery_id, oid, kind, number, day, dcancelled in _rows(
        Delivery.select(
            Delivery.id,
            Delivery.order,
            Delivery.kind,
            Delivery.number,
            Delivery.date,
            Delivery.cancelled,
        )
        .where(scope(Delivery.order))
        .order_by(Delivery.order, Delivery.id)
    ):
        if not dcancelled:
            facts[oid].active_deliveries += 1
            facts[oid].delivered_lines.extend(line_facts.get(delivery_id, ()))
        out[oid]["deliveries"].append(
            {
                "kind": kind,
                "number": number,
                "date": _day(day),
                "cancelled": bool(dcancelled),
                "lines": lines.get(delivery_id, []),
            }
        )
    for oid, kind, number, status, deadline, expected in _rows(
        LinkedOrder.select(
            LinkedOrder.order,
            LinkedOrder.kind,
            LinkedOrder.number,
            LinkedOrder.status,
            LinkedOrder.deadline,
            LinkedOrder.expected,
        )
        .where(scope(LinkedOrder.order))
        .order_by(LinkedOrder.order, LinkedOrder.id)
    ):
        facts[oid].link_statuses.append(status)
        out[oid]["links"].append(
            {
                "kind": kind,
                "number": number,
                "status": status,
                "deadline": _day(deadline),
                "expected": _day(expected),
            }
        )
    file_columns = [
        Attachment.order,
        Attachment.name,
        Attachment.size,
        Attachment.sha256,
        Attachment.added,
        Attachment.user,
        Attachment.note,
    ]
    if content:
        file_columns.append(Attachment.content)
    for oid, name, size, sha, added, user, note, *data in _rows(
        Attachment.select(*file_columns)
        .where(scope(Attachment.order))
        .order_by(Attachment.order, Attachment.id)
    ):
        # only an order with files has the key: the export of the others stays as it was
        record = {
            "name": name,
            "size": size,
            "sha256": sha,
            "added": _moment(added),
            "user": user,
            "note": note,
        }
        if data:
            record["content"] = base64.b64encode(bytes(data[0])).decode("ascii")
        out[oid].setdefault("attachments", []).append(record)
    result = []
    for oid, order in out.items():
        f = facts[oid]
        order["coverage"] = {
            line.what: {
                "amount": format_money(line.amount),
                "difference": format_money(line.difference),
            }
            for line in coverage(f, compute_order(f))
        }
        result.append(order)
    return result


def export_order(order: Order | int | str) -> dict[str, Any]:
    """One order in the interchange shape, with every computed field (``order show --json``)."""
    from .orders import get_order

    order_id = order.id if isinstance(order, Order) else get_order(order).id
    rows = _rows(Order.select(*_ORDER_COLUMNS).where(Order.id == order_id))
    return _export_batch(_Names(order_id), rows, content=False)[0]


def iter_orders(batch: int = EXPORT_BATCH) -> Iterator[dict[str, Any]]:
    """Every order in the interchange shape, by id, read ``batch`` orders at a time."""
    names = _Names()
    for chunk in _order_batches(names, batch=batch):
        yield from chunk


def export_data() -> dict[str, Any]:
    """The whole database as one interchange document (in memory; see :func:`export_file`)."""
    names = _Names()
    return {
        "taxes": _export_taxes(),
        "clients": _export_clients(),
        "articles": _export_articles(),
        "offers": [o for chunk in _offer_batches(names) for o in chunk],
        "orders": [o for chunk in _order_batches(names) for o in chunk],
    }


def write_export(out: IO[str]) -> int:
    """Stream the whole database as interchange JSON to ``out``; returns the orders written.

    One record per line (``json.loads`` of the text equals :func:`export_data`), written batch
    by batch, so memory stays flat however many orders there are. (``json.dumps`` with an
    indent runs the pure-Python encoder, three times slower.)
    """
    names = _Names()
    out.write("{")
    _write_list(out, "taxes", iter([_export_taxes()]), first=True)
    _write_list(out, "clients", iter([_export_clients()]))
    _write_list(out, "articles", iter([_export_articles()]))
    _write_list(out, "offers", _offer_batches(names))
    count = _write_list(out, "orders", _order_batches(names))
    out.write("\n}\n")
    return count


def _write_list(
    out: IO[str], key: str, batches: Iterator[list[dict[str, Any]]], *, first: bool = False
) -> int:
    """``"key": [`` then one record per line, then ``]``."""
    out.write(f'{"" if first else ","}\n"{key}": [')
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for chunk in batches:
        for record in chunk:
            out.write(("\n" if count == 0 else ",\n") + dumps(record))
            count += 1
    out.write("\n]" if count else "]")
    return count


def export_file(path: str | Path | None = None) -> int:
    """Export everything to ``path`` (``None``: stdout); returns the number of orders."""
    if path is None:
        return write_export(sys.stdout)
    with open(path, "w", encoding="utf-8") as handle:
        return write_export(handle)


__all__ = [
    "EXPORT_BATCH",
    "decode_json",
    "export_data",
    "export_file",
    "export_order",
    "import_data",
    "import_file",
    "iter_orders",
    "parse",
    "read_json",
    "read_text",
    "write_export",
]
