"""The money and status rules of an order, each on a case computed by hand.

Every expected number is a literal worked out in the comment beside it; nothing is computed
by the code under test. Each test runs on SQLite and on PostgreSQL (the ``db`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from peewee import Database

from tui_orders.data import compute, masterdata, orders, recompute
from tui_orders.data.errors import ConflictError, NotFound, ValidationError
from tui_orders.data.masterdata import AddressInput
from tui_orders.data.models import (
    ALL_MODELS,
    Allocation,
    FinancialDocument,
    Order,
    OrderItem,
    Payment,
    PaymentTerm,
)
from tui_orders.data.orders import AllocationInput as Alloc
from tui_orders.data.orders import DeliveryLineInput as Line
from tui_orders.data.recompute import Difference

D = Decimal


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def md(db: Database) -> SimpleNamespace:
    """Master data: two clients, three articles, three taxes."""
    return SimpleNamespace(
        acme=masterdata.create_client(
            "Acme Ltd",
            "EUR",
            addresses=[AddressInput("HQ", "Sofia, 1 Main St"), AddressInput("Plant", "Plovdiv")],
        ),
        beta=masterdata.create_client("Beta", "BGN", addresses=[AddressInput("Office")]),
        a=masterdata.create_article("A", "Widget", "10.00"),
        b=masterdata.create_article("B", "Bolt", "0.125"),
        c=masterdata.create_article("C", "Cable", "2.50"),
        vat20=masterdata.create_tax("VAT 20%", "20"),
        vat10=masterdata.create_tax("VAT 10%", "10"),
        reduced=masterdata.create_tax("Reduced 9.5%", "9.5"),
    )


def new_order(created: str = "2026-03-01", deadline: str = "2026-06-30", **kw: Any) -> Order:
    kw.setdefault("client", "Acme Ltd")
    return orders.create_order(deadline=deadline, created=created, **kw)


def order_120() -> Order:
    """A 10 x 10.00 = 100.00, VAT 20% = 20.00 -> total 120.00."""
    order = new_order(tax="VAT 20%")
    orders.add_item(order, "A", "10")
    return fresh(order)


def fresh(order: Order) -> Order:
    return Order.get_by_id(order.id)


def doc(number: str) -> FinancialDocument:
    return FinancialDocument.get(FinancialDocument.number == number)


def term(order: Order, name: str) -> PaymentTerm:
    return PaymentTerm.get(PaymentTerm.order == order.id, PaymentTerm.name == name)


def items(order: Order) -> list[OrderItem]:
    return list(OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.position))


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to show that a refused action wrote nothing."""
    return {
        model.__name__: sorted(repr(row) for row in model.select().tuples()) for model in ALL_MODELS
    }


def coverage_of(order: Order) -> dict[str, tuple[Decimal, Decimal]]:
    """what -> (amount, difference from the total)."""
    facts = recompute.load_facts([order.id])[order.id]
    state = compute.compute_order(facts)
    return {c.what: (c.amount, c.difference) for c in compute.coverage(facts, state)}


def changes_of_last_entry(order: Order) -> dict[str, Any]:
    return json.loads(orders.history(order)[-1].changes)


# --------------------------------------------------------------------------- numbers


def test_numbers_per_year_of_creation_date(md: SimpleNamespace) -> None:
    # two years interleaved: each year has its own sequence starting at 1
    created = ["2025-12-30", "2026-01-02", "2025-12-31", "2026-01-05", "2026-02-01"]
    numbers = [new_order(created=c, deadline="2026-12-31").number for c in created]
    assert numbers == ["2025-00001", "2026-00001", "2025-00002", "2026-00002", "2026-00003"]


def test_imported_number_moves_the_sequence_past_it(md: SimpleNamespace) -> None:
    assert new_order().number == "2026-00001"
    assert new_order(number="2026-00050").number == "2026-00050"
    assert new_order().number == "2026-00051"
    # a lower imported number never moves the sequence back
    assert new_order(number="2026-00010").number == "2026-00010"
    assert new_order().number == "2026-00052"
    # another year is not affected by 2026's imports
    assert new_order(created="2025-05-05").number == "2025-00001"
    # a number in another form is kept and moves nothing
    assert new_order(number="LEGACY-7").number == "LEGACY-7"
    assert new_order().number == "2026-00053"


def test_imported_number_of_a_year_not_yet_used(md: SimpleNamespace) -> None:
    # imported 2027-00007 (created in 2026): the first 2027 order made here is 2027-00008
    new_order(number="2027-00007")
    assert new_order(created="2027-01-04", deadline="2027-02-01").number == "2027-00008"


def test_used_number_is_refused(md: SimpleNamespace) -> None:
    new_order(number="2026-00050")
    first = new_order()
    before = snapshot()
    for used in ("2026-00050", first.number, " 2026-00050 "):
        with pytest.raises(ValidationError, match="already used"):
            new_order(number=used)
    assert snapshot() == before


def test_delivery_numbers_per_kind_and_year(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "A", "10")
    sale = orders.add_delivery(order, "sale", "2026-03-02", [Line("A", "1")])
    ship = orders.add_delivery(order, "shipment", "2026-03-03", [Line("A", "1")])
    sale2 = orders.add_delivery(order, "sale", "2026-03-04", [Line("A", "1")])
    assert [sale.number, ship.number, sale2.number] == [
        "S-2026-00001",
        "SH-2026-00001",
        "S-2026-00002",
    ]
    with pytest.raises(ValidationError, match="already exists"):
        orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "1")], number="S-2026-00001")


# --------------------------------------------------------------------------- totals


