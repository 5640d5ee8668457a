"""The Reports screen (F11): each report runs from the form and shows the data layer's rows;
the parameters change the result; the chart; the export (and its refusal to overwrite); a
long report shows its progress and is cancelled; user text is shown literally.

From ``seed()`` (today 2026-11-27), with one more order added here: "[bold]Markup[/] & Co"
owes 25.00 EUR on a term "[red]rest[/]" due 2026-11-01 (overdue as of today).
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Select, Static

from tui_orders.app import OrdersApp
from tui_orders.commands import SCREENS
from tui_orders.data import audit, orders, reports
from tui_orders.data.db import close_database, database, open_database
from tui_orders.report_output import write_rows
from tui_orders.report_rows import ReportParams, report_output, report_title, run_report
from tui_orders.screens.order import ConfirmModal
from tui_orders.screens.reports import (
    BarChart,
    ExportModal,
    ReportsScreen,
    bar_cells,
    cell,
)

from .conftest import TODAY, settle

Data = tuple[str, dict[str, str]]
MakeApp = Callable[..., OrdersApp]


@pytest.fixture
def data(seeded_sqlite: Data) -> Iterator[Data]:
    url, roles = seeded_sqlite
    audit.set_user("tester")
    open_database(url)
    owed = orders.create_order("[bold]Markup[/] & Co", "2026-12-20", created="2026-10-20")
    orders.add_item(owed, "CBL-1", "10")
    orders.add_term(owed, "[red]rest[/]", "2026-11-01", "25.00")
    close_database()
    yield url, {**roles, "owed": owed.number}


def expected(url: str, params: ReportParams) -> list[list[str]]:
    """The rows the screen must show: the data layer called directly, as the screen shows
    them (the columns of the terminal table, each cell formatted)."""
    open_database(url)
    try:
        rows, columns, _extra, _notes = report_output(params.kind, run_report(params))
    finally:
        close_database()
    shown = [c for c in columns if c.table]
    return [[str(cell(r.get(c.key), c)) for c in shown] for r in rows]


async def open_reports(pilot: Any) -> ReportsScreen:
    await settle(pilot)
    await pilot.press("f11")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReportsScreen)
    return screen


def table_rows(screen: ReportsScreen) -> list[list[str]]:
    table = screen.query_one("#reports-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def state(screen: ReportsScreen) -> str:
    return str(screen.query_one("#reports-state", Static).render())


def notes(screen: ReportsScreen) -> str:
    return str(screen.query_one("#reports-notes", Static).render())


async def choose(pilot: Any, screen: ReportsScreen, kind: str, **fields: str) -> None:
    screen.query_one("#report-kind", Select).value = kind
    await pilot.pause()
    for name, value in fields.items():
        widget = screen.query_one(f"#{name}")
        if isinstance(widget, Select):
            widget.value = value
        else:
            assert isinstance(widget, Input)
            widget.value = value
    await pilot.pause()


async def run(pilot: Any, screen: ReportsScreen) -> None:
    await pilot.press("ctrl+r")
    await settle(pilot)
    assert not screen.running


# --------------------------------------------------------------------------- the reports


@pytest.mark.parametrize(
    ("kind", "fields", "params"),
    [
        ("receipts", {}, ReportParams("receipts", TODAY)),
        (
            "overdue",
            {"as_of": "2026-12-05"},
            ReportParams("overdue", dt.date(2026, 12, 5)),
        ),
        ("forecast", {}, ReportParams("forecast", TODAY)),
        ("book", {}, ReportParams("book", TODAY)),
    ],
)
async def test_each_report_shows_the_data_layers_rows(
    data: Data,
    make_app: MakeApp,
    kind: str,
    fields: dict[str, str],
    params: ReportParams,
) -> None:
    url, _roles = data
    want = expected(url, params)
    assert want  # the seed data gives every report rows
    app = make_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reports(pilot)
        await choose(pilot, screen, kind, **fields)
        await run(pilot, screen)
        assert screen.result is not None and screen.result.params == params
        assert table_rows(screen) == want
        assert f"{len(want)} rows" in state(screen)


async def test_the_parameters_change_the_result(data: Data, make_app: MakeApp) -> None:
    url, _roles = data
    by_month = expected(url, ReportParams("receipts", TODAY))
    by_week = expected(url, ReportParams("receipts", TODAY, by="week"))
    acme = expected(url, ReportParams("book", TODAY, client="Acme"))
    assert len(by_week) > len(by_month) and len(acme) < len(
        expected(url, ReportParams("book", TODAY))
    )
    app = make_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reports(pilot)
        await run(pilot, screen)
        assert table_rows(screen) == by_month
        await choose(pilot, screen, "receipts", by="week")
        await run(pilot, screen)
        assert table_rows(screen) == by_week
        assert table_rows(screen)[0][0].startswith("2026-W")
        # typed into the form, run with Enter
        await choose(pilot, screen, "book")
        screen.query_one("#client", Input).focus()
        await pilot.press(*"Acme", "enter")
        await settle(pilot)
        assert table_rows(screen) == acme
        # a bad date: said, the field focused, nothing run
        await choose(pilot, screen, "book", **{"from": "31.02.2026"})
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "not a real date" in state(screen)
        assert screen.focused is screen.query_one("#from")
        # the data layer's refusal is shown too
        await choose(pilot, screen, "book", **{"from": "", "currency": "EURO"})
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "three-letter code" in state(screen)


async def test_only_the_fields_of_the_report_are_shown(data: Data, make_app: MakeApp) -> None:
    app = make_app(data[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot)
        shown: dict[str, set[str]] = {}
        for kind in ("receipts", "overdue", "forecast", "book"):
            await choose(pilot, screen, kind)
            shown[kind] = {
                name
                for name in ("from", "to", "as_of", "by", "months", "client", "currency")
                if screen.query_one(f"#{name}-field").display
            }
        assert shown["overdue"] == {"as_of", "client", "currency"}
        assert shown["forecast"] == {"as_of", "months", "client", "currency"}
        assert "by" in shown["receipts"] and "by" not in shown["book"]


async def test_summary_and_chart(data: Data, make_app: MakeApp) -> None:
    url, _roles = data
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(pilot)
        await run(pilot, screen)
        assert "Total BGN: expected 516.00, overdue 0.00" in notes(screen)
        await pilot.press("ctrl+t")
        await pilot.pause()
        chart = screen.query_one(BarChart)
        text = str(chart.render())
        assert "Expected receipts · BGN" in text and "2026-11" in text and "█" in text
        assert chart.size.height >= 5  # the title, the legend and three months
        # the forecast: scheduled and predicted, one currency at a time
        await choose(pilot, screen, "forecast")
        await run(pilot, screen)
        assert "Backtest" in notes(screen) and "not enough history" in notes(screen)
        text = str(chart.render())
        assert "scheduled" in text and "predicted" in text and "▒" in text
        assert "BGN (1 of 2" in text
        await pilot.press("c")
        await pilot.pause()
        assert "EUR (2 of 2" in str(chart.render())
        await pilot.press("ctrl+t")
        await pilot.pause()
        # overdue and book have no chart: said so, no exception
        await choose(pilot, screen, "book")
        await run(pilot, screen)
        assert "No chart" in str(chart.render())


def test_bar_cells_add_up_and_show_small_amounts() -> None:
    from decimal import Decimal as D

    assert bar_cells([D(50), D(50)], D(100), 10) == [5, 5]
    assert sum(bar_cells([D(1), D(99)], D(100), 10)) == 10
    assert bar_cells([D("0.01"), D(0)], D(100), 10) == [1, 0]
    assert bar_cells([D(0), D(0)], D(0), 10) == [0, 0]


# --------------------------------------------------------------------------- export


async def export(pilot: Any, screen: ReportsScreen, path: Path) -> ExportModal:
    await pilot.press("ctrl+s")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, ExportModal)
    modal.query_one("#export-path", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)
    return modal


async def test_export_writes_what_write_rows_writes(
    data: Data, make_app: MakeApp, tmp_path: Path
) -> None:
    url, _roles = data
    params = ReportParams("overdue", dt.date(2026, 12, 5))
    open_database(url)
    try:
        rep = reports.overdue(params.as_of)
        rows, columns, extra, notes_ = report_output("overdue", rep)
        write_rows(rows, columns, "csv", str(tmp_path / "want.csv"), extra=extra, notes=notes_)
        title = report_title("overdue", rep)
    finally:
        close_database()
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(pilot)
        await choose(pilot, screen, "overdue", as_of="2026-12-05")
        await run(pilot, screen)
        await export(pilot, screen, tmp_path / "got.csv")
        assert app.screen is screen
        got = (tmp_path / "got.csv").read_text(encoding="utf-8")
        assert got == (tmp_path / "want.csv").read_text(encoding="utf-8")
        assert "[bold]Markup[/] & Co" in got
        await export(pilot, screen, tmp_path / "got.xlsx")
        assert app.screen is screen
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(tmp_path / "got.xlsx")
    assert book.sheetnames[0] == title[:31]
    sheet = book[book.sheetnames[0]]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == [c.heading for c in columns]
    assert len(values) == len(rows) + 1
    assert values[1][columns.index(next(c for c in columns if c.key == "client"))] == (
        "[bold]Markup[/] & Co"
    )
    with open(tmp_path / "want.csv", encoding="utf-8") as fh:
        assert len(list(csv.reader(fh))) == len(values)


async def test_export_refuses_to_overwrite_unless_confirmed_and_says_what_fails(
    data: Data, make_app: MakeApp, tmp_path: Path
) -> None:
    target = tmp_path / "report.csv"
    target.write_text("keep me", encoding="utf-8")
    app = make_app(data[0])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(pilot)
        await run(pilot, screen)
        modal = await export(pilot, screen, target)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # no
        await pilot.pause()
        assert app.screen is modal
        assert "Not replaced" in str(modal.query_one("#export-error").render())
        assert target.read_text(encoding="utf-8") == "keep me"
        # a missing folder, a wrong extension
        for path, message in [
            (tmp_path / "nowhere" / "r.csv", "does not exist"),
            (tmp_path / "r.txt", ".csv, .json or .xlsx"),
            (tmp_path, ".csv, .json or .xlsx"),
        ]:
            modal.query_one("#export-path", Input).value = str(path)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is modal
            assert message in str(modal.query_one("#export-error").render())
        # yes: replaced
        modal.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert target.read_text(encoding="utf-8").startswith("period,currency,expected,overdue")


# --------------------------------------------------------------------------- cancel


async def wait_running(pilot: Any, screen: ReportsScreen, started: threading.Event) -> None:
    for _ in range(200):
        await pilot.pause(0.01)
        if started.is_set():
            return
    raise AssertionError("the report did not start")


async def test_a_long_report_shows_progress_and_is_cancelled(
    data: Data, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _roles = data
    started, release = threading.Event(), threading.Event()
    real = reports.receipts

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "receipts", slow)
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(pilot)
        await pilot.press("ctrl+r")
        await wait_running(pilot, screen, started)
        await pilot.pause(0.3)
        assert screen.running
        assert "Running Expected receipts…" in state(screen) and "Escape: cancel" in state(screen)
        assert screen.query_one("#reports-loading").display
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # Escape cancelled the report, did not leave
        assert not screen.running and "Cancelled" in state(screen)
        release.set()  # the worker's thread finishes: its result is discarded
        await settle(pilot)
        await pilot.pause(0.1)
        assert screen.result is None and table_rows(screen) == []
        # the screen is usable: the next run shows its rows
        monkeypatch.setattr(reports, "receipts", real)
        await run(pilot, screen)
        assert table_rows(screen) == expected(url, ReportParams("receipts", TODAY))
        await pilot.press("escape")  # nothing running: back
        await pilot.pause()
        assert not isinstance(app.screen, ReportsScreen)


async def test_a_new_run_cancels_the_old_one(
    data: Data, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _roles = data
    started, release = threading.Event(), threading.Event()
    real = reports.receipts
    calls: list[str] = []

    def first_slow(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[2])
        if len(calls) == 1:
            started.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(reports, "receipts", first_slow)
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(pilot)
        await pilot.press("ctrl+r")  # by month: slow
        await wait_running(pilot, screen, started)
        await choose(pilot, screen, "receipts", by="week")
        await pilot.press("ctrl+r")
        await settle(pilot)
        release.set()
        await settle(pilot)
        await pilot.pause(0.1)
        assert calls == ["month", "week"]
        assert table_rows(screen) == expected(url, ReportParams("receipts", TODAY, by="week"))


async def test_cancel_interrupts_the_running_statement(
    seeded: Data, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement that would not end for long is interrupted (SQLite: ``interrupt()``,
    PostgreSQL: ``cancel()``): the worker's thread is free again at once."""
    url, _roles = seeded
    sqlite = not url.startswith("postgres")
    endless_sql = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        if sqlite
        else "SELECT pg_sleep(60)"
    )
    started, ended = threading.Event(), threading.Event()
    outcome: list[str] = []

    def endless(*args: Any, **kwargs: Any) -> Any:
        started.set()
        try:
            database.obj.execute_sql(endless_sql)
            outcome.append("finished")
        except Exception as exc:
            outcome.append(type(exc).__name__ + ": " + str(exc))
            raise
        finally:
            ended.set()

    monkeypatch.setattr(reports, "overdue", endless)
    app = make_app(url)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(pilot)
        await choose(pilot, screen, "overdue")
        await pilot.press("ctrl+r")
        await wait_running(pilot, screen, started)
        await pilot.pause(0.2)
        await pilot.press("escape")
        began = time.monotonic()
        while not ended.is_set() and time.monotonic() - began < 5:
            await pilot.pause(0.02)
        assert ended.is_set() and outcome
        assert ("interrupted" if sqlite else "canceling statement") in outcome[0]
        await settle(pilot)
        assert "Cancelled" in state(screen) and screen.result is None
        assert not list(app._notifications)  # the interruption is no error to report


