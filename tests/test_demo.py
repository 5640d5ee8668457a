"""The demo data: loads cleanly, exercises every rule, is deterministic, is realistic."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
from peewee import Database, fn

from tui_orders.data import recompute
from tui_orders.data.compute import line_amount, tax_on
from tui_orders.data.dataset import Dataset
from tui_orders.data.demo import (
    DemoGenerator,
    ean13,
    generate,
    is_valid_ean13,
    line_cents,
    run_demo,
    tax_cents,
)
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import (
    Allocation,
    Barcode,
    Client,
    Delivery,
    FinancialDocument,
    LinkedOrder,
    NumberSequence,
    Offer,
    Order,
    OrderStatus,
    Payment,
    PaymentTerm,
    PayStatus,
    parse_number,
)
from tui_orders.data.orders import create_order

TODAY = dt.date(2026, 5, 15)


def _all(chunks: list[Dataset]) -> Dataset:
    out = Dataset()
    for c in chunks:
        out.taxes += c.taxes
        out.clients += c.clients
        out.articles += c.articles
        out.offers += c.offers
        out.orders += c.orders
    return out


def test_demo_loads_and_check_finds_nothing(db: Database) -> None:
    seen: list[tuple[int, int]] = []
    stats = run_demo(
        1500, seed=7, today=TODAY, chunk=400, progress=lambda d, t: seen.append((d, t))
    )
    assert stats.orders == 1500 == Order.select().count()
    assert stats.chunks == 4
    assert seen == [(400, 1500), (800, 1500), (1200, 1500), (1500, 1500)]
    assert stats.rows == sum(stats.tables.values()) > 1500 * 10
    assert stats.clients == Client.select().count() >= 20
    assert stats.offers == Offer.select().count() > 0
    assert recompute.check() == []

    # every order status and every financial status
    statuses = Counter(s for (s,) in Order.select(Order.status).tuples())
    assert set(statuses) == {s.value for s in OrderStatus}, statuses
    money = Counter(s for (s,) in Order.select(Order.financial_status).tuples())
    assert set(money) == {s.value for s in PayStatus}, money
    assert statuses["closed"] > statuses["ready"] > 0
    assert all(r for (r,) in Order.select(Order.cancel_reason).where(Order.cancelled).tuples())
    assert not Delivery.select().join(Order).where(Order.cancelled, ~Delivery.cancelled).exists()

    # proforma -> invoice duplicates, foreign invoices, all three types
    types = {t for (t,) in FinancialDocument.select(FinancialDocument.doc_type).distinct().tuples()}
    assert types == {"proforma", "invoice", "foreign_invoice"}
    dups = FinancialDocument.select().where(FinancialDocument.duplicate_of.is_null(False))
    assert dups.count() > 100
    numbers = [n for (n,) in FinancialDocument.select(FinancialDocument.number).tuples()]
    assert len(numbers) == len(set(numbers))

    # payments: without allocation, overpaid, partial
    bare = Payment.select().where(
        ~fn.EXISTS(Allocation.select().where(Allocation.payment == Payment.id))
    )
    assert bare.count() > 0
    assert Payment.select().where(Payment.unallocated > 0).count() >= bare.count()
    assert Order.select().where(Order.paid > Order.total).exists()  # overpaid, shown
    assert Order.select().where(Order.financial_status == "partially_paid").exists()

    # coverage mismatches and overdue terms are there to be seen
    terms = {
        oid: total
        for oid, total in PaymentTerm.select(PaymentTerm.order, fn.SUM(PaymentTerm.amount))
        .group_by(PaymentTerm.order)
        .tuples()
    }
    order_totals = dict(Order.select(Order.id, Order.total).tuples())
    matches = sum(1 for oid, cents in terms.items() if cents == order_totals[oid].scaleb(2))
    assert 0.8 * len(terms) < matches < len(terms)
    overdue = PaymentTerm.select().where(PaymentTerm.due < TODAY, PaymentTerm.status != "paid")
    assert overdue.count() > 0

    # deliveries of both kinds, links of every status, some expected after the deadline
    assert {k for (k,) in Delivery.select(Delivery.kind).distinct().tuples()} == {
        "sale",
        "shipment",
    }
    assert Delivery.select().where(Delivery.cancelled).exists()
    link_statuses = {s for (s,) in LinkedOrder.select(LinkedOrder.status).distinct().tuples()}
    assert link_statuses == {"planned", "in_progress", "done", "cancelled"}
    late = LinkedOrder.select().join(Order).where(LinkedOrder.expected > Order.deadline)
    assert late.exists()

    # orders made from offers point at them, and the offers back at the orders
    from_offers = Order.select().where(Order.document_kind == "offer")
    assert from_offers.count() > 0
    for order in from_offers.limit(20):
        offer = Offer.get(Offer.number == order.document_ref)
        assert offer.order_id == order.id
    assert Offer.select().where(Offer.order.is_null()).exists()  # lost offers

    # barcodes in the database: valid and unique
    codes = [c for (c,) in Barcode.select(Barcode.code).tuples()]
    assert codes and all(is_valid_ean13(c) for c in codes)
    assert len(codes) == len(set(codes))


def test_sequences_move_past_the_demo_numbers(db: Database) -> None:
    stats = run_demo(300, seed=3, today=TODAY)
    assert stats.orders == 300 and stats.generate_seconds > 0 and stats.seconds > 0
    top: dict[int, int] = {}
    for (number,) in Order.select(Order.number).tuples():
        parsed = parse_number(number)
        assert parsed is not None, number
        top[parsed[0]] = max(top.get(parsed[0], 0), parsed[1])
    for year, seq in top.items():
        row = NumberSequence.get(NumberSequence.kind == "order", NumberSequence.year == year)
        assert row.last >= seq
    for kind in ("sale", "shipment"):
        assert NumberSequence.select().where(NumberSequence.kind == kind).exists()
    client = Client.select().first()
    new = create_order(client.id, TODAY + dt.timedelta(days=10), created=TODAY)
    assert new.number == f"{TODAY.year}-{top[TODAY.year] + 1:05d}"
    assert recompute.check() == []


def test_demo_refuses_a_database_with_data(db: Database) -> None:
    run_demo(100, seed=1, today=TODAY)
    with pytest.raises(ValidationError, match="empty database"):
        run_demo(100, seed=1, today=TODAY)


def test_same_seed_same_data() -> None:
    a = list(generate(800, seed=42, today=TODAY, chunk=300))
    b = list(generate(800, seed=42, today=TODAY, chunk=300))
    assert a == b
    c = _all(list(generate(800, seed=43, today=TODAY)))
    assert [o.number for o in _all(a).orders] != [o.number for o in c.orders] or (
        [o.items for o in _all(a).orders] != [o.items for o in c.orders]
    )


def test_chunks_carry_master_data_first() -> None:
    chunks = list(generate(1000, seed=5, today=TODAY, chunk=300))
    assert [len(c.orders) for c in chunks] == [300, 300, 300, 100]
    assert chunks[0].taxes and chunks[0].clients and chunks[0].articles
    assert all(not c.taxes and not c.clients and not c.articles for c in chunks[1:])
    offers = {o.number for c in chunks for o in c.offers}
    for c in chunks:  # an offer travels with the order it became
        numbers = {o.number for o in c.orders}
        assert all(o.order is None or o.order in numbers for o in c.offers)
        assert all(o.document_ref in offers for o in c.orders if o.document_kind == "offer")
    assert [t.name for t in chunks[0].taxes] == ["ДДС 20%", "ДДС 9%", "VAT 0%"]
    assert next(iter(generate(0, today=TODAY))).orders == []


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def test_amounts_are_exact_decimals() -> None:
    data = _all(list(generate(1500, seed=9, today=TODAY)))
    money: list[Decimal] = []
    for o in data.orders:
        money += [t.amount for t in o.payment_terms]
        money += [d.amount for d in o.documents]
        for p in o.payments:
            money.append(p.amount)
            money += [a.amount for a in p.allocations]
            assert sum((a.amount for a in p.allocations), Decimal(0)) <= p.amount
        for it in o.items:
            assert type(it.price) is Decimal and _places(it.price) <= 4
            assert type(it.qty) is Decimal and _places(it.qty) <= 3 and it.qty > 0
    assert all(type(m) is Decimal and _places(m) <= 2 and m > 0 for m in money)
    assert all(type(a.price) is Decimal and 2 <= _places(a.price) <= 4 for a in data.articles)
    assert {_places(a.price) for a in data.articles} == {2, 3, 4}
    assert any(_places(it.qty) > 0 for o in data.orders for it in o.items)  # kg, m


def test_master_data_is_realistic() -> None:
    data = _all(list(generate(3000, seed=2, today=TODAY)))
    assert 20 <= len(data.clients) <= 5000 and 200 <= len(data.articles) <= 2000
    currencies = Counter(c.currency for c in data.clients)
    assert {"BGN", "EUR", "USD"} <= set(currencies)
    bg = [c for c in data.clients if c.vat_id.startswith("BG")]
    assert bg and all(len(c.vat_id) == 11 and c.vat_id[2:].isdigit() for c in bg)
    assert any(any("\u0400" <= ch <= "\u04ff" for ch in c.name) for c in data.clients)
    assert any(c.name.endswith(("GmbH", "SRL", "Inc.", "S.A.")) for c in data.clients)
    for c in data.clients:
        assert 1 <= len(c.addresses) <= 3
        assert sum(a.default for a in c.addresses) == 1
    assert len({c.name for c in data.clients}) == len(data.clients)
    assert len({a.code for a in data.articles}) == len(data.articles)
    assert {a.unit for a in data.articles} >= {"бр", "pcs", "кг", "kg", "м", "m"}
    codes = [b for a in data.articles for b in a.barcodes]
    assert all(1 <= len(a.barcodes) <= 2 for a in data.articles)
    assert all(is_valid_ean13(b) for b in codes) and len(codes) == len(set(codes))


def test_ean13() -> None:
    assert ean13("400638133393") == "4006381333931"  # a well-known valid EAN-13
    assert ean13("590123412345") == "5901234123457"
    assert not is_valid_ean13("4006381333932")


def test_orders_over_three_years_with_season_and_growth() -> None:
    gen = DemoGenerator(12000, seed=11, today=TODAY)
    data = _all(list(gen.chunks()))
    first = TODAY.replace(year=TODAY.year - 3)
    by_month: Counter[tuple[int, int]] = Counter()
    for o in data.orders:
        assert first < o.created <= TODAY
        assert 2 <= (o.deadline - o.created).days <= 120
        assert all(p.date <= TODAY for p in o.payments)
        assert all(d.date <= TODAY for d in o.deliveries)
        assert all(d.issued <= TODAY for d in o.documents)
        if o.cancelled:
            assert o.cancel_reason and not o.payments and not o.deliveries
        by_month[(o.created.year, o.created.month)] += 1
    # busy autumn, quiet August and December, every year
    for year in (2023, 2024, 2025):
        assert by_month[(year, 10)] > 1.5 * by_month[(year, 8)]
        assert by_month[(year, 10)] > 1.3 * by_month[(year, 12)]
    # growth: the last twelve full months outgrow the twelve before
    last = sum(n for (y, m), n in by_month.items() if (2025, 5) <= (y, m) <= (2026, 4))
    before = sum(n for (y, m), n in by_month.items() if (2024, 5) <= (y, m) <= (2025, 4))
    assert last > 1.05 * before
    numbers = [o.number for o in data.orders]
    assert len(set(numbers)) == len(numbers)
    assert all(n is not None and parse_number(n) for n in numbers)


def test_integer_amounts_match_the_rules() -> None:
    rng = random.Random(1)
    for _ in range(5000):
        qty = rng.randint(1, 10_000_000)
        price = rng.randint(0, 100_000_000)
        expected = line_amount(Decimal(qty).scaleb(-3), Decimal(price).scaleb(-4))
        assert Decimal(line_cents(qty, price)).scaleb(-2) == expected
        subtotal = rng.randint(0, 10**11)
        for rate in (0, 9, 20):
            tax = tax_on(Decimal(subtotal).scaleb(-2), Decimal(rate))
            assert Decimal(tax_cents(subtotal, rate)).scaleb(-2) == tax
    assert tax_cents(12345, None) == 0