def test_totals_with_tax(md: SimpleNamespace) -> None:
    order = new_order(tax="VAT 20%")
    orders.add_item(order, "A", "3")  # catalogue price 10.00: 3 x 10.00 = 30.00
    orders.add_item(order, "B", "7")  # catalogue price 0.125: 7 x 0.125 = 0.875 -> 0.88
    order = fresh(order)
    assert [i.amount for i in items(order)] == [D("30.00"), D("0.88")]
    assert [i.price for i in items(order)] == [D("10.00"), D("0.125")]
    assert order.subtotal == D("30.88")  # 30.00 + 0.88
    assert order.tax_amount == D("6.18")  # 30.88 x 20% = 6.176 -> 6.18
    assert order.total == D("37.06")  # 30.88 + 6.18


def test_each_line_rounded_before_summing(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "B", "7")  # 0.875 -> 0.88
    orders.add_item(order, "B", "7")  # 0.875 -> 0.88
    orders.add_item(order, "C", "0.333")  # 0.333 x 2.50 = 0.8325 -> 0.83
    order = fresh(order)
    # 0.88 + 0.88 + 0.83 = 2.59 (the unrounded sum 2.5825 would give 2.58)
    assert order.subtotal == D("2.59")
    assert order.tax_amount == D("0.00")  # no tax on the order
    assert order.total == D("2.59")


def test_line_half_up_at_half_a_cent(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "C", "1", price="0.005")  # 0.005 -> 0.01 (banker's: 0.00)
    orders.add_item(order, "C", "1", price="0.0249")  # 0.0249 -> 0.02
    assert [i.amount for i in items(order)] == [D("0.01"), D("0.02")]
    assert fresh(order).total == D("0.03")


def test_tax_rounded_half_up(md: SimpleNamespace) -> None:
    order = new_order(tax="VAT 10%")
    orders.add_item(order, "C", "4.9")  # 4.9 x 2.50 = 12.25
    order = fresh(order)
    assert order.subtotal == D("12.25")
    assert order.tax_amount == D("1.23")  # 12.25 x 10% = 1.225 -> 1.23 (banker's: 1.22)
    assert order.total == D("13.48")


def test_tax_change_recomputes_totals(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "A", "3")  # 30.00
    orders.add_item(order, "B", "7")  # 0.88
    order = fresh(order)
    assert (order.subtotal, order.tax_amount, order.total) == (D("30.88"), D(0), D("30.88"))
    order = orders.update_order(order, order.version, tax="VAT 20%")
    # 30.88 x 20% = 6.176 -> 6.18; 30.88 + 6.18 = 37.06
    assert (order.tax_amount, order.total) == (D("6.18"), D("37.06"))
    order = orders.update_order(order, order.version, tax="Reduced 9.5%")
    # 30.88 x 9.5% = 2.9336 -> 2.93; 30.88 + 2.93 = 33.81
    assert (order.tax_amount, order.total) == (D("2.93"), D("33.81"))
    order = orders.update_order(order, order.version, tax=None)
    assert (order.subtotal, order.tax_amount, order.total) == (D("30.88"), D(0), D("30.88"))
    assert order.tax_id is None


def test_item_edits_recompute_totals(md: SimpleNamespace) -> None:
    order = new_order(tax="VAT 20%")
    item = orders.add_item(order, "A", "2", price="9,99")  # 2 x 9.99 = 19.98
    assert item.price == D("9.99")
    assert item.amount == D("19.98")
    order = fresh(order)
    assert (order.subtotal, order.tax_amount, order.total) == (D("19.98"), D("4.00"), D("23.98"))
    # 19.98 x 20% = 3.996 -> 4.00
    item = orders.update_item(item.id, qty="3", price="10.005")
    assert item.amount == D("30.02")  # 3 x 10.005 = 30.015 -> 30.02
    order = fresh(order)
    # 30.02 x 20% = 6.004 -> 6.00; 30.02 + 6.00 = 36.02
    assert (order.subtotal, order.tax_amount, order.total) == (D("30.02"), D("6.00"), D("36.02"))
    orders.remove_item(item.id)
    order = fresh(order)
    assert (order.subtotal, order.tax_amount, order.total) == (D(0), D(0), D(0))


def test_empty_order(md: SimpleNamespace) -> None:
    order = new_order(tax="VAT 20%")
    assert order.number == "2026-00001"
    assert (order.subtotal, order.total, order.paid) == (D(0), D(0), D(0))
    assert order.status == "new"
    assert order.financial_status == "unpaid"
    assert order.currency == "EUR"  # inherited from the client
    assert order.address.label == "HQ"  # the client's default address


# --------------------------------------------------------------------------- documents and payments


