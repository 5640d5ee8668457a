"""Writing a :class:`~tui_orders.data.dataset.Dataset` to the database fast, all or nothing.

:func:`load` is the one path by which many records reach the database at once: ``tui-orders
import`` and the demo generator both call it. It

1. resolves every reference (client name, address label, article code, tax name, document and
   term names within an order, offer and order numbers) against the dataset first, then
   against the database, with one query per table and chunk of names, never one per order;
2. validates every rule the services enforce one record at a time (see docs/interchange.md),
   raising :class:`ValidationError` with the path of the record and field
   (``orders[3].payments[0].allocations[1].amount``) before anything is written;
3. computes every computed field with :func:`compute_order_int`, the rules of
   :func:`compute.compute_order` (the function the services use) in exact integers, proven
   equal by a test, so ``tui-orders check`` finds nothing to repair afterwards;
4. assigns primary keys itself and inserts plain tuples with :func:`db.bulk_insert`.

Everything happens in the caller's transaction when one is open (within a savepoint), else in
one transaction of its own: the database holds all of the dataset afterwards, or none of it.
Generated order numbers are taken first, one block per year (the year's counter row stays
locked until commit, as when the services number an order); on PostgreSQL the tables written
are then locked against other writers (readers go on), so the primary keys taken as
``MAX(id) + 1`` and the uniqueness checked beforehand hold until commit.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as _json_str
from typing import Any

from . import audit
from .compute import compute_order  # noqa: F401  (the rules compute_order_int is proven against)
from .dataset import (
    AttachmentRec,
    ClientRec,
    Dataset,
    DeliveryRec,
    DocumentRec,
    ItemRec,
    OfferRec,
    OrderRec,
)
from .db import bulk_insert, database, is_sqlite, run_in_transaction, table_max_id
from .errors import DatabaseError, ValidationError
from .masterdata import check_currency
from .models import (
    Address,
    Allocation,
    Article,
    Attachment,
    AuditLog,
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
    NumberSequence,
    Offer,
    OfferItem,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentTerm,
    PayStatus,
    Tax,
    from_scaled,
    number_key,
    parse_number,
)
from .money import MONEY_PLACES, PRICE_PLACES, QTY_PLACES, RATE_PLACES
from .numbers import format_number, move_past

#: Names per ``IN (...)`` list when looking records up in the database.
IN_CHUNK = 2000
#: Rows of one load from which, into tables holding fewer rows, the indexes are built at the end.
DEFER_INDEXES_ROWS = 20_000
#: A scaled value must stay below this (as :func:`money.parse_decimal` allows).
_LIMIT = 10**15

_DOC_KINDS = frozenset(k.value for k in DocumentKind)
_DOC_TYPES = frozenset(k.value for k in DocumentType)
_DELIVERY_KINDS = frozenset(k.value for k in DeliveryKind)
_LINK_KINDS = frozenset(k.value for k in LinkKind)
_LINK_STATUSES = frozenset(k.value for k in LinkStatus)

#: Tables in the order they are written (parents before children).
_TABLES: tuple[Any, ...] = (
    Tax,
    Client,
    Address,
    Article,
    Barcode,
    Order,
    OrderItem,
    PaymentTerm,
    FinancialDocument,
    Payment,
    Allocation,
    Delivery,
    DeliveryLine,
    LinkedOrder,
    Attachment,
    Offer,
    OfferItem,
    AuditLog,
)


# --------------------------------------------------------------------------- result


@dataclass(slots=True)
class LoadStats:
    """What :func:`load` wrote."""

    #: rows inserted per table (``"order"``, ``"order_item"``, ...), tables with rows only
    rows: dict[str, int] = field(default_factory=dict)
    #: orders created
    orders: int = 0
    #: of those, how many got a generated number
    generated: int = 0
    #: the numbers of the created orders, in the order of the dataset
    numbers: list[str] = field(default_factory=list)
    #: offers already in the database that were linked to a loaded order
    offers_linked: int = 0
    #: wall-clock seconds the load took
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def add(self, other: LoadStats) -> None:
        """Accumulate another load's figures (the demo loads chunk after chunk)."""
        for table, count in other.rows.items():
            self.rows[table] = self.rows.get(table, 0) + count
        self.orders += other.orders
        self.generated += other.generated
        self.numbers.extend(other.numbers)
        self.offers_linked += other.offers_linked
        self.seconds += other.seconds

    def __str__(self) -> str:
        span = ""
        if self.numbers:
            first, last = self.numbers[0], self.numbers[-1]
            span = f" ({first})" if first == last else f" ({first} .. {last})"
        tables = ", ".join(f"{t} {n}" for t, n in self.rows.items())
        rate = f", {self.total_rows / self.seconds:,.0f} rows/s" if self.seconds > 0 else ""
        return (
            f"{self.orders} orders{span}, {self.total_rows} rows in {self.seconds:.2f} s{rate}"
            + (f" [{tables}]" if tables else "")
        )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a bulk job; its previous state restored after.

    A bulk job (reading a large JSON file, turning it into records, checking and computing
    them, building the rows) makes millions of small objects and next to no reference
    cycles; the collector, triggered by every few hundred new objects, would walk the ones
    that are still alive again and again (half of the time of reading and parsing a large
    file, measured). Inside: collection is off (:func:`gc.disable`) and the objects alive at
    the start are frozen (:func:`gc.freeze`), so an explicit :func:`gc.collect` walks only
    what the job made. Nested uses do nothing more. Reference counting frees everything as
    usual; only cycles wait for the end.
    """
    enabled = gc.isenabled()
    froze = gc.get_freeze_count() == 0
    gc.disable()
    if froze:
        gc.freeze()
    try:
        yield
    finally:
        if froze:
            gc.unfreeze()
        if enabled:
            gc.enable()


def load(dataset: Dataset, *, source: str = "import") -> LoadStats:
    """Write ``dataset`` to the open database, all or nothing; see the module docstring.

    ``source`` is the audit action of the orders written (``"import"``, ``"demo"``).
    Raises :class:`ValidationError` (nothing written) when any record breaks a rule.
    """
    if not isinstance(source, str) or not source.strip() or len(source) > 40:
        raise ValidationError(f"bad audit source {source!r}")
    # The loader makes millions of small objects and no reference cycles: the cyclic garbage
    # collector would only walk them again and again (a third of the time, measured).
    started = time.perf_counter()
    with gc_paused():
        stats = run_in_transaction(lambda: _Loader(dataset, source).run())
    stats.seconds = time.perf_counter() - started  # with the commit, when the load owns it
    return stats


# --------------------------------------------------------------------------- small checks


def _num(value: object, places: int, path: str, *, zero: bool = True) -> int:
    """The database form (integer of ``10**-places``) of a non-negative exact Decimal."""
    if type(value) is not Decimal:
        raise ValidationError(f"{value!r} is not an exact number (Decimal)", path)
    try:
        scaled = value.scaleb(places)
        number = int(scaled)
    except (ValueError, OverflowError):
        raise ValidationError(f"{value} is not a finite number", path) from None
    if number != scaled:
        raise ValidationError(f"{value} has more than {places} decimal places", path)
    if number <= 0:
        if number < 0:
            raise ValidationError(f"{value} must not be negative", path)
        if not zero:
            raise ValidationError("must be greater than zero", path)
    elif number >= _LIMIT:
        raise ValidationError(f"{value} is too large", path)
    return number


def _text(value: object, path: str, max_len: int, *, required: bool = True) -> str:
    if type(value) is not str:
        raise ValidationError(f"must be text, not {value!r}", path)
    if required and not value.strip():
        raise ValidationError("is required", path)
    if len(value) > max_len:
        raise ValidationError(f"is longer than {max_len} characters", path)
    return value


def _note(value: object, path: str) -> str:
    if type(value) is not str:
        raise ValidationError(f"must be text, not {value!r}", path)
    return value


def _date(value: object, path: str) -> dt.date:
    if type(value) is not dt.date:
        raise ValidationError(f"{value!r} is not a date", path)
    return value


def _opt_date(value: object, path: str) -> dt.date | None:
    return None if value is None else _date(value, path)


def _bool(value: object, path: str) -> bool:
    if type(value) is not bool:
        raise ValidationError(f"must be true or false, not {value!r}", path)
    return value


def _choice(value: object, allowed: frozenset[str], path: str) -> str:
    if value not in allowed:
        raise ValidationError(f"{value!r} is not one of: {', '.join(sorted(allowed))}", path)
    return str(value)


def _header_checks(o: OrderRec) -> None:
    """The slow checks of an order's own fields that failed the fast ones."""
    _choice(o.document_kind, _DOC_KINDS, "document.kind")
    _text(o.document_ref, "document.ref", 100, required=False)
    created = _date(o.created, "created")
    deadline = _date(o.deadline, "deadline")
    if deadline < created:
        raise ValidationError(
            f"{deadline.isoformat()} is before the creation date {created.isoformat()}",
            "deadline",
        )
    _note(o.note, "note")
    _bool(o.started, "started")
    _bool(o.cancelled, "cancelled")
    _note(o.cancel_reason, "cancel_reason")
    raise ValidationError(f"is not a valid order: {o!r}")


def _item_checks(it: ItemRec, article_id: int | None) -> None:
    """The slow checks of an item that failed the fast ones: raise naming the field."""
    if article_id is None:
        raise ValidationError(f"no article {it.article!r} in the file or the database", "article")
    _num(it.qty, QTY_PLACES, "qty", zero=False)
    _num(it.price, PRICE_PLACES, "price")
    _note(it.specs, "specs")
    raise ValidationError(f"is not a valid item: {it!r}")


#: a status (OrderStatus or PayStatus member) -> its text, faster than ``.value``
_STATUS: dict[Any, str] = {s: s.value for s in (*OrderStatus, *PayStatus)}


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), IN_CHUNK):
        yield values[i : i + IN_CHUNK]


