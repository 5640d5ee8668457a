"""``tui-orders report ...``: receipts, overdue, forecast, book (and monitor, added in cli.py).

Only click and the standard library at import time (the app's start-up time matters); the
data layer, rich and openpyxl are imported when a report runs. The ``*_output`` functions
shape a report into rows, columns, JSON extras and table notes, for this command line and
for the app's export alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .cli import _ctx, _fail, _user_errors

FORMAT_CHOICES = ("table", "csv", "json", "xlsx")

Output = tuple[list[dict[str, Any]], list[Any], dict[str, Any], list[str]]


class _ReportCommand(click.Command):
    """A command whose bad arguments end it with one line on stderr and exit code 1."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _fail(f"report {self.name}: {exc.format_message()}")


@click.group()
def report() -> None:
    """Reports: expected receipts, overdue payments, forecast, order book, monitor."""


def _date_option(value: str | None, what: str, today: dt.date) -> dt.date | None:
    if value is None:
        return None
    from .data.dates import parse_user_date
    from .data.errors import ValidationError

    try:
        return parse_user_date(value, today, what=what)
    except ValidationError as exc:
        _fail(str(exc))


def _common(fn: Any) -> Any:
    """--as-of, --client, --currency, --format, --output."""
    options = [
        click.option(
            "--as-of",
            "as_of",
            metavar="DATE",
            help="The day the report is made on (default today): due before it is overdue.",
        ),
        click.option("--client", metavar="TEXT", help="Only clients whose name contains TEXT."),
        click.option("--currency", metavar="CODE", help="Only this currency (e.g. EUR)."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMAT_CHOICES),
            default="table",
            show_default=True,
            help="Output format; json and csv write amounts as strings.",
        ),
        click.option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE instead of standard output (required for xlsx).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _emit(out: Output, fmt: str, output: str | None, title: str) -> None:
    from .report_output import write_rows

    rows, columns, extra, notes = out
    write_rows(rows, columns, fmt, output, title=title, extra=extra, notes=notes)


def _check_output(fmt: str, output: str | None) -> None:
    if fmt == "xlsx" and (not output or output == "-"):
        _fail("--format xlsx needs --output FILE")


def _as_of(value: str | None) -> dt.date:
    today = dt.date.today()
    return _date_option(value, "--as-of", today) or today


# --------------------------------------------------------------------------- receipts


def receipts_output(rep: Any) -> Output:
    """Rows ``{"period", "currency", "expected", "overdue"}`` of a ReceiptsReport."""
    from .report_output import Column

    columns = [
        Column("period", "Period"),
        Column("currency", "Cur"),
        Column("expected", "Expected", "money"),
        Column("overdue", "Overdue", "money"),
    ]
    rows = [
        {"period": r.period, "currency": r.currency, "expected": r.expected, "overdue": r.overdue}
        for r in rep.rows
    ]
    totals = rep.totals()
    extra = {
        "from": rep.date_from,
        "to": rep.date_to,
        "by": rep.by,
        "as_of": rep.as_of,
        "totals": [
            {"currency": cur, "expected": f"{e:.2f}", "overdue": f"{o:.2f}"}
            for cur, (e, o) in sorted(totals.items())
        ],
    }
    notes = [
        f"Total {cur}: expected {e:,.2f}, overdue {o:,.2f}"
        for cur, (e, o) in sorted(totals.items())
    ]
    return rows, columns, extra, notes


