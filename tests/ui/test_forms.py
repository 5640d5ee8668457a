"""The forms: bad input is refused beside the field, Escape saves nothing, defaults and helpers.

Forms are pushed directly on an app without its home screen (``forms_support.FormsApp``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual.widgets import DataTable, Select

from tui_orders.data import orders
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import FinancialDocument, Order, OrderItem, Payment, PaymentTerm
from tui_orders.screens.forms.document import DocumentForm
from tui_orders.screens.forms.item import ItemForm
from tui_orders.screens.forms.payment import PaymentForm
from tui_orders.screens.forms.price_history import PriceHistoryScreen
from tui_orders.screens.forms.term import TermForm
from tui_orders.screens.order_form import OrderForm

from .conftest import settle
from .forms_support import forms_app


def read(url: str, work: Any) -> Any:
    open_database(url)
    try:
        return work()
    finally:
        close_database()


def order_of(url: str, number: str) -> tuple[int, int]:
    o = read(url, lambda: orders.get_order(number))
    return o.id, o.version


async def open_form(pilot: Any, form: Any, results: list[Any]) -> Any:
    await settle(pilot)
    pilot.app.push_screen(form, results.append)
    await pilot.pause()
    await settle(pilot)
    return form


async def test_order_form_requires_deadline_and_escape_saves_nothing(seeded_sqlite):
    url, _roles = seeded_sqlite
    before = read(url, lambda: Order.select().count())
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, OrderForm(), results)
        await pilot.press(*"Acme", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert form.message_of("deadline") == "Required"
        assert form.focused is form.field("deadline")
        await pilot.press(*"+14")
        await settle(pilot)
        assert form.message_of("deadline") == ""
        assert str(form.query_one("#h-deadline").content) == "2026-12-11"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not form
    assert results == [None]
    assert read(url, lambda: Order.select().count()) == before


async def test_order_form_creates_with_dates_typed_three_ways(seeded_sqlite):
    url, _roles = seeded_sqlite
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, OrderForm(), results)
        await pilot.press(*"техно", "enter")
        await settle(pilot)
        assert form.field("client").value == "Техномаш ООД"
        assert form.query_one("#f-address", Select).value == "Офис"
        form.field("created").focus()
        await pilot.press("end", "ctrl+u", *"1.11.2026", "tab", *"t")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert results and isinstance(results[0], int)
    order = read(url, lambda: Order.get_by_id(results[0]))
    assert str(order.created) == "2026-11-01"
    assert str(order.deadline) == "2026-11-27"


async def test_order_form_edit_saves_with_version_and_reports_conflict(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, _version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, OrderForm(order_id), results)
        assert form.field("client").disabled
        assert form.field("deadline").value == "2026-12-01"
        # another terminal changes the order meanwhile
        read(url, lambda: orders.update_order(order_id, None, note="other terminal"))
        form.field("note").focus()
        await pilot.press(*"mine", "ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert results == [None]
    assert read(url, lambda: Order.get_by_id(order_id).note) == "other terminal"


async def test_item_form_barcode_default_price_and_bad_quantity(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, ItemForm(order_id, version), results)
        await pilot.press(*"4006381333931")
        await settle(pilot)
        assert form.article is not None and form.article.code == "BLT-1"
        assert form.field("price").value == "0.25"
        await pilot.press("tab", *"-5", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "must not be negative" in form.message_of("qty")
        await pilot.press("end", "ctrl+u", *"10", "ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    assert results == [True]
    item = read(
        url,
        lambda: (
            OrderItem.select()
            .where(OrderItem.order == order_id)
            .order_by(OrderItem.id.desc())
            .first()
        ),
    )
    assert (item.qty, item.price) == (Decimal("10"), Decimal("0.25"))


async def test_item_form_refuses_unknown_article(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, ItemForm(order_id, version), results)
        await pilot.press(*"NOPE-9", "tab", *"1", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert form.message_of("article") == "No article with this code, name or barcode"
        await pilot.press("escape")
        await settle(pilot)
    assert results == [False]
    assert read(url, lambda: Order.get_by_id(order_id).version) == version


async def test_item_form_completion_and_price_history_this_client_first(seeded_sqlite):
    url, _roles = seeded_sqlite

    # the Markup client bought PMP-1 at 835; Техномаш gets it cheaper on a later order
    def setup() -> tuple[int, int]:
        o = orders.create_order("Техномаш ООД", "2026-12-20", created="2026-11-10")
        orders.add_item(o, "PMP-1", "1", "800")
        new = orders.create_order("Техномаш ООД", "2026-12-30", created="2026-11-26")
        return new.id, orders.get_order(new.id).version

    order_id, version = read(url, setup)
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, ItemForm(order_id, version), results)
        await pilot.press(*"pump", "enter")
        await settle(pilot)
        assert form.field("article").value == "PMP-1 · Pump [red]X[/]"
        assert form.field("price").value == "835.00"  # the catalogue price
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, PriceHistoryScreen)
        table = app.screen.query_one(DataTable)
        clients = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        prices = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert clients == ["Техномаш ООД", "Техномаш ООД", "[bold]Markup[/] & Co"]
        assert prices[0] == "800.00"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert form.field("price").value == "800.00"
        await pilot.press("shift+tab", *"2", "ctrl+s")
        await settle(pilot)
    assert results == [True]


async def test_term_form_bad_amount_then_saves(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, TermForm(order_id, version), results)
        await pilot.press(*"advance", "enter", *"+14", "enter", *"abc", "enter")
        await settle(pilot)
        assert app.screen is form
        assert form.message_of("amount") == "amount 'abc' is not a number"
        await pilot.press("end", "ctrl+u", *"60,50", "enter")
        await settle(pilot)
    assert results == [True]
    term = read(url, lambda: PaymentTerm.get(PaymentTerm.order == order_id))
    assert (term.name, str(term.due), term.amount) == ("advance", "2026-12-11", Decimal("60.50"))


async def test_document_form_duplicate_number_shown_beside_number(seeded_sqlite):
    url, roles = seeded_sqlite
    order_id, version = order_of(url, roles["soon"])
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, DocumentForm(order_id, version), results)
        form.field("number").focus()
        await pilot.press(*"PF-1", "tab", *"100", "ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "already exists" in form.message_of("number")
        await pilot.press("escape")
        await settle(pilot)
    assert results == [False]


async def test_payment_form_proposes_oldest_first_and_refuses_over_allocation(seeded_sqlite):
    url, _roles = seeded_sqlite

    def setup() -> tuple[int, int]:
        o = orders.create_order("Acme GmbH", "2026-12-20", created="2026-11-01")
        orders.add_item(o, "CBL-1", "100")
        orders.add_document(o, "invoice", "I-LATE", "150", "2026-11-10", due="2026-12-10")
        orders.add_document(o, "proforma", "P-OLD", "100", "2026-11-02", due="2026-11-05")
        orders.add_document(o, "invoice", "I-OLD", "100", "2026-11-06", duplicate_of="P-OLD")
        o = orders.get_order(o.id)
        return o.id, o.version

    order_id, version = read(url, setup)
    results: list[Any] = []
    app = forms_app(url)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot, PaymentForm(order_id, version), results)
        assert [line.label for line in form.lines] == [
            "proforma P-OLD = invoice I-OLD",
            "invoice I-LATE",
        ]
        await pilot.press(*"120")
        await settle(pilot)
        old, late = form.lines
        assert form.allocation_input(old.root_id).value == "100.00"
        assert form.allocation_input(late.root_id).value == "20.00"
        assert str(form.query_one("#left").content) == "Left unallocated: 0.00 EUR"
        form.allocation_input(late.root_id).focus()
        await pilot.press("end", "ctrl+u", *"50")
        await settle(pilot)
        assert "exceed the payment by 30.00 EUR" in str(form.query_one("#m-alloc").content)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        await pilot.press("end", "ctrl+u", *"5")
        await settle(pilot)
        assert str(form.query_one("#left").content) == "Left unallocated: 15.00 EUR"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert results == [True]
    docs = read(
        url,
        lambda: {
            d.number: (d.paid, d.status)
            for d in FinancialDocument.select().where(FinancialDocument.order == order_id)
        },
    )
    assert docs["P-OLD"] == docs["I-OLD"] == (Decimal("100.00"), "paid")
    assert docs["I-LATE"] == (Decimal("5.00"), "partially_paid")
    payment = read(url, lambda: Payment.get(Payment.order == order_id))
    assert payment.unallocated == Decimal("15.00")
