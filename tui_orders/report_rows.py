"""Rows, columns, JSON extras and notes of each report, for the command line and the app.

``tui-orders report ...`` (:mod:`tui_orders.cli_report`) and the Reports screen
(:mod:`tui_orders.screens.reports`) shape a report the same way: a list of row dicts keyed by
the :class:`~tui_orders.report_output.Column` keys, written with
:func:`~tui_orders.report_output.write_rows`. No click and no textual here; the data layer is
imported when a report runs (:func:`run_report`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

Output = tuple[list[dict[str, Any]], list[Any], dict[str, Any], list[str]]

#: the reports, in the order the command line and the screen list them
KINDS = ("receipts", "overdue", "forecast", "book")


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def receipts_range(
    as_of: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The receipts report's period: from the 1st of the as-of month, to 3 months on."""
    start = date_from or as_of.replace(day=1)
    end = date_to or add_months(start, 3) - dt.timedelta(days=1)
    return start, end


@dataclass(frozen=True, slots=True)
class ReportParams:
    """What a report is asked for (the command line's options, the screen's form)."""

    kind: str
    as_of: dt.date
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    by: str = "month"
    client: str | None = None
    currency: str | None = None
    months: int = 12


def run_report(params: ReportParams) -> Any:
    """The report's dataclass from :mod:`tui_orders.data.reports` (database calls: run it in
    a worker). The functions are looked up when called, so a test can replace one."""
    from .data import reports

    p = params
    if p.kind == "receipts":
        start, end = receipts_range(p.as_of, p.date_from, p.date_to)
        return reports.receipts(
            start, end, p.by, client=p.client, currency=p.currency, as_of=p.as_of
        )
    if p.kind == "overdue":
        return reports.overdue(p.as_of, client=p.client, currency=p.currency)
    if p.kind == "forecast":
        return reports.forecast(p.as_of, months=p.months, currency=p.currency, client=p.client)
    if p.kind == "book":
        return reports.book(
            p.as_of,
            client=p.client,
            currency=p.currency,
            created_from=p.date_from,
            created_to=p.date_to,
        )
    raise ValueError(f"unknown report {p.kind!r}: choose one of {', '.join(KINDS)}")


def report_output(kind: str, rep: Any) -> Output:
    """Rows, columns, JSON extras and notes of a report of ``kind``."""
    builders = {
        "receipts": receipts_output,
        "overdue": overdue_output,
        "forecast": forecast_output,
        "book": book_output,
    }
    return builders[kind](rep)


def report_title(kind: str, rep: Any) -> str:
    """The title written above a table and as an Excel sheet's name (English, as the rest of
    a file's headings)."""
    if kind == "receipts":
        return f"Expected receipts {rep.date_from}..{rep.date_to} (as of {rep.as_of})"
    if kind == "overdue":
        return f"Overdue payments as of {rep.as_of}"
    if kind == "forecast":
        return f"Forecast of receipts (as of {rep.as_of})"
    return f"Order book as of {rep.as_of}"


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


__all__ = [
    "KINDS",
    "Output",
    "ReportParams",
    "add_months",
    "book_output",
    "forecast_output",
    "overdue_output",
    "receipts_output",
    "receipts_range",
    "report_output",
    "report_title",
    "run_report",
]
