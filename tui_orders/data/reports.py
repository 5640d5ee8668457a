"""The finance reports: expected receipts, overdue payments, forecast of receipts, order book.

Every report aggregates in SQL (SQLite and PostgreSQL alike): money columns are BIGINT cents,
summed as integers by the database and turned into ``Decimal`` once. Python only buckets a few
hundred already-aggregated rows (days into weeks or months) and fits the forecast's model on
monthly totals.

Rules shared by the reports (docs/reports.md says the same for users):

* **Cancelled orders are left out**, and **currencies are never summed together**: every
  amount is per currency.
* **Open items** of an order are its payment terms and its original financial documents that
  belong to no term (a document with a term is the term's money: listing both would count it
  twice; a duplicate never counts, its original does). An item's remaining is its amount less
  its paid amount (a document's paid amount is its pair's).
* **Unallocated money** (payments without basis) reduces the order's earliest open items,
  by due date; and the open items of an order never add up to more than its total less what
  it has received (when they would, the latest items are cut). For each item, with ``C`` the
  running sum of remaining in due order, ``U`` the unallocated money and ``K = max(total -
  paid, 0)``: ``effective = E(C) - E(C - remaining)`` with ``E(x) = min(max(x - U, 0), K)``.
* **Overdue** means due *before* the as-of date (due yesterday: 1 day overdue). Paid amounts
  are those recorded in the database now: the as-of date moves the line between overdue and
  future, it does not replay history.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ..i18n import _
from .db import database, is_sqlite
from .errors import ValidationError
from .models import from_scaled

ZERO = Decimal("0.00")
By = Literal["month", "week", "day"]
BUCKETS = ("1-30", "31-60", "61-90", "90+")
NOT_YET_DUE = "not yet due"
STATUS_ORDER = ("new", "in_progress", "ready", "closed")
FINANCIAL_ORDER = ("unpaid", "partially_paid", "paid")

# --------------------------------------------------------------------------- SQL helpers


def _run(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` written with ``?`` placeholders on the open database."""
    db = database.obj
    if db is None:
        raise ValidationError(_("no database is open"))
    if not is_sqlite(db):
        sql = sql.replace("?", "%s")
    return list(db.execute_sql(sql, tuple(params)).fetchall())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off (its previous state restored after) while tens of
    thousands of row objects are made: they hold no reference cycle, and the collector would
    walk them again and again as they come (as ``bulk.gc_paused``, without its import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _param(day: dt.date) -> Any:
    """A date as the driver wants it: ISO text for SQLite (how peewee stores it), a date else."""
    return day.isoformat() if is_sqlite() else day


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _greatest(a: str, b: str) -> str:
    return f"MAX({a}, {b})" if is_sqlite() else f"GREATEST({a}, {b})"


def _least(a: str, b: str) -> str:
    return f"MIN({a}, {b})" if is_sqlite() else f"LEAST({a}, {b})"


def _month_index(column: str) -> str:
    """SQL for ``year * 12 + month - 1`` of a date column."""
    if is_sqlite():
        return (
            f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12 "
            f"+ CAST(substr({column}, 6, 2) AS INTEGER) - 1)"
        )
    return (
        f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12 "
        f"+ CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"
    )


def _money(cents: Any) -> Decimal:
    return from_scaled(cents, 2)


def _client_ids(client: str | int | None) -> list[int] | None:
    """``None``: every client; an int: that client id; text: clients whose name contains it."""
    if client is None:
        return None
    if isinstance(client, int) and not isinstance(client, bool):
        return [client]
    text = str(client).strip()
    if not text:
        return None
    from .queries import clients_matching

    ids = clients_matching(text)
    if not ids:
        raise ValidationError(_("no client name contains {text!r}").format(text=text))
    return ids


def _currency(currency: str | None) -> str | None:
    if currency is None or not currency.strip():
        return None
    code = currency.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValidationError(
            _("currency {currency!r} must be a three-letter code such as EUR").format(
                currency=currency
            )
        )
    return code


def _order_filters(
    client_ids: list[int] | None,
    currency: str | None,
    alias: str = "o",
    *,
    currency_index: bool = True,
) -> tuple[str, list[Any]]:
    """``AND ...`` conditions on the order (not cancelled, client, currency) and their params.

    ``currency_index=False``: SQLite is not to look the orders up by currency (through the
    ``order_book`` index, reading a third of the table), when another index (the creation
    date's) finds them faster.
    """
    sql = f" AND NOT {alias}.cancelled"
    params: list[Any] = []
    if client_ids is not None:
        sql += f" AND {alias}.client_id IN ({', '.join('?' for _ in client_ids)})"
        params += client_ids
    if currency is not None:
        plus = "+" if not currency_index and is_sqlite() else ""
        sql += f" AND {plus}{alias}.currency = ?"
        params.append(currency)
    return sql, params


#: An open item's document: an original (no duplicate) of no term, not fully paid (alias
#: ``d``). Written so that SQLite reads the partial index ``financial_document_open``.
_OPEN_DOCUMENT = "COALESCE(d.term_id, d.duplicate_of_id) IS NULL AND d.paid < d.amount"


def _open_items_sql(
    filters: str, filter_params: Sequence[Any], *, due_to: Any = None
) -> tuple[str, list[Any]]:
    """The CTEs ending in ``open_items``: every open item of every kept order with its
    ``eff``ective remaining (see the module docstring), its order's id, number, client and
    currency (``oid``, ``onum``, ``cid``, ``currency``), the item's ``kind`` (0 term, 1
    document), position (``pos``, 0 for a document) and id (``rid``); and their params.
    ``filters`` (from :func:`_order_filters`) are on the order, alias ``o``.

    ``due_to`` (a date parameter) leaves out the items due after it: an item's effective
    remaining depends only on the order's items due before it (in due order), never after.

    Only the orders still to receive money are read (``paid < total``): the others' items
    come to nothing (``K = 0``). Shaped for SQLite (PostgreSQL is indifferent): those orders
    are read off the partial covering index ``order_open`` (currency, id, ...), and each one's
    open terms off the partial index ``payment_term_open`` (order, due, position, id): the rows
    come in the running sums' order, so the window needs no sort and no order is looked up in
    the table. Only the few orders with an open document (``financial_document_open``) get
    their terms and documents merged and sorted. ``open_items`` is to be read once: SQLite
    would materialize it otherwise.
    """
    rows = "ROWS UNBOUNDED PRECEDING"
    t_due = " AND t.due <= ?" if due_to is not None else ""
    d_due = " AND COALESCE(d.due, d.issued) <= ?" if due_to is not None else ""
    kept = f"o.paid < o.total{filters}"
    of_order = (
        "o.currency AS currency, o.unallocated AS u, o.total - o.paid AS cap, "
        "o.number AS onum, o.client_id AS cid"
    )
    top = f"{_least(_greatest('x.cum - x.u', '0'), 'x.cap')}"
    low = f"{_least(_greatest('x.cum - x.rem - x.u', '0'), 'x.cap')}"
    sql = f"""
docs AS (
    SELECT d.order_id AS oid, COALESCE(d.due, d.issued) AS due, d.id AS rid,
           d.amount - d.paid AS rem
    FROM financial_document d
    WHERE {_OPEN_DOCUMENT}{d_due}
),
plain AS (
    SELECT o.id AS oid, t.due AS due, 0 AS kind, t.position AS pos, t.id AS rid,
           t.amount - t.paid AS rem,
           SUM(t.amount - t.paid) OVER (
               PARTITION BY o.currency, o.id ORDER BY t.due, t.position, t.id {rows}) AS cum,
           {of_order}
    FROM "order" o CROSS JOIN payment_term t
    WHERE {kept} AND o.id NOT IN (SELECT oid FROM docs)
      AND t.order_id = o.id AND t.paid < t.amount{t_due}
),
mixed AS (
    SELECT i.oid, i.due, i.kind, i.pos, i.rid, i.rem,
           SUM(i.rem) OVER (PARTITION BY i.oid ORDER BY i.due, i.kind, i.pos, i.rid {rows})
           AS cum,
           i.currency, i.u, i.cap, i.onum, i.cid
    FROM (
        SELECT o.id AS oid, t.due AS due, 0 AS kind, t.position AS pos, t.id AS rid,
               t.amount - t.paid AS rem, {of_order}
        FROM "order" o CROSS JOIN payment_term t
        WHERE {kept} AND o.id IN (SELECT oid FROM docs)
          AND t.order_id = o.id AND t.paid < t.amount{t_due}
        UNION ALL
        SELECT o.id, x.due, 1, 0, x.rid, x.rem, {of_order}
        FROM docs x CROSS JOIN "order" o
        WHERE o.id = x.oid AND {kept}
    ) i
),
open_items AS (
    SELECT x.*, {top} - {low} AS eff
    FROM (SELECT * FROM plain UNION ALL SELECT * FROM mixed) x
)"""
    due = [due_to] if due_to is not None else []
    fp = list(filter_params)
    return sql, [*due, *fp, *due, *fp, *due, *fp]


def _open_totals(filters: str, filter_params: Sequence[Any]) -> dict[str, int]:
    """currency -> sum over the kept orders of ``E(C)``: with ``C`` all of an order's open
    items' remaining, what its open items come to in all (see the module docstring).

    One sum per order still to receive money, straight off the indexes ``order_open`` (in
    currency order: no sort) and ``payment_term_open``; the few orders with an open document
    apart. An order with no open item has ``C`` NULL: no ``E(C)`` (SQLite's ``MAX`` of a NULL
    is NULL), or 0 (PostgreSQL's ``GREATEST`` leaves NULLs out).
    """
    terms = (
        "(SELECT SUM(t.amount - t.paid) FROM payment_term t "
        "WHERE t.order_id = o.id AND t.paid < t.amount)"
    )
    documents = (
        "(SELECT SUM(d.amount - d.paid) FROM financial_document d "
        f"WHERE d.order_id = o.id AND {_OPEN_DOCUMENT})"
    )

    def e(c: str) -> str:
        return _least(_greatest(f"{c} - o.unallocated", "0"), "o.total - o.paid")

    sql = f"""
SELECT o.currency, SUM({e(terms)})
FROM "order" o
WHERE o.paid < o.total{filters} AND o.id NOT IN (SELECT d.order_id FROM financial_document d
                                                 WHERE {_OPEN_DOCUMENT})
GROUP BY o.currency
UNION ALL
SELECT o.currency, SUM({e(f"COALESCE({terms}, 0) + {documents}")})
FROM "order" o
WHERE o.paid < o.total{filters} AND o.id IN (SELECT d.order_id FROM financial_document d
                                             WHERE {_OPEN_DOCUMENT})
GROUP BY o.currency"""
    out: dict[str, int] = defaultdict(int)
    for cur, cents in _run(sql, [*filter_params, *filter_params]):
        if cents is not None:
            out[cur] += int(cents)
    return out


# --------------------------------------------------------------------------- periods


def period_of(day: dt.date, by: str) -> str:
    """The label of the period holding ``day``: ``2026-03``, ISO week ``2026-W09``, a date."""
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if by == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if by == "day":
        return day.isoformat()
    raise ValidationError(f"--by {by!r}: choose month, week or day")


def periods_between(date_from: dt.date, date_to: dt.date, by: str) -> list[str]:
    """Every period label from the one holding ``date_from`` to the one holding ``date_to``."""
    labels: list[str] = []
    day = date_from
    step = dt.timedelta(days=1)
    while day <= date_to:
        label = period_of(day, by)
        if not labels or labels[-1] != label:
            labels.append(label)
        if by == "month":
            day = _add_months(day.replace(day=1), 1)
        elif by == "week":
            day = day + dt.timedelta(days=7 - day.weekday())
        else:
            day = day + step
    return labels


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month (``day`` is a first)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _month_end(first: dt.date) -> dt.date:
    return _add_months(first, 1) - dt.timedelta(days=1)


# --------------------------------------------------------------------------- receipts


@dataclass(frozen=True, slots=True)
class ReceiptsRow:
    period: str
    currency: str
    #: still to come from items due in the period on or after the as-of date
    expected: Decimal
    #: still to come from items due in the period before the as-of date
    overdue: Decimal


@dataclass(frozen=True, slots=True)
class ReceiptsReport:
    date_from: dt.date
    date_to: dt.date
    by: str
    as_of: dt.date
    rows: list[ReceiptsRow]

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """currency -> (expected, overdue) over the whole period."""
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for r in self.rows:
            e, o = out.get(r.currency, (ZERO, ZERO))
            out[r.currency] = (e + r.expected, o + r.overdue)
        return out


def _open_by_day(
    date_from: dt.date,
    date_to: dt.date,
    client_ids: list[int] | None,
    currency: str | None,
) -> list[tuple[str, dt.date, int]]:
    """(currency, due date, effective remaining in cents) of the open items due in the range."""
    filters, fparams = _order_filters(client_ids, currency)
    items, params = _open_items_sql(filters, fparams, due_to=_param(date_to))
    sql = f"""WITH{items}
SELECT currency, due, SUM(eff) FROM open_items
WHERE due >= ? AND eff > 0
GROUP BY currency, due"""
    rows = _run(sql, [*params, _param(date_from)])
    return [(cur, _date(due), int(cents)) for cur, due, cents in rows]


def receipts(
    date_from: dt.date,
    date_to: dt.date,
    by: str = "month",
    client: str | int | None = None,
    currency: str | None = None,
    as_of: dt.date | None = None,
) -> ReceiptsReport:
    """Expected receipts from open items due from ``date_from`` to ``date_to`` (both included),
    per period and currency, overdue (due before ``as_of``) apart from the rest.

    Every period of the range is listed for each currency that has money in it (zeros
    included, so that a chart has no holes).
    """
    as_of = as_of or dt.date.today()
    if date_to < date_from:
        raise ValidationError(
            _("the period ends ({end}) before it starts ({start})").format(
                end=date_to, start=date_from
            )
        )
    period_of(date_from, by)  # validates ``by``
    client_ids = _client_ids(client)
    code = _currency(currency)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for cur, due, cents in _open_by_day(date_from, date_to, client_ids, code):
        sums[(period_of(due, by), cur)][1 if due < as_of else 0] += cents
    currencies = sorted({cur for _p, cur in sums})
    rows = [
        ReceiptsRow(
            label,
            cur,
            _money(sums.get((label, cur), [0, 0])[0]),
            _money(sums.get((label, cur), [0, 0])[1]),
        )
        for cur in currencies
        for label in periods_between(date_from, date_to, by)
    ]
    rows.sort(key=lambda r: (r.period, r.currency))
    return ReceiptsReport(date_from, date_to, by, as_of, rows)


# --------------------------------------------------------------------------- overdue


def bucket_of(days_overdue: int) -> str:
    """Ageing bucket: ``not yet due`` (0 or less), ``1-30``, ``31-60``, ``61-90``, ``90+``."""
    if days_overdue <= 0:
        return NOT_YET_DUE
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


@dataclass(frozen=True, slots=True)
class OverdueRow:
    order: str
    client: str
    kind: str  # "term" | "document"
    name: str  # the term's name or the document's number
    due: dt.date
    days_overdue: int
    bucket: str
    currency: str
    remaining: Decimal


@dataclass(frozen=True, slots=True)
class AgeingRow:
    """One currency's open money by age (``not_yet_due`` plus the overdue buckets)."""

    currency: str
    not_yet_due: Decimal
    buckets: dict[str, Decimal]

    @property
    def overdue(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass(frozen=True, slots=True)
class OverdueReport:
    as_of: dt.date
    rows: list[OverdueRow]
    summary: list[AgeingRow]


def overdue(
    as_of: dt.date | None = None,
    client: str | int | None = None,
    currency: str | None = None,
) -> OverdueReport:
    """Open items due before ``as_of`` with what is left of them, by client, currency and due
    date; and per currency the open money by age, ``not yet due`` included."""
    as_of = as_of or dt.date.today()
    client_ids = _client_ids(client)
    code = _currency(currency)
    filters, fparams = _order_filters(client_ids, code)
    # The overdue items (due before the as-of date), with their order, client and name, in
    # the report's order: by client, currency, due date, order, kind ("document" before
    # "term"), name; then as the running sums take an order's items. The running sums need
    # no later item, so the others are not even read.
    before = as_of - dt.timedelta(days=1) if as_of > dt.date.min else as_of
    items, params = _open_items_sql(filters, fparams, due_to=_param(before))
    name = (
        "CASE WHEN x.kind = 0 THEN (SELECT t.name FROM payment_term t WHERE t.id = x.rid) "
        "ELSE (SELECT d.number FROM financial_document d WHERE d.id = x.rid) END"
    )
    coll = "" if is_sqlite() else ' COLLATE "C"'  # text in Python's order (code points)
    sql = f"""WITH{items}
SELECT x.onum{coll} AS onum, (SELECT c.name FROM client c WHERE c.id = x.cid){coll} AS cname,
       x.kind, ({name}){coll} AS iname, x.due, x.currency{coll} AS currency, x.eff
FROM open_items x WHERE x.eff > 0
ORDER BY cname, currency, x.due, onum, x.kind DESC, iname, x.pos, x.rid"""
    sums: dict[tuple[str, str], int] = defaultdict(int)  # (currency, bucket) -> cents
    ages: dict[Any, tuple[dt.date, int, str]] = {}  # tens of thousands of rows, few dates
    kinds = ("term", "document")
    money = Decimal
    row = OverdueRow
    rows: list[OverdueRow] = []
    append = rows.append
    # 0.04-0.1 s of the report on 1M orders without the pause (measured).
    with _gc_paused():
        found = _run(sql, params) if before < as_of else []
        for onum, cname, kind, iname, due, cur, cents in found:
            age = ages.get(due)
            if age is None:
                day = _date(due)
                days = (as_of - day).days
                age = ages[due] = (day, days, bucket_of(days))
            sums[cur, age[2]] += cents
            append(row(onum, cname, kinds[kind], iname, *age, cur, money(cents).scaleb(-2)))
    # Not yet due: what an order's items come to in all (``E(C)`` of its total ``C``), less
    # what its overdue items come to (the effective amounts telescope, see the module
    # docstring): one sum per order, no running sums.
    ageing: dict[str, dict[str, int]] = defaultdict(dict)
    late: dict[str, int] = defaultdict(int)
    for (cur, bucket), cents in sums.items():
        ageing[cur][bucket] = cents
        late[cur] += cents
    for cur, cents in _open_totals(filters, fparams).items():
        rest = cents - late.get(cur, 0)
        if rest > 0:
            ageing[cur][NOT_YET_DUE] = rest
    summary = [
        AgeingRow(
            cur,
            _money(ageing[cur].get(NOT_YET_DUE, 0)),
            {b: _money(ageing[cur].get(b, 0)) for b in BUCKETS},
        )
        for cur in sorted(ageing)
    ]
    return OverdueReport(as_of, rows, summary)


# --------------------------------------------------------------------------- book


@dataclass(frozen=True, slots=True)
class BookRow:
    status: str
    financial_status: str
    currency: str
    orders: int
    total: Decimal
    paid: Decimal
    #: what is still to be received: the total less what was paid, never below zero per order
    remaining: Decimal
    #: orders whose deadline falls in the as-of date's ISO week / calendar month
    deadline_this_week: int
    deadline_this_month: int
    #: orders not yet ready (new, in progress) whose deadline is before the as-of date
    late: int


@dataclass(frozen=True, slots=True)
class BookReport:
    as_of: dt.date
    week: tuple[dt.date, dt.date]
    month: tuple[dt.date, dt.date]
    rows: list[BookRow]


def book(
    as_of: dt.date | None = None,
    client: str | int | None = None,
    currency: str | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> BookReport:
    """Orders by status, financial status and currency: how many, their totals, what is paid
    and still to come, and how many have their deadline this week, this month, or are late.

    ``created_from``/``created_to`` keep the orders created in that range (both included).
    """
    as_of = as_of or dt.date.today()
    week_start = as_of - dt.timedelta(days=as_of.weekday())
    week_end = week_start + dt.timedelta(days=6)
    month_start = as_of.replace(day=1)
    month_end = _month_end(month_start)
    filters, params = _order_filters(_client_ids(client), _currency(currency))
    if created_from is not None:
        filters += " AND o.created >= ?"
        params.append(_param(created_from))
    if created_to is not None:
        filters += " AND o.created <= ?"
        params.append(_param(created_to))
    # Grouped by currency first: SQLite would otherwise walk the (status, deadline) index for
    # the grouping and read every order through it, out of table order (several times slower
    # than one pass over the table). An index (currency, status, financial_status, cancelled,
    # total, paid, deadline) would let it group without sorting or reading the table.
    sql = f"""
SELECT o.status, o.financial_status, o.currency, COUNT(*), SUM(o.total), SUM(o.paid),
       SUM({_greatest("o.total - o.paid", "0")}),
       SUM(CASE WHEN o.deadline >= ? AND o.deadline <= ? THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.deadline >= ? AND o.deadline <= ? THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.deadline < ? AND o.status IN ('new', 'in_progress') THEN 1 ELSE 0 END)
FROM "order" o
WHERE 1 = 1{filters}
GROUP BY o.currency, o.status, o.financial_status"""
    head = [
        _param(week_start),
        _param(week_end),
        _param(month_start),
        _param(month_end),
        _param(as_of),
    ]
    rows = [
        BookRow(
            status,
            fin,
            cur,
            int(n),
            _money(total),
            _money(paid),
            _money(rest),
            int(week or 0),
            int(month or 0),
            int(late or 0),
        )
        for status, fin, cur, n, total, paid, rest, week, month, late in _run(sql, head + params)
    ]

    def key(r: BookRow) -> tuple[int, int, str]:
        s = STATUS_ORDER.index(r.status) if r.status in STATUS_ORDER else len(STATUS_ORDER)
        f = (
            FINANCIAL_ORDER.index(r.financial_status)
            if r.financial_status in FINANCIAL_ORDER
            else 9
        )
        return (s, f, r.currency)

    rows.sort(key=key)
    return BookReport(as_of, (week_start, week_end), (month_start, month_end), rows)


# --------------------------------------------------------------------------- forecast


#: Monthly damping of the trend beyond the last month fitted (Gardner & McKenzie's damped
#: trend): the growth of month k ahead counts phi + phi^2 + ... + phi^k months.
DAMPING = 0.97
#: A month of the series is used when at least this share of its money could already have
#: been received (the first months of a database miss the payments of older orders).
MIN_COVERAGE = 0.6
#: Yearly growth is held within -25% .. +35% (a short or noisy history, or one whose first
#: months are still incomplete, must not extrapolate into a boom or a collapse).
GROWTH_BOUNDS = (0.75, 1.35)


@dataclass(frozen=True, slots=True)
class SeasonalTrendModel:
    """log(receipts) = season[calendar month] + slope * month index, fitted by least squares
    on the usable months; forecasts with the slope damped beyond the last fitted month."""

    season: tuple[float, ...]  # 12 log-levels, January first
    slope: float  # per month, log scale
    last: int  # month index of the last fitted month
    smearing: float  # mean of exp(residual): turns the log fit's median into a mean
    months_used: int

    def predict(self, month: int) -> float:
        ahead = month - self.last
        if ahead > 0:
            steps = sum(DAMPING**i for i in range(1, ahead + 1))
            position = self.last + steps
        else:
            position = float(month)
        return math.exp(self.season[month % 12] + self.slope * position) * self.smearing


def fit_model(series: dict[int, float]) -> SeasonalTrendModel | None:
    """Fit :class:`SeasonalTrendModel` on ``{month index: amount}`` (positive amounts only).

    The slope is the pooled within-calendar-month slope (each calendar month's own level, one
    common trend: the average year-over-year growth); a calendar month never seen gets the
    mean level. Needs at least 6 positive months; None otherwise.
    """
    points = [(m, math.log(v)) for m, v in sorted(series.items()) if v > 0]
    if len(points) < 6:
        return None
    by_month: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for m, z in points:
        by_month[m % 12].append((m, z))
    num = den = 0.0
    for obs in by_month.values():
        if len(obs) < 2:
            continue
        tm = sum(t for t, _ in obs) / len(obs)
        zm = sum(z for _, z in obs) / len(obs)
        num += sum((t - tm) * (z - zm) for t, z in obs)
        den += sum((t - tm) ** 2 for t, _ in obs)
    slope = num / den if den > 0 else 0.0
    if den > 0 and slope != 0:
        # Shrink the slope towards no growth by how sure the data is of it (b² / (b² + se²),
        # an empirical-Bayes weight): a real trend is kept, noise mistaken for one mostly not.
        levels_raw = {
            cal: sum(z for _, z in obs) / len(obs) - slope * sum(t for t, _ in obs) / len(obs)
            for cal, obs in by_month.items()
        }
        sse = sum((z - levels_raw[m % 12] - slope * m) ** 2 for m, z in points)
        dof = len(points) - len(by_month) - 1
        if dof > 0:
            se2 = sse / dof / den
            slope *= slope**2 / (slope**2 + se2)
    low, high = (math.log(b) / 12 for b in GROWTH_BOUNDS)
    slope = min(max(slope, low), high)
    season: list[float | None] = [None] * 12
    for cal, obs in by_month.items():
        season[cal] = sum(z - slope * t for t, z in obs) / len(obs)
    known = [s for s in season if s is not None]
    mean = sum(known) / len(known)
    levels = tuple(mean if s is None else s for s in season)
    residuals = [z - levels[m % 12] - slope * m for m, z in points]
    smearing = sum(math.exp(r) for r in residuals) / len(residuals)
    return SeasonalTrendModel(levels, slope, points[-1][0], smearing, len(points))


@dataclass(frozen=True, slots=True)
class Score:
    """Errors of a forecast over the test months: mean absolute error (money), mean absolute
    percentage error and symmetric MAPE (percent; MAPE None when an actual month is 0)."""

    mae: Decimal
    mape: Decimal | None
    smape: Decimal


def score(actual: Sequence[float], predicted: Sequence[float]) -> Score:
    n = len(actual)
    mae = sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / n
    mape: float | None = None
    if all(a != 0 for a in actual):
        mape = 100 * sum(abs(a - p) / abs(a) for a, p in zip(actual, predicted, strict=True)) / n
    smape = (
        100
        * sum(
            0.0 if a == p == 0 else 2 * abs(a - p) / (abs(a) + abs(p))
            for a, p in zip(actual, predicted, strict=True)
        )
        / n
    )
    return Score(
        _cents_to_money(mae),
        None if mape is None else Decimal(f"{mape:.2f}"),
        Decimal(f"{smape:.2f}"),
    )


def _cents_to_money(cents: float) -> Decimal:
    return Decimal(round(cents)).scaleb(-2)


@dataclass(frozen=True, slots=True)
class BacktestMonth:
    period: str
    actual: Decimal
    method: Decimal
    naive: Decimal


@dataclass(frozen=True, slots=True)
class BacktestCurrency:
    currency: str
    method: Score | None
    naive: Score | None
    beats_naive: bool | None  # None: not enough history to tell
    months: list[BacktestMonth] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Backtest:
    fitted_until: str  # the last month the backtest's model saw
    test_from: str
    test_to: str
    currencies: list[BacktestCurrency]

    @property
    def verdict(self) -> str:
        """One plain sentence: does the method beat the seasonal-naive forecast?"""
        won = [c.currency for c in self.currencies if c.beats_naive]
        lost = [c.currency for c in self.currencies if c.beats_naive is False]
        unknown = [c.currency for c in self.currencies if c.beats_naive is None]
        parts = []
        if won:
            parts.append(f"beats the seasonal-naive forecast in {', '.join(won)}")
        if lost:
            parts.append(f"does NOT beat the seasonal-naive forecast in {', '.join(lost)}")
        if unknown:
            parts.append(f"cannot be backtested in {', '.join(unknown)} (not enough history)")
        if not parts:
            return "No receipts to backtest the forecast on."
        return (
            f"Backtest {self.test_from}..{self.test_to} (mean absolute error): the method "
            + "; it ".join(parts)
            + "."
        )


@dataclass(frozen=True, slots=True)
class ForecastRow:
    period: str
    currency: str
    #: open items due in the month (from the as-of date on; overdue money is not counted)
    scheduled: Decimal
    #: what seasonality and trend say will come in on top of the scheduled money
    predicted: Decimal


@dataclass(frozen=True, slots=True)
class ForecastReport:
    as_of: dt.date
    rows: list[ForecastRow]
    backtest: Backtest
    method: str = (
        "monthly receipts (payments of orders not cancelled) fitted per currency as "
        "log(amount) = calendar-month level + trend x month (least squares; the trend is the "
        "average year-over-year growth, damped by 0.97 a month beyond the data); the first "
        "months of the data, when older orders' payments are missing, are scaled up by the "
        "share of money already received at that age (months under 60% are left out); "
        "predicted = the model's month less what is scheduled (and, this month, received)"
    )


def _monthly_receipts(
    until: dt.date, client_ids: list[int] | None, currency: str | None
) -> dict[str, dict[int, int]]:
    """currency -> {month index: cents received} for payment dates before ``until``.

    A month is listed when the currency has a payment of a kept order in it (of any date:
    one after ``until`` lists its month with what came before ``until``), up to the month of
    ``until``.

    Summed per currency and day, then bucketed here into months. Without a client filter the
    payments are read off the index (currency, date, amount) in its order, with no join and
    no sort (the payment carries its order's currency, schema 2), and the payments of the few
    cancelled orders are subtracted (found through the partial index of cancelled orders); the
    counts tell a month with payments from one without. With a client filter, that client's
    orders' payments are joined (few). CROSS JOIN: SQLite is to start from the orders (the
    index of cancelled ones), not walk every payment and look its order up.
    """
    cur = " AND p.currency = ?" if currency is not None else ""
    cur_params = [currency] if currency is not None else []
    if client_ids is None:
        sql = f"""
SELECT p.currency, p.date, SUM(p.amount), COUNT(*) FROM payment p
WHERE 1 = 1{cur}
GROUP BY p.currency, p.date
UNION ALL
SELECT p.currency, p.date, -SUM(p.amount), -COUNT(*) FROM "order" o
CROSS JOIN payment p
WHERE p.order_id = o.id AND o.cancelled{cur}
GROUP BY p.currency, p.date"""
        params = [*cur_params, *cur_params]
    else:
        filters, fparams = _order_filters(client_ids, None)
        sql = f"""
SELECT p.currency, p.date, SUM(p.amount), COUNT(*) FROM "order" o
CROSS JOIN payment p
WHERE p.order_id = o.id{filters}{cur}
GROUP BY p.currency, p.date"""
        params = [*fparams, *cur_params]
    last = until.year * 12 + until.month - 1
    cents: dict[tuple[str, int], int] = defaultdict(int)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    days: dict[Any, tuple[int, bool]] = {}
    for code, day, amount, n in _run(sql, params):
        known = days.get(day)
        if known is None:
            d = _date(day)
            known = days[day] = (d.year * 12 + d.month - 1, d < until)
        month, before = known
        if month > last:
            continue
        counts[(code, month)] += int(n)
        if before:
            cents[(code, month)] += int(amount)
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for (code, month), n in sorted(counts.items()):
        if n > 0:
            out[code][month] = cents[(code, month)]
    return out


def _payment_lag(
    start: dt.date, client_ids: list[int] | None, currency: str | None
) -> dict[str, list[float]]:
    """Per currency, the cumulative share of an order's money received by the month of its
    creation + k (k = 0, 1, ...), measured on the orders of the first three months of data."""
    filters, params = _order_filters(client_ids, currency, currency_index=False)
    lag = f"{_month_index('p.date')} - {_month_index('o.created')}"
    sql = f"""
SELECT o.currency, {lag}, SUM(p.amount)
FROM "order" o JOIN payment p ON p.order_id = o.id
WHERE o.created >= ? AND o.created < ?{filters}
GROUP BY o.currency, {lag}"""
    end = _add_months(start.replace(day=1), 3)
    per: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for cur, months, cents in _run(sql, [_param(start), _param(end), *params]):
        per[cur][max(0, int(months))] += int(cents)
    shares: dict[str, list[float]] = {}
    for cur, lags in per.items():
        total = sum(lags.values())
        acc = 0
        cumulative = []
        for k in range(max(lags) + 1):
            acc += lags.get(k, 0)
            cumulative.append(acc / total if total > 0 else 1.0)
        shares[cur] = cumulative
    return shares


def _first_order_date(client_ids: list[int] | None, currency: str | None) -> dt.date | None:
    filters, params = _order_filters(client_ids, currency, currency_index=False)
    rows = _run(f'SELECT MIN(o.created) FROM "order" o WHERE 1 = 1{filters}', params)
    return _date(rows[0][0]) if rows and rows[0][0] is not None else None


def usable_series(
    raw: dict[int, int], first_month: int | None, coverage: list[float] | None
) -> dict[int, float]:
    """The months fit for a model: scaled up by the share of money that could already have
    been received when the data is young; months under :data:`MIN_COVERAGE` left out."""
    out: dict[int, float] = {}
    for m, cents in raw.items():
        share = 1.0
        if first_month is not None and coverage:
            age = m - first_month
            if age < 0:
                continue
            share = coverage[age] if age < len(coverage) else 1.0
        if share < MIN_COVERAGE:
            continue
        out[m] = cents / share
    return out


def _backtest_currency(
    currency: str,
    raw: dict[int, int],
    usable: dict[int, float],
    test_first: int,
) -> BacktestCurrency:
    test = range(test_first, test_first + 12)
    train = {m: v for m, v in usable.items() if m < test_first}
    model = fit_model(train)
    naive_ok = all((m - 12) in raw for m in test) and any(raw.get(m - 12, 0) for m in test)
    if model is None or not naive_ok or len(train) < 12:
        return BacktestCurrency(
            currency,
            None,
            None,
            None,
            note=f"{len(train)} usable month(s) before {_month_label(test_first)}; "
            "the backtest needs 12 and a full year before the test year",
        )
    actual = [float(raw.get(m, 0)) for m in test]
    method = [model.predict(m) for m in test]
    naive = [float(raw.get(m - 12, 0)) for m in test]
    s_method = score(actual, method)
    s_naive = score(actual, naive)
    months = [
        BacktestMonth(_month_label(m), _cents_to_money(a), _cents_to_money(p), _cents_to_money(n))
        for m, a, p, n in zip(test, actual, method, naive, strict=True)
    ]
    return BacktestCurrency(currency, s_method, s_naive, s_method.mae < s_naive.mae, months)


def forecast(
    as_of: dt.date | None = None,
    months: int = 12,
    currency: str | None = None,
    client: str | int | None = None,
) -> ForecastReport:
    """Receipts of the ``months`` months from the as-of date's month on, per currency:
    ``scheduled`` (open items due then) and ``predicted`` (the rest the seasonal-trend model
    expects); with the backtest of the model on the last 12 complete months against the
    seasonal-naive forecast (the same month a year earlier)."""
    as_of = as_of or dt.date.today()
    if not 1 <= months <= 60:
        raise ValidationError(_("a forecast covers 1 to 60 months"))
    client_ids = _client_ids(client)
    code = _currency(currency)
    this_month = as_of.replace(day=1)
    m0 = as_of.year * 12 + as_of.month - 1
    # what came in: complete months before this one, and this month so far
    raw_all = _monthly_receipts(as_of, client_ids, code)
    start = _first_order_date(client_ids, code)
    coverage = _payment_lag(start, client_ids, code) if start else {}
    first_month = start.year * 12 + start.month - 1 if start else None
    # what is scheduled: open items due from today to the end of the last month
    last_day = _month_end(_add_months(this_month, months - 1))
    scheduled: dict[tuple[str, int], int] = defaultdict(int)
    for cur, due, cents in _open_by_day(as_of, last_day, client_ids, code):
        scheduled[(cur, due.year * 12 + due.month - 1)] += cents

    currencies = sorted(set(raw_all) | {cur for cur, _m in scheduled})
    rows: list[ForecastRow] = []
    tests: list[BacktestCurrency] = []
    test_first = m0 - 12
    for cur in currencies:
        raw_month = raw_all.get(cur, {})
        complete = {m: v for m, v in raw_month.items() if m < m0}
        so_far = raw_month.get(m0, 0)
        usable = usable_series(complete, first_month, coverage.get(cur))
        model = fit_model(usable)
        for k in range(months):
            m = m0 + k
            sched = scheduled.get((cur, m), 0)
            predicted = 0.0
            if model is not None:
                predicted = max(0.0, model.predict(m) - sched - (so_far if k == 0 else 0))
            elif usable:  # too little history for a season: the mean month
                predicted = max(0.0, sum(usable.values()) / len(usable) - sched)
            rows.append(
                ForecastRow(_month_label(m), cur, _money(sched), _cents_to_money(predicted))
            )
        tests.append(_backtest_currency(cur, complete, usable, test_first))
    rows.sort(key=lambda r: (r.period, r.currency))
    backtest = Backtest(
        _month_label(test_first - 1), _month_label(test_first), _month_label(m0 - 1), tests
    )
    return ForecastReport(as_of, rows, backtest)


__all__ = [
    "BUCKETS",
    "NOT_YET_DUE",
    "AgeingRow",
    "Backtest",
    "BacktestCurrency",
    "BacktestMonth",
    "BookReport",
    "BookRow",
    "ForecastReport",
    "ForecastRow",
    "OverdueReport",
    "OverdueRow",
    "ReceiptsReport",
    "ReceiptsRow",
    "Score",
    "SeasonalTrendModel",
    "book",
    "bucket_of",
    "fit_model",
    "forecast",
    "overdue",
    "period_of",
    "periods_between",
    "receipts",
    "score",
    "usable_series",
]