def test_proforma_and_invoice_pair_paid_in_two_payments(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_term(order, "advance", "2026-03-15", "60.00")
    orders.add_term(order, "rest", "2026-05-15", "60.00")
    orders.add_document(order, "proforma", "PF-1", "60.00", "2026-03-02", term="advance")
    # the invoice replaces the proforma: it is a duplicate, it inherits the proforma's term
    inv = orders.add_document(order, "invoice", "INV-1", "60.00", "2026-03-20", duplicate_of="PF-1")
    assert inv.duplicate_of_id == doc("PF-1").id
    assert inv.term_id == term(order, "advance").id

    orders.record_payment(order, "2026-03-10", "20.00", allocations=[Alloc("PF-1", "20.00")])
    # one payment against the proforma: the pair has 20.00 of 60.00
    for number in ("PF-1", "INV-1"):
        assert (doc(number).paid, doc(number).status) == (D("20.00"), "partially_paid")

    orders.record_payment(order, "2026-03-25", "40.00", allocations=[Alloc("INV-1", "40.00")])
    # 20.00 + 40.00 = 60.00 paid on the pair, shared by both documents
    for number in ("PF-1", "INV-1"):
        assert (doc(number).paid, doc(number).status) == (D("60.00"), "paid")
    # the term counts the pair once: 60.00, not 120.00
    assert (term(order, "advance").paid, term(order, "advance").status) == (D("60.00"), "paid")
    assert (term(order, "rest").paid, term(order, "rest").status) == (D("0.00"), "unpaid")
    order = fresh(order)
    assert (order.paid, order.unallocated) == (D("60.00"), D("0.00"))
    assert order.financial_status == "partially_paid"  # 60.00 of 120.00
    cov = coverage_of(order)
    assert cov["terms"] == (D("120.00"), D("0.00"))  # 60 + 60 = 120
    assert cov["documents"] == (D("60.00"), D("-60.00"))  # the pair counts once
    assert cov["payments"] == (D("60.00"), D("-60.00"))


def test_duplicate_of_a_duplicate_is_tied_to_the_original(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "proforma", "PF-1", "120.00", "2026-03-02")
    orders.add_document(order, "invoice", "INV-1", "120.00", "2026-03-05", duplicate_of="PF-1")
    fi = orders.add_document(
        order, "foreign_invoice", "FI-1", "120.00", "2026-03-06", duplicate_of="INV-1"
    )
    assert fi.duplicate_of_id == doc("PF-1").id
    orders.record_payment(order, "2026-03-10", "120.00", allocations=[Alloc("FI-1", "120.00")])
    assert [doc(n).paid for n in ("PF-1", "INV-1", "FI-1")] == [D("120.00")] * 3
    assert coverage_of(fresh(order))["documents"] == (D("120.00"), D("0.00"))  # counted once


def test_duplicate_belongs_to_the_term_of_its_original(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_term(order, "advance", "2026-03-15", "60.00")
    orders.add_term(order, "rest", "2026-05-15", "60.00")
    orders.add_document(order, "proforma", "PF-1", "60.00", "2026-03-02", term="advance")
    before = snapshot()
    with pytest.raises(ValidationError, match="payment term of PF-1"):
        orders.add_document(
            order, "invoice", "INV-1", "60.00", "2026-03-20", term="rest", duplicate_of="PF-1"
        )
    assert snapshot() == before


def test_unallocated_payment_allocated_later(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "invoice", "INV-2", "120.00", "2026-03-02")
    payment = orders.record_payment(order, "2026-03-10", "50.00")  # without basis
    order = fresh(order)
    assert (order.paid, order.unallocated, order.financial_status) == (
        D("50.00"),
        D("50.00"),
        "partially_paid",
    )
    assert payment.unallocated == D("50.00")
    assert (doc("INV-2").paid, doc("INV-2").status) == (D("0.00"), "unpaid")

    payment = orders.allocate(payment.id, "INV-2", "30,00")
    order = fresh(order)
    assert payment.unallocated == D("20.00")  # 50.00 - 30.00
    assert order.unallocated == D("20.00")
    assert order.paid == D("50.00")  # unchanged: the money was already received
    assert (doc("INV-2").paid, doc("INV-2").status) == (D("30.00"), "partially_paid")

    # allocate sets the amount for the document (it does not add to it)
    payment = orders.allocate(payment.id, doc("INV-2").id, "50")
    assert payment.unallocated == D("0.00")
    assert doc("INV-2").paid == D("50.00")
    assert fresh(order).unallocated == D("0.00")

    # zero removes the allocation: the money is unallocated again
    payment = orders.allocate(payment.id, "INV-2", "0")
    assert Allocation.select().count() == 0
    assert payment.unallocated == D("50.00")
    assert (doc("INV-2").paid, doc("INV-2").status) == (D("0.00"), "unpaid")
    assert fresh(order).paid == D("50.00")


def test_allocations_above_the_payment_refused(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "proforma", "PF-1", "60.00", "2026-03-02")
    orders.add_document(order, "invoice", "INV-2", "60.00", "2026-03-02")
    before = snapshot()
    # 60.00 + 40.01 = 100.01 > 100.00
    with pytest.raises(ValidationError, match=r"exceed the payment \(100.00\) by 0.01"):
        orders.record_payment(
            order,
            "2026-03-10",
            "100.00",
            allocations=[Alloc("PF-1", "60.00"), Alloc("INV-2", "40.01")],
        )
    assert snapshot() == before  # no payment, no allocation, no version bump, no audit entry

    payment = orders.record_payment(
        order, "2026-03-10", "100.00", allocations=[Alloc("PF-1", "60.00"), Alloc("INV-2", "40")]
    )
    assert payment.unallocated == D("0.00")
    before = snapshot()
    # 60.00 already to PF-1, so 40.00 is the most INV-2 can have
    with pytest.raises(ValidationError, match=r"only 40\.00 of this payment is left"):
        orders.allocate(payment.id, "INV-2", "40.01")
    # 40.00 to INV-2, so 60.00 is the most PF-1 can have
    with pytest.raises(ValidationError, match=r"0\.01 too much"):
        orders.allocate(payment.id, "PF-1", "60.01")
    assert snapshot() == before

    # another payment's unallocated money cannot be borrowed
    second = orders.record_payment(order, "2026-03-11", "20.00")
    with pytest.raises(ValidationError):
        orders.allocate(payment.id, "INV-2", "50.00")
    payment = orders.allocate(payment.id, "PF-1", "50")  # lowering is fine: 10.00 left
    assert payment.unallocated == D("10.00")
    assert Payment.get_by_id(second.id).unallocated == D("20.00")
    order = fresh(order)
    assert order.paid == D("120.00")  # 100.00 + 20.00
    assert order.unallocated == D("30.00")  # 10.00 + 20.00


def test_allocation_to_a_document_twice_in_one_payment_refused(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "invoice", "INV-2", "120.00", "2026-03-02")
    before = snapshot()
    with pytest.raises(ValidationError, match="allocated twice"):
        orders.record_payment(
            order, "2026-03-10", "50", allocations=[Alloc("INV-2", "10"), Alloc("INV-2", "10")]
        )
    assert snapshot() == before


def test_removing_a_document_returns_its_money_to_unallocated(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "proforma", "PF-1", "120.00", "2026-03-02")
    orders.add_document(order, "invoice", "INV-1", "120.00", "2026-03-05", duplicate_of="PF-1")
    payment = orders.record_payment(
        order, "2026-03-10", "50.00", allocations=[Alloc("INV-1", "50.00")]
    )
    assert payment.unallocated == D("0.00")
    before = snapshot()
    with pytest.raises(ValidationError, match="has duplicate"):
        orders.remove_document(doc("PF-1").id)  # its invoice still stands for it
    assert snapshot() == before
    orders.remove_document(doc("INV-1").id)
    assert Payment.get_by_id(payment.id).unallocated == D("50.00")
    assert (doc("PF-1").paid, doc("PF-1").status) == (D("0.00"), "unpaid")
    order = fresh(order)
    assert (order.paid, order.unallocated) == (D("50.00"), D("50.00"))


def test_removing_a_term_keeps_its_documents(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_term(order, "advance", "2026-03-15", "36.00")
    orders.add_document(order, "proforma", "PF-1", "36.00", "2026-03-02", term="advance")
    orders.record_payment(order, "2026-03-10", "36.00", allocations=[Alloc("PF-1", "36")])
    orders.remove_term(term(order, "advance").id)
    assert doc("PF-1").term_id is None
    assert (doc("PF-1").paid, doc("PF-1").status) == (D("36.00"), "paid")
    assert coverage_of(fresh(order))["terms"] == (D("0"), D("-120.00"))


def test_ambiguous_document_number_is_refused(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "proforma", "1001", "30.00", "2026-03-02")
    orders.add_document(order, "invoice", "1001", "90.00", "2026-03-03")
    before = snapshot()
    # "1001" names two documents: the money must not silently land on one of them
    with pytest.raises(ValidationError):
        orders.record_payment(order, "2026-03-10", "90.00", allocations=[Alloc("1001", "90")])
    assert snapshot() == before


def test_overpaid_order(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "invoice", "INV-2", "120.00", "2026-03-02")
    orders.record_payment(order, "2026-03-10", "150.00", allocations=[Alloc("INV-2", "130.00")])
    order = fresh(order)
    assert order.financial_status == "paid"
    assert order.paid == D("150.00")  # the whole amount received is shown
    assert order.paid - order.total == D("30.00")  # the overpayment: 150.00 - 120.00
    assert order.unallocated == D("20.00")  # 150.00 - 130.00
    assert (doc("INV-2").paid, doc("INV-2").status) == (D("130.00"), "paid")
    assert coverage_of(order)["payments"] == (D("150.00"), D("30.00"))


def test_financial_status_steps(md: SimpleNamespace) -> None:
    order = order_120()
    assert order.financial_status == "unpaid"
    orders.record_payment(order, "2026-03-10", "0.01")
    assert (fresh(order).paid, fresh(order).financial_status) == (D("0.01"), "partially_paid")
    orders.record_payment(order, "2026-03-11", "119.98")
    # 0.01 + 119.98 = 119.99 < 120.00
    assert (fresh(order).paid, fresh(order).financial_status) == (D("119.99"), "partially_paid")
    last = orders.record_payment(order, "2026-03-12", "0.01")
    assert (fresh(order).paid, fresh(order).financial_status) == (D("120.00"), "paid")
    orders.remove_payment(last.id)
    assert (fresh(order).paid, fresh(order).financial_status) == (D("119.99"), "partially_paid")


def test_term_status(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_term(order, "advance 30%", "2026-03-15", "36.00")  # 30% of 120.00
    orders.add_term(order, "rest", "2026-05-15", "84.00")
    orders.add_document(order, "proforma", "PF-1", "36.00", "2026-03-02", term="advance 30%")
    orders.add_document(order, "invoice", "INV-2", "84.00", "2026-04-02", term="rest")
    assert [term(order, n).status for n in ("advance 30%", "rest")] == ["unpaid", "unpaid"]

    orders.record_payment(order, "2026-03-10", "36.00", allocations=[Alloc("PF-1", "36.00")])
    assert (term(order, "advance 30%").paid, term(order, "advance 30%").status) == (
        D("36.00"),
        "paid",
    )
    assert (term(order, "rest").paid, term(order, "rest").status) == (D("0.00"), "unpaid")

    orders.record_payment(order, "2026-04-10", "50.00", allocations=[Alloc("INV-2", "50.00")])
    assert (term(order, "rest").paid, term(order, "rest").status) == (D("50.00"), "partially_paid")

    # money without basis counts for the order, for no term
    orders.record_payment(order, "2026-04-11", "34.00")
    assert (term(order, "rest").paid, term(order, "rest").status) == (D("50.00"), "partially_paid")
    assert fresh(order).financial_status == "paid"  # 36 + 50 + 34 = 120.00

    orders.update_term(term(order, "rest").id, amount="50.00")
    assert term(order, "rest").status == "paid"  # 50.00 of 50.00


def test_coverage(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_term(order, "advance", "2026-03-15", "36.00")
    orders.add_term(order, "rest", "2026-05-15", "84.00")
    orders.add_document(order, "proforma", "PF-1", "36.00", "2026-03-02", term="advance")
    orders.add_document(order, "invoice", "INV-2", "84.00", "2026-04-02", term="rest")
    orders.add_document(order, "invoice", "INV-1", "36.00", "2026-03-20", duplicate_of="PF-1")
    orders.record_payment(order, "2026-03-10", "36.00")
    orders.record_payment(order, "2026-03-11", "50.00")
    cov = coverage_of(fresh(order))
    assert cov["terms"] == (D("120.00"), D("0.00"))  # 36 + 84
    assert cov["documents"] == (D("120.00"), D("0.00"))  # 36 + 84; INV-1 is PF-1's duplicate
    assert cov["payments"] == (D("86.00"), D("-34.00"))  # 36 + 50 = 86, short by 34

    orders.add_term(order, "extra", "2026-06-15", "10.00")
    orders.add_document(order, "foreign_invoice", "FI-3", "5.00", "2026-04-02")
    cov = coverage_of(fresh(order))
    assert cov["terms"] == (D("130.00"), D("10.00"))  # 120 + 10: 10.00 more than the total
    assert cov["documents"] == (D("125.00"), D("5.00"))  # 120 + 5


# --------------------------------------------------------------------------- deliveries and status


def test_partly_then_fully_delivered_then_paid(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "A", "10")  # 10 x 10.00 = 100.00
    orders.add_item(order, "B", "4")  # 4 x 0.125 = 0.50
    assert fresh(order).total == D("100.50")

    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "4")])
    order = fresh(order)
    assert order.status == "in_progress"
    assert [i.delivered for i in items(order)] == [D("4"), D("0")]
    assert order.delivered_pct == D("28.57")  # 4 of 14 = 28.571...%

    orders.add_delivery(order, "shipment", "2026-03-20", [Line("A", "6"), Line("B", "4")])
    order = fresh(order)
    assert order.status == "ready"
    assert [i.delivered for i in items(order)] == [D("10"), D("4")]
    assert order.delivered_pct == D("100.00")

    orders.record_payment(order, "2026-03-25", "100.00")
    assert fresh(order).status == "ready"  # 100.00 of 100.50 is not paid
    orders.record_payment(order, "2026-03-26", "0.50")
    order = fresh(order)
    assert (order.status, order.financial_status) == ("closed", "paid")


def test_paid_before_delivered_is_not_closed(md: SimpleNamespace) -> None:
    order = order_120()
    orders.record_payment(order, "2026-03-10", "120.00")
    assert (fresh(order).status, fresh(order).financial_status) == ("new", "paid")
    orders.add_delivery(order, "sale", "2026-03-11", [Line("A", "10")])
    assert fresh(order).status == "closed"


def test_article_on_two_lines_filled_in_order(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "A", "5")  # position 1
    orders.add_item(order, "B", "2")  # position 2
    orders.add_item(order, "A", "3")  # position 3
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "6")])
    # 6 of A: 5 fill the first A line, 1 goes to the second
    assert [i.delivered for i in items(order)] == [D("5"), D("0"), D("1")]
    assert fresh(order).delivered_pct == D("60.00")  # (5 + 0 + 1) of 10
    orders.add_delivery(order, "sale", "2026-03-06", [Line("A", "2")])
    assert [i.delivered for i in items(order)] == [D("5"), D("0"), D("3")]
    assert fresh(order).status == "in_progress"  # B still missing
    orders.add_delivery(order, "shipment", "2026-03-07", [Line("B", "2")])
    assert fresh(order).status == "ready"


