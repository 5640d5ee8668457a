"""Property tests: random orders keep every stored sum equal to a simple model written here.

The model below (:class:`Model`) is independent of :mod:`tui_orders.data.compute`: plain
``Decimal`` arithmetic with ``ROUND_HALF_UP``, written from DOMAIN.md. After every operation on a
random order the stored computed fields must equal both the model and a from-scratch
recomputation (``recompute.check() == []``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from peewee import Database

from tui_orders.data import masterdata, orders, recompute
from tui_orders.data.compute import (
    AllocationFact,
    DocumentFact,
    ItemFact,
    OrderFacts,
    PaymentFact,
    TermFact,
    compute_order,
    coverage,
)
from tui_orders.data.errors import ValidationError
from tui_orders.data.masterdata import AddressInput
from tui_orders.data.models import (
    Allocation,
    Client,
    Delivery,
    FinancialDocument,
    Order,
    OrderItem,
    Payment,
    PaymentTerm,
)
from tui_orders.data.orders import AllocationInput, DeliveryLineInput

D = Decimal
ZERO = D(0)
CENT = D("0.01")


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pay_status(paid: Decimal, amount: Decimal) -> str:
    """DOMAIN.md: unpaid / partially paid / paid; overpaid is paid."""
    if paid >= amount:
        return "paid"
    return "unpaid" if paid == 0 else "partially_paid"


# --------------------------------------------------------------------------- strategies

# whole quantities and prices in steps of half a cent make lines ending in exactly half a cent
# (7 x 0.125 = 0.875) frequent, where half-up and banker's rounding differ
qtys = st.integers(1, 100).map(D) | st.decimals(min_value=D("0.001"), max_value=D("500"), places=3)
prices = st.integers(0, 200_000).map(lambda k: k * D("0.005")) | st.decimals(
    min_value=ZERO, max_value=D("2000"), places=4
)
amounts = st.decimals(min_value=D("0.01"), max_value=D("3000"), places=2)
ARTICLES = ("P0", "P1", "P2")
TAXES: dict[str, Decimal | None] = {
    "": None,
    "T20": D(20),
    "T10": D(10),  # 10% of an odd number of 5 cents ends in half a cent
    "T9.5": D("9.5"),
    "T0": ZERO,
}
idx = st.integers(min_value=0, max_value=50)

item_op = st.tuples(st.just("item"), st.sampled_from(ARTICLES), qtys, prices)
term_op = st.tuples(st.just("term"), amounts)
tax_op = st.tuples(st.just("tax"), st.sampled_from(sorted(TAXES)))
# amount, term index or None, index of an earlier document it duplicates or None
doc_op = st.tuples(st.just("doc"), amounts, st.none() | idx, st.none() | idx)
pay_op = st.tuples(
    st.just("pay"),
    amounts,
    st.lists(st.tuples(idx, amounts), max_size=3, unique_by=lambda t: t[0]),
)
allocate_op = st.tuples(st.just("allocate"), idx, idx, st.just(ZERO) | amounts)
# article (one on the order, or any), how much: what is left, half of it, or a random qty
deliver_op = st.tuples(
    st.just("deliver"),
    st.none() | st.sampled_from(ARTICLES),
    idx,
    st.sampled_from(["rest", "half", "random"]),
    qtys,
    st.booleans(),
)
OPERATIONS = {
    "pay": pay_op,
    "allocate": allocate_op,
    "deliver": deliver_op,
    "item": item_op,
    "update_item": st.tuples(st.just("update_item"), idx, qtys),
    "tax": tax_op,
    "term": term_op,
    "doc": doc_op,
    "remove_payment": st.tuples(st.just("remove_payment"), idx),
    "cancel_delivery": st.tuples(st.just("cancel_delivery"), idx),
}
# payments, allocations and deliveries are where the rules bite: drawn three times as often
operations = st.sampled_from([*["pay", "allocate", "deliver"] * 3, *OPERATIONS]).flatmap(
    OPERATIONS.__getitem__
)


# --------------------------------------------------------------------------- the model


@dataclass
class Model:
    """What the order should hold, kept by hand alongside the real operations."""

    order_id: int
    tax: Decimal | None = None
    items: list[list[Any]] = field(default_factory=list)  # [item id, article, qty, price]
    terms: list[tuple[int, Decimal]] = field(default_factory=list)
    docs: list[tuple[int, Decimal, int | None, int | None]] = field(default_factory=list)
    payments: dict[int, Decimal] = field(default_factory=dict)
    allocs: dict[tuple[int, int], Decimal] = field(default_factory=dict)  # (payment, doc)
    deliveries: dict[int, dict[str, Decimal]] = field(default_factory=dict)  # active only

    def root(self, doc_id: int) -> int:
        for did, _amount, _term, dup in self.docs:
            if did == doc_id:
                return dup if dup is not None else did
        raise KeyError(doc_id)

    def ordered(self, article: str) -> Decimal:
        return sum((i[2] for i in self.items if i[1] == article), ZERO)

    def delivered(self, article: str) -> Decimal:
        return sum((d.get(article, ZERO) for d in self.deliveries.values()), ZERO)

    def line_delivered(self, item_id: int) -> Decimal:
        """The fill rule, written again: an article's deliveries fill its lines in order, the
        last line keeping any excess."""
        line = next(i for i in self.items if i[0] == item_id)
        lines = [i for i in self.items if i[1] == line[1]]
        left = self.delivered(line[1])
        for n, other in enumerate(lines):
            take = left if n == len(lines) - 1 else min(left, other[2])
            if other[0] == item_id:
                return take
            left -= take
        raise KeyError(item_id)

    def allocated_from(self, payment_id: int) -> Decimal:
        return sum((a for (p, _d), a in self.allocs.items() if p == payment_id), ZERO)

    def subtotal(self) -> Decimal:
        # 'each qty x price rounded half-up to the cent', then summed
        return sum((half_up(i[2] * i[3]) for i in self.items), ZERO)

    def tax_amount(self) -> Decimal:
        return ZERO if self.tax is None else half_up(self.subtotal() * self.tax / 100)


def ensure_master_data() -> None:
    if Client.get_or_none(Client.name == "Prop") is not None:
        return
    masterdata.create_client("Prop", "EUR", addresses=[AddressInput("HQ")])
    for code in ARTICLES:
        masterdata.create_article(code, f"Article {code}", "1")
    for name, rate in TAXES.items():
        if name:
            masterdata.create_tax(name, str(rate))


NUMBERS = itertools.count(1)


def apply(model: Model, op: tuple[Any, ...]) -> None:
    """Run one operation on the order, and on the model when the rules accept it."""
    oid = model.order_id
    kind = op[0]
    if kind == "item":
        _, article, qty, price = op
        item = orders.add_item(oid, article, str(qty), str(price))
        model.items.append([item.id, article, qty, price])
    elif kind == "update_item" and model.items:
        line = model.items[op[1] % len(model.items)]
        if op[2] < model.line_delivered(line[0]):
            event("quantity below what was delivered refused")
            with pytest.raises(ValidationError, match="already delivered"):
                orders.update_item(line[0], qty=str(op[2]))
            return
        orders.update_item(line[0], qty=str(op[2]))
        line[2] = op[2]
    elif kind == "tax":
        orders.update_order(oid, None, tax=op[1] or None)
        model.tax = TAXES[op[1]]
    elif kind == "term":
        term = orders.add_term(oid, f"term {len(model.terms)}", "2026-05-01", str(op[1]))
        model.terms.append((term.id, op[1]))
    elif kind == "doc":
        _, amount, term_i, dup_i = op
        term_id = (
            model.terms[term_i % len(model.terms)][0]
            if term_i is not None and model.terms
            else None
        )
        dup_of = (
            model.docs[dup_i % len(model.docs)][0] if dup_i is not None and model.docs else None
        )
        root = model.root(dup_of) if dup_of is not None else None
        if root is not None:
            term_id = None  # a duplicate belongs to its original's term
        doc = orders.add_document(
            oid,
            "invoice",
            f"P-{next(NUMBERS)}",
            str(amount),
            "2026-03-02",
            term=term_id,
            duplicate_of=dup_of,
        )
        model.docs.append((doc.id, amount, term_id, root))
    elif kind == "pay":
        _, amount, parts = op
        allocations = [
            (model.docs[i % len(model.docs)][0], part) for i, part in parts if model.docs
        ]
        allocations = list(dict(allocations).items())  # one allocation per document
        asked = [AllocationInput(doc_id, str(part)) for doc_id, part in allocations]
        if sum((part for _d, part in allocations), ZERO) > amount:
            event("payment with allocations above it refused")
            with pytest.raises(ValidationError, match="exceed the payment"):
                orders.record_payment(oid, "2026-03-10", str(amount), allocations=asked)
            return
        payment = orders.record_payment(oid, "2026-03-10", str(amount), allocations=asked)
        model.payments[payment.id] = amount
        for doc_id, part in allocations:
            model.allocs[(payment.id, doc_id)] = part
    elif kind == "allocate" and model.payments and model.docs:
        payment_id = sorted(model.payments)[op[1] % len(model.payments)]
        doc_id = model.docs[op[2] % len(model.docs)][0]
        value = op[3]
        others = model.allocated_from(payment_id) - model.allocs.get((payment_id, doc_id), ZERO)
        if value > model.payments[payment_id] - others:
            event("allocation above what is left refused")
            with pytest.raises(ValidationError, match="left to allocate"):
                orders.allocate(payment_id, doc_id, str(value))
            return
        orders.allocate(payment_id, doc_id, str(value))
        if value == 0:
            model.allocs.pop((payment_id, doc_id), None)
        else:
            model.allocs[(payment_id, doc_id)] = value
    elif kind == "remove_payment" and model.payments:
        payment_id = sorted(model.payments)[op[1] % len(model.payments)]
        orders.remove_payment(payment_id)
        del model.payments[payment_id]
        model.allocs = {k: v for k, v in model.allocs.items() if k[0] != payment_id}
    elif kind == "deliver":
        _, any_article, item_i, how, random_qty, allow_over = op
        if any_article is None and not model.items:
            return
        article = any_article or model.items[item_i % len(model.items)][1]
        left = model.ordered(article) - model.delivered(article)
        qty = {"rest": left, "half": (left / 2).quantize(D("0.001"))}.get(how, random_qty)
        if qty <= 0:
            qty = random_qty
        line = [DeliveryLineInput(article, str(qty))]
        if not model.ordered(article) or (qty > left and not allow_over):
            event("delivery refused")
            with pytest.raises(ValidationError):
                orders.add_delivery(oid, "sale", "2026-03-20", line, allow_over=allow_over)
            return
        delivery = orders.add_delivery(oid, "sale", "2026-03-20", line, allow_over=allow_over)
        model.deliveries[delivery.id] = {article: qty}
        event("over-delivery confirmed" if qty > left else "delivery")
    elif kind == "cancel_delivery" and model.deliveries:
        delivery_id = sorted(model.deliveries)[op[1] % len(model.deliveries)]
        orders.cancel_delivery(delivery_id)
        del model.deliveries[delivery_id]


def check_against_model(model: Model) -> None:
    assert recompute.check() == []
    order = Order.get_by_id(model.order_id)

    # totals: every line rounded half-up, tax on the subtotal half-up
    stored_items = {i.id: i for i in OrderItem.select().where(OrderItem.order == order.id)}
    assert sorted(stored_items) == sorted(i[0] for i in model.items)
    for item_id, _article, qty, price in model.items:
        assert stored_items[item_id].amount == half_up(qty * price)
    assert order.subtotal == model.subtotal()
    assert order.tax_amount == model.tax_amount()
    assert order.total == model.subtotal() + model.tax_amount()

    # payments and allocations: exactly what the model accepted, nothing from refused attempts
    stored_allocs = {
        (a.payment_id, a.document_id): a.amount
        for a in Allocation.select().join(Payment).where(Payment.order == order.id)
    }
    assert stored_allocs == model.allocs
    payments = {p.id: p for p in Payment.select().where(Payment.order == order.id)}
    assert {pid: p.amount for pid, p in payments.items()} == model.payments
    for pid, amount in model.payments.items():
        assert model.allocated_from(pid) <= amount  # never more than the payment
        assert payments[pid].unallocated == amount - model.allocated_from(pid)
    received = sum(model.payments.values(), ZERO)
    allocated = sum(model.allocs.values(), ZERO)
    assert order.paid == received
    assert order.unallocated == received - allocated
    total = order.total
    if model.items:
        assert order.financial_status == pay_status(received, total)
    else:
        assert order.financial_status == ("paid" if received > 0 else "unpaid")

    # documents: a pair shares one paid amount, counted once
    docs = {d.id: d for d in FinancialDocument.select().where(FinancialDocument.order == order.id)}
    group_paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (_pid, did), part in model.allocs.items():
        group_paid[model.root(did)] += part
    for did, _amount, _term, root in model.docs:
        assert docs[did].paid == group_paid[root if root is not None else did]
        if root is not None:
            assert docs[did].paid == docs[root].paid
            assert docs[did].status == docs[root].status
        else:
            assert docs[did].status == pay_status(group_paid[did], docs[did].amount)
    originals = [d for d in model.docs if d[3] is None]
    assert sum((docs[d[0]].paid for d in originals), ZERO) == allocated

    # terms: the paid of the original documents linked to them
    terms = {t.id: t for t in PaymentTerm.select().where(PaymentTerm.order == order.id)}
    for term_id, amount in model.terms:
        expected = sum((group_paid[d[0]] for d in originals if d[2] == term_id), ZERO)
        assert terms[term_id].paid == expected
        assert terms[term_id].status == pay_status(expected, amount)

    # deliveries: nothing lost, lines of one article filled in order
    ready = bool(model.items)
    for article in ARTICLES:
        lines = sorted(
            (i for i in stored_items.values() if i.article.code == article),
            key=lambda i: i.position,
        )
        if not lines:
            continue
        delivered = model.delivered(article)
        assert sum((i.delivered for i in lines), ZERO) == delivered
        for earlier, later in itertools.pairwise(lines):
            if later.delivered > 0:
                assert earlier.delivered == earlier.qty
        ready = ready and delivered >= model.ordered(article)
    paid = order.financial_status == "paid"
    if ready:
        assert order.status == ("closed" if paid else "ready")
    elif model.deliveries:
        assert order.status == "in_progress"
    else:
        assert order.status == "new"


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.tuples(
        st.lists(item_op, min_size=1, max_size=4),
        st.lists(term_op | tax_op, max_size=2),
        st.lists(doc_op, min_size=1, max_size=3),
    ),
    ops=st.lists(operations, min_size=4, max_size=12),
)
def test_random_orders_match_the_model(
    db: Database, start: tuple[list[Any], ...], ops: list[tuple[Any, ...]]
) -> None:
    ensure_master_data()
    order = orders.create_order("Prop", "2026-06-30", created="2026-03-01")
    model = Model(order.id)
    check_against_model(model)
    for op in [*itertools.chain(*start), *ops]:
        apply(model, op)
        check_against_model(model)
    assert Delivery.select().where(Delivery.order == order.id, ~Delivery.cancelled).count() == len(
        model.deliveries
    )


# --------------------------------------------------------------------------- pure rules


@st.composite
def order_facts(draw: st.DrawFn) -> OrderFacts:
    item_rows = draw(st.lists(st.tuples(st.integers(1, 3), qtys, prices), max_size=6))
    positions = draw(st.permutations(range(1, len(item_rows) + 1)))
    items = [
        ItemFact(n + 1, pos, art, qty, price)
        for n, ((art, qty, price), pos) in enumerate(zip(item_rows, positions, strict=True))
    ]
    terms = [TermFact(100 + n, a) for n, a in enumerate(draw(st.lists(amounts, max_size=3)))]
    documents: list[DocumentFact] = []
    for n, (amount, term_i, dup_i) in enumerate(
        draw(st.lists(st.tuples(amounts, st.none() | idx, st.none() | idx), max_size=6))
    ):
        roots = [d for d in documents if d.duplicate_of is None]
        if dup_i is not None and roots:
            root = roots[dup_i % len(roots)]
            documents.append(DocumentFact(200 + n, amount, root.term_id, root.id))
        else:
            term_id = terms[term_i % len(terms)].id if term_i is not None and terms else None
            documents.append(DocumentFact(200 + n, amount, term_id, None))
    payments = [PaymentFact(300 + n, a) for n, a in enumerate(draw(st.lists(amounts, max_size=4)))]
    allocations: list[AllocationFact] = []
    for p in payments:
        left = p.amount
        for d in documents:
            if left > 0 and draw(st.booleans()):
                part = draw(st.decimals(min_value=CENT, max_value=left, places=2))
                allocations.append(AllocationFact(p.id, d.id, part))
                left -= part
    delivered = draw(st.lists(st.tuples(st.integers(1, 3), qtys), max_size=5))
    return OrderFacts(
        tax_rate=draw(st.sampled_from(list(TAXES.values()))),
        started=draw(st.booleans()),
        cancelled=draw(st.booleans()),
        items=items,
        terms=terms,
        documents=documents,
        payments=payments,
        allocations=allocations,
        delivered_lines=delivered,
        active_deliveries=len(delivered) + draw(st.integers(0, 1)) if delivered else 0,
        link_statuses=draw(
            st.lists(st.sampled_from(["planned", "in_progress", "done", "cancelled"]), max_size=2)
        ),
    )


@settings(max_examples=150, deadline=None)
@given(facts=order_facts())
def test_compute_order_follows_the_rules(facts: OrderFacts) -> None:
    state = compute_order(facts)

    subtotal = sum((half_up(i.qty * i.price) for i in facts.items), ZERO)
    tax = ZERO if facts.tax_rate is None else half_up(subtotal * facts.tax_rate / 100)
    assert state.subtotal == subtotal
    assert state.tax_amount == tax
    assert state.total == subtotal + tax
    assert state.item_amount == {i.id: half_up(i.qty * i.price) for i in facts.items}

    received = sum((p.amount for p in facts.payments), ZERO)
    allocated = sum((a.amount for a in facts.allocations), ZERO)
    assert state.paid == received
    assert state.unallocated == received - allocated
    for p in facts.payments:
        mine = sum((a.amount for a in facts.allocations if a.payment_id == p.id), ZERO)
        assert state.payment_unallocated[p.id] == p.amount - mine >= 0

    root_of = {d.id: d.duplicate_of or d.id for d in facts.documents}
    amount_of = {d.id: d.amount for d in facts.documents}
    group_paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in facts.allocations:
        group_paid[root_of[a.document_id]] += a.amount
    for d in facts.documents:
        root = root_of[d.id]
        assert state.doc_paid[d.id] == group_paid[root]
        assert state.doc_status[d.id] == pay_status(group_paid[root], amount_of[root])
    originals = [d for d in facts.documents if d.duplicate_of is None]
    assert sum((state.doc_paid[d.id] for d in originals), ZERO) == allocated
    for t in facts.terms:
        paid = sum((group_paid[d.id] for d in originals if d.term_id == t.id), ZERO)
        assert state.term_paid[t.id] == paid
        assert state.term_status[t.id] == pay_status(paid, t.amount)

    ordered: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for i in facts.items:
        ordered[i.article_id] += i.qty
    delivered: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for article, qty in facts.delivered_lines:
        delivered[article] += qty
    for article in ordered:
        lines = sorted(
            (i for i in facts.items if i.article_id == article), key=lambda i: i.position
        )
        assert sum((state.item_delivered[i.id] for i in lines), ZERO) == delivered[article]
        for earlier, later in itertools.pairwise(lines):
            assert state.item_delivered[earlier.id] <= earlier.qty
            if state.item_delivered[later.id] > 0:
                assert state.item_delivered[earlier.id] == earlier.qty
    assert ZERO <= state.delivered_pct <= D(100)

    if facts.items:
        assert state.financial_status == pay_status(received, subtotal + tax)
    ready = bool(facts.items) and all(delivered[a] >= q for a, q in ordered.items())
    started = (
        facts.started
        or facts.active_deliveries > 0
        or any(s != "cancelled" for s in facts.link_statuses)
    )
    if facts.cancelled:
        expected = "cancelled"
    elif ready:
        expected = "closed" if state.financial_status == "paid" else "ready"
    else:
        expected = "in_progress" if started else "new"
    assert state.status == expected
    if ready and not facts.cancelled:
        assert state.delivered_pct == D(100)

    cover = {c.what: c.amount for c in coverage(facts, state)}
    assert cover == {
        "terms": sum((t.amount for t in facts.terms), ZERO),
        "documents": sum((d.amount for d in originals), ZERO),
        "payments": received,
    }
