"""Clients, Articles and Taxes screens: create, edit, search; bad input kept beside the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable, Input, Label

from tui_orders.app import OrdersApp
from tui_orders.screens.articles import ArticleForm, ArticlesScreen
from tui_orders.screens.clients import ClientForm, ClientsScreen
from tui_orders.screens.taxes import TaxesScreen

from .conftest import settle

SIZE = (120, 40)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])


def rows(app: OrdersApp) -> list[list[str]]:
    table = app.screen.query_one("#list", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def errors(app: OrdersApp) -> dict[str, str]:
    """The messages shown beside the fields of the open form."""
    return {
        str(label.id).removesuffix("-error"): str(label.render())
        for label in app.screen.query("Label.field-error, #form-error").results(Label)
        if label.display and str(label.render())
    }


async def open_screen(pilot: Any, key: str) -> None:
    await settle(pilot)
    await pilot.press(key)
    await pilot.pause()
    await settle(pilot)


async def test_create_edit_and_search_a_client_with_two_addresses(
    seeded: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded[0])
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f3")
        assert isinstance(app.screen, ClientsScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        await type_text(pilot, "Нова Фирма ЕООД")
        await pilot.press("tab")
        await type_text(pilot, "BG999")
        await pilot.press("tab")
        await type_text(pilot, "eur")
        await pilot.press("tab")  # the first address: label "Office" proposed
        await type_text(pilot, "Офис")
        await pilot.press("tab")
        await type_text(pilot, "Пловдив, ул. 1")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_text(pilot, "Склад")
        await pilot.press("tab")
        await type_text(pilot, "Асеновград")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert ["Нова Фирма ЕООД", "BG999", "EUR", "Офис", "2"] in rows(app)

        # search in any case, Cyrillic included
        await pilot.press("slash")
        await type_text(pilot, "нова ф")
        await settle(pilot)
        assert [r[0] for r in rows(app)] == ["Нова Фирма ЕООД"]

        # edit: rename, drop the first address; the other one becomes the default
        await pilot.press("enter")  # from the search field to the list
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        name = app.screen.query_one("#name", Input)
        assert name.value == "Нова Фирма ЕООД"
        labels = [i.value for i in app.screen.query("Input.address-label").results(Input)]
        assert labels == ["Офис", "Склад"]
        await type_text(pilot, "Нова Фирма АД")  # the whole value was selected on focus
        app.screen.query("Input.address-label").results(Input).__next__().focus()
        await pilot.press("ctrl+r")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        await pilot.press("slash", "ctrl+u")
        await settle(pilot)
        assert ["Нова Фирма АД", "BG999", "EUR", "Склад", "1"] in rows(app)
        assert len(rows(app)) == 4


async def test_client_form_rejects_bad_input_beside_the_field(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f3")
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", "tab")
        await type_text(pilot, "EURO")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)  # still open
        assert errors(app) == {
            "name": "Enter a name",
            "currency": "A three-letter code such as BGN or EUR",
        }
        assert app.focused is app.screen.query_one("#name")
        # an existing name is refused by the data layer, shown beside the name
        await type_text(pilot, "Acme GmbH")
        await pilot.press("tab", "tab", "end", "backspace")
        assert "currency" not in errors(app)  # the message follows the typing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        assert "already exists" in errors(app)["name"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ClientsScreen)
        assert len(rows(app)) == 3  # nothing saved


async def test_article_with_two_barcodes_and_bad_input(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f4")
        assert isinstance(app.screen, ArticlesScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ArticleForm)
        await type_text(pilot, "VLV-2")
        await pilot.press("tab")
        await type_text(pilot, "Клапан")
        await pilot.press("tab", "tab")
        await type_text(pilot, "abc")
        await pilot.press("ctrl+n")
        await type_text(pilot, "111")
        await pilot.press("ctrl+n")
        await type_text(pilot, "111")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {
            "price": "A price such as 12.50 (up to 4 decimals)",
            "barcodes": "A barcode is listed twice",
        }
        assert app.focused is app.screen.query_one("#price")
        await type_text(pilot, "12,5")
        second = list(app.screen.query("#barcodes Input").results(Input))[1]
        second.focus()
        await type_text(pilot, "4006381333931")  # BLT-1's barcode
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArticleForm)
        assert errors(app)["barcodes"] == ("barcode 4006381333931 already belongs to article BLT-1")
        await pilot.press("ctrl+u")
        await type_text(pilot, "222")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArticlesScreen)
        assert ["VLV-2", "Клапан", "pcs", "12.50", "111, 222"] in rows(app)
        # search by barcode
        await pilot.press("slash")
        await type_text(pilot, "222")
        await settle(pilot)
        assert [r[0] for r in rows(app)] == ["VLV-2"]
        # edit: remove a barcode, change the price
        await pilot.press("enter", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ArticleForm)
        assert form.query_one("#price", Input).value == "12.50"
        form.query("#barcodes Input").results(Input).__next__().focus()
        await pilot.press("ctrl+r")
        form.query_one("#price", Input).value = "13"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app) == [["VLV-2", "Клапан", "pcs", "13.00", "222"]]


async def test_tax_create_and_edit(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f5")
        assert isinstance(app.screen, TaxesScreen)
        assert rows(app) == [["ДДС 20%", "20"]]
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "ДДС 9%")
        await pilot.press("tab")
        await type_text(pilot, "120")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {"rate": "A percentage from 0 to 100"}
        await pilot.press("ctrl+u")
        await type_text(pilot, "9")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app) == [["ДДС 20%", "20"], ["ДДС 9%", "9"]]
        # the rate of a tax orders use cannot change (their totals would)
        await pilot.press("up", "e")
        await settle(pilot)
        app.screen.query_one("#rate", Input).value = "21"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot change" in errors(app)["rate"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TaxesScreen)
        # F2 goes back to the orders
        await pilot.press("f2")
        await pilot.pause()
        assert type(app.screen).__name__ == "OrdersScreen"


async def test_a_taken_name_with_a_field_word_in_it_is_shown_beside_the_name(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    """The message quotes the typed name; a word of it ("Address", "Currency") is not taken
    for the field the message is about."""
    from tui_orders.data import masterdata
    from tui_orders.data.db import close_database, open_database

    open_database(seeded_sqlite[0])
    try:
        masterdata.create_client("Address Currency Ltd", "EUR")
    finally:
        close_database()
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f3")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        await type_text(pilot, "Address Currency Ltd")
        app.screen.query_one("#currency", Input).value = "EUR"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        assert errors(app) == {"name": "a client named 'Address Currency Ltd' already exists"}