def test_over_delivery_needs_confirmation_and_is_audited(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "A", "5")
    orders.add_item(order, "B", "2")
    orders.add_item(order, "A", "3")
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "8")])
    before = snapshot()
    # 8 of 8 A already delivered: one more is 1 too many
    with pytest.raises(ValidationError, match=r"more than was ordered \(A by 1\)"):
        orders.add_delivery(order, "sale", "2026-03-06", [Line("A", "1")])
    # within one delivery too: 2.5 of B ordered 2
    with pytest.raises(ValidationError, match=r"B by 0\.5"):
        orders.add_delivery(order, "sale", "2026-03-06", [Line("B", "1"), Line("B", "1.5")])
    assert snapshot() == before

    orders.add_delivery(order, "sale", "2026-03-06", [Line("A", "1")], allow_over=True)
    # the excess stays on the last A line: 3 + 1 = 4
    assert [i.delivered for i in items(order)] == [D("5"), D("0"), D("4")]
    assert fresh(order).delivered_pct == D("80.00")  # capped: (5 + 0 + 3) of 10
    entry = orders.history(order)[-1]
    assert entry.action == "deliver"
    assert json.loads(entry.changes)["over_delivery"] == {"A": "1"}


def test_cancelling_a_delivery_returns_quantities(md: SimpleNamespace) -> None:
    order = new_order()
    orders.add_item(order, "A", "10")
    first = orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "4")])
    second = orders.add_delivery(order, "shipment", "2026-03-06", [Line("A", "6")])
    assert fresh(order).status == "ready"
    orders.cancel_delivery(second.id)
    assert [i.delivered for i in items(order)] == [D("4")]
    assert (fresh(order).status, fresh(order).delivered_pct) == ("in_progress", D("40.00"))
    orders.cancel_delivery(first.id)
    assert [i.delivered for i in items(order)] == [D("0")]
    assert (fresh(order).status, fresh(order).delivered_pct) == ("new", D("0.00"))
    with pytest.raises(ValidationError, match="already cancelled"):
        orders.cancel_delivery(first.id)
    # the cancelled quantities may be delivered again without confirmation
    orders.add_delivery(order, "sale", "2026-03-07", [Line("A", "10")])
    assert fresh(order).status == "ready"


