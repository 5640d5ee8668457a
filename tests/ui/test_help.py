"""Help (? / F1) lists every key of the screen it was opened from; the palette runs them."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from tui_orders.app import OrdersApp
from tui_orders.commands import screen_commands
from tui_orders.screens.clients import ClientsScreen
from tui_orders.screens.help import HelpScreen

from .conftest import settle


def help_rows(app: OrdersApp) -> list[tuple[str, str, str]]:
    assert isinstance(app.screen, HelpScreen)
    table = app.screen.query_one(DataTable)
    return [
        (str(row[0]), str(row[1]), str(row[2]))
        for row in (table.get_row_at(i) for i in range(table.row_count))
    ]


async def test_help_lists_the_keys_of_the_orders_screen(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        orders = app.screen
        expected = {
            b.binding.description
            for b in orders.active_bindings.values()
            if b.binding.description and b.node is orders
        }
        assert expected  # the orders screen has keys of its own
        await pilot.press("f1")
        await pilot.pause()
        rows = help_rows(app)
        assert expected <= {description for _keys, description, _where in rows}
        assert ("f1 / ?", "Help", "everywhere") in rows
        assert ("f3", "Clients", "everywhere") in rows
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is orders


async def test_help_lists_the_keys_of_the_clients_screen_in_bulgarian(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0], lang="bg")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        rows = help_rows(app)
        for keys, description in [
            ("/", "Търсене"),
            ("n", "Добави"),
            ("e", "Редакция"),
            ("esc", "Назад"),
            ("f1 / ?", "Помощ"),
        ]:
            assert keys in [k for k, d, _w in rows if d == description], description
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ClientsScreen)


async def test_palette_offers_the_screen_actions_and_navigation(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        titles = [title for title, _help, _run in screen_commands(app.screen)]
        assert {"Search (/)", "Add (n)", "Edit (e)", "Help (f1)"} <= set(titles)
        # through the palette itself: Ctrl+P, type, Enter
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*[{" ": "space"}.get(c, c) for c in "go to taxes"])
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TaxesScreen"
