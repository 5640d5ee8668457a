"""Many terminals on one database at the same moment, on SQLite and on PostgreSQL.

Separate processes (started with "spawn", each opening the database itself, as separate
terminals would) create orders and record payments against the same few orders at once.
Nothing may be lost, doubled or numbered twice, and no lock race may reach the caller.
Two terminals editing one order: the later save with a stale version is refused whole.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from peewee import Database

from tui_orders.data import audit, masterdata, orders, recompute
from tui_orders.data.db import close_database, open_database
from tui_orders.data.errors import ConflictError
from tui_orders.data.models import (
    AuditLog,
    Client,
    NumberSequence,
    Order,
    OrderItem,
    Payment,
    SchemaVersion,
    parse_number,
)
from tui_orders.data.schema import SCHEMA_VERSION

PROCESSES = 4
ORDERS_EACH = 25
SHARED_ORDERS = 3
YEAR = 2031
CREATED = dt.date(YEAR, 3, 2)
DEADLINE = dt.date(YEAR, 6, 30)
CLIENT = "Concurrent Ltd"
#: Seconds a whole multi-process run may take before the test gives up on it.
TIMEOUT = 120

Result = tuple[Any, ...]


# --------------------------------------------------------------------------- in the children
# Top-level functions: a "spawn" child imports this module to find them.


def _terminal(
    url: str,
    worker: int,
    shared: Sequence[int],
    barrier: Any,
    results: Any,
) -> None:
    """One terminal: open the database, wait for the others, then create and pay, fast."""
    try:
        audit.set_user(f"terminal-{worker}")
        open_database(url)
        barrier.wait(timeout=60)
        numbers: list[str] = []
        payments: list[tuple[int, int, str]] = []
        for i in range(ORDERS_EACH):
            order = orders.create_order(
                CLIENT, DEADLINE, created=CREATED, note=f"terminal {worker}, order {i}"
            )
            numbers.append(order.number)
            target = shared[(worker + i) % len(shared)]
            amount = f"{worker + 1}.{i:02d}"
            payment = orders.record_payment(target, CREATED, amount, note=f"t{worker} p{i}")
            payments.append((payment.id, target, amount))
        results.put(("ok", worker, numbers, payments))
    except BaseException:
        barrier.abort()  # the others must not wait for this one
        results.put(("error", worker, traceback.format_exc()))
    finally:
        close_database()


def _first_open(url: str, worker: int, shared: Sequence[int], barrier: Any, results: Any) -> None:
    """Open a database nobody has created yet, all at the same moment, and use it."""
    try:
        audit.set_user(f"terminal-{worker}")
        barrier.wait(timeout=60)
        open_database(url)
        client = masterdata.create_client(f"Client of terminal {worker}", "EUR")
        results.put(("ok", worker, client.id))
    except BaseException:
        barrier.abort()
        results.put(("error", worker, traceback.format_exc()))
    finally:
        close_database()


def _racer(url: str, worker: int, shared: Sequence[int], barrier: Any, results: Any) -> None:
    """Save the same order with the same version as every other terminal, at once."""
    try:
        audit.set_user(f"terminal-{worker}")
        open_database(url)
        order_id, version = shared
        barrier.wait(timeout=60)
        try:
            orders.update_order(order_id, version, note=f"from terminal {worker}")
            results.put(("ok", worker, "saved"))
        except ConflictError as exc:
            results.put(("ok", worker, f"conflict: {exc}"))
    except BaseException:
        barrier.abort()
        results.put(("error", worker, traceback.format_exc()))
    finally:
        close_database()


# --------------------------------------------------------------------------- in the parent


def run_terminals(
    target: Callable[..., None], url: str, shared: Sequence[int] = ()
) -> list[Result]:
    """Start ``PROCESSES`` spawned terminals together; their results, errors included."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(url, n, list(shared), barrier, results), daemon=True)
        for n in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    collected: list[Result] = []
    try:
        for _ in procs:
            collected.append(results.get(timeout=TIMEOUT))
    except queue.Empty:
        codes = [p.exitcode for p in procs]
        pytest.fail(f"terminals did not report within {TIMEOUT}s (exit codes {codes})")
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
                p.join()
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    errors = [r for r in collected if r[0] == "error"]
    locked = [r for r in errors if "database is locked" in r[2]]
    assert not locked, "a lock race reached the caller:\n" + "\n".join(r[2] for r in locked)
    assert not errors, "terminals failed:\n" + "\n".join(f"[{r[1]}] {r[2]}" for r in errors)
    return sorted(collected, key=lambda r: r[1])


