"""Names that look like Rich markup show exactly as typed, in lists and forms, unstyled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Input

from tui_orders.app import OrdersApp
from tui_orders.screens.articles import ArticleForm
from tui_orders.screens.clients import ClientForm

from .conftest import settle

LINK = "[link=https://x]y[/link]"


def cells(app: OrdersApp, column: int) -> dict[str, Text]:
    """The cells of one column of the list: their plain text -> the Text itself."""
    table = app.screen.query_one("#list", DataTable)
    found = {}
    for i in range(table.row_count):
        value = table.get_row_at(i)[column]
        assert isinstance(value, Text)  # never a str Textual would parse as markup
        found[value.plain] = value
    return found


def unstyled(text: Text) -> bool:
    return not text.spans and not text.style


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])


async def test_client_names_show_as_typed(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, LINK)
        await pilot.press("ctrl+s")
        await settle(pilot)
        names = cells(app, 0)
        for name in ("[bold]Markup[/] & Co", LINK):
            assert name in names and unstyled(names[name])
        # the rendered table line shows the brackets too
        table = app.screen.query_one("#list", DataTable)
        rendered = "\n".join(
            "".join(seg.text for seg in table.render_line(y)) for y in range(table.size.height)
        )
        assert "[bold]Markup[/] & Co" in rendered and LINK in rendered
        # and the form
        await pilot.press("slash")
        await type_text(pilot, "markup")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        assert app.screen.query_one("#name", Input).value == "[bold]Markup[/] & Co"


async def test_article_names_show_as_typed(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "LNK-1")
        await pilot.press("tab")
        await type_text(pilot, LINK)
        await pilot.press("tab", "tab")
        await type_text(pilot, "1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        names = cells(app, 1)
        for name in ("Pump [red]X[/]", LINK):
            assert name in names and unstyled(names[name])
        table = app.screen.query_one("#list", DataTable)
        rendered = "\n".join(
            "".join(seg.text for seg in table.render_line(y)) for y in range(table.size.height)
        )
        assert "Pump [red]X[/]" in rendered and LINK in rendered
        await pilot.press("slash")
        await type_text(pilot, "pmp")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleForm)
        assert app.screen.query_one("#name", Input).value == "Pump [red]X[/]"
