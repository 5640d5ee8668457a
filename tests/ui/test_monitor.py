"""The monitor: open orders by deadline with days late or left, bars, causes; the at-risk
filter; Enter opens the order; live refresh from another terminal; the home-screen setting.

From ``seed()`` (today 2026-11-27): "late" (deadline 2026-11-20, 60 of 101 units delivered),
"soon" (2026-12-01, nothing delivered), "markup" (closed: not on the monitor). Added here:
"far" (2027-03-01) with purchase order PO-17 expected 2027-03-06 and "calm" (2027-02-01, not
at risk).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_orders.app import OrdersApp
from tui_orders.data import audit, orders
from tui_orders.data.db import close_database, open_database
from tui_orders.screens.monitor import MonitorScreen, MonitorTable, bar, days_text
from tui_orders.screens.order import OrderScreen
from tui_orders.screens.orders import OrdersScreen

from .conftest import settle

Data = tuple[str, dict[str, str]]


@pytest.fixture
def data(seeded_sqlite: Data) -> Iterator[Data]:
    url, roles = seeded_sqlite
    audit.set_user("tester")
    open_database(url)
    far = orders.create_order("Acme GmbH", "2027-03-01", created="2026-11-21")
    orders.add_item(far, "CBL-1", "10")
    orders.link_order(far, "purchase", "PO-17", expected="2027-03-06")
    calm = orders.create_order("Acme GmbH", "2027-02-01", created="2026-11-21")
    orders.add_item(calm, "CBL-1", "5")
    roles = {**roles, "far": far.number, "calm": calm.number}
    close_database()
    yield url, roles


async def monitor(pilot: Any) -> MonitorScreen:
    """Wait for the monitor (the home screen here) and its rows."""
    for _ in range(100):
        await pilot.pause()
        if isinstance(pilot.app.screen, MonitorScreen):
            break
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MonitorScreen) and screen.loaded
    return screen


def cells(screen: MonitorScreen) -> list[list[str]]:
    table = screen.query_one(MonitorTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def column(screen: MonitorScreen, key: str) -> list[str]:
    table = screen.query_one(MonitorTable)
    index = list(table.columns).index(key)  # type: ignore[arg-type]
    return [row[index] for row in cells(screen)]


async def wait_for(pilot: Any, condition: Callable[[], bool], seconds: float = 6.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


def test_bar_and_days() -> None:
    from decimal import Decimal

    assert bar(Decimal("66.67")) == "████░░  66%"
    assert bar(Decimal(0)) == "░░░░░░   0%"
    assert bar(Decimal(100)) == "██████ 100%"
    assert bar(Decimal("99.5")).startswith("█████░")  # full only when all is there
    assert bar(Decimal("0.4")).startswith("█░")  # something shows
    assert days_text(-3) == "3 d late" and days_text(0) == "due today"
    assert days_text(5) == "5 d left"


async def test_rows_by_deadline_with_days_and_causes(
    data: Data, make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = data
    app = make_app(url, home="monitor")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await monitor(pilot)
        numbers = column(screen, "number")
        # the closed order is not there; by deadline
        assert numbers == [roles["late"], roles["soon"], roles["calm"], roles["far"]]
        assert column(screen, "days") == ["7 d late", "4 d left", "66 d left", "94 d left"]
        causes = column(screen, "cause")
        assert causes[0] == "7 days past the deadline, 59.4% delivered"
        assert causes[1] == "deadline in 4 days, 0% delivered"
        assert causes[2] == ""
        assert causes[3] == "purchase order PO-17 expected 2027-03-06, 5 days after the deadline"
        assert column(screen, "delivered")[0] == "████░░  59%"
        assert column(screen, "paid")[0] == "███░░░  50%"
        assert column(screen, "status")[:2] == ["in progress", "new"]
        assert column(screen, "financial")[0] == "partially paid"
        # at-risk rows are highlighted: late in the error style, near in the warning style
        table = screen.query_one(MonitorTable)
        late = table.get_component_rich_style("monitor-table--late", partial=True)
        risk = table.get_component_rich_style("monitor-table--risk", partial=True)
        days_col = list(table.columns).index("days")  # type: ignore[arg-type]
        assert table.get_row_at(0)[days_col].style == late
        assert table.get_row_at(1)[days_col].style == risk
        assert table.get_row_at(2)[days_col].style == ""
        # the line under the table: the whole order under the cursor
        detail = str(screen.query_one("#monitor-detail").render())
        assert roles["late"] in detail and "Техномаш ООД" in detail
        assert "7 days past the deadline" in detail


async def test_narrow_terminal_keeps_what_fits(
    data: Data, make_app: Callable[..., OrdersApp]
) -> None:
    url, _roles = data
    app = make_app(url, home="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await monitor(pilot)
        table = screen.query_one(MonitorTable)
        assert list(table.columns) == ["number", "days", "delivered", "paid", "cause"]
        assert table.virtual_size.width <= 80 or column(screen, "cause")[0]
        # widths without the cause fit 80 columns with room for it
        fixed = sum(c.get_render_width(table) for k, c in table.columns.items() if k != "cause")
        assert fixed <= 50
        # the rest of the order is in the line below
        detail = str(screen.query_one("#monitor-detail").render())
        assert "in progress" in detail and "partially paid" in detail


async def test_at_risk_filter_and_enter_opens_the_order(
    data: Data, make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = data
    app = make_app(url, home="monitor")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await monitor(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert column(screen, "number") == [roles["late"], roles["soon"], roles["far"]]
        assert "at risk only" in str(screen.query_one("#monitor-state").render())
        await pilot.press("a")
        await settle(pilot)
        assert roles["calm"] in column(screen, "number")
        # Enter on the second row opens that order; Escape comes back to the same row
        await pilot.press("down", "enter")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, OrderScreen)
        assert app.screen.view is not None and app.screen.view.number == roles["soon"]
        await pilot.press("escape")
        await pilot.pause()
        await settle(pilot)
        assert app.screen is screen
        row = screen.current_row()
        assert row is not None and row.number == roles["soon"]


async def test_live_refresh_when_another_terminal_changes_an_order(
    data: Data, make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = data
    app = make_app(url, home="monitor", poll_seconds=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await monitor(pilot)
        await pilot.press("down")  # the cursor on "soon"
        await settle(pilot)

        def elsewhere() -> None:
            # another terminal: another connection (thread) saves a change
            orders.update_order(roles["calm"], None, deadline="2026-11-22")

        await asyncio.to_thread(elsewhere)
        await wait_for(pilot, lambda: column(screen, "number")[1] == roles["calm"])
        await settle(pilot)
        assert column(screen, "days")[1] == "5 d late"
        assert column(screen, "cause")[1] == "5 days past the deadline, 0% delivered"
        row = screen.current_row()
        assert row is not None and row.number == roles["soon"]  # the cursor stayed on it


async def test_poll_reads_only_the_marker_when_nothing_changed(
    data: Data, make_app: Callable[..., OrdersApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui_orders.screens import monitor as monitor_module

    url, _roles = data
    app = make_app(url, home="monitor", poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await monitor(pilot)
        reads: list[object] = []
        real = monitor_module.read_page

        def counting(*args: Any, **kwargs: Any) -> Any:
            reads.append(args)
            return real(*args, **kwargs)

        monkeypatch.setattr(monitor_module, "read_page", counting)
        await pilot.pause(0.6)
        await settle(pilot)
        assert reads == []


async def test_windowed_pages_slide(
    seeded_sqlite: Data, make_app: Callable[..., OrdersApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui_orders.screens import monitor as monitor_module

    monkeypatch.setattr(monitor_module, "PAGE", 10)
    monkeypatch.setattr(monitor_module, "EDGE", 3)
    url, _roles = seeded_sqlite
    audit.set_user("tester")
    open_database(url)
    for day in range(45):
        o = orders.create_order("Acme GmbH", f"2027-0{1 + day // 28}-{1 + day % 28:02d}")
        orders.add_item(o, "CBL-1", "1")
    close_database()
    app = make_app(url, home="monitor")
    async with app.run_test(size=(120, 16)) as pilot:
        screen = await monitor(pilot)
        assert len(screen.rows) <= 2 * 10  # a page, and the next one read ahead
        first = screen.current_row()
        assert first is not None
        visited = [first]
        for _ in range(40):
            await pilot.press("down")
            await settle(pilot)
            row = screen.current_row()
            assert row is not None
            visited.append(row)
            assert len(screen.rows) <= 2 * 10
        # one order after the other, by deadline, none skipped or repeated
        keys = [r.key for r in visited]
        assert keys == sorted(keys) and len({r.id for r in visited}) == 41
        assert screen._earlier  # the first pages were let go
        for _ in range(40):
            await pilot.press("up")
            await settle(pilot)
        assert screen.current_row() == first


async def test_home_setting_opens_the_monitor(
    data: Data,
    make_app: Callable[..., OrdersApp],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui_orders.commands import ScreenCommands
    from tui_orders.settings import load_settings

    url, _roles = data
    config = tmp_path / "settings.toml"
    monkeypatch.setenv("TUI_ORDERS_CONFIG", str(config))
    config.write_text('home = "monitor"\n', encoding="utf-8")
    app = make_app(url, home=None)  # from the settings file
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await monitor(pilot)
        assert app.screen_stack[1] is screen
        # F2 goes to the orders list over it, F10 back to the monitor (not a second one)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        await pilot.press("f10")
        await settle(pilot)
        assert app.screen is screen and len(app.screen_stack) == 2
        # the palette offers the other home screen, and saves it
        titles = {title: run for title, _help, run in ScreenCommands(app.screen)._commands()}
        assert "Make the monitor the home screen" not in titles
        await titles["Make the orders list the home screen"]()
        await settle(pilot)
        assert load_settings().home == "orders"
        assert isinstance(app.screen_stack[1], OrdersScreen)


async def test_orders_home_reaches_the_monitor_and_links(
    data: Data, make_app: Callable[..., OrdersApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui_orders.commands import ScreenCommands
    from tui_orders.screens.links import LinksScreen
    from tui_orders.settings import load_settings

    monkeypatch.setenv("TUI_ORDERS_CONFIG", str(tmp_path / "settings.toml"))
    url, _roles = data
    app = make_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause()
            if isinstance(app.screen, OrdersScreen):
                break
        await settle(pilot)
        home = app.screen
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, MonitorScreen) and app.screen.loaded
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, LinksScreen)
        assert len(app.screen_stack) == 3
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is home
        titles = {title: run for title, _help, run in ScreenCommands(app.screen)._commands()}
        assert "Go to the monitor" in titles
        assert "Go to production and purchase orders" in titles
        await titles["Make the monitor the home screen"]()
        await settle(pilot)
        assert load_settings().home == "monitor"
        assert isinstance(app.screen_stack[1], MonitorScreen)


def test_every_cause_template_has_a_bulgarian_translation() -> None:
    from tui_orders import i18n
    from tui_orders.data.risk import TEMPLATES

    catalog = i18n._load("bg")
    assert [t for t in TEMPLATES.values() if t not in catalog] == []
    for template in TEMPLATES.values():  # the same placeholders
        import re

        names = re.compile(r"\{(\w+)\}")
        assert sorted(names.findall(template)) == sorted(names.findall(catalog[template]))


async def test_bulgarian_causes(data: Data, make_app: Callable[..., OrdersApp]) -> None:
    from tui_orders import i18n

    url, _roles = data
    app = make_app(url, home="monitor", lang="bg")
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            screen = await monitor(pilot)
            causes = column(screen, "cause")
            assert causes[0] == "7 дни след крайния срок, доставени 59,4%"
            assert causes[3] == (
                "доставна поръчка PO-17 очаквана на 06.03.2027, 5 дни след крайния срок"
            )
            assert column(screen, "days")[:2] == ["7 д. късно", "още 4 д."]
    finally:
        i18n.set_language("en")