def test_cancelled_order(md: SimpleNamespace) -> None:
    order = order_120()
    orders.start_order(order)
    orders.link_order(order, "production", "PR-1")
    orders.record_payment(order, "2026-03-10", "50.00")
    order = orders.cancel_order(order, "client withdrew")
    assert order.status == "cancelled"  # whatever it holds
    assert order.cancel_reason == "client withdrew"
    assert (order.financial_status, order.paid) == ("partially_paid", D("50.00"))
    assert recompute.check() == []

    before = snapshot()
    with pytest.raises(ValidationError, match="already cancelled"):
        orders.cancel_order(order, "again")
    with pytest.raises(ValidationError, match="cancelled"):
        orders.start_order(order)
    with pytest.raises(ValidationError, match="cancelled"):
        orders.add_delivery(order, "sale", "2026-03-11", [Line("A", "1")])
    assert snapshot() == before

    # reopening restores what the facts say: started, with a production order -> in progress
    order = orders.reopen_order(order)
    assert (order.status, order.cancelled, order.cancel_reason) == ("in_progress", False, "")
    with pytest.raises(ValidationError, match="not cancelled"):
        orders.reopen_order(order)


def test_reopen_gives_back_new_or_ready(md: SimpleNamespace) -> None:
    order = order_120()
    orders.record_payment(order, "2026-03-10", "120.00")
    assert orders.cancel_order(order, "duplicate entry").status == "cancelled"
    order = orders.reopen_order(order)
    assert (order.status, order.financial_status) == ("new", "paid")


