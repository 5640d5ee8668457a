"""``tui-orders report receipts|overdue|forecast|book``: JSON shapes, csv, xlsx, bad args."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui_orders.cli import cli
from tui_orders.data import bulk
from tui_orders.data.dataset import (
    AllocationRec,
    ArticleRec,
    ClientRec,
    Dataset,
    DocumentRec,
    ItemRec,
    OrderRec,
    PaymentRec,
    TermRec,
)
from tui_orders.data.db import close_database, open_database

D = Decimal
day = dt.date.fromisoformat


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[str]:
    """An SQLite file with two clients, three currencies' worth of orders and 3 years of
    monthly payments (for the forecast)."""
    path = str(tmp_path / "orders.db")
    open_database(path)
    orders = [
        OrderRec(
            "Alpha Ltd",
            day("2026-01-05"),
            day("2026-06-30"),
            number="2026-00001",
            items=[ItemRec("A", D("1000"), D("1.00"))],
            payment_terms=[
                TermRec("advance", day("2026-03-01"), D("300")),
                TermRec("balance", day("2026-04-10"), D("700")),
            ],
            documents=[
                DocumentRec(
                    "proforma", "PF-1", D("300"), day("2026-01-05"), day("2026-03-01"), "advance"
                ),
            ],
            payments=[
                PaymentRec(day("2026-03-05"), D("100"), "", [AllocationRec("PF-1", D("100"))])
            ],
        ),
        OrderRec(
            "Бета ООД",
            day("2026-01-05"),
            day("2026-03-31"),
            number="2026-00002",
            items=[ItemRec("A", D("500"), D("1.00"))],
            payment_terms=[TermRec("плащане", day("2026-03-31"), D("500"))],
        ),
    ]
    for k in range(36):  # paid orders a month, 2023..2025, for the forecast's history
        created = dt.date(2023 + k // 12, k % 12 + 1, 1)
        amount = D(1000 + 300 * ((k % 12) in (3, 4, 9)) + 10 * k)
        orders.append(
            OrderRec(
                "Alpha Ltd",
                created,
                created + dt.timedelta(days=10),
                items=[ItemRec("A", amount, D("1.00"))],
                payments=[PaymentRec(created + dt.timedelta(days=5), amount)],
            )
        )
    bulk.load(
        Dataset(
            clients=[ClientRec("Alpha Ltd", "EUR"), ClientRec("Бета ООД", "BGN")],
            articles=[ArticleRec("A", "Thing", D("1.00"))],
            orders=orders,
        )
    )
    close_database()
    yield path
    close_database()


def run(db_path: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", db_path, "report", *args])
    close_database()
    return result.exit_code, result.stdout, result.stderr


def test_receipts_json_shape(db_path: str) -> None:
    code, out, err = run(
        db_path, "receipts", "--from", "1.3.2026", "--to", "2026-04-30", "--as-of", "2026-03-15",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rows"] == [
        {"period": "2026-03", "currency": "BGN", "expected": "500.00", "overdue": "0.00"},
        {"period": "2026-03", "currency": "EUR", "expected": "0.00", "overdue": "200.00"},
        {"period": "2026-04", "currency": "BGN", "expected": "0.00", "overdue": "0.00"},
        {"period": "2026-04", "currency": "EUR", "expected": "700.00", "overdue": "0.00"},
    ]
    code, out, _err = run(
        db_path, "receipts", "--from", "2026-03-01", "--to", "2026-03-31", "--by", "week",
        "--as-of", "2026-03-15", "--currency", "eur", "--format", "json",
    )  # fmt: skip
    assert code == 0
    periods = [r["period"] for r in json.loads(out)["rows"]]
    assert periods == ["2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"]


def test_overdue_json_and_csv(db_path: str) -> None:
    code, out, err = run(db_path, "overdue", "--as-of", "2026-04-01", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rows"] == [
        {
            "order": "2026-00001", "client": "Alpha Ltd", "kind": "term", "name": "advance",
            "due": "2026-03-01", "days_overdue": 31, "bucket": "31-60", "currency": "EUR",
            "remaining": "200.00",
        },
        {
            "order": "2026-00002", "client": "Бета ООД", "kind": "term", "name": "плащане",
            "due": "2026-03-31", "days_overdue": 1, "bucket": "1-30", "currency": "BGN",
            "remaining": "500.00",
        },
    ]  # fmt: skip
    assert doc["summary"][1]["currency"] == "EUR" and doc["summary"][1]["not_yet_due"] == "700.00"
    code, out, _err = run(db_path, "overdue", "--as-of", "2026-04-01", "--format", "csv")
    assert code == 0
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0] == [
        "order", "client", "kind", "name", "due", "days_overdue", "bucket", "currency", "remaining",
    ]  # fmt: skip
    assert lines[2] == [
        "2026-00002", "Бета ООД", "term", "плащане", "2026-03-31", "1", "1-30", "BGN", "500.00",
    ]  # fmt: skip


def test_forecast_json_has_rows_and_backtest(db_path: str) -> None:
    code, out, err = run(db_path, "forecast", "--as-of", "2026-01-15", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    eur = [r for r in doc["rows"] if r["currency"] == "EUR"]
    assert [r["period"] for r in eur] == [f"2026-{n:02d}" for n in range(1, 13)]
    assert set(eur[0]) == {"period", "currency", "scheduled", "predicted"}
    assert eur[2]["scheduled"] == "200.00"  # the advance: 300 - 100 paid, due 2026-03-01
    bt = doc["backtest"]
    assert (bt["test_from"], bt["test_to"]) == ("2025-01", "2025-12")
    (cur,) = [c for c in bt["currencies"] if c["currency"] == "EUR"]
    assert set(cur["method"]) == {"mae", "mape", "smape"} and set(cur["naive"]) == set(
        cur["method"]
    )
    assert cur["beats_naive"] is True and "beats" in bt["verdict"]
    assert isinstance(cur["method"]["mae"], str) and len(cur["months"]) == 12


def test_book_table_fits_80_columns(db_path: str) -> None:
    code, out, err = run(db_path, "book", "--as-of", "2026-03-11")
    assert code == 0, err
    assert "Order book as of 2026-03-11" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, err = run(db_path, "overdue", "--as-of", "2026-04-01")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "200.00" in out and "31-60" in out
    code, out, _err = run(db_path, "book", "--as-of", "2026-03-11", "--format", "json")
    row = json.loads(out)["rows"][0]
    assert set(row) == {
        "status", "financial_status", "currency", "orders", "total", "paid", "remaining",
        "deadline_this_week", "deadline_this_month", "late",
    }  # fmt: skip


def test_xlsx_is_written_and_readable(db_path: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    target = tmp_path / "receipts.xlsx"
    code, _out, err = run(
        db_path, "receipts", "--from", "2026-03-01", "--to", "2026-04-30",
        "--as-of", "2026-03-15", "--format", "xlsx", "--output", str(target),
    )  # fmt: skip
    assert code == 0, err
    sheet = load_workbook(target).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Period", "Cur", "Expected", "Overdue"]
    assert values[1][:2] == ["2026-03", "BGN"]
    assert values[1][2] == 500 and isinstance(values[1][2], int | float)  # a number, not text
    assert values[2][3] == 200
    target = tmp_path / "forecast.xlsx"
    code, _out, err = run(
        db_path, "forecast", "--as-of", "2026-01-15", "--format", "xlsx", "-o", str(target)
    )
    assert code == 0, err
    book = load_workbook(target)
    assert book.sheetnames[-1] == "Notes"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["receipts", "--from", "yesterday-ish"], "is not a date"),
        (["receipts", "--from", "2026-02-30"], "is not a real date"),
        (["receipts", "--from", "2026-05-01", "--to", "2026-04-01"], "is before --from"),
        (["receipts", "--by", "year"], "'year' is not one of"),
        (["overdue", "--format", "pdf"], "'pdf' is not one of"),
        (["overdue", "--format", "xlsx"], "--format xlsx needs --output FILE"),
        (["overdue", "--client", "nobody"], "no client name contains 'nobody'"),
        (["book", "--currency", "EURO"], "three-letter code"),
        (["forecast", "--months", "0"], "--months"),
        (["overdue", "--nonsense"], "No such option"),
    ],
)
def test_bad_arguments_one_line_exit_1(db_path: str, args: list[str], message: str) -> None:
    code, out, err = run(db_path, *args)
    assert code == 1, (out, err)
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("tui-orders: ")


def test_write_rows_is_generic(tmp_path: Path) -> None:
    """report_output knows nothing of the reports: any rows and columns (``report monitor``)."""
    from tui_orders.report_output import Column, fit_widths, write_rows

    rows = [{"what": "x" * 60, "n": 3, "amount": D("1234.5"), "when": day("2026-01-02")}]
    columns = [
        Column("what"),
        Column("n", "N", "int"),
        Column("amount", "Amount", "money"),
        Column("when", "When", "date"),
        Column("hidden", table=False),
    ]
    out = io.StringIO()
    write_rows(rows, columns, "json", extra={"note": D("0.50")}, stream=out)
    assert json.loads(out.getvalue()) == {
        "rows": [
            {"what": "x" * 60, "n": 3, "amount": "1234.50", "when": "2026-01-02", "hidden": None}
        ],
        "note": "0.50",
    }
    out = io.StringIO()
    write_rows(rows * 2, columns, "table", title="T", notes=["a note"], stream=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "T" and lines[-1] == "a note"
    assert max(len(line) for line in lines) <= 80 and "1,234.50" in lines[2]
    assert fit_widths([50, 5, 30], [True, False, True], 40) == [17, 5, 18]  # widest first
    target = tmp_path / "out.csv"
    write_rows(rows, columns, "csv", str(target))
    assert target.read_text(encoding="utf-8").splitlines()[1].endswith(",3,1234.50,2026-01-02,")
    with pytest.raises(ValueError, match="xlsx needs --output"):
        write_rows(rows, columns, "xlsx")