@report.command(cls=_ReportCommand)
@click.option(
    "--from", "date_from", metavar="DATE", help="First due date (default: 1st of this month)."
)
@click.option("--to", "date_to", metavar="DATE", help="Last due date (default: 3 months on).")
@click.option(
    "--by",
    type=click.Choice(["month", "week", "day"]),
    default="month",
    show_default=True,
    help="Period: month (YYYY-MM), ISO week (YYYY-Www) or day.",
)
@_common
def receipts(
    date_from: str | None,
    date_to: str | None,
    by: str,
    as_of: str | None,
    client: str | None,
    currency: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Expected receipts from payment terms (and invoices without a term), by period and
    currency, overdue apart; unallocated money reduces the earliest open terms."""
    _check_output(fmt, output)
    day = _as_of(as_of)
    start = _date_option(date_from, "--from", dt.date.today()) or day.replace(day=1)
    if date_to is not None:
        end = _date_option(date_to, "--to", dt.date.today())
        assert end is not None
    else:
        index = start.year * 12 + start.month - 1 + 3
        end = dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)
    if end < start:
        _fail(f"--to {end} is before --from {start}")
    with _user_errors():
        _ctx().open()
        from .data.reports import receipts as run

        rep = run(start, end, by, client=client, currency=currency, as_of=day)
        _emit(receipts_output(rep), fmt, output, f"Expected receipts {start}..{end} (as of {day})")


# --------------------------------------------------------------------------- overdue


def overdue_output(rep: Any) -> Output:
    """Rows ``{"order", "client", "kind", "name", "due", "days_overdue", "bucket",
    "currency", "remaining"}`` of an OverdueReport, and the ageing summary per currency."""
    from .data.reports import BUCKETS
    from .report_output import Column

    columns = [
        Column("order", "Order"),
        Column("client", "Client"),
        Column("kind", "Kind", table=False),
        Column("name", "Term / document"),
        Column("due", "Due", "date"),
        Column("days_overdue", "Days", "int"),
        Column("bucket", "Age"),
        Column("currency", "Cur"),
        Column("remaining", "Remaining", "money"),
    ]
    rows = [
        {
            "order": r.order,
            "client": r.client,
            "kind": r.kind,
            "name": r.name,
            "due": r.due,
            "days_overdue": r.days_overdue,
            "bucket": r.bucket,
            "currency": r.currency,
            "remaining": r.remaining,
        }
        for r in rep.rows
    ]
    summary = [
        {
            "currency": s.currency,
            "not_yet_due": f"{s.not_yet_due:.2f}",
            **{b: f"{s.buckets[b]:.2f}" for b in BUCKETS},
            "overdue": f"{s.overdue:.2f}",
        }
        for s in rep.summary
    ]
    notes = [
        f"{s.currency}: not yet due {s.not_yet_due:,.2f}; overdue {s.overdue:,.2f} = "
        + ", ".join(f"{b}: {s.buckets[b]:,.2f}" for b in BUCKETS)
        for s in rep.summary
    ]
    return rows, columns, {"as_of": rep.as_of, "summary": summary}, notes


@report.command(cls=_ReportCommand)
@_common
def overdue(
    as_of: str | None, client: str | None, currency: str | None, fmt: str, output: str | None
) -> None:
    """Payment terms and documents due before the as-of date and not fully paid, with days
    overdue and ageing buckets, by client and currency."""
    _check_output(fmt, output)
    day = _as_of(as_of)
    with _user_errors():
        _ctx().open()
        from .data.reports import overdue as run

        rep = run(day, client=client, currency=currency)
        _emit(overdue_output(rep), fmt, output, f"Overdue payments as of {day}")


# --------------------------------------------------------------------------- forecast


def _score(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "mae": f"{s.mae:.2f}",
        "mape": None if s.mape is None else str(s.mape),
        "smape": str(s.smape),
    }


def forecast_output(rep: Any) -> Output:
    """Rows ``{"period", "currency", "scheduled", "predicted"}`` and the ``backtest``."""
    from .report_output import Column

    columns = [
        Column("period", "Month"),
        Column("currency", "Cur"),
        Column("scheduled", "Scheduled", "money"),
        Column("predicted", "Predicted", "money"),
    ]
    rows = [
        {
            "period": r.period,
            "currency": r.currency,
            "scheduled": r.scheduled,
            "predicted": r.predicted,
        }
        for r in rep.rows
    ]
    bt = rep.backtest
    backtest = {
        "fitted_until": bt.fitted_until,
        "test_from": bt.test_from,
        "test_to": bt.test_to,
        "verdict": bt.verdict,
        "currencies": [
            {
                "currency": c.currency,
                "method": _score(c.method),
                "naive": _score(c.naive),
                "beats_naive": c.beats_naive,
                "note": c.note,
                "months": [
                    {
                        "period": m.period,
                        "actual": f"{m.actual:.2f}",
                        "method": f"{m.method:.2f}",
                        "naive": f"{m.naive:.2f}",
                    }
                    for m in c.months
                ],
            }
            for c in bt.currencies
        ],
    }
    notes = [bt.verdict]
    for c in bt.currencies:
        if c.method is None:
            notes.append(f"  {c.currency}: {c.note}")
            continue
        notes.append(
            f"  {c.currency}: method MAE {c.method.mae:,.2f} (sMAPE {c.method.smape}%), "
            f"naive MAE {c.naive.mae:,.2f} (sMAPE {c.naive.smape}%)"
        )
    extra = {"as_of": rep.as_of, "method": rep.method, "backtest": backtest}
    return rows, columns, extra, notes


@report.command(cls=_ReportCommand)
@click.option(
    "--months",
    type=click.IntRange(1, 60),
    default=12,
    show_default=True,
    help="How many months, from the as-of date's month on.",
)
@_common
def forecast(
    months: int,
    as_of: str | None,
    client: str | None,
    currency: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Monthly receipts ahead: scheduled in payment terms plus what past years' seasonality
    and trend predict, with the method's backtest against the seasonal-naive forecast."""
    _check_output(fmt, output)
    day = _as_of(as_of)
    with _user_errors():
        _ctx().open()
        from .data.reports import forecast as run

        rep = run(day, months=months, currency=currency, client=client)
        _emit(forecast_output(rep), fmt, output, f"Forecast of receipts (as of {day})")


# --------------------------------------------------------------------------- book


def book_output(rep: Any) -> Output:
    """Rows per status, financial status and currency of a BookReport."""
    from .report_output import Column

    columns = [
        Column("status", "Status"),
        Column("financial_status", "Financial"),
        Column("currency", "Cur"),
        Column("orders", "Orders", "int"),
        Column("total", "Total", "money"),
        Column("paid", "Paid", "money", table=False),
        Column("remaining", "To receive", "money"),
        Column("deadline_this_week", "Week", "int"),
        Column("deadline_this_month", "Month", "int"),
        Column("late", "Late", "int"),
    ]
    rows = [
        {
            "status": r.status,
            "financial_status": r.financial_status,
            "currency": r.currency,
            "orders": r.orders,
            "total": r.total,
            "paid": r.paid,
            "remaining": r.remaining,
            "deadline_this_week": r.deadline_this_week,
            "deadline_this_month": r.deadline_this_month,
            "late": r.late,
        }
        for r in rep.rows
    ]
    extra = {"as_of": rep.as_of, "week": list(rep.week), "month": list(rep.month)}
    notes = [
        f"Week = deadlines {rep.week[0]}..{rep.week[1]}, month = {rep.month[0]}..{rep.month[1]}; "
        "late = new or in progress with the deadline passed."
    ]
    return rows, columns, extra, notes


@report.command(cls=_ReportCommand)
@click.option("--from", "date_from", metavar="DATE", help="Orders created on or after DATE.")
@click.option("--to", "date_to", metavar="DATE", help="Orders created on or before DATE.")
@_common
def book(
    date_from: str | None,
    date_to: str | None,
    as_of: str | None,
    client: str | None,
    currency: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """The order book: orders by status and financial status, totals per currency,
    deadlines this week and this month."""
    _check_output(fmt, output)
    day = _as_of(as_of)
    start = _date_option(date_from, "--from", dt.date.today())
    end = _date_option(date_to, "--to", dt.date.today())
    if start and end and end < start:
        _fail(f"--to {end} is before --from {start}")
    with _user_errors():
        _ctx().open()
        from .data.reports import book as run

        rep = run(day, client=client, currency=currency, created_from=start, created_to=end)
        _emit(book_output(rep), fmt, output, f"Order book as of {day}")
