"""Latency of the everyday reads on a demo database (run by hand, never in CI).

Usage::

    python bench/bench_demo.py 1000000 --keep --dir /tmp      # makes the database
    python bench/bench_queries.py /tmp/bench-demo-1000000-<pid>.db [--reps N] [--today DATE]
                                  [--check-reps N]

It prints median and p95 over the repetitions of:

* ``order show``: :func:`interchange.export_order` of a random order number (falls back to
  :func:`orders.get_order` + :func:`recompute.load_facts` when interchange is missing);
* ``recompute.check()`` over the whole database (``--check-reps``, default 1: it reads all);
* "open orders due in the next 30 days": status not closed/cancelled, deadline from today to
  today + 30, by deadline, first 100 rows, and how many there are; with peewee (model
  instances and tuples) and with raw ``sqlite3`` running the very SQL peewee generates, as a
  ratio. The count both as peewee's ``.count()`` (which wraps the query in a subquery) and as
  the cheap ``SELECT COUNT(*) ... WHERE`` (``fn.COUNT(...).scalar()``), the form to use;
* :func:`queries.list_orders` with the same filter, as the list screens call it.

``today`` defaults to the newest creation date in the database (the demo's "today").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from peewee import fn

from tui_orders.data import recompute
from tui_orders.data.db import SQLITE_PRAGMAS, close_database, open_database
from tui_orders.data.models import Order

OPEN_EXCLUDED = ("closed", "cancelled")


def measure(fn_: Callable[[], Any], reps: int, warmup: int = 2) -> list[float]:
    for _ in range(min(warmup, reps)):
        fn_()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn_()
        times.append(time.perf_counter() - t0)
    return times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def row(name: str, times: list[float], note: str = "") -> tuple[str, int, float, float, str]:
    return name, len(times), statistics.median(times), p95(times), note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", help="a demo database file (bench_demo.py --keep)")
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--check-reps", type=int, default=1, help="0 skips recompute.check()")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not os.path.exists(args.db):
        parser.error(f"{args.db} does not exist")

    open_database(args.db)
    rng = random.Random(args.seed)
    orders = Order.select().count()
    today = args.today or Order.select(fn.MAX(Order.created)).scalar()
    size = sum(os.path.getsize(args.db + s) for s in ("", "-wal") if os.path.exists(args.db + s))
    print(
        f"bench_queries: {args.db}: {orders:,} orders, {size / 2**20:,.0f} MiB, today {today}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    results: list[tuple[str, int, float, float, str]] = []
    max_id = Order.select(fn.MAX(Order.id)).scalar()

    def random_number() -> str:
        while True:
            number = Order.select(Order.number).where(Order.id == rng.randint(1, max_id)).scalar()
            if number:
                return str(number)

    numbers = [random_number() for _ in range(args.reps + 2)]
    it = iter(numbers)
    try:
        from tui_orders.data.interchange import export_order

        results.append(
            row("order show (export_order)", measure(lambda: export_order(next(it)), args.reps))
        )
    except ImportError:
        from tui_orders.data.orders import get_order

        def show() -> None:
            order = get_order(next(it))
            recompute.load_facts([order.id])

        results.append(row("order show (get_order + load_facts)", measure(show, args.reps)))

    # ---- open orders due in the next 30 days
    end = today + dt.timedelta(days=30)
    where = (
        Order.status.not_in(OPEN_EXCLUDED),
        Order.deadline >= today,
        Order.deadline <= end,
    )
    page = (
        Order.select(
            Order.id,
            Order.number,
            Order.client,
            Order.deadline,
            Order.status,
            Order.financial_status,
            Order.total,
            Order.paid,
            Order.delivered_pct,
        )
        .where(*where)
        .order_by(Order.deadline, Order.id)
        .limit(100)
    )
    count_cheap = Order.select(fn.COUNT(Order.id)).where(*where)
    count_wrapped = Order.select().where(*where)
    page_sql, page_params = page.sql()
    cheap_sql, cheap_params = count_cheap.sql()
    wrapped_sql, _params = count_wrapped.sql()  # the inner query
    raw = sqlite3.connect(args.db)
    for pragma, value in SQLITE_PRAGMAS.items():  # the app's cache size etc., for a fair ratio
        raw.execute(f"PRAGMA {pragma} = {value}")
    n_open = count_cheap.scalar()
    assert n_open == count_wrapped.count()
    assert len(list(page.tuples())) == len(raw.execute(page_sql, page_params).fetchall())

    t_models = measure(lambda: list(page.clone()), args.reps)  # a query caches its rows
    t_tuples = measure(lambda: list(page.tuples()), args.reps)
    t_raw = measure(lambda: raw.execute(page_sql, page_params).fetchall(), args.reps)
    base = statistics.median(t_raw)
    results.append(row("due in 30 d: 100 rows, raw sqlite3", t_raw, "1.0x"))
    results.append(
        row("  peewee tuples", t_tuples, f"{statistics.median(t_tuples) / base:.1f}x raw")
    )
    results.append(
        row("  peewee model instances", t_models, f"{statistics.median(t_models) / base:.1f}x raw")
    )
    t_sql = measure(lambda: page.clone().sql(), args.reps)
    results.append(row("  of which peewee building the SQL", t_sql))
    t_count_raw = measure(lambda: raw.execute(cheap_sql, cheap_params).fetchone(), args.reps)
    t_count_cheap = measure(count_cheap.scalar, args.reps)
    t_count_wrapped = measure(count_wrapped.count, args.reps)
    cbase = statistics.median(t_count_raw)
    results.append(row(f"due in 30 d: count ({n_open:,}), raw", t_count_raw, "1.0x"))
    results.append(
        row(
            "  peewee fn.COUNT().scalar()",
            t_count_cheap,
            f"{statistics.median(t_count_cheap) / cbase:.1f}x raw",
        )
    )
    results.append(
        row(
            "  peewee .count() (subquery)",
            t_count_wrapped,
            f"{statistics.median(t_count_wrapped) / cbase:.1f}x raw",
        )
    )
    try:
        from tui_orders.data.queries import list_orders

        statuses = ["new", "in_progress", "ready"]
        results.append(
            row(
                "queries.list_orders(due 30 d, 100)",
                measure(
                    lambda: list_orders(statuses=statuses, due_within=30, limit=100, today=today),
                    args.reps,
                ),
            )
        )
    except ImportError:
        pass

    if args.check_reps > 0:
        t_check = measure(recompute.check, args.check_reps, warmup=0)
        per = statistics.median(t_check) / max(1, orders) * 1e6
        results.append(row("recompute.check()", t_check, f"{per:.0f} µs/order"))

    print()
    print(f"{'query':<40}{'reps':>6}{'median ms':>12}{'p95 ms':>12}  note")
    for name, reps, median, high, note in results:
        print(f"{name:<40}{reps:>6}{median * 1e3:>12.3f}{high * 1e3:>12.3f}  {note}")
    print()
    print("page SQL:  ", page_sql)
    print("count SQL: ", cheap_sql)
    print("peewee .count() runs: SELECT COUNT(1) FROM (", wrapped_sql, ") AS _wrapped")
    for name, sql, params in (("page", page_sql, page_params), ("count", cheap_sql, cheap_params)):
        plan = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        print(f"plan {name}: " + "; ".join(str(r[-1]) for r in plan))
    raw.close()
    close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
