"""The forms in Bulgarian: what the data layer refuses reads in Bulgarian, beside its field."""

from __future__ import annotations

from typing import Any

from tui_orders import i18n
from tui_orders.screens.forms.document import DocumentForm
from tui_orders.screens.forms.term import TermForm

from .conftest import settle
from .forms_support import forms_app
from .test_forms import open_form, order_of


async def test_a_bad_amount_reads_in_bulgarian_beside_the_field(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url, lang="bg")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot, TermForm(order_id, version), results)
            await pilot.press(*"аванс", "enter", *"+14", "enter", *"abc", "enter")
            await settle(pilot)
            assert app.screen is form
            # the message of money.parse_money, the field's check
            assert form.message_of("amount") == "сума 'abc' не е число"
    finally:
        i18n.set_language("en")


async def test_a_number_already_used_reads_in_bulgarian_beside_the_number(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url, lang="bg")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot, DocumentForm(order_id, version), results)
            form.field("number").focus()
            await pilot.press(*"PF-1", "tab", *"100", "ctrl+s")
            await settle(pilot)
            assert app.screen is form
            # refused by orders.add_document when saving, shown beside the field it names
            assert form.message_of("number") == (
                f"проформа фактура PF-1 вече съществува (поръчка {roles['late']})"
            )
            await pilot.press("escape")
            await settle(pilot)
        assert results == [False]
    finally:
        i18n.set_language("en")