def test_cancel_refused_while_a_delivery_stands(md: SimpleNamespace) -> None:
    order = order_120()
    delivery = orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "3")])
    before = snapshot()
    with pytest.raises(ValidationError, match="1 delivery"):
        orders.cancel_order(order, "no longer needed")
    assert snapshot() == before
    assert fresh(order).status == "in_progress"
    orders.cancel_delivery(delivery.id)
    assert orders.cancel_order(order, "no longer needed").status == "cancelled"


def test_started_flag_means_in_progress(md: SimpleNamespace) -> None:
    order = order_120()
    assert order.status == "new"
    order = orders.start_order(order)
    assert (order.started, order.status) == (True, "in_progress")
    assert new_order(started=True).status == "in_progress"
    # ready wins over started
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "10")])
    assert fresh(order).status == "ready"


def test_linked_orders_mean_in_progress(md: SimpleNamespace) -> None:
    order = order_120()
    link = orders.link_order(order, "production", "PR-1", deadline="2026-05-01")
    assert fresh(order).status == "in_progress"
    assert link.deadline.isoformat() == "2026-05-01"
    orders.update_link(link.id, status="cancelled")
    assert fresh(order).status == "new"  # a cancelled link does not count
    orders.link_order(order, "purchase", "PO-7", status="cancelled")
    assert fresh(order).status == "new"
    purchase = orders.link_order(order, "purchase", "PO-8")
    assert fresh(order).status == "in_progress"
    assert purchase.deadline.isoformat() == "2026-06-30"  # inherits the order's deadline
    orders.update_link(purchase.id, status="done")
    assert fresh(order).status == "in_progress"  # done still means work was started


# --------------------------------------------------------------------------- concurrency


def test_stale_version_update_order_conflicts(md: SimpleNamespace) -> None:
    order = order_120()
    version = order.version
    mine = orders.update_order(order.id, version, note="first")
    assert mine.version == version + 1
    before = snapshot()
    with pytest.raises(ConflictError, match="changed by tester"):
        orders.update_order(order.id, version, note="second")
    with pytest.raises(ConflictError):
        orders.add_item(order.id, "B", "1", expected_version=version)
    assert snapshot() == before
    order = fresh(order)
    assert (order.note, order.version, len(items(order))) == ("first", version + 1, 1)


@pytest.mark.parametrize(
    "change",
    [
        lambda o, v: orders.add_term(o, "t", "2026-04-01", "10", expected_version=v),
        lambda o, v: orders.record_payment(o, "2026-04-01", "10", expected_version=v),
        lambda o, v: orders.add_document(
            o, "invoice", "I-9", "10", "2026-04-01", expected_version=v
        ),
        lambda o, v: orders.add_delivery(
            o, "sale", "2026-04-01", [Line("A", "1")], expected_version=v
        ),
        lambda o, v: orders.cancel_order(o, "x", expected_version=v),
        lambda o, v: orders.start_order(o, expected_version=v),
        lambda o, v: orders.link_order(o, "production", "P", expected_version=v),
    ],
    ids=["term", "payment", "document", "delivery", "cancel", "start", "link"],
)
def test_stale_version_conflicts_everywhere(
    md: SimpleNamespace, change: Callable[..., Any]
) -> None:
    order = order_120()
    stale = order.version
    orders.update_order(order, stale, note="someone else")
    before = snapshot()
    with pytest.raises(ConflictError):
        change(order.id, stale)
    assert snapshot() == before
    change(order.id, stale + 1)  # with the current version it goes through
    assert fresh(order).version == stale + 2


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def scene(md: SimpleNamespace) -> SimpleNamespace:
    """Two orders: one with an item, a term, a proforma and a payment; another with an invoice."""
    order = order_120()
    orders.add_term(order, "advance", "2026-03-15", "60.00")
    orders.add_document(order, "proforma", "PF-1", "60.00", "2026-03-02", term="advance")
    payment = orders.record_payment(order, "2026-03-10", "50.00")
    other = new_order(client="Beta")
    orders.add_item(other, "C", "2")
    other_doc = orders.add_document(other, "invoice", "INV-9", "5.00", "2026-03-02")
    return SimpleNamespace(
        order=fresh(order), payment=payment, other=fresh(other), other_doc=other_doc
    )


