"""The home screen: the order list, its search, filters, sort, window and live refresh."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui_orders.app import OrdersApp
from tui_orders.data import audit, masterdata, orders, queries
from tui_orders.data.db import close_database, open_database
from tui_orders.screens.orders import OrdersScreen
from tui_orders.widgets import order_table
from tui_orders.widgets.order_summary import OrderSummary
from tui_orders.widgets.order_table import MAX_ROWS, WINDOW, OrderTable, deadline_class

from .conftest import TODAY, settle

SIZE = (120, 40)


async def home(pilot: Any, *, every_order: bool = True) -> OrderTable:
    """Wait for the home screen and its first window; return the list.

    The home screen opens on the open orders; ``every_order`` clears that filter (``x``) so
    that closed and cancelled orders show too.
    """
    for _ in range(100):
        await pilot.pause()
        if isinstance(pilot.app.screen, OrdersScreen):
            break
    await settle(pilot)
    table = pilot.app.screen.query_one(OrderTable)
    assert table.loaded
    if every_order:
        await pilot.press("x")
        await settle(pilot)
    return table


async def test_home_opens_on_the_open_orders_by_deadline(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot, every_order=False)
        # the closed "markup" order waits behind x; late (11-20) before soon (12-01)
        assert numbers(table) == [roles["late"], roles["soon"]]
        await pilot.press("x")
        await settle(pilot)
        assert roles["markup"] in numbers(table)


@pytest.mark.parametrize("quick", [True, False])
async def test_home_is_drawn_from_the_start_up_read_then_the_database_opens(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    monkeypatch: pytest.MonkeyPatch,
    quick: bool,
) -> None:
    """The first rows come from the read without the ORM (or, when it cannot be made, from the
    database opened first); either way the list, the pane and the count end up the same."""
    url, roles = seeded_sqlite
    reads: list[Any] = []
    original = OrdersScreen.quick_prefetch

    def spy(db_url: str | None) -> Any:
        result = original(db_url) if quick else None
        reads.append(result)
        return result

    monkeypatch.setattr(OrdersScreen, "quick_prefetch", staticmethod(spy))
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot, every_order=False)
        assert len(reads) == 1
        if quick:
            assert reads[0] is not None
            assert [r.number for r in reads[0].window.rows] == [roles["late"], roles["soon"]]
        screen = app.screen
        assert isinstance(screen, OrdersScreen) and screen.db_open and app.db_ready
        assert numbers(table) == [roles["late"], roles["soon"]]
        await wait_for(pilot, lambda: "order 1 of 2" in state_line(app))
        summary = screen.query_one(OrderSummary)  # read once the database is open
        await wait_for(pilot, lambda: (summary.order or {}).get("number") == roles["late"])
        await pilot.press("down")
        await settle(pilot)
        assert "order 2 of 2" in state_line(app)


def cells(table: OrderTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def numbers(table: OrderTable) -> list[str]:
    return [row[0] for row in cells(table)]


async def wait_for(pilot: Any, condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


async def test_list_shows_orders_with_their_columns(
    seeded: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        assert [str(c.label) for c in table.columns.values()] == [
            "Number",
            "Client",
            "Created",
            "Deadline",
            "Status",
            "Financial",
            "Total",
            "Deliv.",
            "Paid",
        ]
        assert cells(table) == [
            [
                roles["late"],
                "Техномаш ООД",
                "2026-10-01",
                "2026-11-20",
                "in progress",
                "partially paid",
                "1,032.00 BGN",
                "59%",
                "50%",
            ],
            [
                roles["soon"],
                "Acme GmbH",
                "2026-11-20",
                "2026-12-01",
                "new",
                "unpaid",
                "100.00 EUR",
                "0%",
                "0%",
            ],
            [
                roles["markup"],
                # user text as typed, never read as markup
                "[bold]Markup[/] & Co",
                "2026-11-02",
                "2027-01-15",
                "closed",
                "paid",
                "1,670.00 EUR",
                "100%",
                "100%",
            ],
        ]
        state = str(app.screen.query_one("#orders-state").render())
        assert "order 1 of 3" in state
        # the detail pane shows the order under the cursor
        summary = app.screen.query_one(OrderSummary)
        await wait_for(pilot, lambda: summary.order is not None)
        assert summary.order is not None and summary.order["number"] == roles["late"]
        body = summary.plain_text()
        assert "Техномаш ООД" in body and "1,032.00 BGN" in body
        assert "Financial documents: 516.00 BGN of 1,032.00 BGN" in body


async def test_markup_client_shows_as_typed_in_pane(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        await pilot.press("end")
        await settle(pilot)
        summary = app.screen.query_one(OrderSummary)
        await wait_for(pilot, lambda: (summary.order or {}).get("number") == roles["markup"])
        body = summary.plain_text()
        assert "[bold]Markup[/] & Co" in body
        assert table.get_row_at(2)[1].plain == "[bold]Markup[/] & Co"
        assert not table.get_row_at(2)[1].spans


async def test_deadline_colours(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        by_number = {r.number: r for r in table.rows_held}
        assert deadline_class(by_number[roles["late"]], TODAY) == "overdue"
        assert deadline_class(by_number[roles["soon"]], TODAY) == "due-soon"
        # closed: its deadline is not a worry any more
        assert deadline_class(by_number[roles["markup"]], TODAY) is None
        overdue = table.get_component_rich_style("order-table--overdue", partial=True)
        soon = table.get_component_rich_style("order-table--due-soon", partial=True)
        assert overdue != soon
        assert table.get_row_at(0)[3].style == overdue
        assert table.get_row_at(1)[3].style == soon
        assert not table.get_row_at(2)[3].style


async def test_search_by_number_and_client_name(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        await pilot.press("slash")
        assert app.focused is not None and app.focused.id == "orders-search"
        await pilot.press(*roles["soon"])
        await pilot.pause(0.3)
        await settle(pilot)
        assert numbers(table) == [roles["soon"]]
        # Escape clears the search and goes back to the list
        await pilot.press("escape")
        await pilot.pause(0.3)
        await settle(pilot)
        assert len(numbers(table)) == 3
        assert app.focused is table
        # a client's name in lower case, in any script; Enter moves to the list
        await pilot.press("slash", *"техномаш", "enter")
        await settle(pilot)
        assert numbers(table) == [roles["late"]]
        assert app.focused is table
        await pilot.press("slash")
        app.screen.query_one("#orders-search").value = ""  # type: ignore[attr-defined]
        await pilot.press(*"acme", "enter")
        await settle(pilot)
        assert numbers(table) == [roles["soon"]]


async def test_filter_by_status_and_clear(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        await pilot.press("f")
        await pilot.pause()
        # the status list has the focus; its first choice is "new"
        await pilot.press("space", "ctrl+s")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        assert numbers(table) == [roles["soon"]]
        assert "filter: new" in str(app.screen.query_one("#orders-state").render())
        await pilot.press("x")
        await settle(pilot)
        assert len(numbers(table)) == 3


async def test_filter_form_rejects_a_bad_date(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#filter-from").focus()
        await pilot.press(*"32.13.2026", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, OrdersScreen)  # still open
        assert "Deadline from" in str(app.screen.query_one("#filter-error").render())
        # a range that ends before it starts
        await pilot.press(*["backspace"] * 10, "t")
        app.screen.query_one("#filter-to").focus()
        await pilot.press("minus", "3", "ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, OrdersScreen)
        assert "ends before it starts" in str(app.screen.query_one("#filter-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert len(numbers(table)) == 3
        # a valid range: from today (t) to +7 keeps the order due soon
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#filter-from").focus()
        await pilot.press("t")
        app.screen.query_one("#filter-to").focus()
        await pilot.press("plus", "7", "ctrl+s")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, OrdersScreen)
        assert len(numbers(table)) == 1


async def test_sort_cycles_and_reverses(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    late, soon, markup = roles["late"], roles["soon"], roles["markup"]
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        assert numbers(table) == [late, soon, markup]  # by deadline
        await pilot.press("s", "s")  # number, then created
        await settle(pilot)
        assert "sort: created ↑" in str(app.screen.query_one("#orders-state").render())
        assert numbers(table) == [late, markup, soon]
        await pilot.press("d")
        await settle(pilot)
        assert numbers(table) == [soon, markup, late]
        assert "sort: created ↓" in str(app.screen.query_one("#orders-state").render())


@pytest.fixture
def many_orders(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """450 orders (three windows), in deadline order."""
    path = str(tmp_path / "many.db")
    audit.set_user("tester")
    open_database(path)
    masterdata.create_client("Client A", "BGN")
    base = dt.date(2027, 1, 1)
    for i in range(450):
        # deadlines out of number order, several on one day
        orders.create_order("Client A", base + dt.timedelta(days=(i * 7) % 90))
    expected = [r.number for r in queries.fetch_orders(limit=1000)]
    close_database()
    yield path, expected
    close_database()
    audit.set_user(None)


async def test_window_slides_and_never_holds_everything(
    many_orders: tuple[str, list[str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, expected = many_orders
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        assert table.row_count == WINDOW
        assert numbers(table) == expected[:WINDOW]
        biggest = table.row_count
        # page by page past two windows; each slide keeps the cursor on its order
        while table.window_offset is not None and table.window_offset + table.cursor_row < 420:
            await pilot.press("pagedown")
            await settle(pilot)
            biggest = max(biggest, table.row_count)
            row = table.current_row()
            assert row is not None
            assert row.number == expected[table.window_offset + table.cursor_row]
        assert biggest <= MAX_ROWS
        assert table.window_offset > 0  # the first rows were let go
        for _ in range(3):
            await pilot.press("down")
        await settle(pilot)
        position = table.window_offset + table.cursor_row
        assert table.current_row().number == expected[position]  # type: ignore[union-attr]
        state = str(app.screen.query_one("#orders-state").render())
        assert f"order {position + 1} of 450" in state
        for _ in range(8):
            await pilot.press("pageup")
            await settle(pilot)
        row = table.current_row()
        assert row is not None
        index = expected.index(row.number)
        assert index < position - 100
        assert f"order {index + 1} of 450" in str(app.screen.query_one("#orders-state").render())
        await pilot.press("end")
        await settle(pilot)
        assert table.current_row().number == expected[-1]  # type: ignore[union-attr]
        assert table.row_count <= MAX_ROWS
        assert "order 450 of 450" in state_line(app)
        # back up from the end past the rows read with End: the position stays known
        for _ in range(6):
            await pilot.press("pageup")
            await settle(pilot)
        row = table.current_row()
        assert row is not None
        assert f"order {expected.index(row.number) + 1} of 450" in state_line(app)
        await pilot.press("home")
        await settle(pilot)
        assert table.current_row().number == expected[0]  # type: ignore[union-attr]
        assert numbers(table) == expected[:WINDOW]


def state_line(app: OrdersApp) -> str:
    return str(app.screen.query_one("#orders-state").render())


async def test_after_end_a_list_too_long_to_count_says_how_far_from_the_end(
    many_orders: tuple[str, list[str]],
    make_app: Callable[..., OrdersApp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(order_table, "COUNT_CAP", 200)  # 450 orders: counted as ≥200
    url, expected = many_orders
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        assert "order 1 of ≥200" in state_line(app)
        await pilot.press("end")
        await settle(pilot)
        assert table.current_row().number == expected[-1]  # type: ignore[union-attr]
        assert "order 1 from the end, of ≥200" in state_line(app)
        for _ in range(3):
            await pilot.press("up")
        await settle(pilot)
        assert "order 4 from the end, of ≥200" in state_line(app)


async def test_change_in_another_terminal_shows(
    seeded: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded
    app = make_app(url, poll_seconds=0.3)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        await pilot.press("slash", "2", "0")  # search text typed (all numbers start so)
        await pilot.pause(0.3)
        await settle(pilot)
        table.move_cursor(row=1)  # the cursor on the order due soon
        focused = app.focused

        def elsewhere() -> None:
            # another terminal: another connection (thread) saves a change
            orders.update_order(roles["soon"], None, deadline="2026-11-25", note="moved")

        await asyncio.to_thread(elsewhere)
        await wait_for(pilot, lambda: "2026-11-25" in [r[3] for r in cells(table)])
        await settle(pilot)
        row = table.current_row()
        assert row is not None and row.number == roles["soon"]  # the cursor stayed
        assert app.focused is focused
        assert app.screen.query_one("#orders-search").value == "20"  # type: ignore[attr-defined]
        # now overdue; the pane shows the new note
        assert table.get_row_at(table.cursor_row)[3].style == table.get_component_rich_style(
            "order-table--overdue", partial=True
        )
        summary = app.screen.query_one(OrderSummary)
        await wait_for(pilot, lambda: (summary.order or {}).get("note") == "moved")


async def test_bulgarian_labels(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, _roles = seeded_sqlite
    app = make_app(url, lang="bg")
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        labels = [str(c.label) for c in table.columns.values()]
        assert "Краен срок" in labels and "Клиент" in labels
        assert cells(table)[0][3] == "20.11.2026"
        assert cells(table)[0][6] == "1\xa0032,00 BGN"
        # the keys in the Footer too
        from textual.widgets._footer import FooterKey

        await pilot.pause()
        words = {key.description for key in app.screen.query(FooterKey)}
        assert {"Търсене", "Нова", "Филтри", "Помощ"} <= words
    from tui_orders import i18n

    i18n.set_language("en")


async def test_keys_open_the_order_and_the_forms(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        table = await home(pilot)
        home_screen = app.screen
        keys = {b.binding.id for b in home_screen.active_bindings.values() if b.enabled}
        assert {"search", "new", "edit", "filters", "sort", "reload", "quit", "open"} <= keys
        await pilot.press("down", "enter")
        await pilot.pause()
        await settle(pilot)
        from tui_orders.screens.order import OrderScreen

        assert isinstance(app.screen, OrderScreen)
        await pilot.press("escape")
        await pilot.pause()
        await settle(pilot)
        assert app.screen is home_screen
        assert table.current_row().number == roles["soon"]  # type: ignore[union-attr]
        for key in ("n", "e"):
            await pilot.press(key)
            await pilot.pause()
            await settle(pilot)
            assert app.screen is not home_screen  # the order form
            await pilot.press("escape")
            await pilot.pause()
            await settle(pilot)
            assert app.screen is home_screen


async def test_command_palette_lists_the_screen_actions(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    from tui_orders.commands import ScreenCommands

    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        await home(pilot)
        provider = ScreenCommands(app.screen)
        labels = [label for label, _help, _run in provider._commands()]
        for word in ("Search", "New", "Edit", "Filters", "Sort", "Reverse", "Reload", "Open"):
            assert any(label.startswith(word + " (") for label in labels), word
        assert not any(label.startswith("Clear filters") for label in labels)  # none to clear
        # running one: the sort changes
        run = next(run for label, _help, run in provider._commands() if label.startswith("Sort"))
        await run()
        await settle(pilot)
        assert "sort: number" in str(app.screen.query_one("#orders-state").render())