@pytest.mark.slow
def test_terminals_create_and_pay_at_once(db: Database, db_url: str) -> None:
    masterdata.create_client(CLIENT, "EUR")
    shared = [orders.create_order(CLIENT, DEADLINE, created=CREATED) for _ in range(SHARED_ORDERS)]
    shared_ids = [o.id for o in shared]

    results = run_terminals(_terminal, db_url, shared_ids)

    total = SHARED_ORDERS + PROCESSES * ORDERS_EACH
    numbers = [o.number for o in shared] + [n for r in results for n in r[2]]
    assert len(numbers) == total
    assert len(set(numbers)) == total, "an order number was handed out twice"
    seqs = sorted(parsed[1] for parsed in map(parse_number, numbers) if parsed)
    assert seqs == list(range(1, total + 1)), "order numbers have gaps or are not of the year"
    assert all(n.startswith(f"{YEAR}-") for n in numbers)
    for r in results:  # each terminal got ever larger numbers
        assert r[2] == sorted(r[2])
    stored = {o.number for o in Order.select(Order.number)}
    assert stored == set(numbers)
    last = NumberSequence.get(NumberSequence.kind == "order", NumberSequence.year == YEAR).last
    assert last == total
    creates = AuditLog.select().where(AuditLog.action == "create", AuditLog.entity == "order")
    assert creates.count() == total

    reported = {(pid, oid, Decimal(amount)) for r in results for pid, oid, amount in r[3]}
    assert len(reported) == PROCESSES * ORDERS_EACH
    in_db = {(p.id, p.order_id, p.amount) for p in Payment.select()}
    assert in_db == reported, "a payment was lost or appeared from nowhere"
    for order_id in shared_ids:
        mine = [amount for _pid, oid, amount in reported if oid == order_id]
        order = Order.get_by_id(order_id)
        assert order.paid == sum(mine, Decimal(0)), f"order {order.number}: lost update of paid"
        assert order.version == 1 + len(mine)
    assert recompute.check() == []


@pytest.mark.slow
def test_terminals_open_a_new_database_at_once(db_url: str) -> None:
    results = run_terminals(_first_open, db_url)

    open_database(db_url)
    assert [v.version for v in SchemaVersion.select()] == [SCHEMA_VERSION]
    assert sorted(c.id for c in Client.select()) == sorted(r[2] for r in results)
    assert Client.select().count() == PROCESSES


@pytest.mark.slow
def test_terminals_saving_one_order_with_one_version_exactly_one_wins(
    db: Database, db_url: str
) -> None:
    masterdata.create_client(CLIENT, "EUR")
    order = orders.create_order(CLIENT, DEADLINE, created=CREATED)

    results = run_terminals(_racer, db_url, [order.id, order.version])

    saved = [r[1] for r in results if r[2] == "saved"]
    assert len(saved) == 1, results
    conflicts = [r[2] for r in results if r[2].startswith("conflict")]
    assert len(conflicts) == PROCESSES - 1
    assert all(order.number in text for text in conflicts)
    after = orders.get_order(order.id)
    assert after.version == order.version + 1
    assert after.note == f"from terminal {saved[0]}"
    updates = AuditLog.select().where(AuditLog.action == "update", AuditLog.order == order.id)
    assert [u.user for u in updates] == [f"terminal-{saved[0]}"]


# --------------------------------------------------------------------------- stale versions


def _order_with_item(db: Database) -> Order:
    masterdata.create_client(CLIENT, "EUR")
    masterdata.create_article("A-1", "Bolt", "2.50")
    order = orders.create_order(CLIENT, DEADLINE, created=CREATED, note="first")
    orders.add_item(order.id, "A-1", "4")
    return orders.get_order(order.id)


def test_second_terminal_with_a_stale_version_saves_nothing(db: Database) -> None:
    order = _order_with_item(db)
    # Both terminals open the order and read its version.
    version_a = orders.get_order(order.number).version
    version_b = orders.get_order(order.number).version
    assert version_a == version_b

    audit.set_user("anna")
    saved = orders.update_order(order.number, version_a, note="from anna")
    assert saved.version == version_a + 1
    history_before = AuditLog.select().count()

    audit.set_user("boris")
    with pytest.raises(ConflictError) as caught:
        orders.update_order(
            order.number, version_b, note="from boris", deadline=dt.date(YEAR, 7, 1)
        )
    message = str(caught.value)
    assert order.number in message
    assert "anna" in message  # who changed it first

    after = orders.get_order(order.id)
    assert after.note == "from anna"
    assert after.deadline == DEADLINE
    assert after.version == version_a + 1
    assert AuditLog.select().count() == history_before
    assert not AuditLog.select().where(AuditLog.user == "boris").exists()

    # With the fresh version, boris's change goes through.
    redone = orders.update_order(order.number, after.version, note="from boris")
    assert redone.note == "from boris"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda o, v: orders.record_payment(o.id, CREATED, "5.00", expected_version=v),
            id="record_payment",
        ),
        pytest.param(
            lambda o, v: orders.add_item(o.id, "A-1", "1", expected_version=v), id="add_item"
        ),
        pytest.param(
            lambda o, v: orders.add_term(o.id, "advance", DEADLINE, "3", v), id="add_term"
        ),
        pytest.param(lambda o, v: orders.start_order(o.id, v), id="start_order"),
        pytest.param(lambda o, v: orders.cancel_order(o.id, "client asked", v), id="cancel_order"),
    ],
)
def test_every_change_with_a_stale_version_is_refused_whole(
    db: Database, change: Callable[[Order, int], Any]
) -> None:
    order = _order_with_item(db)
    stale = order.version
    orders.update_order(order.id, stale, note="moved on")
    snapshot = (
        Payment.select().count(),
        OrderItem.select().count(),
        AuditLog.select().count(),
        Order.get_by_id(order.id).__data__,
    )
    with pytest.raises(ConflictError, match=order.number):
        change(order, stale)
    assert snapshot == (
        Payment.select().count(),
        OrderItem.select().count(),
        AuditLog.select().count(),
        Order.get_by_id(order.id).__data__,
    )