def _lookup(
    model: Any,
    key: Any,
    values: Iterable[Any],
    *fields: Any,
    where: tuple[Any, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows (raw database values of ``fields``) of ``model`` whose ``key`` is among ``values``.

    ``where`` = ``(field, value)`` adds ``field = value``. Plain SQL: building a peewee query
    with thousands of parameters costs more than running it.
    """
    found: list[tuple[Any, ...]] = []
    p = database.param
    table = model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    for chunk in _chunks(sorted(set(values))):
        marks = ", ".join([p] * len(chunk))
        sql = f'SELECT {columns} FROM "{table}" WHERE "{key.column_name}" IN ({marks})'
        params = list(chunk)
        if where is not None:
            sql += f' AND "{where[0].column_name}" = {p}'
            params.append(where[1])
        found.extend(database.execute_sql(sql, params).fetchall())
    return found


def _columns(model: Any, names: Sequence[str]) -> list[str]:
    return [model._meta.fields[n].column_name for n in names]


_COLS: dict[Any, list[str]] = {
    Tax: _columns(Tax, ["id", "name", "rate"]),
    Client: _columns(Client, ["id", "name", "vat_id", "currency"]),
    Address: _columns(Address, ["id", "client", "label", "text", "is_default"]),
    Article: _columns(Article, ["id", "code", "name", "unit", "price"]),
    Barcode: _columns(Barcode, ["id", "article", "code"]),
    Order: _columns(
        Order,
        [
            "id",
            "number",
            "client",
            "address",
            "currency",
            "document_kind",
            "document_ref",
            "created",
            "deadline",
            "tax",
            "note",
            "started",
            "cancelled",
            "cancel_reason",
            "version",
            "status",
            "financial_status",
            "subtotal",
            "tax_amount",
            "total",
            "paid",
            "unallocated",
            "delivered_pct",
            "updated_at",
            "number_key",
        ],
    ),
    OrderItem: _columns(
        OrderItem,
        ["id", "order", "position", "article", "qty", "price", "specs", "amount", "delivered"],
    ),
    PaymentTerm: _columns(
        PaymentTerm, ["id", "order", "position", "name", "due", "amount", "paid", "status"]
    ),
    FinancialDocument: _columns(
        FinancialDocument,
        [
            "id",
            "order",
            "doc_type",
            "number",
            "amount",
            "issued",
            "due",
            "term",
            "duplicate_of",
            "paid",
            "status",
        ],
    ),
    Payment: _columns(
        Payment, ["id", "order", "date", "amount", "note", "unallocated", "currency"]
    ),
    Allocation: _columns(Allocation, ["id", "payment", "document", "amount"]),
    Delivery: _columns(
        Delivery, ["id", "order", "kind", "number", "date", "address", "cancelled", "note"]
    ),
    DeliveryLine: _columns(DeliveryLine, ["id", "delivery", "article", "qty"]),
    LinkedOrder: _columns(
        LinkedOrder, ["id", "order", "kind", "number", "status", "deadline", "expected", "note"]
    ),
    Attachment: _columns(
        Attachment, ["id", "order", "name", "size", "sha256", "content", "added", "user", "note"]
    ),
    Offer: _columns(
        Offer, ["id", "number", "client", "address", "created", "valid_until", "note", "order"]
    ),
    OfferItem: _columns(OfferItem, ["id", "offer", "position", "article", "qty", "price", "specs"]),
    AuditLog: _columns(
        AuditLog, ["id", "at", "user", "action", "entity", "entity_id", "order", "changes"]
    ),
}

#: The master-data tables a :class:`Catalog` holds.
_MASTERS: tuple[Any, ...] = (Tax, Client, Address, Article, Barcode)


# --------------------------------------------------------------------------- detached loads


@dataclass(slots=True)
class Catalog:
    """What a detached load is told instead of reading the database.

    A detached load (:func:`prepare_detached`) runs every check and computation of
    :func:`load` and builds the rows, but never touches the database, so it can run in another
    process while the database stores the previous rows (the demo does that). It is for
    loads into a database that holds nothing the loaded records could clash with or refer to
    but the master data given here: references to clients, addresses, articles, barcodes and
    taxes resolve against the dataset and :attr:`masters`; order, offer, document and
    delivery numbers are not looked up, the unique indexes guard them when the rows are
    inserted. Orders must carry their numbers (none is reserved).
    """

    #: table name -> the next primary key to use
    next_ids: dict[str, int]
    #: the audit log's user and time (database form)
    user: str
    now: Any
    #: values in SQLite's forms (ISO text dates, integer flags), else PostgreSQL's
    sqlite: bool
    #: table name -> rows (database values, columns of ``_COLS``) of the master-data tables
    masters: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    @classmethod
    def from_database(cls) -> Catalog:
        """The catalog of the open database (inside the transaction that will insert)."""
        now: Any = dt.datetime.now()
        sqlite = is_sqlite()
        masters: dict[str, list[tuple[Any, ...]]] = {}
        for model in _MASTERS:
            cols = ", ".join(f'"{c}"' for c in _COLS[model])
            masters[model._meta.table_name] = [
                tuple(r)
                for r in database.execute_sql(
                    f'SELECT {cols} FROM "{model._meta.table_name}" ORDER BY "id"'
                ).fetchall()
            ]
        return cls(
            next_ids={m._meta.table_name: table_max_id(m) + 1 for m in _TABLES},
            user=audit.current_user(),
            now=str(now) if sqlite else now,
            sqlite=sqlite,
            masters=masters,
        )

    def lookup(
        self,
        model: Any,
        key: Any,
        values: Iterable[Any],
        fields: Sequence[Any],
        where: tuple[Any, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """As :func:`_lookup`, in :attr:`masters` (nothing for the other tables)."""
        rows = self.masters.get(model._meta.table_name)
        if not rows:
            return []
        cols = _COLS[model]
        at = cols.index(key.column_name)
        pick = [cols.index(f.column_name) for f in fields]
        wanted = set(values)
        found = [r for r in rows if r[at] in wanted]
        if where is not None:
            w = cols.index(where[0].column_name)
            found = [r for r in found if r[w] == where[1]]
        return [tuple(r[i] for i in pick) for r in found]

    def skip(self, dataset: Dataset) -> None:
        """Move past ``dataset`` as if it had been prepared by another process.

        Its master data is prepared (and learnt); for its orders and offers only the primary
        keys they take are counted, exactly as :meth:`_Loader.prepare` takes them.
        """
        if dataset.taxes or dataset.clients or dataset.articles:
            masters = Dataset(dataset.taxes, dataset.clients, dataset.articles)
            _Loader(masters, "skip", self).prepare()
        ids = self.next_ids
        counts = order_row_counts(dataset.orders, getattr)
        counts[Offer] = len(dataset.offers)
        counts[OfferItem] = sum(len(o.items) for o in dataset.offers)
        for model, count in counts.items():
            ids[model._meta.table_name] += count


def order_row_counts(orders: Sequence[Any], part: Callable[[Any, str], Any]) -> dict[Any, int]:
    """The rows ``orders`` take per table (model -> count), as :meth:`_Loader.prepare` takes
    their keys. ``part(record, name)`` gives a record's list ``name`` (``items``,
    ``payments``, a payment's ``allocations``, ...): ``getattr`` for the records, a ``dict``
    look-up for the decoded JSON of a file (:mod:`split_import`)."""
    tables = (OrderItem, PaymentTerm, FinancialDocument, Payment, Allocation, Delivery)
    counts = dict.fromkeys((*tables, DeliveryLine, LinkedOrder, Attachment), 0)
    for o in orders:
        counts[OrderItem] += len(part(o, "items"))
        counts[PaymentTerm] += len(part(o, "payment_terms"))
        counts[FinancialDocument] += len(part(o, "documents"))
        counts[LinkedOrder] += len(part(o, "links"))
        counts[Attachment] += len(part(o, "attachments"))
        for pay in part(o, "payments"):
            counts[Payment] += 1
            counts[Allocation] += len(part(pay, "allocations"))
        for d in part(o, "deliveries"):
            counts[Delivery] += 1
            counts[DeliveryLine] += len(part(d, "lines"))
    counts[Order] = counts[AuditLog] = len(orders)
    return counts


@dataclass(slots=True)
class Prepared:
    """The rows of one detached load, ready for :func:`insert_prepared` (plain values only,
    cheap to send to another process)."""

    #: (index of the model in ``_TABLES``, rows), in the order they are inserted
    tables: list[tuple[int, list[tuple[Any, ...]]]]
    #: the numbers of the orders, in the order of the dataset
    numbers: list[str]
    #: year -> highest sequence of the order numbers (the caller moves the counters past)
    tops: dict[int, int]


def prepare_detached(
    dataset: Dataset, catalog: Catalog, *, source: str = "import", trusted: bool = False
) -> Prepared:
    """Check and compute ``dataset`` and build its rows without the database (see
    :class:`Catalog`); raises :class:`ValidationError` like :func:`load`.

    ``trusted``: the orders are valid by construction (the demo generator's own records),
    so their fields are not checked again one by one (:meth:`_Loader.order_trusted`); every
    computed field is still computed by :func:`compute.compute_order`, and the master data
    and offers are checked as usual. The rows are the same (a test compares the tables).
    Never for records from outside (a file): those take the checked path.
    """
    if not isinstance(source, str) or not source.strip() or len(source) > 40:
        raise ValidationError(f"bad audit source {source!r}")
    return _Loader(dataset, source, catalog, trusted=trusted).prepare()


def insert_prepared(prepared: Prepared, expected: dict[str, int], stats: LoadStats) -> None:
    """Insert the rows of a detached load, in the caller's transaction.

    ``expected`` (table name -> next primary key, as the database has it) is checked against
    the keys the rows carry and moved past them; a mismatch (the database changed, or the
    catalog went wrong) raises before anything of the rows is inserted.
    """
    spans = [(index, len(rows), rows[0][0]) for index, rows in prepared.tables]
    check_spans(spans, expected)
    for index, rows in prepared.tables:
        model = _TABLES[index]
        bulk_insert(model, _COLS[model], rows)
    account_spans(spans, prepared, expected, stats)


def check_spans(spans: Sequence[tuple[int, int, int]], expected: dict[str, int]) -> None:
    """Raise unless the rows of a detached load, as (index of the model in ``_TABLES``, rows,
    first key) per list, start at the next keys of their tables (``expected``)."""
    firsts: dict[int, int] = {}
    for index, _count, first in spans:
        # each list's keys ascend (the documents come in two lists: originals, duplicates)
        firsts[index] = min(firsts.get(index, first), first)
    for index, first in firsts.items():
        table = _TABLES[index]._meta.table_name
        if first != expected[table]:
            raise DatabaseError(
                f"the rows prepared for {table} start at id {first}, "
                f"the table at {expected[table]}: nothing was saved"
            )


def account_spans(
    spans: Sequence[tuple[int, int, int]],
    prepared: Prepared,
    expected: dict[str, int],
    stats: LoadStats,
) -> None:
    """After the rows of ``spans`` (see :func:`check_spans`) were inserted: move ``expected``
    and the year counters past them, count them in ``stats``."""
    for index, count, _first in spans:
        table = _TABLES[index]._meta.table_name
        expected[table] += count
        stats.rows[table] = stats.rows.get(table, 0) + count
    for year, seq in sorted(prepared.tops.items()):
        move_past("order", year, seq)
    stats.orders += len(prepared.numbers)
    stats.numbers.extend(prepared.numbers)


def secondary_indexes() -> list[tuple[str, str]]:
    """(name, ``CREATE INDEX`` statement) of the indexes of the tables the loader writes that
    can be dropped and built again (SQLite; not those of primary keys and ``UNIQUE``
    constraints, which belong to their table)."""
    names = [m._meta.table_name for m in _TABLES]
    marks = ", ".join("?" for _ in names)
    cursor = database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY rowid",
        names,
    )
    return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


@contextmanager
def deferred_indexes() -> Iterator[None]:
    """Drop the indexes of the loader's tables, and build them again at the end (SQLite).

    Building an index once from all its rows (a sort) is several times faster than keeping it
    up to date insert by insert, which is most of what SQLite spends on a large load into
    empty tables. Must run inside a transaction: if anything fails, its rollback brings the
    indexes back; unique indexes are checked when they are built (an ``IntegrityError``
    rolls everything back). The schema afterwards is the same, index for index. Nested
    uses find nothing to drop and do nothing.
    """
    if not is_sqlite():
        yield
        return
    if not database.in_transaction():
        raise RuntimeError("deferred_indexes() needs a transaction")
    indexes = secondary_indexes()
    for name, _sql in indexes:
        database.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        database.execute_sql(sql)


@dataclass(slots=True)
class _ClientRef:
    id: int
    name: str
    currency: str
    addresses: dict[str, int]  # label -> address id
    default_address: int | None


# --------------------------------------------------------------------------- integer compute

_PAID, _PARTLY, _UNPAID = (
    PayStatus.PAID.value,
    PayStatus.PARTIALLY_PAID.value,
    PayStatus.UNPAID.value,
)


def _pay_status_int(paid: int, amount: int) -> str:
    """:func:`compute.pay_status` on integers of one scale."""
    if paid >= amount:
        return _PAID
    if paid <= 0:
        return _UNPAID
    return _PARTLY


@dataclass(slots=True)
class IntState:
    """:class:`compute.OrderState` in database form: money in cents, quantities in
    thousandths, the percentage in hundredths, statuses as their text."""

    subtotal: int
    tax_amount: int
    total: int
    paid: int
    unallocated: int
    financial_status: str
    status: str
    delivered_pct: int
    item_amount: dict[int, int]
    item_delivered: dict[int, int]
    term_paid: dict[int, int]
    term_status: dict[int, str]
    doc_paid: dict[int, int]
    doc_status: dict[int, str]
    payment_unallocated: dict[int, int]


def compute_order_int(
    rate: int | None,
    started: bool,
    cancelled: bool,
    items: list[tuple[int, int, int, int]],
    terms: list[tuple[int, int]],
    documents: list[tuple[int, int, int | None, int | None]],
    payments: list[tuple[int, int]],
    allocations: list[tuple[int, int, int]],
    delivered_lines: list[tuple[int, int]],
    active_deliveries: int,
    link_statuses: list[str],
) -> IntState:
    """:func:`compute.compute_order` in exact integers, for the trusted path (the demo).

    ``rate`` in 1/10000 percent (None: no tax); ``items`` (id, article id, qty in
    thousandths, price in 1/10000) in position order; ``terms`` (id, cents); ``documents``
    (id, cents, term id, id of the original or None); ``payments`` (id, cents);
    ``allocations`` (payment id, document id, cents); ``delivered_lines`` (article id, qty in
    thousandths) of the deliveries not cancelled. For non-negative amounts (all a valid
    record has) every result equals :func:`compute.compute_order`'s, scaled (a hypothesis
    test and the demo's table-for-table comparison check it): half-up rounding is
    ``(x + half) // unit``, the percentage rounds down (``//``).
    """
    item_amount = {i[0]: (i[2] * i[3] + 50_000) // 100_000 for i in items}
    subtotal = sum(item_amount.values())
    tax_amount = 0 if rate is None else (subtotal * rate + 500_000) // 1_000_000
    total = subtotal + tax_amount

    to_doc: dict[int, int] = {}
    from_payment: dict[int, int] = {}
    for payment_id, doc_id, cents in allocations:
        to_doc[doc_id] = to_doc.get(doc_id, 0) + cents
        from_payment[payment_id] = from_payment.get(payment_id, 0) + cents

    term_paid = {t[0]: 0 for t in terms}
    doc_paid: dict[int, int] = {}
    doc_status: dict[int, str] = {}
    if documents:
        group_paid: dict[int, int] = {}
        for doc_id, _cents, _term, root in documents:
            r = doc_id if root is None else root
            group_paid[r] = group_paid.get(r, 0) + to_doc.get(doc_id, 0)
        root_status: dict[int, str] = {}
        for doc_id, cents, term_id, root in documents:
            if root is None:
                paid_ = group_paid[doc_id]
                root_status[doc_id] = _pay_status_int(paid_, cents)
                if term_id is not None and term_id in term_paid:
                    term_paid[term_id] += paid_
        for doc_id, _cents, _term, root in documents:
            r = doc_id if root is None else root
            doc_paid[doc_id] = group_paid[r]
            doc_status[doc_id] = root_status[r]
    term_status = {t[0]: _pay_status_int(term_paid[t[0]], t[1]) for t in terms}

    paid = sum(p[1] for p in payments)
    payment_unallocated = {p[0]: p[1] - from_payment.get(p[0], 0) for p in payments}
    unallocated = sum(payment_unallocated.values())
    if total == 0 and not items:
        financial_status = _PAID if paid > 0 else _UNPAID
    else:
        financial_status = _pay_status_int(paid, total)

    # compute.fill_deliveries: an article's deliveries fill its lines in position order,
    # the rest stays on its last line
    per_article: dict[int, int] = {}
    for article_id, qty in delivered_lines:
        per_article[article_id] = per_article.get(article_id, 0) + qty
    last_line: dict[int, int] = {}
    for n, i in enumerate(items):
        last_line[i[1]] = n
    item_delivered: dict[int, int] = {}
    ordered = capped = 0
    ready = bool(items)
    for n, (item_id, article_id, qty, _price) in enumerate(items):
        left = per_article.get(article_id, 0)
        take = left if last_line[article_id] == n else min(left, qty)
        per_article[article_id] = left - take
        item_delivered[item_id] = take
        ordered += qty
        capped += min(take, qty)
        if take < qty:
            ready = False
    delivered_pct = 0 if ordered == 0 else capped * 10_000 // ordered

    if cancelled:
        status = OrderStatus.CANCELLED.value
    elif ready and financial_status == _PAID:
        status = OrderStatus.CLOSED.value
    elif ready:
        status = OrderStatus.READY.value
    elif started or active_deliveries > 0 or any(s != "cancelled" for s in link_statuses):
        status = OrderStatus.IN_PROGRESS.value
    else:
        status = OrderStatus.NEW.value
    return IntState(
        subtotal,
        tax_amount,
        total,
        paid,
        unallocated,
        financial_status,
        status,
        delivered_pct,
        item_amount,
        item_delivered,
        term_paid,
        term_status,
        doc_paid,
        doc_status,
        payment_unallocated,
    )


@dataclass(slots=True)
class _IntFacts:
    """The arguments of :func:`compute_order_int` for one order, gathered by the checked path
    (:meth:`_Loader.order`) once each value has passed its checks (database form)."""

    items: list[tuple[int, int, int, int]] = field(default_factory=list)
    terms: list[tuple[int, int]] = field(default_factory=list)
    documents: list[tuple[int, int, int | None, int | None]] = field(default_factory=list)
    payments: list[tuple[int, int]] = field(default_factory=list)
    allocations: list[tuple[int, int, int]] = field(default_factory=list)
    delivered_lines: list[tuple[int, int]] = field(default_factory=list)
    active_deliveries: int = 0
    link_statuses: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the loader


class _Loader:
    """One run of :func:`load` (created afresh when the transaction is retried)."""

    def __init__(
        self,
        dataset: Dataset,
        source: str,
        catalog: Catalog | None = None,
        *,
        trusted: bool = False,
    ) -> None:
        self.ds = dataset
        #: the orders are valid by construction: :meth:`order_trusted` instead of :meth:`order`
        self.trusted = trusted
        self.source = source.strip()
        #: detached (see :class:`Catalog`): the database is never read or written
        self.catalog = catalog
        #: (year -> highest sequence) of the order numbers given, for a detached load's caller
        self.tops: dict[int, int] = {}
        self.existing = 0
        self.rows: dict[Any, list[Any]] = {model: [] for model in _TABLES}
        self.dup_docs: list[tuple[Any, ...]] = []  # duplicates, written after their originals
        self.ids: dict[Any, Iterator[int]] = {}  # the next primary keys of each table
        self.taxes: dict[str, tuple[int, Decimal]] = {}
        self.clients: dict[str, _ClientRef] = {}
        self.articles: dict[str, int] = {}
        # order numbers given in the dataset -> id; orders in the database -> id
        self.order_ids: dict[str, int] = {}
        self.db_orders: dict[str, int] = {}
        # orders with kind "offer": offer number -> id of the first order naming it
        self.offer_refs: dict[str, int] = {}
        self.db_offers: dict[str, tuple[int, int | None]] = {}  # number -> (id, order id)
        # what must not exist in the database yet: key -> (order index, record index)
        self.doc_keys: dict[tuple[str, str], tuple[int, int]] = {}
        self.delivery_keys: dict[tuple[str, str], tuple[int, int]] = {}
        self.current = 0  # index of the order being validated
        self.ambiguous: set[str] = set()  # document numbers two documents of the order share
        self.offer_links: list[tuple[int, int]] = []  # (order id, id of an offer in the db)
        # generated order numbers taken for the orders without one, per year
        self.reserved: dict[int, Iterator[str]] = {}
        self.order_rows: list[list[Any]] = []
        self.order_clients: list[str] = []
        self.stats = LoadStats()
        # Values in database form. sqlite3 turns dates, datetimes and booleans into text and
        # integers through Python adapters, at a cost per value; giving it the same text
        # (ISO, as peewee stores them) and integers directly is a good part faster.
        self.sqlite = is_sqlite() if catalog is None else catalog.sqlite
        self.day: Any = dt.date.isoformat if self.sqlite else _same
        self.flag: Any = int if self.sqlite else bool

    def take_id(self, model: Any) -> int:
        return next(self.ids[model])

    def lookup(
        self,
        model: Any,
        key: Any,
        values: Iterable[Any],
        *fields: Any,
        where: tuple[Any, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """:func:`_lookup` in the database, or in the catalog of a detached load.

        An empty table has no row to find: it is not asked once per chunk of names (an import
        into a fresh database would look up every order, document and delivery number).
        """
        if self.catalog is None:
            table = model._meta.table_name
            if database.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None:
                return []
            return _lookup(model, key, values, *fields, where=where)
        return self.catalog.lookup(model, key, values, fields, where)

    # ----------------------------------------------------------------- run

    def run(self) -> LoadStats:
        # A savepoint inside the caller's transaction (its own is already one): whatever
        # fails, nothing of this load stays behind, even if the caller goes on.
        with database.atomic():
            # The year counters first, then the tables: the order in which the services
            # take them (create_order bumps the counter, then inserts), so no deadlock.
            self.number_orders()
            self.lock_tables()
            for model in _TABLES:
                top = table_max_id(model)
                self.existing += top  # about the rows already there
                self.ids[model] = itertools.count(top + 1)
            self.resolve_masters()
            for n, order in enumerate(self.ds.orders):
                self.current = n
                try:
                    self.order(order)
                except ValidationError as exc:
                    raise exc.at(f"orders[{n}]") from None
            self.offers()
            self.check_unique_in_db()
            # Everything is valid: the rows are written.
            self.write()
        return self.stats

    def prepare(self) -> Prepared:
        """A detached load (see :class:`Catalog`): validate, compute and build every row.

        The same checks and computations as :meth:`run`, without a database: references
        resolve against the dataset and the catalog, primary keys continue the catalog's.
        Updates the catalog (next keys, master data) for the next dataset.
        """
        catalog = self.catalog
        assert catalog is not None
        self.number_orders()
        for model in _TABLES:
            self.ids[model] = itertools.count(catalog.next_ids[model._meta.table_name])
        self.resolve_masters()
        one = self.order_trusted if self.trusted else self.order
        for n, order in enumerate(self.ds.orders):
            self.current = n
            try:
                one(order)
            except ValidationError as exc:
                raise exc.at(f"orders[{n}]") from None
        self.offers()
        if self.offer_links:  # only offers already in the database are linked afterwards
            raise ValidationError("a detached load cannot link offers of the database")
        tables = self.final_rows(catalog.now, catalog.user)
        for model in _TABLES:
            catalog.next_ids[model._meta.table_name] = next(self.ids[model])
        for model in _MASTERS:
            catalog.masters.setdefault(model._meta.table_name, []).extend(self.rows[model])
        index = {model: n for n, model in enumerate(_TABLES)}
        return Prepared([(index[m], r) for m, r in tables], self.stats.numbers, self.tops)

    def lock_tables(self) -> None:
        """PostgreSQL: keep other writers out of these tables until commit.

        Primary keys are taken as MAX(id) + 1 and uniqueness is checked before writing; both
        hold only while nobody else inserts. On SQLite the write transaction (BEGIN IMMEDIATE)
        already excludes every other writer. Readers are never blocked.
        """
        if self.sqlite:
            return
        names = ", ".join(f'"{m._meta.table_name}"' for m in _TABLES)
        database.execute_sql(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")

    # ----------------------------------------------------------------- master data

    def resolve_masters(self) -> None:
        ds = self.ds
        # names the orders and offers refer to (looked up in the database when not in ds)
        ref_clients = {o.client for o in ds.orders} | {o.client for o in ds.offers}
        ref_taxes = {o.tax for o in ds.orders if o.tax is not None}
        ref_articles: set[str] = set()
        for o in ds.orders:
            ref_articles.update(i.article for i in o.items)
        for offer in ds.offers:
            ref_articles.update(i.article for i in offer.items)
        # a reference that is not text is reported where it stands, with its path
        ref_clients = {x for x in ref_clients if type(x) is str}
        ref_taxes = {x for x in ref_taxes if type(x) is str}
        ref_articles = {x for x in ref_articles if type(x) is str}
        self.taxes_(ref_taxes)
        self.clients_(ref_clients)
        self.articles_(ref_articles)
        self.order_numbers()
        self.offer_numbers()

    def taxes_(self, referenced: set[str]) -> None:
        seen: dict[str, str] = {}
        for n, t in enumerate(self.ds.taxes):
            path = f"taxes[{n}]"
            name = _text(t.name, f"{path}.name", 100)
            if name in seen:
                raise ValidationError(f"tax {name!r} is also {seen[name]}", f"{path}.name")
            seen[name] = path
            rate = _num(t.rate, RATE_PLACES, f"{path}.rate")
            if rate > 100 * 10**RATE_PLACES:
                raise ValidationError(
                    f"{t.rate} is not a percentage between 0 and 100", f"{path}.rate"
                )
            tax_id = self.take_id(Tax)
            self.taxes[name] = (tax_id, t.rate)
            self.rows[Tax].append((tax_id, name, rate))
        found = self.lookup(Tax, Tax.name, set(seen) | referenced, Tax.id, Tax.name, Tax.rate)
        clash = _first_in_file(seen, (name for _id, name, _rate in found))
        if clash is not None:
            raise ValidationError(
                f"a tax named {clash!r} already exists in the database", f"{seen[clash]}.name"
            )
        for tax_id, name, rate in found:
            self.taxes[name] = (tax_id, from_scaled(rate, RATE_PLACES))

    def clients_(self, referenced: set[str]) -> None:
        seen: dict[str, str] = {}
        for n, c in enumerate(self.ds.clients):
            path = f"clients[{n}]"
            name = _text(c.name, f"{path}.name", 200)
            if name in seen:
                raise ValidationError(f"client {name!r} is also {seen[name]}", f"{path}.name")
            seen[name] = path
            self.client_rec(c, name, path)
        found = self.lookup(
            Client, Client.name, set(seen) | referenced, Client.id, Client.name, Client.currency
        )
        clash = _first_in_file(seen, (name for _id, name, _currency in found))
        if clash is not None:
            raise ValidationError(
                f"a client named {clash!r} already exists in the database", f"{seen[clash]}.name"
            )
        new: dict[int, _ClientRef] = {}
        for client_id, name, currency in found:
            new[client_id] = self.clients[name] = _ClientRef(client_id, name, currency, {}, None)
        first: dict[int, int] = {}
        for address_id, client_id, label, is_default in self.lookup(
            Address,
            Address.client,
            new,
            Address.id,
            Address.client,
            Address.label,
            Address.is_default,
        ):
            ref = new[client_id]
            ref.addresses[label] = address_id
            if is_default and (ref.default_address is None or address_id < ref.default_address):
                ref.default_address = address_id
            if address_id < first.get(client_id, address_id + 1):
                first[client_id] = address_id
        for client_id, ref in new.items():
            if ref.default_address is None:  # as masterdata.client_address: the first one
                ref.default_address = first.get(client_id)

    def client_rec(self, c: ClientRec, name: str, path: str) -> None:
        try:
            currency = check_currency(c.currency)
        except ValidationError as exc:
            raise exc.at(f"{path}.currency") from None
        vat_id = _text(c.vat_id, f"{path}.vat_id", 40, required=False)
        client_id = self.take_id(Client)
        self.rows[Client].append((client_id, name, vat_id, currency))
        ref = _ClientRef(client_id, name, currency, {}, None)
        labels: set[str] = set()
        defaults = [
            n
            for n, a in enumerate(c.addresses)
            if _bool(a.default, f"{path}.addresses[{n}].default")
        ]
        if len(defaults) > 1:
            raise ValidationError(
                "only one address can be the default", f"{path}.addresses[{defaults[1]}].default"
            )
        default_index = defaults[0] if defaults else 0
        for n, a in enumerate(c.addresses):
            apath = f"{path}.addresses[{n}]"
            label = _text(a.label, f"{apath}.label", 100)
            if label.lower() in labels:
                raise ValidationError(f"address label {label!r} is used twice", f"{apath}.label")
            labels.add(label.lower())
            address_id = self.take_id(Address)
            is_default = n == default_index
            self.rows[Address].append(
                (
                    address_id,
                    client_id,
                    label,
                    _note(a.text, f"{apath}.text"),
                    self.flag(is_default),
                )
            )
            ref.addresses[label] = address_id
            if is_default:
                ref.default_address = address_id
        self.clients[name] = ref

    def articles_(self, referenced: set[str]) -> None:
        seen: dict[str, str] = {}
        barcodes: dict[str, str] = {}
        for n, a in enumerate(self.ds.articles):
            path = f"articles[{n}]"
            code = _text(a.code, f"{path}.code", 60)
            if code in seen:
                raise ValidationError(f"article {code!r} is also {seen[code]}", f"{path}.code")
            seen[code] = path
            article_id = self.take_id(Article)
            self.rows[Article].append(
                (
                    article_id,
                    code,
                    _text(a.name, f"{path}.name", 250),
                    _text(a.unit, f"{path}.unit", 20),
                    _num(a.price, PRICE_PLACES, f"{path}.price"),
                )
            )
            self.articles[code] = article_id
            for k, barcode in enumerate(a.barcodes):
                bpath = f"{path}.barcodes[{k}]"
                barcode = _text(barcode, bpath, 64)
                if barcode in barcodes:
                    raise ValidationError(f"barcode {barcode} is also {barcodes[barcode]}", bpath)
                barcodes[barcode] = bpath
                self.rows[Barcode].append((self.take_id(Barcode), article_id, barcode))
        found = self.lookup(Article, Article.code, set(seen) | referenced, Article.id, Article.code)
        clash = _first_in_file(seen, (code for _id, code in found))
        if clash is not None:
            raise ValidationError(
                f"an article with code {clash!r} already exists in the database",
                f"{seen[clash]}.code",
            )
        self.articles.update((code, article_id) for article_id, code in found)
        holders = dict(self.barcode_holders(barcodes))
        clash = _first_in_file(barcodes, holders)
        if clash is not None:
            raise ValidationError(
                f"barcode {clash} already belongs to article {holders[clash]} in the database",
                barcodes[clash],
            )

    def barcode_holders(self, barcodes: dict[str, str]) -> list[tuple[str, str]]:
        """(barcode, article code) of the barcodes among ``barcodes`` already in the database."""
        found = self.lookup(Barcode, Barcode.code, barcodes, Barcode.code, Barcode.article)
        if not found:
            return []
        ids = {a for _c, a in found}
        codes = dict(self.lookup(Article, Article.id, ids, Article.id, Article.code))
        return sorted((code, codes[article_id]) for code, article_id in found)

    def order_numbers(self) -> None:
        """Numbers the dataset gives its orders: unique, and not in the database yet."""
        given: dict[str, str] = {}
        for n, o in enumerate(self.ds.orders):
            if o.number is not None:
                path = f"orders[{n}].number"
                number = _text(o.number, path, 30)
                if number in given:
                    raise ValidationError(f"order number {number} is also {given[number]}", path)
                given[number] = f"orders[{n}]"
        wanted = set(given)
        wanted.update(
            o.order for o in self.ds.offers if type(o.order) is str and o.order not in given
        )
        found = self.lookup(Order, Order.number, wanted, Order.id, Order.number)
        clash = _first_in_file(given, (number for _id, number in found))
        if clash is not None:
            raise ValidationError(
                f"order number {clash} is already used in the database", f"{given[clash]}.number"
            )
        self.db_orders.update((number, order_id) for order_id, number in found)

    def offer_numbers(self) -> None:
        """Offers of the dataset must be new; offers the orders name may be in the database."""
        given: dict[str, str] = {}
        for n, offer in enumerate(self.ds.offers):
            path = f"offers[{n}].number"
            number = _text(offer.number, path, 30)
            if number in given:
                raise ValidationError(f"offer number {number} is also {given[number]}", path)
            given[number] = f"offers[{n}]"
        wanted = set(given)
        wanted.update(
            o.document_ref
            for o in self.ds.orders
            if o.document_kind == DocumentKind.OFFER.value
            and type(o.document_ref) is str
            and o.document_ref
            and o.document_ref not in given
        )
        found = self.lookup(Offer, Offer.number, wanted, Offer.id, Offer.number, Offer.order)
        clash = _first_in_file(given, (number for _id, number, _order in found))
        if clash is not None:
            raise ValidationError(
                f"offer number {clash} is already used in the database", f"{given[clash]}.number"
            )
        for offer_id, number, order_id in found:
            self.db_offers[number] = (offer_id, order_id)

    # ----------------------------------------------------------------- one order

    def order(self, o: OrderRec) -> None:
        """Validate one order, assign its ids, compute it and queue its rows.

        The hot path of every load: each record is checked with a few inline tests, and only a
        record that fails them goes through the slow checks that name the field and the fault.
        """
        client = self.clients.get(o.client)
        if client is None:
            raise ValidationError(f"no client {o.client!r} in the file or the database", "client")
        if o.address is None:
            address_id = client.default_address
        else:
            found = client.addresses.get(o.address)
            if found is None:
                raise ValidationError(
                    f"client {client.name!r} has no address labelled {o.address!r}", "address"
                )
            address_id = found
        tax_id: int | None = None
        rate: Decimal | None = None
        if o.tax is not None:
            tax = self.taxes.get(o.tax)
            if tax is None:
                raise ValidationError(f"no tax {o.tax!r} in the file or the database", "tax")
            tax_id, rate = tax
        kind, ref, note = o.document_kind, o.document_ref, o.note
        created, deadline = o.created, o.deadline
        started, cancelled, cancel_reason = o.started, o.cancelled, o.cancel_reason
        if (
            kind not in _DOC_KINDS
            or type(ref) is not str
            or len(ref) > 100
            or type(created) is not dt.date
            or type(deadline) is not dt.date
            or deadline < created
            or type(note) is not str
            or type(started) is not bool
            or type(cancelled) is not bool
            or type(cancel_reason) is not str
        ):
            _header_checks(o)

        ids = self.ids
        rows = self.rows
        iso = self.day
        order_id = next(ids[Order])
        facts = _IntFacts()

        # items
        articles = self.articles
        next_item = ids[OrderItem].__next__
        item_facts = facts.items
        item_rows: list[tuple[Any, ...]] = []
        for k, it in enumerate(o.items, 1):
            article_id = articles.get(it.article)
            qty, price, specs = it.qty, it.price, it.specs
            try:
                q, p = int(qs := qty.scaleb(3)), int(ps := price.scaleb(4))
                ok = q == qs and p == ps and 0 < q < _LIMIT and 0 <= p < _LIMIT
            except (AttributeError, ValueError, OverflowError):
                ok = False
            if not ok or article_id is None or type(specs) is not str or type(qty) is not Decimal:
                try:
                    _item_checks(it, article_id)
                except ValidationError as exc:
                    raise exc.at(f"items[{k - 1}]") from None
            item_id = next_item()
            item_facts.append((item_id, article_id, q, p))  # type: ignore[arg-type]
            item_rows.append((item_id, order_id, k, article_id, q, p, specs))

        # payment terms
        term_ids: dict[str, int] = {}
        term_rows: list[tuple[Any, ...]] = []
        next_term = ids[PaymentTerm].__next__
        for k, t in enumerate(o.payment_terms, 1):
            name, due, amount = t.name, t.due, t.amount
            try:
                a = int(s := amount.scaleb(2))
                ok = a == s and 0 < a < _LIMIT
            except (AttributeError, ValueError, OverflowError):
                ok = False
            if (
                not ok
                or type(name) is not str
                or not name.strip()
                or len(name) > 200
                or name in term_ids
                or type(due) is not dt.date
            ):
                try:
                    name = _text(t.name, "name", 200)
                    if name in term_ids:
                        raise ValidationError(
                            f"the order already has a payment term {name!r}", "name"
                        )
                    _date(t.due, "due")
                    _num(t.amount, MONEY_PLACES, "amount", zero=False)
                    raise ValidationError(f"is not a valid payment term: {t!r}")
                except ValidationError as exc:
                    raise exc.at(f"payment_terms[{k - 1}]") from None
            term_id = next_term()
            term_ids[name] = term_id
            facts.terms.append((term_id, a))
            term_rows.append((term_id, order_id, k, name, iso(due), a))

        # financial documents
        doc_rows, doc_by_number = self.documents(o, order_id, term_ids, facts)

        # payments and their allocations
        payment_rows: list[tuple[Any, ...]] = []
        next_payment = ids[Payment].__next__
        next_allocation = ids[Allocation].__next__
        allocation_rows = rows[Allocation]
        for k, pay in enumerate(o.payments):
            try:
                day = _date(pay.date, "date")
                pay_amount = _num(pay.amount, MONEY_PLACES, "amount", zero=False)
                pnote = _note(pay.note, "note")
                payment_id = next_payment()
                allocated = 0
                targets: set[int] = set()
                for j, al in enumerate(pay.allocations):
                    try:
                        doc_id = doc_by_number.get(al.document)
                        if doc_id is None:
                            raise ValidationError(
                                f"the order has no financial document {al.document!r}"
                                if al.document not in self.ambiguous
                                else f"document number {al.document!r} is ambiguous in this "
                                "order (two types share it)",
                                "document",
                            )
                        if doc_id in targets:
                            raise ValidationError(
                                f"document {al.document} is allocated twice by this payment",
                                "document",
                            )
                        targets.add(doc_id)
                        part = _num(al.amount, MONEY_PLACES, "amount", zero=False)
                        allocated += part
                        if allocated > pay_amount:
                            raise ValidationError(
                                f"the allocations ({_money(allocated)}) exceed the payment "
                                f"({_money(pay_amount)}) by {_money(allocated - pay_amount)}",
                                "amount",
                            )
                    except ValidationError as exc:
                        raise exc.at(f"allocations[{j}]") from None
                    facts.allocations.append((payment_id, doc_id, part))
                    allocation_rows.append((next_allocation(), payment_id, doc_id, part))
            except ValidationError as exc:
                raise exc.at(f"payments[{k}]") from None
            facts.payments.append((payment_id, pay_amount))
            payment_rows.append((payment_id, order_id, iso(day), pay_amount, pnote))

        # deliveries
        if o.deliveries:
            ordered = {f[1] for f in item_facts}
            for k, d in enumerate(o.deliveries):
                try:
                    self.delivery(d, k, order_id, address_id, cancelled, ordered, facts)
                except ValidationError as exc:
                    raise exc.at(f"deliveries[{k}]") from None

        # linked production / purchase orders
        if o.links:
            links: set[tuple[str, str]] = set()
            for k, link in enumerate(o.links):
                try:
                    lkind = _choice(link.kind, _LINK_KINDS, "kind")
                    number = _text(link.number, "number", 60)
                    if (lkind, number) in links:
                        raise ValidationError(f"{lkind} order {number} is linked twice", "number")
                    links.add((lkind, number))
                    status = _choice(link.status, _LINK_STATUSES, "status")
                    ldeadline = _opt_date(link.deadline, "deadline") or deadline
                    expected = _opt_date(link.expected, "expected")
                except ValidationError as exc:
                    raise exc.at(f"links[{k}]") from None
                facts.link_statuses.append(status)
                rows[LinkedOrder].append(
                    (
                        next(ids[LinkedOrder]),
                        order_id,
                        lkind,
                        number,
                        status,
                        iso(ldeadline),
                        None if expected is None else iso(expected),
                        "",
                    )
                )

        if o.attachments:
            for k, attachment in enumerate(o.attachments):
                try:
                    rows[Attachment].append(self.attachment_row(attachment, order_id))
                except ValidationError as exc:
                    raise exc.at(f"attachments[{k}]") from None

        # every computed field, by the rules the services use: compute.compute_order in exact
        # integers (compute_order_int, proven equal for the non-negative amounts checked above)
        state = compute_order_int(
            None if rate is None else int(rate.scaleb(RATE_PLACES)),
            started,
            cancelled,
            item_facts,
            facts.terms,
            facts.documents,
            facts.payments,
            facts.allocations,
            facts.delivered_lines,
            facts.active_deliveries,
            facts.link_statuses,
        )
        self.finish_order(
            o,
            state,
            order_id,
            client,
            address_id,
            tax_id,
            (item_rows, term_rows, doc_rows, payment_rows),
        )

    def finish_order(
        self,
        o: OrderRec,
        state: IntState,
        order_id: int,
        client: _ClientRef,
        address_id: int | None,
        tax_id: int | None,
        parts: tuple[list[Any], list[Any], list[Any], list[Any]],
    ) -> None:
        """Queue an order's rows once its fields are computed (both paths): the items, terms,
        documents and payments (``parts``, without their computed columns) with them, and the
        order's own row; an order without a number takes the next reserved one of its year."""
        total, paid = state.total, state.paid
        if total >= _LIMIT or paid >= _LIMIT:
            raise ValidationError("the order's amounts are too large", "items")
        item_rows, term_rows, doc_rows, payment_rows = parts
        rows = self.rows
        if item_rows:
            amounts, delivered = state.item_amount, state.item_delivered
            rows[OrderItem].extend((*r, amounts[r[0]], delivered[r[0]]) for r in item_rows)
        if term_rows:
            term_paid, term_status = state.term_paid, state.term_status
            rows[PaymentTerm].extend((*r, term_paid[r[0]], term_status[r[0]]) for r in term_rows)
        if doc_rows:
            doc_paid, doc_status = state.doc_paid, state.doc_status
            for r in doc_rows:
                row = (*r, doc_paid[r[0]], doc_status[r[0]])
                (self.dup_docs if r[8] is not None else rows[FinancialDocument]).append(row)
        if payment_rows:
            left = state.payment_unallocated
            cur = client.currency  # the order's (payment.currency, schema 2)
            rows[Payment].extend((*r, left[r[0]], cur) for r in payment_rows)
        iso, flag = self.day, self.flag
        number, kind, ref = o.number, o.document_kind, o.document_ref
        if number is None:
            number = next(self.reserved[o.created.year])
        else:
            self.order_ids[number] = order_id
        self.order_rows.append(
            [
                order_id,
                number,
                client.id,
                address_id,
                client.currency,
                kind,
                ref,
                iso(o.created),
                iso(o.deadline),
                tax_id,
                o.note,
                flag(o.started),
                flag(o.cancelled),
                o.cancel_reason,
                1,
                state.status,
                state.financial_status,
                state.subtotal,
                state.tax_amount,
                total,
                paid,
                state.unallocated,
                state.delivered_pct,
                None,  # updated_at, set when written
                None,  # number_key, set when the number is known
            ]
        )
        self.order_clients.append(client.name)
        if kind == "offer" and ref and ref not in self.offer_refs:
            self.offer_refs[ref] = order_id

    def attachment_row(self, a: AttachmentRec, order_id: int) -> tuple[Any, ...]:
        """The row of a file of an order (checked as :func:`attachments.attach_file` checks)."""
        from .attachments import MAX_BYTES  # the order services: only for an order with files

        name = _text(a.name, "name", 255)
        if type(a.content) is not bytes:
            raise ValidationError("must be the file's bytes", "content")
        if len(a.content) > MAX_BYTES:
            raise ValidationError(
                f"is {len(a.content):,} bytes, over the limit of {MAX_BYTES:,}", "content"
            )
        sha = hashlib.sha256(a.content).hexdigest()
        if a.sha256 is not None and a.sha256 != sha:
            raise ValidationError("does not match the content (a damaged file?)", "sha256")
        added: Any = a.added if a.added is not None else dt.datetime.now().replace(microsecond=0)
        if type(added) is not dt.datetime:
            raise ValidationError(f"must be a date and time, not {added!r}", "added")
        user = _text(a.user, "user", 100, required=False)
        return (
            next(self.ids[Attachment]),
            order_id,
            name,
            len(a.content),
            sha,
            a.content,
            str(added) if self.sqlite else added,
            user,
            _note(a.note, "note"),
        )

    def order_trusted(self, o: OrderRec) -> None:
        """:meth:`order` for records valid by construction (the demo generator's own): the
        same ids and rows, without re-checking each field (types, ranges, decimal places,
        uniqueness within the dataset), every computed field by :func:`compute_order_int`
        (:func:`compute.compute_order` in integers). References (client, address, tax,
        articles, terms, documents) still resolve by name; one that does not resolve raises
        :class:`ValidationError` rather than writing a wrong row. (An order with files, which
        the generator never makes, takes the checked path.)"""
        if o.attachments:
            self.order(o)
            return
        try:
            client = self.clients[o.client]
            address_id = (
                client.default_address if o.address is None else client.addresses[o.address]
            )
            tax_id: int | None = None
            rate: int | None = None
            if o.tax is not None:
                tax_id, rate_dec = self.taxes[o.tax]
                rate = int(rate_dec.scaleb(RATE_PLACES))
        except KeyError as exc:
            raise ValidationError(f"unknown reference {exc.args[0]!r} (trusted records)") from None
        ids = self.ids
        rows = self.rows
        iso, flag = self.day, self.flag
        order_id = next(ids[Order])
        started, cancelled = o.started, o.cancelled
        articles = self.articles

        next_item = ids[OrderItem].__next__
        items: list[tuple[int, int, int, int]] = []
        item_rows: list[tuple[Any, ...]] = []
        for k, it in enumerate(o.items, 1):
            article_id = articles[it.article]
            q, p = int(it.qty.scaleb(3)), int(it.price.scaleb(4))
            item_id = next_item()
            items.append((item_id, article_id, q, p))
            item_rows.append((item_id, order_id, k, article_id, q, p, it.specs))

        term_ids: dict[str, int] = {}
        terms: list[tuple[int, int]] = []
        term_rows: list[tuple[Any, ...]] = []
        next_term = ids[PaymentTerm].__next__
        for k, t in enumerate(o.payment_terms, 1):
            term_id = next_term()
            term_ids[t.name] = term_id
            a = int(t.amount.scaleb(2))
            terms.append((term_id, a))
            term_rows.append((term_id, order_id, k, t.name, iso(t.due), a))

        documents: list[tuple[int, int, int | None, int | None]] = []
        doc_rows: list[tuple[Any, ...]] = []
        doc_by_number: dict[str, int] = {}
        docs = o.documents
        if docs:
            next_doc = ids[FinancialDocument].__next__
            doc_ids = [next_doc() for _ in docs]
            index_of: dict[str, int] = {}
            for k, d in enumerate(docs):
                index_of.setdefault(d.number, k)
                doc_by_number[d.number] = doc_ids[k]
            if len(index_of) != len(docs):
                raise ValidationError("two documents of an order share a number (trusted)")
            doc_terms = [None if d.term is None else term_ids[d.term] for d in docs]
            roots = list(range(len(docs)))
            for k in range(len(docs)):
                steps = 0
                while (up := docs[roots[k]].duplicate_of) is not None:
                    roots[k] = index_of[up]
                    steps += 1
                    if steps > len(docs):
                        raise ValidationError("duplicates form a circle (trusted)")
            group_term: dict[int, int | None] = {}
            for k, root in enumerate(roots):
                if group_term.get(root) is None:
                    group_term[root] = (
                        doc_terms[root] if doc_terms[root] is not None else doc_terms[k]
                    )
            for k, d in enumerate(docs):
                root = roots[k]
                doc_term = group_term[root]
                dup = doc_ids[root] if root != k else None
                amount = int(d.amount.scaleb(2))
                documents.append((doc_ids[k], amount, doc_term, dup))
                doc_rows.append(
                    (
                        doc_ids[k],
                        order_id,
                        d.type,
                        d.number,
                        amount,
                        iso(d.issued),
                        None if d.due is None else iso(d.due),
                        doc_term,
                        dup,
                    )
                )

        payments: list[tuple[int, int]] = []
        allocations: list[tuple[int, int, int]] = []
        payment_rows: list[tuple[Any, ...]] = []
        if o.payments:
            next_payment = ids[Payment].__next__
            next_allocation = ids[Allocation].__next__
            allocation_rows = rows[Allocation]
            for pay in o.payments:
                payment_id = next_payment()
                for al in pay.allocations:
                    doc_id = doc_by_number[al.document]
                    part = int(al.amount.scaleb(2))
                    allocations.append((payment_id, doc_id, part))
                    allocation_rows.append((next_allocation(), payment_id, doc_id, part))
                amount = int(pay.amount.scaleb(2))
                payments.append((payment_id, amount))
                payment_rows.append((payment_id, order_id, iso(pay.date), amount, pay.note))

        delivered: list[tuple[int, int]] = []
        active_deliveries = 0
        if o.deliveries:
            next_delivery = ids[Delivery].__next__
            next_line = ids[DeliveryLine].__next__
            line_rows = rows[DeliveryLine]
            delivery_rows = rows[Delivery]
            for dr in o.deliveries:
                delivery_id = next_delivery()
                dcancelled = dr.cancelled
                for line in dr.lines:
                    article_id = articles[line.article]
                    qty = int(line.qty.scaleb(3))
                    if not dcancelled:
                        delivered.append((article_id, qty))
                    line_rows.append((next_line(), delivery_id, article_id, qty))
                if not dcancelled:
                    active_deliveries += 1
                delivery_rows.append(
                    (
                        delivery_id,
                        order_id,
                        dr.kind,
                        dr.number,
                        iso(dr.date),
                        address_id,
                        flag(dcancelled),
                        "",
                    )
                )

        link_statuses: list[str] = []
        if o.links:
            next_link = ids[LinkedOrder].__next__
            link_rows = rows[LinkedOrder]
            for link in o.links:
                link_statuses.append(link.status)
                link_rows.append(
                    (
                        next_link(),
                        order_id,
                        link.kind,
                        link.number,
                        link.status,
                        iso(link.deadline or o.deadline),
                        None if link.expected is None else iso(link.expected),
                        "",
                    )
                )

        # every computed field, by the rules of compute.compute_order
        state = compute_order_int(
            rate,
            started,
            cancelled,
            items,
            terms,
            documents,
            payments,
            allocations,
            delivered,
            active_deliveries,
            link_statuses,
        )
        if o.number is None:
            raise ValidationError("a detached load needs every order's number")
        self.finish_order(
            o,
            state,
            order_id,
            client,
            address_id,
            tax_id,
            (item_rows, term_rows, doc_rows, payment_rows),
        )

    def delivery(
        self,
        d: DeliveryRec,
        k: int,
        order_id: int,
        address_id: int | None,
        order_cancelled: bool,
        ordered: set[int],
        facts: _IntFacts,
    ) -> None:
        """One sale or shipment of the order (``ordered``: ids of the articles on the order)."""
        kind, number, day, cancelled = d.kind, d.number, d.date, d.cancelled
        key = (kind, number)
        if (
            kind not in _DELIVERY_KINDS
            or type(number) is not str
            or not number.strip()
            or len(number) > 60
            or key in self.delivery_keys
            or type(day) is not dt.date
            or type(cancelled) is not bool
            or (order_cancelled and not cancelled)
            or not d.lines
        ):
            kind = _choice(d.kind, _DELIVERY_KINDS, "kind")
            number = _text(d.number, "number", 60)
            if key in self.delivery_keys:
                n, m = self.delivery_keys[key]
                raise ValidationError(
                    f"{kind} {number} is also orders[{n}].deliveries[{m}]", "number"
                )
            _date(d.date, "date")
            _bool(d.cancelled, "cancelled")
            if order_cancelled and not cancelled:
                raise ValidationError(
                    "the order is cancelled: its deliveries must be cancelled too", "cancelled"
                )
            raise ValidationError("a delivery needs at least one line", "lines")
        self.delivery_keys[key] = (self.current, k)
        delivery_id = next(self.ids[Delivery])
        next_line = self.ids[DeliveryLine].__next__
        line_rows = self.rows[DeliveryLine]
        articles = self.articles
        delivered = facts.delivered_lines
        for j, line in enumerate(d.lines):
            article_id = articles.get(line.article)
            if article_id is None or article_id not in ordered:
                raise ValidationError(
                    f"article {line.article!r} is not on this order", f"lines[{j}].article"
                )
            try:
                qty = int(scaled := line.qty.scaleb(3))
                ok = qty == scaled and 0 < qty < _LIMIT
            except (AttributeError, ValueError, OverflowError):
                ok = False
            if not ok:
                _num(line.qty, QTY_PLACES, f"lines[{j}].qty", zero=False)
            if not cancelled:
                delivered.append((article_id, qty))
            line_rows.append((next_line(), delivery_id, article_id, qty))
        if not cancelled:
            facts.active_deliveries += 1
        self.rows[Delivery].append(
            (
                delivery_id,
                order_id,
                kind,
                number,
                self.day(day),
                address_id,
                self.flag(cancelled),
                "",
            )
        )

    def documents(
        self, o: OrderRec, order_id: int, term_ids: dict[str, int], facts: _IntFacts
    ) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
        """The order's financial documents, with duplicates tied to their original.

        Returns the rows (without the computed paid and status) and number -> id of the
        documents whose number is unambiguous in the order (for allocations).
        """
        docs = o.documents
        self.ambiguous = set()
        if not docs:
            return [], {}
        ids: list[int] = []
        by_number: dict[str, int] = {}
        index_of: dict[str, int] = {}
        ambiguous = self.ambiguous
        rows: list[list[Any]] = []
        terms: list[int | None] = []
        next_doc = self.ids[FinancialDocument].__next__
        iso = self.day
        has_duplicates = False
        doc_keys = self.doc_keys
        current = self.current
        for k, d in enumerate(docs):
            dtype, number, issued, due, term = d.type, d.number, d.issued, d.due, d.term
            key = (dtype, number)
            term_id = None if term is None else term_ids.get(term)
            try:
                amount = int(scaled := d.amount.scaleb(2))
                ok = amount == scaled and 0 < amount < _LIMIT
            except (AttributeError, ValueError, OverflowError):
                ok = False
            if (
                not ok
                or dtype not in _DOC_TYPES
                or type(number) is not str
                or not number.strip()
                or len(number) > 60
                or key in doc_keys
                or type(issued) is not dt.date
                or (due is not None and (type(due) is not dt.date or due < issued))
                or (term is not None and term_id is None)
            ):
                try:
                    self.document_checks(d, term_ids)
                except ValidationError as exc:
                    raise exc.at(f"documents[{k}]") from None
            doc_keys[key] = (current, k)
            doc_id = next_doc()
            ids.append(doc_id)
            if number in index_of:
                ambiguous.add(number)
                by_number.pop(number, None)
            else:
                by_number[number] = doc_id
                index_of[number] = k
            if d.duplicate_of is not None:
                has_duplicates = True
            terms.append(term_id)
            rows.append(
                [
                    doc_id,
                    order_id,
                    dtype,
                    number,
                    amount,
                    iso(issued),
                    None if due is None else iso(due),
                    term_id,
                    None,
                ]
            )

        if not has_duplicates:
            facts.documents.extend((ids[k], rows[k][4], terms[k], None) for k in range(len(docs)))
            return [tuple(r) for r in rows], by_number

        # duplicates: find each one's original (root), and the pair's one payment term
        parent: list[int | None] = [None] * len(docs)
        for k, d in enumerate(docs):
            if d.duplicate_of is None:
                continue
            path = f"documents[{k}].duplicate_of"
            target = d.duplicate_of
            if target in ambiguous:
                raise ValidationError(
                    f"document number {target!r} is ambiguous in this order (two types share it)",
                    path,
                )
            if target not in index_of:
                raise ValidationError(f"the order has no financial document {target!r}", path)
            if index_of[target] == k:
                raise ValidationError("a document cannot be a duplicate of itself", path)
            parent[k] = index_of[target]
        root: list[int] = []
        for k in range(len(docs)):
            r, steps = k, 0
            up = parent[r]
            while up is not None:
                r, up = up, parent[up]
                steps += 1
                if steps > len(docs):
                    raise ValidationError(
                        "duplicates form a circle", f"documents[{k}].duplicate_of"
                    )
            root.append(r)
        # The pair's term is the original's, else the one its duplicates name (as the service,
        # which gives the original the term of a duplicate added with one).
        group_term: dict[int, int | None] = {}
        for k in range(len(docs)):
            r = root[k]
            if group_term.get(r) is None:
                group_term[r] = terms[r] if terms[r] is not None else terms[k]
        for k in range(len(docs)):
            r = root[k]
            if terms[k] is not None and terms[k] != group_term[r]:
                raise ValidationError(
                    f"a duplicate belongs to the payment term of {docs[r].number} "
                    f"({_term_name(term_ids, group_term[r])!r}), not to {docs[k].term!r}",
                    f"documents[{k}].term",
                )
            row = rows[k]
            row[7] = group_term[r]
            row[8] = ids[r] if r != k else None
            facts.documents.append((ids[k], row[4], group_term[r], row[8]))
        return [tuple(r) for r in rows], by_number

    def document_checks(self, d: DocumentRec, term_ids: dict[str, int]) -> None:
        """The slow checks of a document that failed the fast ones."""
        dtype = _choice(d.type, _DOC_TYPES, "type")
        number = _text(d.number, "number", 60)
        if (dtype, number) in self.doc_keys:
            n, m = self.doc_keys[(dtype, number)]
            raise ValidationError(f"{dtype} {number} is also orders[{n}].documents[{m}]", "number")
        _num(d.amount, MONEY_PLACES, "amount", zero=False)
        issued = _date(d.issued, "issued")
        due = _opt_date(d.due, "due")
        if due is not None and due < issued:
            raise ValidationError(
                f"{due.isoformat()} is before the issue date {issued.isoformat()}", "due"
            )
        if d.term is not None and d.term not in term_ids:
            raise ValidationError(f"the order has no payment term {d.term!r}", "term")
        raise ValidationError(f"is not a valid document: {d!r}")

    # ----------------------------------------------------------------- offers

    def offers(self) -> None:
        for n, offer in enumerate(self.ds.offers):
            try:
                self.offer(offer)
            except ValidationError as exc:
                raise exc.at(f"offers[{n}]") from None
        # offers already in the database that an order of the dataset was made from
        for number, order_id in self.offer_refs.items():
            if number in self.db_offers:
                offer_id, linked = self.db_offers[number]
                if linked is None:
                    self.offer_links.append((order_id, offer_id))

    def offer(self, offer: OfferRec) -> None:
        client = self.clients.get(offer.client)
        if client is None:
            raise ValidationError(
                f"no client {offer.client!r} in the file or the database", "client"
            )
        if offer.address is None:
            address_id = client.default_address
        else:
            found = client.addresses.get(offer.address)
            if found is None:
                raise ValidationError(
                    f"client {client.name!r} has no address labelled {offer.address!r}",
                    "address",
                )
            address_id = found
        created = _date(offer.created, "created")
        valid_until = _opt_date(offer.valid_until, "valid_until")
        if valid_until is not None and valid_until < created:
            raise ValidationError(
                f"{valid_until.isoformat()} is before the creation date {created.isoformat()}",
                "valid_until",
            )
        note = _note(offer.note, "note")
        offer_id = self.take_id(Offer)
        for k, it in enumerate(offer.items):
            try:
                article_id = self.articles.get(it.article)
                if article_id is None:
                    raise ValidationError(
                        f"no article {it.article!r} in the file or the database", "article"
                    )
                qty = _num(it.qty, QTY_PLACES, "qty", zero=False)
                price = _num(it.price, PRICE_PLACES, "price")
                specs = _note(it.specs, "specs")
            except ValidationError as exc:
                raise exc.at(f"items[{k}]") from None
            self.rows[OfferItem].append(
                (self.take_id(OfferItem), offer_id, k + 1, article_id, qty, price, specs)
            )
        order_id: int | None = None
        if offer.order is not None:
            order_number = _text(offer.order, "order", 30)
            order_id = self.order_ids.get(order_number) or self.db_orders.get(order_number)
            if order_id is None:
                raise ValidationError(
                    f"no order {order_number!r} in the file or the database", "order"
                )
        else:
            order_id = self.offer_refs.get(offer.number)
        self.rows[Offer].append(
            (
                offer_id,
                offer.number,
                client.id,
                address_id,
                self.day(created),
                None if valid_until is None else self.day(valid_until),
                note,
                order_id,
            )
        )

    # ----------------------------------------------------------------- database checks

    def check_unique_in_db(self) -> None:
        """Document and delivery numbers must not exist in the database yet."""
        if self.catalog is not None:
            return  # see Catalog: the unique indexes guard them when the rows are written
        for model, type_field, keys, what in (
            (FinancialDocument, FinancialDocument.doc_type, self.doc_keys, "documents"),
            (Delivery, Delivery.kind, self.delivery_keys, "deliveries"),
        ):
            by_type: dict[str, list[str]] = {}
            for kind, number in keys:
                by_type.setdefault(kind, []).append(number)
            clashes: dict[tuple[str, str], int] = {}  # (kind, number) -> id of its order
            for kind, numbers in by_type.items():
                found = self.lookup(
                    model,
                    model.number,
                    numbers,
                    model.number,
                    model.order,
                    where=(type_field, kind),
                )
                clashes.update(((kind, number), order_id) for number, order_id in found)
            if clashes:
                key = min(clashes, key=keys.__getitem__)  # the first in the file
                other = Order.select(Order.number).where(Order.id == clashes[key]).scalar()
                n, m = keys[key]
                raise ValidationError(
                    f"{key[0]} {key[1]} already exists in the database (order {other})",
                    f"orders[{n}].{what}[{m}].number",
                )

    # ----------------------------------------------------------------- numbers

    def number_orders(self) -> None:
        """Move each year's counter past the numbers the dataset gives, then take one block of
        numbers per year for the orders without one (validated later, with the rest)."""
        given: set[str] = set()
        top: dict[int, int] = {}
        wanted: Counter[int] = Counter()
        for o in self.ds.orders:
            if type(o.number) is str:
                given.add(o.number)
                parsed = parse_number(o.number)
                if parsed and parsed[1] > top.get(parsed[0], 0):
                    top[parsed[0]] = parsed[1]
            elif o.number is None and type(o.created) is dt.date:
                wanted[o.created.year] += 1
        if self.catalog is not None:
            if wanted:
                raise ValidationError("a detached load needs every order's number")
            self.tops = top
            return
        for year, seq in sorted(top.items()):
            move_past("order", year, seq)
        for year, count in sorted(wanted.items()):
            self.reserved[year] = iter(self.reserve(year, count, given))
        self.stats.generated = sum(wanted.values())

    def reserve(self, year: int, count: int, given: set[str]) -> list[str]:
        """``count`` fresh order numbers of ``year``, from one upsert of the year's counter.

        The counter row stays locked until commit, so concurrent creators wait rather than
        collide. Numbers that somehow exist already (written around the counter) are skipped.
        """
        table = f'"{NumberSequence._meta.table_name}"'
        p = database.param
        result: list[str] = []
        while len(result) < count:
            need = count - len(result)
            cursor = database.execute_sql(
                f'INSERT INTO {table} ("kind", "year", "last") VALUES ({p}, {p}, {p}) '
                f'ON CONFLICT ("kind", "year") DO UPDATE SET "last" = {table}."last" + '
                f'excluded."last" RETURNING "last"',
                ("order", year, need),
            )
            last = int(cursor.fetchone()[0])
            block = [format_number(year, seq) for seq in range(last - need + 1, last + 1)]
            exists = {n for (n,) in self.lookup(Order, Order.number, block, Order.number)}
            result.extend(n for n in block if n not in exists and n not in given)
        return result

    # ----------------------------------------------------------------- writing

    def write(self) -> None:
        now: Any = dt.datetime.now()
        if self.sqlite:
            now = str(now)  # what sqlite3's datetime adapter would write
        tables = self.final_rows(now, audit.current_user())
        many = sum(len(r) for _model, r in tables)
        # Into (nearly) empty tables, building the indexes once at the end is much faster
        # than keeping them up to date row by row; inside this savepoint either way.
        defer = self.sqlite and many >= DEFER_INDEXES_ROWS and many > self.existing
        with deferred_indexes() if defer else nullcontext():
            for model, model_rows in tables:
                count = bulk_insert(model, _COLS[model], model_rows)
                if count:
                    table = str(model._meta.table_name)
                    self.stats.rows[table] = self.stats.rows.get(table, 0) + count
        if self.offer_links:
            self.link_offers()
        self.stats.orders = len(self.order_rows)

    def final_rows(self, now: Any, user: str) -> list[tuple[Any, list[tuple[Any, ...]]]]:
        """(model, rows) in the order they are inserted: the audit rows, every table's rows.

        Also counts them in the stats (as :meth:`write` will insert them).
        """
        rows = self.rows
        numbers: list[str] = []
        next_audit = self.ids[AuditLog].__next__
        for order_row, client_name in zip(self.order_rows, self.order_clients, strict=True):
            order_row[-2] = now
            number = order_row[1]
            order_row[-1] = number_key(number)
            numbers.append(number)
            # = json.dumps({"client": ..., "number": ...}, ensure_ascii=False, sort_keys=True)
            changes = f'{{"client": {_json_str(client_name)}, "number": {_json_str(number)}}}'
            rows[AuditLog].append(
                (
                    next_audit(),
                    now,
                    user,
                    self.source,
                    "order",
                    order_row[0],
                    order_row[0],
                    changes,
                )
            )
        rows[Order] = self.order_rows
        tables: list[tuple[Any, list[tuple[Any, ...]]]] = []
        for model in _TABLES:
            if rows[model]:
                tables.append((model, rows[model]))
            if model is FinancialDocument and self.dup_docs:
                # after the originals: duplicate_of refers back
                tables.append((model, self.dup_docs))
        self.stats.orders = len(self.order_rows)
        self.stats.numbers = numbers
        return tables

    def link_offers(self) -> None:
        """Point offers already in the database at the loaded orders made from them."""
        p = database.param
        table = Offer._meta.table_name
        order_col = Offer.order.column_name
        links = self.offer_links
        for start in range(0, len(links), 500):
            chunk = links[start : start + 500]
            cases = " ".join(f"WHEN {p} THEN {p}" for _ in chunk)
            marks = ", ".join([p] * len(chunk))
            params: list[int] = []
            for order_id, offer_id in chunk:
                params += [offer_id, order_id]
            params += [offer_id for _order_id, offer_id in chunk]
            database.execute_sql(
                f'UPDATE "{table}" SET "{order_col}" = CASE "id" {cases} END '
                f'WHERE "id" IN ({marks})',
                params,
            )
        self.stats.offers_linked = len(links)


def _first_in_file(in_file: dict[str, Any], found: Iterable[str]) -> str | None:
    """The first key of ``in_file`` (in file order) that is among ``found``, or None."""
    found = set(found)
    return next((key for key in in_file if key in found), None)


def _same(value: Any) -> Any:
    return value


def _money(scaled: int) -> str:
    return str(Decimal(scaled).scaleb(-MONEY_PLACES))


def _term_name(term_ids: dict[str, int], term_id: int | None) -> str | None:
    for name, value in term_ids.items():
        if value == term_id:
            return name
    return None


__all__ = [
    "IN_CHUNK",
    "Catalog",
    "IntState",
    "LoadStats",
    "Prepared",
    "account_spans",
    "check_spans",
    "compute_order_int",
    "deferred_indexes",
    "gc_paused",
    "insert_prepared",
    "load",
    "order_row_counts",
    "prepare_detached",
]
