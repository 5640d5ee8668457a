"""``tui-orders report ...``: receipts, overdue, forecast, book (and monitor, added in cli.py).

Only click and the standard library at import time (the app's start-up time matters); the
data layer, rich and openpyxl are imported when a report runs. How each report becomes
rows, columns, JSON extras and table notes is :mod:`tui_orders.report_rows`, shared with the
app's Reports screen.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from .cli import _ctx, _fail, _user_errors

if TYPE_CHECKING:
    from .report_rows import Output

FORMAT_CHOICES = ("table", "csv", "json", "xlsx")


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
    ]
    fn = output_options(fn)
    for option in reversed(options):
        fn = option(fn)
    return fn


def output_options(fn: Any) -> Any:
    """--format and --output, for every report (the monitor's too)."""
    fn = click.option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of standard output (required for xlsx).",
    )(fn)
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMAT_CHOICES),
        default="table",
        show_default=True,
        help="Output format; json and csv write amounts as strings.",
    )(fn)


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
    from .report_rows import receipts_output, receipts_range, report_title

    day = _as_of(as_of)
    start, end = receipts_range(
        day,
        _date_option(date_from, "--from", dt.date.today()),
        _date_option(date_to, "--to", dt.date.today()),
    )
    if end < start:
        _fail(f"--to {end} is before --from {start}")
    with _user_errors():
        _ctx().open()
        from .data.reports import receipts as run

        rep = run(start, end, by, client=client, currency=currency, as_of=day)
        _emit(receipts_output(rep), fmt, output, report_title("receipts", rep))


# --------------------------------------------------------------------------- overdue


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
        from .report_rows import overdue_output, report_title

        rep = run(day, client=client, currency=currency)
        _emit(overdue_output(rep), fmt, output, report_title("overdue", rep))


# --------------------------------------------------------------------------- forecast


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
        from .report_rows import forecast_output, report_title

        rep = run(day, months=months, currency=currency, client=client)
        _emit(forecast_output(rep), fmt, output, report_title("forecast", rep))


# --------------------------------------------------------------------------- book


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
        from .report_rows import book_output, report_title

        rep = run(day, client=client, currency=currency, created_from=start, created_to=end)
        _emit(book_output(rep), fmt, output, report_title("book", rep))
