"""The monitor: open orders by deadline, days left or late, delivered and paid %, delay causes,
windows by keyset, the change marker for live refresh, and ``report monitor``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from peewee import Database

from tui_orders.cli import cli
from tui_orders.data import masterdata, monitor, orders
from tui_orders.data.orders import DeliveryLineInput as Line

D = Decimal
TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def book(db: Database) -> SimpleNamespace:
    """Six orders: late, near (with an overdue PO), calm, ready-but-unpaid, closed, cancelled."""
    masterdata.create_client("Acme Ltd", "EUR")
    masterdata.create_article("A", "Widget", "10.00")

    def make(deadline: str, qty: str = "10") -> orders.Order:
        order = orders.create_order("Acme Ltd", deadline, created="2026-10-01")
        orders.add_item(order, "A", qty)
        return order

    late = make("2026-12-01")
    orders.add_delivery(late, "sale", "2026-11-01", [Line("A", "4")])
    near = make("2026-12-10")
    orders.create_linked(near, "purchase", "PO-17", expected="2026-12-05")
    orders.record_payment(near, "2026-11-02", "25.00")
    calm = make("2027-03-01")
    ready = make("2026-12-20", "1")
    orders.add_delivery(ready, "sale", "2026-11-03", [Line("A", "1")])
    closed = make("2026-11-15", "1")
    orders.add_delivery(closed, "sale", "2026-11-03", [Line("A", "1")])
    orders.record_payment(closed, "2026-11-04", "10.00")
    cancelled = make("2026-11-16")
    orders.cancel_order(cancelled, "client withdrew")
    return SimpleNamespace(
        late=late, near=near, calm=calm, ready=ready, closed=closed, cancelled=cancelled
    )


def test_rows_by_deadline_with_progress_and_causes(book: SimpleNamespace) -> None:
    page = monitor.fetch_monitor(TODAY)
    assert [r.number for r in page.rows] == [
        book.late.number,
        book.near.number,
        book.ready.number,
        book.calm.number,
    ]
    late, near, ready, calm = page.rows
    assert (late.days_left, late.days_late, late.status) == (-6, 6, "in_progress")
    assert late.delivered_pct == D("40.00") and late.paid_pct == D("0.00")
    assert late.cause_texts == ["6 days past the deadline, 40% delivered"]
    assert (near.days_left, near.days_late) == (3, 0)
    assert near.paid_pct == D("25.00") and near.financial_status == "partially_paid"
    assert near.cause_texts == [
        "deadline in 3 days, 0% delivered",
        "purchase order PO-17 is 2 days overdue",
    ]
    assert near.at_risk and late.at_risk
    assert ready.status == "ready" and not ready.at_risk
    assert calm.status == "new" and not calm.at_risk and calm.days_left == 84
    assert page.next_key is None


def test_windows_by_keyset(book: SimpleNamespace) -> None:
    first = monitor.fetch_monitor(TODAY, limit=2)
    assert [r.number for r in first.rows] == [book.late.number, book.near.number]
    assert first.next_key == (dt.date(2026, 12, 10), book.near.id)
    second = monitor.fetch_monitor(TODAY, limit=2, after=first.next_key)
    assert [r.number for r in second.rows] == [book.ready.number, book.calm.number]
    last = monitor.fetch_monitor(TODAY, limit=2, after=second.next_key)
    assert last.rows == [] and last.next_key is None
    risky = monitor.fetch_monitor(TODAY, at_risk_only=True)
    assert [r.number for r in risky.rows] == [book.late.number, book.near.number]
    assert [r.number for r in monitor.iter_monitor(TODAY, window=1)] == [
        book.late.number,
        book.near.number,
        book.ready.number,
        book.calm.number,
    ]


def test_change_marker_moves_with_every_change(book: SimpleNamespace) -> None:
    before = monitor.fetch_monitor(TODAY).marker
    assert monitor.monitor_marker() == before
    orders.add_delivery(book.late, "sale", "2026-12-06", [Line("A", "6")])
    after = monitor.monitor_marker()
    assert after > before
    page = monitor.fetch_monitor(TODAY)
    assert page.marker == after
    assert book.late.number not in [r.number for r in page.rows if r.status != "ready"]


def test_report_rows(book: SimpleNamespace) -> None:
    row = monitor.report_row(monitor.fetch_monitor(TODAY).rows[1])
    assert list(row) == list(monitor.REPORT_COLUMNS)
    assert row == {
        "number": book.near.number,
        "client": "Acme Ltd",
        "deadline": dt.date(2026, 12, 10),
        "days_left": 3,
        "status": "in_progress",
        "financial_status": "partially_paid",
        "delivered_pct": D("0.00"),
        "paid_pct": D("25.00"),
        "total": D("100.00"),
        "paid": D("25.00"),
        "currency": "EUR",
        "at_risk": True,
        "delay_causes": [
            "deadline in 3 days, 0% delivered",
            "purchase order PO-17 is 2 days overdue",
        ],
    }


def run(db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db_url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_report_monitor_command(book: SimpleNamespace, db_url: str, tmp_path: Path) -> None:
    as_of = ("--today", "2026-12-07")
    doc = json.loads(run(db_url, "report", "monitor", "--format", "json", *as_of))
    rows = doc["rows"]
    assert doc["today"] == "2026-12-07"
    assert [r["number"] for r in rows] == [
        book.late.number,
        book.near.number,
        book.ready.number,
        book.calm.number,
    ]
    assert rows[1]["delay_causes"] == [
        "deadline in 3 days, 0% delivered",
        "purchase order PO-17 is 2 days overdue",
    ]
    assert (rows[1]["days_left"], rows[1]["paid_pct"], rows[1]["total"]) == (3, "25.00", "100.00")
    assert rows[1]["at_risk"] is True and rows[1]["deadline"] == "2026-12-10"
    text = run(db_url, "report", "monitor", "--format", "csv", "--at-risk", *as_of)
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["number"] for r in table] == [book.late.number, book.near.number]
    assert table[1]["delay_causes"] == (
        "deadline in 3 days, 0% delivered; purchase order PO-17 is 2 days overdue"
    )
    out = tmp_path / "monitor.csv"
    run(db_url, "report", "monitor", "--format", "csv", "--limit", "1", "-o", str(out))
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2  # header + 1 row
    lines = run(db_url, "report", "monitor", *as_of).splitlines()
    assert f"{book.near.number}: deadline in 3 days, 0% delivered; purchase order PO-17 is 2 " in (
        "\n".join(lines)
    )
    book_file = tmp_path / "monitor.xlsx"
    run(db_url, "report", "monitor", "--format", "xlsx", "-o", str(book_file), *as_of)
    from openpyxl import load_workbook

    sheet = load_workbook(book_file).worksheets[0]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "Number" and values[2][0] == book.near.number
    result = CliRunner().invoke(cli, ["--db", db_url, "report", "monitor", "--format", "xlsx"])
    assert result.exit_code == 1 and "xlsx needs --output" in result.output