# --------------------------------------------------------------------------- text, keys


async def test_user_text_is_shown_literally(data: Data, make_app: MakeApp) -> None:
    app = make_app(data[0])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reports(pilot)
        await choose(pilot, screen, "overdue", client="[bold]Markup")
        await run(pilot, screen)
        rows = table_rows(screen)
        assert rows and rows[0][1] == "[bold]Markup[/] & Co" and rows[0][2] == "[red]rest[/]"
        table = screen.query_one("#reports-table", DataTable)
        text = table.get_row_at(0)[1]
        assert not text.spans and not text.style  # no markup applied
        # a client that matches nothing: the data layer's message, literally
        await choose(pilot, screen, "overdue", client="[i]nobody")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "no client name contains '[i]nobody'" in state(screen)


async def test_reports_in_bulgarian(data: Data, make_app: MakeApp) -> None:
    app = make_app(data[0], lang="bg")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_reports(pilot)
        await choose(pilot, screen, "book")
        await run(pilot, screen)
        rows = table_rows(screen)
        assert "закъснели: нови или в изпълнение" in notes(screen)
        assert "Портфейл от поръчки: 3 реда" in state(screen)
        # amounts in the language's format (1 670,00 with a no-break space), statuses in words
        assert rows[-1][:5] == ["приключена", "платена", "EUR", "1", "1\xa0670,00"]


async def test_registered_in_the_palette_and_on_f11(data: Data, make_app: MakeApp) -> None:
    assert ("show_reports", "Go to reports") in SCREENS
    app = make_app(data[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await open_reports(pilot)
        await pilot.press("f11")  # already there: stays
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen)
        assert len(app.screen_stack) == 3


async def test_a_long_result_is_cut_in_the_table_not_in_the_export(
    data: Data, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tui_orders.screens import reports as screen_module

    monkeypatch.setattr(screen_module, "MAX_TABLE_ROWS", 5)
    url, _roles = data
    want = expected(url, ReportParams("receipts", TODAY, by="week"))
    app = make_app(url)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot)
        await choose(pilot, screen, "receipts", by="week")
        await run(pilot, screen)
        assert table_rows(screen) == want[:5]
        assert f"the first 5 of {len(want)} rows" in notes(screen)
        await export(pilot, screen, tmp_path / "all.csv")
        lines = (tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(want) + 1