BAD_INPUT: list[tuple[str, Callable[[SimpleNamespace], Any], type[Exception]]] = [
    ("item negative qty", lambda s: orders.add_item(s.order, "A", "-1"), ValidationError),
    ("item zero qty", lambda s: orders.add_item(s.order, "A", "0"), ValidationError),
    ("item non-numeric qty", lambda s: orders.add_item(s.order, "A", "abc"), ValidationError),
    ("item float qty", lambda s: orders.add_item(s.order, "A", 1.5), ValidationError),
    (
        "item price 5 places",
        lambda s: orders.add_item(s.order, "A", "1", "1.23456"),
        ValidationError,
    ),
    ("item negative price", lambda s: orders.add_item(s.order, "A", "1", "-1"), ValidationError),
    ("item unknown article", lambda s: orders.add_item(s.order, "NOPE", "1"), NotFound),
    ("update unknown item", lambda s: orders.update_item(999999, qty="2"), NotFound),
    (
        "update item bad qty",
        lambda s: orders.update_item(items(s.order)[0].id, qty="-2"),
        ValidationError,
    ),
    ("order unknown client", lambda s: new_order(client="Nobody"), NotFound),
    ("order unknown tax", lambda s: new_order(tax="GST"), NotFound),
    (
        "order deadline before created",
        lambda s: new_order(created="2026-03-01", deadline="2026-02-28"),
        ValidationError,
    ),
    ("order bad date", lambda s: new_order(deadline="2026-02-30"), ValidationError),
    ("order no deadline", lambda s: new_order(deadline=""), ValidationError),
    ("order unknown address", lambda s: new_order(address="Moon"), ValidationError),
    ("order bad document kind", lambda s: new_order(document_kind="napkin"), ValidationError),
    ("update unknown order", lambda s: orders.update_order("2026-99999", None, note="x"), NotFound),
    ("update unknown tax", lambda s: orders.update_order(s.order, None, tax="GST"), NotFound),
    (
        "update deadline before created",
        lambda s: orders.update_order(s.order, None, note="x", deadline="2026-02-01"),
        ValidationError,
    ),
    (
        "update computed field",
        lambda s: orders.update_order(s.order, None, total="1"),
        ValidationError,
    ),
    ("term negative", lambda s: orders.add_term(s.order, "t", "2026-04-01", "-5"), ValidationError),
    (
        "term non-numeric",
        lambda s: orders.add_term(s.order, "t", "2026-04-01", "five"),
        ValidationError,
    ),
    ("term zero", lambda s: orders.add_term(s.order, "t", "2026-04-01", "0"), ValidationError),
    (
        "term same name",
        lambda s: orders.add_term(s.order, "advance", "2026-04-01", "5"),
        ValidationError,
    ),
    (
        "document duplicate of missing number",
        lambda s: orders.add_document(
            s.order, "invoice", "I-1", "60", "2026-03-05", duplicate_of="NOPE"
        ),
        ValidationError,
    ),
    (
        "document duplicate of missing id",
        lambda s: orders.add_document(
            s.order, "invoice", "I-1", "60", "2026-03-05", duplicate_of=999999
        ),
        ValidationError,
    ),
    (
        "document duplicate of another order's document",
        lambda s: orders.add_document(
            s.order, "invoice", "I-1", "60", "2026-03-05", duplicate_of=s.other_doc.id
        ),
        ValidationError,
    ),
    (
        "document number already used (other order)",
        lambda s: orders.add_document(s.order, "invoice", "INV-9", "60", "2026-03-05"),
        ValidationError,
    ),
    (
        "document number already used (same order)",
        lambda s: orders.add_document(s.order, "proforma", "PF-1", "60", "2026-03-05"),
        ValidationError,
    ),
    (
        "document negative amount",
        lambda s: orders.add_document(s.order, "invoice", "I-1", "-60", "2026-03-05"),
        ValidationError,
    ),
    (
        "document bad type",
        lambda s: orders.add_document(s.order, "receipt", "I-1", "60", "2026-03-05"),
        ValidationError,
    ),
    (
        "document unknown term",
        lambda s: orders.add_document(s.order, "invoice", "I-1", "60", "2026-03-05", term="x"),
        ValidationError,
    ),
    (
        "document due before issue",
        lambda s: orders.add_document(s.order, "invoice", "I-1", "60", "2026-03-05", "2026-03-04"),
        ValidationError,
    ),
    (
        "payment negative",
        lambda s: orders.record_payment(s.order, "2026-03-10", "-10"),
        ValidationError,
    ),
    ("payment zero", lambda s: orders.record_payment(s.order, "2026-03-10", "0"), ValidationError),
    (
        "payment non-numeric",
        lambda s: orders.record_payment(s.order, "2026-03-10", "ten"),
        ValidationError,
    ),
    (
        "payment float",
        lambda s: orders.record_payment(s.order, "2026-03-10", 10.0),
        ValidationError,
    ),
    (
        "payment bad date",
        lambda s: orders.record_payment(s.order, "yesterday", "10"),
        ValidationError,
    ),
    (
        "payment allocated to another order's document (id)",
        lambda s: orders.record_payment(
            s.order, "2026-03-10", "10", allocations=[Alloc(s.other_doc.id, "5")]
        ),
        ValidationError,
    ),
    (
        "payment allocated to another order's document (number)",
        lambda s: orders.record_payment(
            s.order, "2026-03-10", "10", allocations=[Alloc("INV-9", "5")]
        ),
        ValidationError,
    ),
    (
        "payment allocation negative",
        lambda s: orders.record_payment(
            s.order, "2026-03-10", "10", allocations=[Alloc("PF-1", "-5")]
        ),
        ValidationError,
    ),
    (
        "allocate to another order's document",
        lambda s: orders.allocate(s.payment.id, s.other_doc.id, "5"),
        ValidationError,
    ),
    ("allocate negative", lambda s: orders.allocate(s.payment.id, "PF-1", "-5"), ValidationError),
    ("allocate non-numeric", lambda s: orders.allocate(s.payment.id, "PF-1", "x"), ValidationError),
    ("allocate unknown payment", lambda s: orders.allocate(999999, "PF-1", "5"), NotFound),
    (
        "delivery of an article not on the order",
        lambda s: orders.add_delivery(s.order, "sale", "2026-03-05", [Line("C", "1")]),
        ValidationError,
    ),
    (
        "delivery of an unknown article",
        lambda s: orders.add_delivery(s.order, "sale", "2026-03-05", [Line("NOPE", "1")]),
        ValidationError,
    ),
    (
        "delivery zero qty",
        lambda s: orders.add_delivery(s.order, "sale", "2026-03-05", [Line("A", "0")]),
        ValidationError,
    ),
    (
        "delivery bad kind",
        lambda s: orders.add_delivery(s.order, "gift", "2026-03-05", [Line("A", "1")]),
        ValidationError,
    ),
    (
        "delivery no lines",
        lambda s: orders.add_delivery(s.order, "sale", "2026-03-05", []),
        ValidationError,
    ),
    ("cancel unknown delivery", lambda s: orders.cancel_delivery(999999), NotFound),
    ("cancel without reason", lambda s: orders.cancel_order(s.order, "  "), ValidationError),
    ("link bad kind", lambda s: orders.link_order(s.order, "sales", "X-1"), ValidationError),
    (
        "link bad status",
        lambda s: orders.link_order(s.order, "production", "X-1", "late"),
        ValidationError,
    ),
    ("remove unknown payment", lambda s: orders.remove_payment(999999), NotFound),
    (
        "client duplicate name",
        lambda s: masterdata.create_client("Acme Ltd", "EUR"),
        ValidationError,
    ),
    ("client bad currency", lambda s: masterdata.create_client("Gamma", "EURO"), ValidationError),
    (
        "article bad price",
        lambda s: masterdata.create_article("Z", "Zip", "1,00001"),
        ValidationError,
    ),
    (
        "article duplicate code",
        lambda s: masterdata.create_article("A", "Again", "1"),
        ValidationError,
    ),
    ("tax above 100%", lambda s: masterdata.create_tax("Odd", "120"), ValidationError),
]


