"""The demo's fast path (worker processes, detached loads, indexes built at the end) writes
exactly what the checked path (:func:`bulk.load` chunk by chunk) writes, and leaves the same
schema; a load into empty tables that builds its indexes at the end stays all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from peewee import Database

from tui_orders.data import audit, bulk, recompute
from tui_orders.data.compute import (
    AllocationFact,
    DocumentFact,
    ItemFact,
    OrderFacts,
    PaymentFact,
    TermFact,
    compute_order,
)
from tui_orders.data.dataset import Dataset
from tui_orders.data.db import close_database, open_database
from tui_orders.data.demo import DemoGenerator, generate, run_demo
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import NumberSequence, Order

TODAY = dt.date(2026, 5, 15)


def _demo(path: Path, workers: int, orders: int, chunk: int, seed: int = 11) -> Any:
    """``workers`` -1: the checked path (``bulk.load`` chunk by chunk)."""
    audit.set_user("tester")
    open_database(str(path))
    try:
        stats = run_demo(
            orders,
            seed=seed,
            today=TODAY,
            chunk=chunk,
            workers=max(0, workers),
            checked=workers < 0,
        )
        assert recompute.check() == []
        return stats
    finally:
        close_database()


def test_workers_write_what_the_checked_path_writes(
    tmp_path: Path, sqlite_tables: Callable[[Path], dict[str, Any]]
) -> None:
    checked = _demo(tmp_path / "checked.db", -1, 2500, 400)
    fast = _demo(tmp_path / "fast.db", 2, 2500, 400)
    assert (fast.orders, fast.chunks, fast.rows, fast.offers) == (
        checked.orders,
        checked.chunks,
        checked.rows,
        checked.offers,
    )
    assert fast.tables == checked.tables
    a, b = sqlite_tables(tmp_path / "checked.db"), sqlite_tables(tmp_path / "fast.db")
    assert a.keys() == b.keys()
    for table in a:
        assert a[table] == b[table], table
    assert b["order"] and b["financial_document"] and b["offer"]


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_any_number_of_workers_and_the_schema_after(
    tmp_path: Path, workers: int, sqlite_tables: Callable[[Path], dict[str, Any]]
) -> None:
    fresh = tmp_path / "fresh.db"
    open_database(str(fresh))
    close_database()
    _demo(tmp_path / "checked.db", -1, 700, 150, seed=4)
    _demo(tmp_path / "fast.db", workers, 700, 150, seed=4)
    a, b = sqlite_tables(tmp_path / "checked.db"), sqlite_tables(tmp_path / "fast.db")
    assert a == b
    # every index of a freshly made database is there again
    assert b["schema"] == sqlite_tables(fresh)["schema"]


def test_workers_move_the_sequences(tmp_path: Path) -> None:
    path = tmp_path / "fast.db"
    _demo(path, 2, 300, 100)
    open_database(str(path))
    try:
        last = {(k, y): n for k, y, n in NumberSequence.select().tuples() if k == "order"}
        top = max(Order.select(Order.number).tuples())[0]
        year, seq = int(top[:4]), int(top[5:])
        assert last[("order", year)] >= seq
    finally:
        close_database()


def test_a_worker_error_rolls_everything_back(db: Database, monkeypatch: Any) -> None:
    if not bulk.is_sqlite():
        pytest.skip("the workers run on SQLite")
    # a chunk that breaks a rule: the workers are separate processes, so the fault must come
    # from the data they generate: a taxes clash with the database
    from tui_orders.data.masterdata import create_tax

    create_tax("ДДС 20%", Decimal("20"))
    with pytest.raises(ValidationError, match="already exists"):
        run_demo(300, seed=1, today=TODAY, chunk=100, workers=2)
    assert not Order.select().exists()
    indexes = db.execute_sql(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchone()[0]
    assert indexes > 30


def test_detached_prepare_equals_load_rows() -> None:
    """The catalog answers the look-ups the database would (master data of earlier chunks)."""
    chunks = list(generate(600, seed=3, today=TODAY, chunk=200))
    catalog = bulk.Catalog(
        next_ids={m._meta.table_name: 1 for m in bulk._TABLES}, user="u", now="t", sqlite=True
    )
    other = bulk.Catalog(
        next_ids={m._meta.table_name: 1 for m in bulk._TABLES}, user="u", now="t", sqlite=True
    )
    for n, data in enumerate(chunks):
        prepared = bulk.prepare_detached(data, catalog, source="demo")
        if n == 0:
            bulk.prepare_detached(data, other, source="demo")
        else:
            other.skip(data)  # counts the keys without preparing
        assert catalog.next_ids == other.next_ids
        assert prepared.numbers == [o.number for o in data.orders]
    assert catalog.masters == other.masters


def test_detached_prepare_checks_like_load() -> None:
    data = next(iter(generate(50, seed=2, today=TODAY, chunk=50)))
    data.orders[3].items[0].qty = Decimal("-1")
    catalog = bulk.Catalog(
        next_ids={m._meta.table_name: 1 for m in bulk._TABLES}, user="u", now="t", sqlite=True
    )
    with pytest.raises(ValidationError) as info:
        bulk.prepare_detached(data, catalog, source="demo")
    assert info.value.path == "orders[3].items[0].qty"


def test_import_into_empty_tables_builds_the_indexes_after(db: Database, monkeypatch: Any) -> None:
    """A large load into empty tables drops and rebuilds the indexes; a failure afterwards
    (a unique index that cannot be built) leaves the database as it was, indexes included."""
    monkeypatch.setattr(bulk, "DEFER_INDEXES_ROWS", 10)
    if not bulk.is_sqlite():
        pytest.skip("SQLite only")
    gen = DemoGenerator(200, seed=5, today=TODAY)
    data = Dataset()
    for chunk in gen.chunks(1000):
        data.taxes += chunk.taxes
        data.clients += chunk.clients
        data.articles += chunk.articles
        data.offers += chunk.offers
        data.orders += chunk.orders
    before = db.execute_sql("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    built: list[str] = []
    real = bulk.deferred_indexes

    def spy() -> Any:
        built.append("yes")
        return real()

    monkeypatch.setattr(bulk, "deferred_indexes", spy)
    stats = bulk.load(data, source="import")
    assert built and stats.orders == 200
    assert recompute.check() == []
    after = db.execute_sql("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert after == before


# --------------------------------------------------------------------------- import fast paths


def _parse_both(obj: Any, monkeypatch: Any) -> tuple[str, str]:
    """repr (Decimal exponents included) of the parse, or the error, with and without the fast
    parsers of orders and offers."""
    from tui_orders.data import interchange

    def outcome() -> str:
        try:
            return repr(interchange.parse(obj))
        except ValidationError as exc:
            return f"error {exc.path}: {exc.message}"

    fast = outcome()

    def refuse(rec: Any) -> Any:
        raise interchange._Slow

    with monkeypatch.context() as m:
        m.setattr(interchange, "_order_fast", refuse)
        m.setattr(interchange, "_offer_fast", refuse)
        full = outcome()
    return fast, full


def test_fast_parse_equals_full_parse(tmp_path: Path, monkeypatch: Any) -> None:
    import copy

    from tui_orders.data import interchange

    path = tmp_path / "demo.db"
    _demo(path, 0, 400, 400, seed=6)
    open_database(str(path))
    try:
        obj = interchange.export_data()
    finally:
        close_database()
    fast, full = _parse_both(obj, monkeypatch)
    assert fast == full
    assert "Decimal('" in fast
    # records off the common shape: each goes to the full parser, same result or message
    faults: list[tuple[str, Any]] = [
        ("qty", " 12 "),
        ("qty", "12,5"),
        ("qty", "0"),
        ("qty", 12),
        ("qty", "1e3"),
        ("price", "-1"),
        ("price", "0"),
        ("price", "1.23456"),
        ("article", "  "),
        ("specs", None),
        ("specs", 5),
        ("extra", 1),
    ]
    for key, value in faults:
        bad = copy.deepcopy(obj)
        bad["orders"][7]["items"][0][key] = value
        bad["offers"][0]["items"][0][key] = value
        fast, full = _parse_both(bad, monkeypatch)
        assert fast == full, (key, value)
    for key, value in [
        ("created", "2024-02-30"),
        ("created", "2024-1-01"),
        ("created", "２０２４-01-01"),
        ("deadline", None),
        ("number", ""),
        ("number", None),
        ("tax", None),
        ("started", 1),
        ("cancelled", None),
        ("document", {"kind": None}),
        ("document", {"kind": "x"}),
        ("document", {"ref": 5}),
        ("payments", {}),
        ("links", [{"kind": "production", "number": "P1", "status": None}]),
        ("links", [{"kind": "production", "number": "P1", "status": "x"}]),
        ("deliveries", [{"kind": "sale", "number": "S", "date": "2024-01-01", "lines": None}]),
        ("documents", [{"type": "bill", "number": "1", "amount": "1", "issued": "2024-01-01"}]),
    ]:
        bad = copy.deepcopy(obj)
        bad["orders"][3][key] = value
        fast, full = _parse_both(bad, monkeypatch)
        assert fast == full, (key, value)


def test_gc_paused_restores_the_collector() -> None:
    import gc

    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            frozen = gc.get_freeze_count()
            with bulk.gc_paused():
                assert not gc.isenabled()
                with bulk.gc_paused():  # nested: nothing more
                    assert not gc.isenabled()
                assert not gc.isenabled()
            assert gc.isenabled() == enabled
            assert gc.get_freeze_count() == frozen
            with pytest.raises(RuntimeError), bulk.gc_paused():
                raise RuntimeError("boom")
            assert gc.isenabled() == enabled
            assert gc.get_freeze_count() == frozen
    finally:
        (gc.enable if was else gc.disable)()


# ------------------------------------------------------------------ the trusted path's compute

_LINK_STATUSES = ("planned", "in_progress", "done", "cancelled")


@st.composite
def _int_facts(draw: st.DrawFn) -> dict[str, Any]:
    """Random facts of one order in integers (the trusted path's form)."""
    ids = iter(range(1, 10_000))
    n_items = draw(st.integers(0, 5))
    items = [
        (
            next(ids),
            draw(st.integers(1, 3)),  # article: some stand on several lines
            draw(st.integers(1, 10**7)),  # qty in thousandths
            draw(st.integers(0, 10**8)),  # price in 1/10000
        )
        for _ in range(n_items)
    ]
    terms = [(next(ids), draw(st.integers(1, 10**9))) for _ in range(draw(st.integers(0, 3)))]
    documents: list[tuple[int, int, int | None, int | None]] = []
    for _ in range(draw(st.integers(0, 4))):
        roots = [d[0] for d in documents if d[3] is None]
        root = draw(st.sampled_from([None, *roots])) if roots else None
        term = draw(st.sampled_from([None, *(t[0] for t in terms)]))
        documents.append((next(ids), draw(st.integers(1, 10**9)), term, root))
    payments = [(next(ids), draw(st.integers(1, 10**9))) for _ in range(draw(st.integers(0, 3)))]
    allocations = []
    if payments and documents:
        for _ in range(draw(st.integers(0, 4))):
            allocations.append(
                (
                    draw(st.sampled_from([p[0] for p in payments])),
                    draw(st.sampled_from([d[0] for d in documents])),
                    draw(st.integers(1, 10**9)),
                )
            )
    delivered = [
        (draw(st.integers(1, 4)), draw(st.integers(1, 10**7)))
        for _ in range(draw(st.integers(0, 5)))
    ]
    return {
        "rate": draw(st.one_of(st.none(), st.integers(0, 100 * 10**4))),
        "started": draw(st.booleans()),
        "cancelled": draw(st.booleans()),
        "items": items,
        "terms": terms,
        "documents": documents,
        "payments": payments,
        "allocations": allocations,
        "delivered_lines": delivered,
        "active_deliveries": draw(st.integers(0, 2)),
        "link_statuses": draw(st.lists(st.sampled_from(_LINK_STATUSES), max_size=3)),
    }


def _dec(value: int, places: int) -> Decimal:
    return Decimal(value).scaleb(-places)


@settings(max_examples=400, deadline=None)
@given(_int_facts())
def test_compute_order_int_equals_compute_order(f: dict[str, Any]) -> None:
    facts = OrderFacts(
        tax_rate=None if f["rate"] is None else _dec(f["rate"], 4),
        started=f["started"],
        cancelled=f["cancelled"],
        items=[
            ItemFact(i, k, a, _dec(q, 3), _dec(p, 4))
            for k, (i, a, q, p) in enumerate(f["items"], 1)
        ],
        terms=[TermFact(i, _dec(c, 2)) for i, c in f["terms"]],
        documents=[DocumentFact(i, _dec(c, 2), t, r) for i, c, t, r in f["documents"]],
        payments=[PaymentFact(i, _dec(c, 2)) for i, c in f["payments"]],
        allocations=[AllocationFact(p, d, _dec(c, 2)) for p, d, c in f["allocations"]],
        delivered_lines=[(a, _dec(q, 3)) for a, q in f["delivered_lines"]],
        active_deliveries=f["active_deliveries"],
        link_statuses=list(f["link_statuses"]),
    )
    want = compute_order(facts)
    got = bulk.compute_order_int(**f)

    def cents(d: Decimal) -> int:
        return int(d.scaleb(2))

    assert got.subtotal == cents(want.subtotal)
    assert got.tax_amount == cents(want.tax_amount)
    assert got.total == cents(want.total)
    assert got.paid == cents(want.paid)
    assert got.unallocated == cents(want.unallocated)
    assert got.delivered_pct == cents(want.delivered_pct)
    assert got.financial_status == want.financial_status.value
    assert got.status == want.status.value
    assert got.item_amount == {k: cents(v) for k, v in want.item_amount.items()}
    assert got.item_delivered == {k: int(v.scaleb(3)) for k, v in want.item_delivered.items()}
    assert got.term_paid == {k: cents(v) for k, v in want.term_paid.items()}
    assert got.term_status == {k: v.value for k, v in want.term_status.items()}
    assert got.doc_paid == {k: cents(v) for k, v in want.doc_paid.items()}
    assert got.doc_status == {k: v.value for k, v in want.doc_status.items()}
    assert got.payment_unallocated == {k: cents(v) for k, v in want.payment_unallocated.items()}


def test_trusted_prepare_equals_checked_prepare() -> None:
    """Chunk by chunk, the trusted detached path builds exactly the checked one's rows."""
    catalogs = [
        bulk.Catalog(
            next_ids={m._meta.table_name: 1 for m in bulk._TABLES},
            user="t",
            now="2026-05-15 10:00:00",
            sqlite=True,
        )
        for _ in range(2)
    ]
    for data in DemoGenerator(600, 5, TODAY).chunks(200):
        checked = bulk.prepare_detached(data, catalogs[0], source="demo")
        trusted = bulk.prepare_detached(data, catalogs[1], source="demo", trusted=True)
        assert trusted.tables == checked.tables
        assert (trusted.numbers, trusted.tops) == (checked.numbers, checked.tops)


def test_load_computes_in_integers_what_check_recomputes(db: Database) -> None:
    """bulk.load (the import's path) computes every field with compute_order_int: the services'
    Decimal rules (``tui-orders check``) find nothing to repair, in empty and filled tables
    (the second load looks its names up, the first skips the empty tables)."""
    audit.set_user("tester")
    chunks = list(DemoGenerator(300, 9, TODAY).chunks(150))
    for data in chunks:
        bulk.load(data, source="import")
        assert recompute.check() == []
    assert Order.select().count() == 300


def test_load_still_finds_clashes_once_the_tables_hold_rows(db: Database) -> None:
    """Look-ups skip empty tables only: a second load of the same orders clashes."""
    audit.set_user("tester")
    data = next(iter(DemoGenerator(40, 4, TODAY).chunks(40)))
    bulk.load(data, source="import")
    again = Dataset(orders=data.orders)
    with pytest.raises(ValidationError) as info:
        bulk.load(again, source="import")
    assert info.value.path == "orders[0].number"
    assert "is already used in the database" in str(info.value)
