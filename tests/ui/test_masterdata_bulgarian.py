"""The client, article and tax forms in Bulgarian: what the data layer refuses reads in
Bulgarian, beside the field it is about (found by the Bulgarian word, as in English)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from textual.widgets import Input

from tui_orders import i18n
from tui_orders.app import OrdersApp
from tui_orders.screens.articles import ArticleForm
from tui_orders.screens.clients import ClientForm
from tui_orders.screens.taxes import TaxForm

from .conftest import settle
from .test_masterdata_screens import SIZE, errors, open_screen, type_text


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


async def test_a_client_name_already_used_reads_in_bulgarian_beside_the_name(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0], lang="bg")
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f3")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)
        await type_text(pilot, "Acme GmbH")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientForm)  # still open, nothing saved
        assert errors(app) == {"name": "клиент с име 'Acme GmbH' вече съществува"}
        assert app.focused is app.screen.query_one("#name")
        # a currency the field's own check lets through is refused by the data layer: its
        # message names the currency ("валута"), shown beside it
        app.screen.query_one("#name", Input).value = "Нова Фирма"
        currency = app.screen.query_one("#currency", Input)
        currency.validators = []
        currency.value = "E1R"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {
            "currency": "валута 'E1R' трябва да е трибуквен код, например BGN или EUR"
        }


async def test_a_bad_tax_rate_reads_in_bulgarian_beside_the_rate(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    app = make_app(seeded_sqlite[0], lang="bg")
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f5")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaxForm)
        await type_text(pilot, "ДДС 9%")
        await pilot.press("tab")
        await type_text(pilot, "150")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {"rate": "Процент от 0 до 100"}  # the field's own check
        # without it the data layer refuses the rate: "данъчна ставка" puts it beside the rate
        form.query_one("#rate", Input).validators = []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert errors(app) == {"rate": "данъчна ставка '150' трябва да е процент между 0 и 100"}
        assert app.focused is form.query_one("#rate")
        # a name already used: beside the name
        form.query_one("#name", Input).value = "ДДС 20%"
        form.query_one("#rate", Input).value = "20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {"name": "данък с наименование 'ДДС 20%' вече съществува"}
        await pilot.press("escape")
        await settle(pilot)
        # the rate of a tax orders use cannot change (the path of the error names the rate)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaxForm)
        form.query_one("#rate", Input).value = "21"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {
            "rate": "ставката на данък, използван в поръчки (1), не може да се промени; "
            "добавете нов данък"
        }


async def test_article_errors_read_in_bulgarian_beside_the_code_and_the_barcodes(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    """ "баркод" holds "код": a barcode's message goes beside the barcodes, not the code."""
    app = make_app(seeded_sqlite[0], lang="bg")
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "f4")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ArticleForm)
        await type_text(pilot, "BLT-1")
        await pilot.press("tab")
        await type_text(pilot, "Болт")
        await pilot.press("tab", "tab")
        await type_text(pilot, "1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert errors(app) == {"code": "артикул с код 'BLT-1' вече съществува"}
        form.query_one("#code", Input).value = "BLT-2"
        await pilot.press("ctrl+n")
        await type_text(pilot, "4006381333931")  # BLT-1's barcode
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert errors(app) == {"barcodes": "баркод 4006381333931 вече принадлежи на артикул BLT-1"}
