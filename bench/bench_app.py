"""How fast the home screen is on a big database: start, keys, search, opening an order.

    python bench/bench_app.py DBFILE [--reps 100] [--size 120x40]

Runs the app headless (``App.run_test``) on DBFILE (e.g. a million orders made by
``tui-orders --db /tmp/m1.db demo --orders 1000000``) and prints a table of median and p95.
A key's latency is the time from posting the key event to the app until the first frame
drawn after the key took effect (``App._display`` is wrapped to note when frames are drawn),
so it includes the handler, layout and rendering, not Pilot's idle waiting. Run by hand, never
in CI.
"""

# The closures in loops are awaited within their iteration, so late binding is harmless.
# ruff: noqa: B023
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Static


def median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


class FrameClock:
    """Notes the time of every frame the app draws."""

    def __init__(self, app: App[Any]) -> None:
        self.last = 0.0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            self.last = time.perf_counter()

        app._display = display  # type: ignore[method-assign]


async def until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError(f"condition not met: {what}")
        await asyncio.sleep(0.0005)


async def key_latency(
    app: App[Any], clock: FrameClock, key: str, done: Callable[[], bool] = lambda: True
) -> float:
    """Post ``key``; wait until ``done()`` and a frame drawn after it."""
    start = time.perf_counter()
    app.post_message(events.Key(key, None))
    await until(done)
    # the frame that shows the result: drawn after the condition became true
    seen = time.perf_counter()
    await until(lambda: clock.last >= seen)
    return clock.last - start


def import_seconds(module: str, reps: int = 3) -> float:
    """Median time to import ``module`` in a new interpreter, its bytecode cached (after a
    warm-up import; see :func:`child_env`)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as cache:
        env = child_env(True, cache)
        runs = [
            float(
                subprocess.run(
                    [sys.executable, "-c", code],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                ).stdout
            )
            for _ in range(reps + 1)
        ]
    return statistics.median(runs[1:])


#: run in a fresh interpreter: build the app, exit after the first frame drawn once ready
STARTUP_CHILD = """
import os, sys, threading
KIND, DB = sys.argv[1], sys.argv[2]

def give_up():
    sys.stderr.write("no first frame within 60 s\\n")
    sys.stderr.flush()
    os._exit(1)

watchdog = threading.Timer(60, give_up)
watchdog.daemon = True
watchdog.start()
if KIND == "bare":
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("one line")

    app = Bare()
    ready = lambda: True
else:
    from tui_orders.app import create_app

    app = create_app(DB, lang="en", poll_seconds=3600)

    def ready():  # the list drawn: with its first rows (or saying there are none)
        screen = app.screen
        return type(screen).__name__ == "OrdersScreen" and any(
            t.row_count or t.loaded for t in screen.query("OrderTable")
        )

original = app._display

def display(screen, renderable):
    original(screen, renderable)
    if renderable is not None and ready():
        sys.stdout.write("painted\\n")
        sys.stdout.flush()
        app.exit()

