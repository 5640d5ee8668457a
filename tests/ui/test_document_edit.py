"""Correcting a saved financial document from its form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tui_orders.data import orders
from tui_orders.data.models import FinancialDocument
from tui_orders.screens.forms.document import DocumentForm

from .conftest import settle
from .forms_support import forms_app
from .test_forms import open_form, order_of, read


async def test_saved_document_amount_corrected_type_and_duplicate_locked(
    seeded_sqlite: Any,
) -> None:
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["late"])
    inv = read(url, lambda: FinancialDocument.get(FinancialDocument.number == "INV-1"))
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, DocumentForm(order_id, version, document_id=inv.id), results)
        assert form.query_one("#f-doc_type").disabled
        assert form.query_one("#f-duplicate_of").disabled
        assert form.query_one("#f-term").disabled  # a duplicate follows its original's term
        amount = form.field("amount")
        amount.value = ""
        amount.focus()
        await pilot.press(*"520.00", "ctrl+s")
        await settle(pilot)
    assert results == [True]
    doc = read(url, lambda: FinancialDocument.get_by_id(inv.id))
    assert doc.amount == Decimal("520.00")
    last = read(url, lambda: orders.history(order_id)[-1])
    assert last.action == "update" and "520.00" in last.changes
