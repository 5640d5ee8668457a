"""The whole path, all through the keyboard: an offer, confirmed into an order, the order
started, everything shipped, an invoice, a payment allocated to it in full: closed.

Status on the way (docs/rules.md): new → in progress (started) → ready (every item fully
delivered) → closed (ready and paid).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from textual.widgets import DataTable, Static

from tui_orders.app import OrdersApp
from tui_orders.data import orders
from tui_orders.data.models import (
    Allocation,
    Delivery,
    FinancialDocument,
    Offer,
    Order,
    OrderItem,
)
from tui_orders.screens.forms.delivery import DeliveryForm
from tui_orders.screens.forms.document import DocumentForm
from tui_orders.screens.forms.payment import PaymentForm
from tui_orders.screens.order import ConfirmModal, OrderScreen

from .conftest import settle
from .test_offers import create_offer_by_keyboard, open_offers, press, type_text

Seeded = tuple[str, dict[str, str]]
MakeApp = Callable[..., OrdersApp]


def status(order_id: int) -> tuple[str, str]:
    order = orders.get_order(order_id)
    return str(order.status), str(order.financial_status)


async def test_offer_to_closed_order_by_keyboard(seeded_sqlite: Seeded, make_app: MakeApp) -> None:
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        offers_screen = await open_offers(pilot)

        # the offer: Acme GmbH (EUR), 40 m of cable and a pump at a price of our own
        offer = await create_offer_by_keyboard(
            pilot, "acme", "+14", "", [("CBL-1", "40", ""), ("PMP-1", "1", "800")]
        )
        total = Decimal("900.00")  # 40 x 2.50 + 800.00, no tax

        # confirm it, and open the order it became
        await press(pilot, "c")
        assert isinstance(app.screen, ConfirmModal)
        await press(pilot, "y")
        assert isinstance(app.screen, ConfirmModal)  # "open the order now?"
        await press(pilot, "y")
        screen = app.screen
        assert isinstance(screen, OrderScreen)
        order_id = screen.order_id
        assert Offer.get_by_id(offer.id).order_id == order_id
        assert status(order_id) == ("new", "unpaid")
        assert orders.get_order(order_id).total == total

        # start it
        await press(pilot, "s")
        assert status(order_id) == ("in_progress", "unpaid")

        # the Related tab, d: the delivery form proposes everything still to deliver
        await press(pilot, "5")
        await press(pilot, "d")
        form = app.screen
        assert isinstance(form, DeliveryForm)
        assert [form.qty_input(line.item_id).value for line in form.lines] == ["40", "1"]
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        assert Delivery.select().where(Delivery.order == order_id).count() == 1
        assert [
            i.delivered
            for i in OrderItem.select()
            .where(OrderItem.order == order_id)
            .order_by(OrderItem.position)
        ] == [Decimal("40"), Decimal("1")]
        assert status(order_id) == ("ready", "unpaid")

        # the Documents tab, n: an invoice for the whole amount
        await press(pilot, "3")
        await press(pilot, "n")
        doc = app.screen
        assert isinstance(doc, DocumentForm)
        assert doc.focused is doc.query_one("#f-doc_type")
        await press(pilot, "enter", "down", "enter")  # proforma -> invoice
        assert doc.choice("doc_type") == "invoice"
        await press(pilot, "tab")
        await type_text(pilot, "INV-900")
        await press(pilot, "tab")
        await type_text(pilot, "900.00")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        invoice = FinancialDocument.get(
            FinancialDocument.order == order_id, FinancialDocument.number == "INV-900"
        )
        assert (invoice.doc_type, invoice.amount) == ("invoice", total)

        # the Payments tab, n: the whole amount, proposed against the invoice in full
        await press(pilot, "4")
        await press(pilot, "n")
        pay = app.screen
        assert isinstance(pay, PaymentForm)
        assert pay.focused is pay.field("amount")
        await type_text(pilot, "900")
        assert pay.allocation_input(invoice.id).value == "900.00"
        assert str(pay.query_one("#left", Static).content) == "Left unallocated: 0.00 EUR"
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        allocations = list(Allocation.select().where(Allocation.document == invoice.id))
        assert [a.amount for a in allocations] == [total]

        # closed: in the database and on the screen
        assert status(order_id) == ("closed", "paid")
        order = Order.get_by_id(order_id)
        assert (order.paid, order.unallocated) == (total, Decimal("0.00"))
        summary = str(screen.query_one("#order-summary", Static).content) + str(
            screen.query_one("#order-header", Static).content
        )
        assert "closed" in summary
        history = screen.query_one("#related-table", DataTable)
        assert history.row_count >= 2  # the delivery and the offer

        # back in the list, the offer names the order it became
        await press(pilot, "escape")
        assert app.screen is offers_screen
        table = offers_screen.query_one("#offers-table", DataTable)
        row = next(
            table.get_row_at(i)
            for i in range(table.row_count)
            if str(table.get_row_at(i)[0]) == offer.number
        )
        assert (str(row[6]), str(row[7])) == ("confirmed", order.number)
