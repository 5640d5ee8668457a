"""Keyboard only: an order for a known client with three items and two payment terms, counted.

Bound: an operator types about 5 keys a second, so "under a minute" is under 300 keys; the flow
below needs far fewer (the completion of the client and the articles, ``Enter`` moving to the
next field and saving in the last one, dates as ``+14``).

And the main flow on both backends: order, items, terms, a proforma and its duplicate invoice,
a payment allocated to them, then the amounts and statuses in the database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tui_orders.data import orders
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import FinancialDocument, Order, OrderItem, PaymentTerm
from tui_orders.screens.forms.document import DocumentForm
from tui_orders.screens.forms.item import ItemForm
from tui_orders.screens.forms.payment import PaymentForm
from tui_orders.screens.forms.term import TermForm
from tui_orders.screens.order_form import OrderForm

from .conftest import settle
from .forms_support import forms_app

KEYS_PER_MINUTE = 300  # 5 keys a second


class CountingPilot:
    """Presses keys through the pilot and counts them."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)
        await settle(self.pilot)

    async def type(self, text: str) -> None:
        await self.press(*text)


def read(url: str, work: Any) -> Any:
    open_database(url)
    try:
        return work()
    finally:
        close_database()


async def test_order_with_three_items_and_two_terms_by_keyboard(seeded_sqlite, make_app):
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = CountingPilot(pilot)
        await keys.press("n")  # the Orders home screen opens the order form
        assert isinstance(app.screen, OrderForm)
        await keys.type("техно")
        await keys.press("enter")  # take the completion "Техномаш ООД"
        # Enter: to the next field; Tab over the address, document kind, reference, created
        await keys.press("enter", "tab", "tab", "tab", "tab")
        await keys.type("+14")
        await keys.press("ctrl+s")
        assert not isinstance(app.screen, OrderForm)  # the new order is open, items tab
        for code, qty in (("BLT-1", "100"), ("PMP-1", "2"), ("CBL-1", "12,5")):
            await keys.press("n")
            assert isinstance(app.screen, ItemForm)
            await keys.type(code)
            await keys.press("enter")  # take the completion
            await keys.press("enter")  # to the quantity
            await keys.type(qty)
            # Enter: price (the catalogue price is filled in), Enter: specifics, Enter: save
            await keys.press("enter", "enter", "enter")
            assert not isinstance(app.screen, ItemForm)
        await keys.press("2")  # the payment terms tab
        for name, due, amount in (("advance", "+7", "500"), ("rest", "+30", "1226,25")):
            await keys.press("n")
            assert isinstance(app.screen, TermForm)
            await keys.type(name)
            await keys.press("enter")
            await keys.type(due)
            await keys.press("enter")
            await keys.type(amount)
            await keys.press("enter")  # the last field: save
            assert not isinstance(app.screen, TermForm)
        count = keys.count
    assert count < KEYS_PER_MINUTE, count

    def check() -> tuple[Any, ...]:
        order = Order.select().order_by(Order.id.desc()).first()
        items = list(OrderItem.select().where(OrderItem.order == order.id))
        terms = list(PaymentTerm.select().where(PaymentTerm.order == order.id))
        return order, items, terms

    order, items, terms = read(url, check)
    assert str(order.deadline) == "2026-12-11"
    assert len(items) == 3 and len(terms) == 2
    # 100 x 0.25 + 2 x 835.00 + 12.5 x 2.50 = 1726.25 (no tax chosen)
    assert order.total == Decimal("1726.25")
    assert sum((t.amount for t in terms), Decimal(0)) == order.total


async def test_main_flow_order_documents_payment(seeded):
    url, _roles = seeded
    app = forms_app(url)
    results: list[Any] = []

    async def form(screen: Any, *keys: str) -> Any:
        await settle(pilot)
        app.push_screen(screen, results.append)
        await pilot.pause()
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        return results[-1]

    def version(order_id: int) -> int:
        return int(read(url, lambda: Order.get_by_id(order_id).version))

    async with app.run_test(size=(120, 40)) as pilot:
        order_id = await form(
            OrderForm(), *"Acme", "enter", "tab", "tab", "tab", "tab", "tab", *"+30", "ctrl+s"
        )
        assert isinstance(order_id, int)
        assert await form(
            ItemForm(order_id, version(order_id)), *"CBL-1", "enter", "enter", *"40", "ctrl+s"
        )
        assert await form(
            ItemForm(order_id, version(order_id)), *"PMP-1", "enter", "enter", *"1", "ctrl+s"
        )
        # 40 x 2.50 + 835.00 = 935.00, no tax
        assert await form(
            TermForm(order_id, version(order_id)),
            *"advance",
            "enter",
            *"+3",
            "enter",
            *"500",
            "enter",
        )
        assert await form(
            TermForm(order_id, version(order_id)),
            *"rest",
            "enter",
            *"+30",
            "enter",
            *"435",
            "enter",
        )
        doc = DocumentForm(order_id, version(order_id))
        await settle(pilot)
        app.push_screen(doc, results.append)
        await settle(pilot)
        doc.field("number").focus()
        await pilot.press(*"MF-PF-1", "tab", *"500", "tab", "tab", *"+3")
        doc.query_one("#f-term").value = doc.query_one("#f-term")._options[1][1]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert results[-1] is True
        inv = DocumentForm(order_id, version(order_id))
        app.push_screen(inv, results.append)
        await settle(pilot)
        inv.query_one("#f-doc_type").value = "invoice"
        inv.query_one("#f-duplicate_of").value = inv.query_one("#f-duplicate_of")._options[1][1]
        inv.field("number").focus()
        await pilot.press(*"MF-INV-1", "tab", *"500", "ctrl+s")
        await settle(pilot)
        assert results[-1] is True
        pay = PaymentForm(order_id, version(order_id))
        app.push_screen(pay, results.append)
        await settle(pilot)
        await pilot.press(*"600")
        await settle(pilot)
        assert str(pay.query_one("#left").content) == "Left unallocated: 100.00 EUR"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert results[-1] is True

    def check() -> tuple[Any, ...]:
        order = orders.get_order(order_id)
        docs = {
            d.number: (d.paid, d.status)
            for d in FinancialDocument.select().where(FinancialDocument.order == order_id)
        }
        terms = {
            t.name: (t.paid, t.status)
            for t in PaymentTerm.select().where(PaymentTerm.order == order_id)
        }
        return order, docs, terms

    order, docs, terms = read(url, check)
    assert (order.total, order.paid, order.unallocated) == (
        Decimal("935.00"),
        Decimal("600.00"),
        Decimal("100.00"),
    )
    assert (order.status, order.financial_status) == ("new", "partially_paid")
    assert docs == {
        "MF-PF-1": (Decimal("500.00"), "paid"),
        "MF-INV-1": (Decimal("500.00"), "paid"),
    }
    assert terms == {
        "advance": (Decimal("500.00"), "paid"),
        "rest": (Decimal("0.00"), "unpaid"),
    }