@pytest.mark.parametrize(
    ("action", "error"), [(a, e) for _, a, e in BAD_INPUT], ids=[n for n, _, _ in BAD_INPUT]
)
def test_bad_input_is_refused_and_changes_nothing(
    scene: SimpleNamespace, action: Callable[[SimpleNamespace], Any], error: type[Exception]
) -> None:
    before = snapshot()
    with pytest.raises(error):
        action(scene)
    assert snapshot() == before


# --------------------------------------------------------------------------- check and repair


def _raw_update(db: Database, table: str, column: str, value: Any, row_id: int) -> None:
    p = db.param
    db.execute_sql(f'UPDATE "{table}" SET "{column}" = {p} WHERE "id" = {p}', (value, row_id))


def test_check_finds_and_repairs_corrupted_fields(db: Database, scene: SimpleNamespace) -> None:
    order = scene.order
    orders.add_delivery(order, "sale", "2026-03-05", [Line("A", "4")])
    orders.allocate(scene.payment.id, "PF-1", "30")
    orders.add_document(order, "invoice", "INV-1", "60.00", "2026-03-20", duplicate_of="PF-1")
    assert recompute.check() == []
    assert recompute.check(repair=True) == []

    item = items(order)[0]
    _raw_update(db, "order", "total", 1, order.id)  # 0.01 instead of 120.00
    _raw_update(db, "order", "status", "closed", order.id)
    _raw_update(db, "order_item", "delivered", 5000, item.id)  # 5.000 instead of 4.000
    _raw_update(db, "payment_term", "status", "unpaid", term(order, "advance").id)
    _raw_update(db, "financial_document", "paid", 0, doc("INV-1").id)
    _raw_update(db, "payment", "unallocated", 5000, scene.payment.id)  # 50.00, should be 20.00
    expected = [
        Difference("2026-00001", "order", "total", D("0.01"), D("120.00")),
        Difference("2026-00001", "order", "status", "closed", "in_progress"),
        Difference("2026-00001", "item 1", "delivered", D("5"), D("4")),
        # 30.00 of 60.00 paid on the pair PF-1 / INV-1
        Difference("2026-00001", "term 'advance'", "status", "unpaid", "partially_paid"),
        Difference("2026-00001", "document INV-1", "paid", D("0"), D("30.00")),
        # 50.00 - 30.00 = 20.00
        Difference("2026-00001", "payment of 2026-03-10", "unallocated", D("50.00"), D("20.00")),
    ]
    assert recompute.check() == expected
    assert str(expected[0]) == "2026-00001 order: total is 0.01, should be 120.00"
    assert recompute.check(repair=True) == expected
    assert recompute.check() == []
    order = fresh(order)
    assert (order.total, order.status) == (D("120.00"), "in_progress")
    assert OrderItem.get_by_id(item.id).delivered == D("4")
    assert doc("INV-1").paid == D("30.00")
    assert term(order, "advance").status == "partially_paid"
    assert Payment.get_by_id(scene.payment.id).unallocated == D("20.00")


def test_check_reports_only_the_corrupted_order(db: Database, scene: SimpleNamespace) -> None:
    _raw_update(db, "order", "paid", 0, scene.order.id)  # 50.00 received
    # the other order (2026-00002) is consistent and not reported, however the orders are batched
    expected = [Difference("2026-00001", "order", "paid", D("0"), D("50.00"))]
    assert recompute.check() == expected
    seen: list[tuple[int, int]] = []
    assert recompute.check(batch=1, progress=lambda done, total: seen.append((done, total))) == (
        expected
    )
    assert seen == [(1, 2), (2, 2)]
    recompute.check(repair=True)
    assert fresh(scene.order).paid == D("50.00")


# --------------------------------------------------------------------------- delivered lines stay


def test_item_quantity_cannot_go_below_what_was_delivered(md: SimpleNamespace) -> None:
    order = order_120()
    item = fresh(order).items[0]
    orders.add_delivery(
        order, "shipment", "2026-03-05", [orders.DeliveryLineInput(item.article.code, "1")]
    )
    before = snapshot()
    with pytest.raises(ValidationError, match="already delivered"):
        orders.update_item(item.id, qty="0.5")
    with pytest.raises(ValidationError, match="already delivered"):
        orders.remove_item(item.id)
    assert snapshot() == before


def test_allocating_the_same_amount_again_changes_nothing(md: SimpleNamespace) -> None:
    order = order_120()
    orders.add_document(order, "invoice", "INV-9", "120.00", "2026-03-02")
    payment = orders.record_payment(
        order, "2026-03-10", "50.00", allocations=[Alloc("INV-9", "50")]
    )
    version = fresh(order).version
    entries = len(orders.history(order))
    orders.allocate(payment.id, "INV-9", "50.00")
    assert fresh(order).version == version  # no new version: nothing another terminal must reload
    assert len(orders.history(order)) == entries
