"""Two terminals (two app instances on one SQLite file) edit the same client: the second save,
made from the version its form read, is refused with a plain-text message, the form stays open
with Ctrl+L to reload, and the first terminal's change is not overwritten."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import Input

from tui_orders.app import OrdersApp
from tui_orders.data import masterdata
from tui_orders.data.models import Client, Tax
from tui_orders.screens.articles import ArticleForm, ArticlesScreen
from tui_orders.screens.clients import ClientForm, ClientsScreen
from tui_orders.screens.taxes import TaxesScreen, TaxForm

from .conftest import settle
from .test_masterdata_screens import errors, open_screen, type_text

SIZE = (120, 40)
NAME = "[bold]Markup[/] & Co"  # markup in the name: the message must show it as typed


async def open_form(pilot: Any, key: str, search: str) -> Any:
    """Open the list behind ``key``, find ``search``, open its form (loaded)."""
    await open_screen(pilot, key)
    await pilot.press("slash")
    await type_text(pilot, search)
    await settle(pilot)
    await pilot.press("enter")  # to the list
    await pilot.press("e")
    await settle(pilot)
    return pilot.app.screen


def client_now() -> tuple[str, int, list[str]]:
    client = Client.get(Client.name == NAME)
    labels = [a.label for a in masterdata.client_addresses(client.id)]
    return client.vat_id, client.version, labels


async def test_second_terminal_saving_the_same_client_gets_a_conflict(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, _roles = seeded_sqlite
    first, second = make_app(url), make_app(url)
    async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
        # both terminals open the client's form (version 1)
        form_one = await open_form(one, "f3", "markup")
        form_two = await open_form(two, "f3", "markup")
        assert isinstance(form_one, ClientForm) and isinstance(form_two, ClientForm)
        assert form_one.version == form_two.version == 1
        assert client_now() == ("", 1, ["HQ"])

        # the first terminal adds an address and a VAT id, and saves
        await one.press("tab")
        await type_text(one, "DE111")
        await one.press("ctrl+n")
        await one.pause()
        await type_text(one, "Store")
        await one.press("ctrl+s")
        await settle(one)
        assert isinstance(first.screen, ClientsScreen)
        assert client_now() == ("DE111", 2, ["HQ", "Store"])

        # the second terminal, still showing version 1, saves its own VAT id
        await two.press("tab")
        await type_text(two, "DE222")
        await two.press("ctrl+s")
        await settle(two)
        assert second.screen is form_two  # the form stays open, with what was typed
        assert form_two.query_one("#vat_id", Input).value == "DE222"
        message = errors(second)["form"]
        assert message.startswith(f"Client “{NAME}” was changed in another terminal")
        assert "Nothing was saved" in message and "Ctrl+L" in message
        # nothing overwritten: neither the VAT id nor the address the first terminal added
        assert client_now() == ("DE111", 2, ["HQ", "Store"])

        # saving again without reloading is refused again
        await two.press("ctrl+s")
        await settle(two)
        assert second.screen is form_two
        assert "Nothing was saved" in errors(second)["form"]
        assert client_now() == ("DE111", 2, ["HQ", "Store"])

        # Ctrl+L shows the first terminal's change; the change made again is saved
        await two.press("ctrl+l")
        await settle(two)
        assert "form" not in errors(second)
        assert form_two.version == 2
        assert form_two.query_one("#vat_id", Input).value == "DE111"
        assert [row.value().label for row in form_two._rows()] == ["HQ", "Store"]
        vat = form_two.query_one("#vat_id", Input)
        vat.focus()
        vat.value = ""
        await type_text(two, "DE222")
        await two.press("ctrl+s")
        await settle(two)
        assert isinstance(second.screen, ClientsScreen)
        assert client_now() == ("DE222", 3, ["HQ", "Store"])


async def test_second_terminal_saving_the_same_tax_gets_a_conflict(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, _roles = seeded_sqlite
    first, second = make_app(url), make_app(url)
    async with first.run_test(size=SIZE) as one, second.run_test(size=SIZE) as two:
        form_one = await open_form(one, "f5", "ддс")
        form_two = await open_form(two, "f5", "ддс")
        assert isinstance(form_one, TaxForm) and isinstance(form_two, TaxForm)
        await one.press("end")  # the name field has the focus, its text selected
        await type_text(one, " (BG)")
        await one.press("ctrl+s")
        await settle(one)
        assert isinstance(first.screen, TaxesScreen)
        await two.press("end")
        await type_text(two, " (EU)")
        await two.press("ctrl+s")
        await settle(two)
        assert second.screen is form_two
        assert errors(second)["form"].startswith("Tax “ДДС 20%” was changed in another terminal")
        assert [(t.name, t.version) for t in Tax.select()] == [("ДДС 20% (BG)", 2)]


async def test_article_form_open_while_a_barcode_is_scanned_on_does_not_drop_it(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    """The scanner attaches a barcode to the article while its form is open elsewhere: saving
    the form (which lists the barcodes it read) is refused instead of removing the new one;
    Ctrl+L shows it."""
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, "f4", "CBL-1")
        assert isinstance(form, ArticleForm)
        masterdata.add_barcode(masterdata.get_article("CBL-1").id, "4006381333948")
        form.query_one("#name", Input).value = "Cable 3x1.5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert errors(app)["form"].startswith("Article CBL-1 was changed in another terminal")
        article = masterdata.get_article("CBL-1")
        assert (article.name, [b.code for b in article.barcodes]) == ("Cable", ["4006381333948"])
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert [i.value for i in form._inputs()] == ["4006381333948"]
        assert form.query_one("#name", Input).value == "Cable"
        form.query_one("#name", Input).value = "Cable 3x1.5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArticlesScreen)
        article = masterdata.get_article("CBL-1")
        assert (article.name, [b.code for b in article.barcodes]) == (
            "Cable 3x1.5",
            ["4006381333948"],
        )
