"""``tui-orders report monitor``: the monitor's rows for scripts and e-mails.

The open orders (new, in progress, ready) by deadline, with days left (negative: late),
delivered % and paid %, status, financial status, and the delay causes of the orders at risk
(:mod:`tui_orders.data.monitor`, :mod:`tui_orders.data.risk`), written by the reports' shared
:func:`tui_orders.report_output.write_rows` (table, csv, json, xlsx).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .cli import _ctx, _fail, _user_errors
from .cli_report import output_options

TITLE = "Monitor: open orders by deadline"


def monitor_columns() -> list[Any]:
    from .report_output import Column

    return [
        Column("number", "Number"),
        Column("client", "Client"),
        Column("deadline", "Deadline", "date"),
        Column("days_left", "Days left", "int"),
        Column("status", "Status"),
        Column("financial_status", "Financial", table=False),
        Column("delivered_pct", "Delivered %", "number"),
        Column("paid_pct", "Paid %", "number"),
        Column("total", "Total", "money", table=False),
        Column("paid", "Paid", "money", table=False),
        Column("currency", "Currency", table=False),
        Column("at_risk", "At risk", table=False),
        # too long for a table row: the table lists the causes under it (notes)
        Column("delay_causes", "Delay causes", table=False),
    ]


@click.command()
@output_options
@click.option("--at-risk", is_flag=True, help="Only the orders at risk.")
@click.option(
    "--limit",
    type=click.IntRange(0, 10_000_000),
    default=0,
    show_default=True,
    help="At most this many rows (0: every open order).",
)
@click.option(
    "--today",
    "--as-of",
    "today",
    metavar="DATE",
    help="Days left and delays as of DATE (default: today).",
)
def monitor(fmt: str, output: str | None, at_risk: bool, limit: int, today: str | None) -> None:
    """The open orders by deadline, with days left or late and the delay cause.

    JSON gives the causes as a list of sentences; csv and xlsx join them with "; "; the table
    lists them under it, one line per order at risk.
    """
    with _user_errors():
        _ctx().open()
        from .data.dates import parse_user_date
        from .data.monitor import iter_monitor, report_row
        from .report_output import write_rows

        day = parse_user_date(today, what="--today") if today else dt.date.today()
        rows: list[dict[str, Any]] = []
        for row in iter_monitor(day, at_risk_only=at_risk):
            plain = report_row(row)
            if fmt != "json":
                plain["delay_causes"] = "; ".join(plain["delay_causes"])
            rows.append(plain)
            if limit and len(rows) >= limit:
                break
        try:
            write_rows(
                rows,
                monitor_columns(),
                fmt,
                output,
                title=f"{TITLE} ({day.isoformat()})",
                extra={"today": day.isoformat()} if fmt == "json" else None,
                notes=[f"{r['number']}: {r['delay_causes']}" for r in rows if r["delay_causes"]]
                if fmt == "table"
                else (),
            )
        except ValueError as exc:
            _fail(f"report monitor: {exc}")