app._display = display
app.run(headless=True, size=(120, 40))
"""


def child_env(bytecode: bool, cache: str) -> dict[str, str]:
    """The start-up children's environment. ``bytecode``: as an installed package runs, its
    compiled modules cached (``pip install`` compiles them; an editable checkout writes
    ``__pycache__`` on its first run), here in ``cache`` so the checkout stays as it is; else
    every module without bytecode is compiled from source at every start (what a shell with
    ``PYTHONDONTWRITEBYTECODE=1`` does for the checkout's own modules; the bare app has none)."""
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env


def startup_once(kind: str, db: str, env: dict[str, str]) -> float:
    """From starting a new interpreter to its first frame painted with the list (or, for
    ``bare``, the one line): imports, start-up, database and drawing."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", STARTUP_CHILD, kind, db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    painted = time.perf_counter() - start
    _, stderr = child.communicate(timeout=30)
    if line.strip() != "painted":
        raise RuntimeError(f"{kind} start-up child failed: {stderr}")
    return painted


def startup_seconds(db: str, reps: int = 7, *, bytecode: bool = True) -> dict[str, list[float]]:
    """``startup_once`` of the bare app and of tui-orders, alternately (a machine whose load
    changes during the runs then weighs on both alike), after one warm-up run of each."""
    times: dict[str, list[float]] = {"bare": [], "orders": []}
    with tempfile.TemporaryDirectory(prefix="bench-pyc-") as cache:
        env = child_env(bytecode, cache)
        for kind in times:
            startup_once(kind, db, env)  # writes the bytecode; warms the OS file cache
        for _ in range(reps):
            for kind, runs in times.items():
                runs.append(startup_once(kind, db, env))
    return times


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("one line")


class BareTable(App[None]):
    """A bare app that, like tui-orders, pushes a screen holding a 150-row DataTable."""

    def on_mount(self) -> None:
        from textual.screen import Screen
        from textual.widgets import DataTable, Footer, Header

        class TableScreen(Screen[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield DataTable()
                yield Footer()

            def on_mount(self) -> None:
                table = self.query_one(DataTable)
                table.add_columns(*[f"col {i}" for i in range(9)])
                table.add_rows([[f"cell {r}-{c}" for c in range(9)] for r in range(150)])

        self.push_screen(TableScreen())


def _table_shown(app: App[Any]) -> bool:
    from textual.widgets import DataTable

    return any(t.row_count for t in app.screen.query(DataTable))


async def bare_first_paint(
    size: tuple[int, int],
    app_class: type[App[None]] = Bare,
    ready: Callable[[App[Any]], bool] = lambda app: True,
) -> float:
    start = time.perf_counter()
    app = app_class()
    clock = FrameClock(app)
    async with app.run_test(size=size) as pilot:
        await until(lambda: ready(app))
        shown = time.perf_counter()
        await until(lambda: clock.last > shown)
        painted = clock.last - start
        await pilot.pause(0.3)
        return painted


def raw_window_seconds(path: str, sql: str, params: list[Any], reps: int) -> list[float]:
    con = sqlite3.connect(path)
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        con.execute(sql, params).fetchall()
        times.append(time.perf_counter() - start)
    con.close()
    return times


def captured_sql(work: Callable[[], Any]) -> tuple[str, list[Any]]:
    """The last SQL peewee ran in ``work()``, with its parameters."""
    seen: list[tuple[str, list[Any]]] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if isinstance(record.msg, tuple):
                seen.append((record.msg[0], list(record.msg[1])))

    logger = logging.getLogger("peewee")
    handler = Grab()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        work()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    return seen[-1]


async def run(path: str, reps: int, size: tuple[int, int]) -> list[tuple[str, list[float], str]]:
    from tui_orders.app import create_app
    from tui_orders.data import queries
    from tui_orders.screens.orders import OrdersScreen
    from tui_orders.widgets.order_summary import OrderSummary
    from tui_orders.widgets.order_table import WINDOW, OrderTable

    results: list[tuple[str, list[float], str]] = []
    bare = [await bare_first_paint(size) for _ in range(3)]
    results.append(("first paint: bare Textual app, one Static", bare, ""))
    bare_table = [await bare_first_paint(size, BareTable, _table_shown) for _ in range(3)]
    results.append(("first paint: bare app pushing a 150-row DataTable", bare_table, ""))

    paints: list[float] = []
    for attempt in range(3):
        start = time.perf_counter()
        app = create_app(path, lang="en", poll_seconds=3600)
        clock = FrameClock(app)
        async with app.run_test(size=size) as pilot:

            def listed() -> bool:
                screen = app.screen
                return isinstance(screen, OrdersScreen) and any(
                    t.row_count > 0 for t in screen.query(OrderTable)
                )

            await until(listed)
            shown = time.perf_counter()
            await until(lambda: clock.last > shown)
            paints.append(clock.last - start)
            if attempt < 2:
                await pilot.pause(0.3)  # let the screen settle before leaving
                continue
            screen = app.screen
            assert isinstance(screen, OrdersScreen)
            table = screen.query_one(OrderTable)
            summary = screen.query_one(OrderSummary)
            await pilot.pause(0.5)

            # cursor down, through several windows (slides happen in workers)
            downs = []
            for _ in range(reps * 3):
                row = table.cursor_row
                order = table.current_order_id()
                downs.append(
                    await key_latency(
                        app,
                        clock,
                        "down",
                        lambda r=row, o=order: (
                            table.current_order_id() != o or table.cursor_row != r
                        ),
                    )
                )
                await asyncio.sleep(0.002)
            results.append(
                ("cursor down (key to frame)", downs, f"{reps * 3} keys, window {WINDOW} rows")
            )

            pages = []
            for _ in range(reps):
                order = table.current_order_id()
                pages.append(
                    await key_latency(
                        app, clock, "pagedown", lambda o=order: table.current_order_id() != o
                    )
                )
                await asyncio.sleep(0.01)
            results.append(("page down (key to frame)", pages, f"at order ~{table.window_offset}"))

            # the detail pane, once the cursor rests (debounce included)
            panes = []
            for _ in range(max(5, reps // 5)):
                await pilot.pause(0.3)
                start_key = time.perf_counter()
                app.post_message(events.Key("down", None))
                await until(
                    lambda: (
                        summary.order is not None
                        and table.current_row() is not None
                        and summary.order["number"] == table.current_row().number  # type: ignore[union-attr]
                        and clock.last > start_key
                    )
                )
                panes.append(time.perf_counter() - start_key)
            results.append(("detail pane loaded after a key", panes, "incl. 90 ms debounce"))

            # typed search: key to the list showing the result
            await pilot.press("slash")
            searches = []
            texts = ["2026-1", "2026-12", "2026-123", "acm", "acme"]
            for i in range(max(5, reps // 5)):
                text = texts[i % len(texts)]
                search_input = screen.query_one("#orders-search")
                search_input.value = text[:-1]  # type: ignore[attr-defined]
                search_input.cursor_position = len(text) - 1  # type: ignore[attr-defined]
                await pilot.pause(0.3)
                await until(lambda: not table._fetching)
                start_key = time.perf_counter()
                app.post_message(events.Key(text[-1], text[-1]))
                await until(
                    lambda t=text: (
                        table.query_state.search == t
                        and not table._fetching
                        and clock.last > start_key
                    ),
                    what=f"search {text!r}: {search_input.value!r} {table.query_state.search!r} "
                    f"{table._fetching}",
                )
                searches.append(time.perf_counter() - start_key)
            results.append(("search: key to list shown", searches, "incl. 150 ms debounce"))
            search_input.value = ""  # type: ignore[attr-defined]
            await pilot.press("enter")
            await pilot.pause(0.5)

            # opening an order
            opens = []
            try:
                from tui_orders.screens.order import OrderScreen
            except ImportError:
                OrderScreen = None  # type: ignore[assignment,misc]
            if OrderScreen is not None:
                for _ in range(max(5, reps // 10)):
                    start_key = time.perf_counter()
                    app.post_message(events.Key("enter", None))
                    await until(lambda: isinstance(app.screen, OrderScreen))
                    await pilot.pause()
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.1)
                    # the last frame drawn: the order with everything its workers read
                    opens.append(clock.last - start_key)
                    await pilot.press("escape")
                    await until(lambda: isinstance(app.screen, OrdersScreen))
                    await pilot.pause(0.3)
                    await pilot.press("down")
                results.append(("open an order (Enter to order screen drawn)", opens, ""))
    results.insert(2, ("first paint: tui-orders list (open db, query, draw)", paints, ""))

    # the same windows, raw sqlite3 and through the data layer
    from tui_orders.data.db import open_database

    open_database(path)
    first = queries.fetch_orders(limit=WINDOW)
    sql, params = captured_sql(lambda: queries.fetch_orders(limit=WINDOW))
    results.append(("raw sqlite3: first window", raw_window_seconds(path, sql, params, reps), ""))
    sql, params = captured_sql(lambda: queries.fetch_orders(after=first[-1].key, limit=WINDOW))
    results.append(
        ("raw sqlite3: next window (keyset)", raw_window_seconds(path, sql, params, reps), "")
    )
    peewee_times = []
    for _ in range(reps):
        start = time.perf_counter()
        queries.fetch_orders(after=first[-1].key, limit=WINDOW)
        peewee_times.append(time.perf_counter() - start)
    results.append(("fetch_orders: next window", peewee_times, "data layer"))
    counts = []
    for _ in range(5):
        start = time.perf_counter()
        queries.count_orders(cap=100_000)
        counts.append(time.perf_counter() - start)
    results.append(("count_orders(cap=100k) (worker)", counts, ""))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--size", default="120x40")
    parser.add_argument(
        "--startup-reps", type=int, default=7, help="start-up runs of each app (default 7)"
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="also time start-up with every module compiled from source at each start",
    )
    parser.add_argument(
        "--startup-only", action="store_true", help="only the start-up figures (a few seconds)"
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    print(f"database {args.db}, terminal {width}x{height}, {dt.datetime.now():%Y-%m-%d %H:%M}")
    loadavg = Path("/proc/loadavg")
    load = loadavg.read_text().split()[:3] if loadavg.exists() else ["?"]
    print(f"load average {' '.join(load)}")
    imports = [
        ("import textual.app", import_seconds("textual.app")),
        ("import tui_orders.app", import_seconds("tui_orders.app")),
    ]
    cached = startup_seconds(args.db, args.startup_reps)
    startup = [
        ("process start to first paint: bare app, one line", cached["bare"]),
        ("process start to first paint: tui-orders list", cached["orders"]),
    ]
    source = startup_seconds(args.db, 3, bytecode=False) if args.no_bytecode else None
    results = [] if args.startup_only else asyncio.run(run(args.db, args.reps, (width, height)))
    print()
    print(f"{'measure':52} {'n':>4} {'median ms':>10} {'p95 ms':>9}  note")
    for name, seconds in imports:
        print(f"{name:52} {3:>4} {seconds * 1000:>10.1f} {'':>9}")
    for name, values, note in results:
        med, p95 = median_p95(values)
        print(f"{name:52} {len(values):>4} {med * 1000:>10.1f} {p95 * 1000:>9.1f}  {note}")
    for name, values in startup:
        med, p95 = median_p95(values)
        print(f"{name:52} {len(values):>4} {med * 1000:>10.1f} {p95 * 1000:>9.1f}")
    ratio = statistics.median(startup[1][1]) / statistics.median(startup[0][1])
    print(f"{'ratio tui-orders / bare (from process start)':52} {'':>4} {ratio:>10.2f}")
    runs = " ".join(
        f"{b * 1000:.0f}/{o * 1000:.0f}"
        for b, o in zip(cached["bare"], cached["orders"], strict=True)
    )
    print(f"  runs, bare/tui-orders ms, alternately: {runs}")
    if source is not None:
        print("without bytecode (every module compiled from source at each start):")
        for kind, label in (("bare", "bare app, one line"), ("orders", "tui-orders list")):
            med, p95 = median_p95(source[kind])
            print(f"{'  process start to first paint: ' + label:52} {3:>4} {med * 1000:>10.1f}")
        ratio = statistics.median(source["orders"]) / statistics.median(source["bare"])
        print(f"{'  ratio tui-orders / bare':52} {'':>4} {ratio:>10.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (ru_maxrss): {peak:.0f} MB")


if __name__ == "__main__":
    main()
