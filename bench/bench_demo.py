"""How fast the demo generator fills a fresh SQLite database, against the raw floor.

Run by hand (never in CI)::

    python bench/bench_demo.py [ORDERS] [--seed S] [--chunk C] [--workers W] [--dir DIR]
                               [--keep] [--breakdown] [--no-floor] [--no-import]
                               [--sequential]

It times :func:`tui_orders.data.demo.run_demo` for ORDERS orders (default 100000) into a fresh
SQLite file (what ``tui-orders demo`` runs), then ``tui-orders import`` of that data: the demo
database is exported to a JSON file (not timed) and :func:`interchange.import_file` reads it
into another fresh file as the command does (timed: reading and decoding the JSON, checking
its structure, loading it; on two processes, :mod:`tui_orders.data.split_import`, when the
file is large enough). ``--sequential`` also times the same import on one process (the road
of small files, and of bad ones, which is also what the import costs with one CPU).
Then it measures the floor in the same run: the very same rows, read back into Python tuples,
inserted with plain ``sqlite3`` ``executemany`` into another fresh file with the same schema
(copied from ``sqlite_master``: every table and index in place), the same pragmas and one
transaction. Only the ``executemany`` calls and the commit count for the floor; reading the
tuples does not. The figure of merit is the share of the raw rate each path reaches
(floor seconds / path seconds; the issue asks for at least 0.5).

``--workers`` is passed to ``run_demo`` (default: its own choice, :func:`demo.default_workers`:
1 on 2 or more CPUs). ``import_file`` runs as the command does (the garbage collector paused).
``--breakdown`` also splits the load time into the loader's parts (computing the orders'
fields, database look-ups, inserting) by wrapping those functions with timers; it adds a
little overhead of its own, and sees only this process (with workers: the inserts). The
files are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui_orders.data import audit, bulk, interchange, split_import
from tui_orders.data.db import SQLITE_PRAGMAS, close_database, open_database
from tui_orders.data.demo import default_workers, run_demo

#: Tables of the app that the demo does not write (they are left out of the floor).
NOT_DEMO = {"schema_version", "number_sequence"}
READ_BATCH = 50_000


def _timed(acc: dict[str, float], key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            acc[key] += time.perf_counter() - t0

    return wrapper


def run(
    orders: int, seed: int, chunk: int, path: Path, breakdown: bool, workers: int
) -> dict[str, Any]:
    audit.set_user("bench")
    open_database(str(path))
    parts = {"compute_order": 0.0, "db look-ups": 0.0, "bulk_insert": 0.0}
    originals = bulk.compute_order, bulk._lookup, bulk.bulk_insert
    if breakdown:
        bulk.compute_order = _timed(parts, "compute_order", bulk.compute_order)
        bulk._lookup = _timed(parts, "db look-ups", bulk._lookup)
        bulk.bulk_insert = _timed(parts, "bulk_insert", bulk.bulk_insert)
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        print(f"  {done:>9,} / {total:,} orders  (+{now - last[0]:.1f} s)", file=sys.stderr)
        last[0] = now

    t0 = time.perf_counter()
    cpu0 = _cpu()
    stats = run_demo(orders, seed=seed, progress=progress, chunk=chunk, workers=workers)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    close_database()
    if breakdown:
        bulk.compute_order, bulk._lookup, bulk.bulk_insert = originals
    return {"stats": stats, "wall": wall, "cpu": cpu, "parts": parts if breakdown else None}


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its ended child processes."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def run_import(source: Path, json_path: Path, target: Path, parallel: bool) -> dict[str, Any]:
    """Export ``source`` to ``json_path`` (not timed), then time importing it into ``target``
    as ``tui-orders import`` does (open the database, :func:`interchange.import_file` with
    ``parallel`` as the command passes it, unless ``--sequential``)."""
    audit.set_user("bench")
    if not json_path.exists():
        open_database(str(source))
        t0 = time.perf_counter()
        with open(json_path, "w", encoding="utf-8") as out:
            interchange.write_export(out)
        export_seconds = time.perf_counter() - t0
        close_database()
    else:
        export_seconds = 0.0
    _remove(target)
    names = ["read_text", "decode_json", "parse", "load"]
    parts = {name: 0.0 for name in names}
    parts["load_split"] = 0.0
    originals = {name: getattr(interchange, name) for name in names}
    original_split = split_import.load_split
    for name in names:
        setattr(interchange, name, _timed(parts, name, originals[name]))
    split_import.load_split = _timed(parts, "load_split", original_split)
    try:
        t0 = time.perf_counter()
        cpu0 = _cpu()
        open_database(str(target))
        stats = interchange.import_file(json_path, parallel=parallel)
        wall = time.perf_counter() - t0
        cpu = _cpu() - cpu0
    finally:
        for name in names:
            setattr(interchange, name, originals[name])
        split_import.load_split = original_split
        close_database()
    return {
        "stats": stats,
        "wall": wall,
        "cpu": cpu,
        "parts": {name: seconds for name, seconds in parts.items() if seconds},
        "export": export_seconds,
        "json_bytes": json_path.stat().st_size,
        "parallel": parallel,
    }


def _import_label(parallel: bool) -> str:
    return "import" if parallel else "import, 1 process"


def floor(source: Path, target: Path) -> tuple[float, float, int, float]:
    """Insert every demo row of ``source`` into a fresh ``target`` with raw executemany.

    Returns (seconds in executemany + commit, seconds including reading the tuples, rows,
    CPU seconds of executemany + commit).
    """
    src = sqlite3.connect(str(source))
    schema = [
        (kind, name, sql)
        for kind, name, sql in src.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid"
        )
    ]
    dst = sqlite3.connect(str(target), isolation_level=None)
    for pragma, value in SQLITE_PRAGMAS.items():
        dst.execute(f"PRAGMA {pragma} = {value}")
    for _kind, _name, sql in schema:
        dst.execute(sql)
    # parents before children, in the order the loader writes them
    order = [m._meta.table_name for m in bulk._TABLES]
    tables = [name for kind, name, _ in schema if kind == "table" and name not in NOT_DEMO]
    tables.sort(key=lambda t: order.index(t) if t in order else len(order))
    insert_seconds = 0.0
    insert_cpu = 0.0
    rows = 0
    t_all = time.perf_counter()
    dst.execute("BEGIN IMMEDIATE")
    for table in tables:
        cols = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
        names = ", ".join(f'"{c}"' for c in cols)
        marks = ", ".join("?" for _ in cols)
        insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
        # duplicates (documents with duplicate_of) refer back to lower ids: id order is safe
        cursor = src.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
        while True:
            batch = cursor.fetchmany(READ_BATCH)
            if not batch:
                break
            t0, c0 = time.perf_counter(), time.process_time()
            dst.executemany(insert, batch)
            insert_seconds += time.perf_counter() - t0
            insert_cpu += time.process_time() - c0
            rows += len(batch)
    t0, c0 = time.perf_counter(), time.process_time()
    dst.execute("COMMIT")
    insert_seconds += time.perf_counter() - t0
    insert_cpu += time.process_time() - c0
    total_seconds = time.perf_counter() - t_all
    dst.close()
    src.close()
    return insert_seconds, total_seconds, rows, insert_cpu


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.exists())


def _remove(path: Path) -> None:
    for p in path.parent.glob(path.name + "*"):
        p.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("orders", nargs="?", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the files go")
    parser.add_argument("--keep", action="store_true", help="keep the demo database")
    parser.add_argument("--breakdown", action="store_true", help="split the load time")
    parser.add_argument("--no-floor", action="store_true", help="skip the raw floor")
    parser.add_argument("--no-import", action="store_true", help="skip the import")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="also time the import on one process (the road of small files and bad ones)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="run_demo's worker processes (0: none)"
    )
    args = parser.parse_args(argv)

    folder = Path(args.dir)
    demo_path = folder / f"bench-demo-{args.orders}-{os.getpid()}.db"
    floor_path = folder / f"bench-floor-{args.orders}-{os.getpid()}.db"
    import_path = folder / f"bench-import-{args.orders}-{os.getpid()}.db"
    json_path = folder / f"bench-export-{args.orders}-{os.getpid()}.json"
    workers = default_workers() if args.workers is None else args.workers
    for path in (demo_path, floor_path, import_path, json_path):
        _remove(path)
    print(
        f"bench_demo: {args.orders:,} orders, seed {args.seed}, chunk {args.chunk:,}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, workers {workers}"
    )
    try:
        result = run(args.orders, args.seed, args.chunk, demo_path, args.breakdown, workers)
        stats, wall = result["stats"], result["wall"]
        rows = stats.rows
        print()
        print(
            f"run_demo          {wall:9.2f} s wall   {rows:>12,} rows   "
            f"{rows / wall:>10,.0f} rows/s   CPU {result['cpu']:.2f} s (all processes)"
        )
        if stats.index_seconds:
            doing = (
                f"waiting for the chunks of {stats.workers} worker process(es) (generating, "
                "checking, computing, building rows)"
                if stats.workers
                else "generating, checking, computing, building rows"
            )
            print(
                f"  preparing         {stats.generate_seconds:9.2f} s   "
                f"({stats.generate_seconds / wall:.0%})   {doing}"
            )
            print(
                f"  inserting       {stats.load_seconds:9.2f} s   "
                f"({stats.load_seconds / wall:.0%})   indexes dropped"
            )
            print(
                f"  indexes         {stats.index_seconds:9.2f} s   "
                f"({stats.index_seconds / wall:.0%})   built after the load"
            )
        else:
            print(
                f"  generation      {stats.generate_seconds:9.2f} s   "
                f"({stats.generate_seconds / wall:.0%})   "
                f"{stats.generate_seconds / max(1, stats.orders) * 1e6:.1f} µs/order"
            )
            print(
                f"  bulk.load       {stats.load_seconds:9.2f} s   ({stats.load_seconds / wall:.0%})"
            )
        if result["parts"]:
            for name, seconds in result["parts"].items():
                print(f"    {name:<14}{seconds:9.2f} s   ({seconds / wall:.0%})")
            rest = stats.load_seconds - sum(result["parts"].values())
            print(f"    {'the rest':<14}{rest:9.2f} s   ({rest / wall:.0%})  validation, rows")
        print(
            f"  orders {stats.orders:,}, clients {stats.clients:,}, articles {stats.articles:,}, "
            f"offers {stats.offers:,}, chunks {stats.chunks}"
        )
        print("  rows per table: " + ", ".join(f"{t} {n:,}" for t, n in stats.tables.items()))
        print(f"  database file   {_size(demo_path) / 2**20:9.1f} MiB")
        imports: list[dict[str, Any]] = []
        if not args.no_import:
            modes = [True, False] if args.sequential else [True]
            for parallel in modes:
                imported = run_import(demo_path, json_path, import_path, parallel)
                imports.append(imported)
                istats, iwall = imported["stats"], imported["wall"]
                print()
                print(
                    f"{_import_label(parallel):<18}{iwall:9.2f} s wall   "
                    f"{istats.total_rows:>12,} rows   {istats.total_rows / iwall:>10,.0f} rows/s   "
                    f"(JSON {imported['json_bytes'] / 2**20:.1f} MiB, "
                    f"exported in {imported['export']:.1f} s, not timed)   "
                    f"CPU {imported['cpu']:.2f} s (both processes)"
                )
                for name, seconds in imported["parts"].items():
                    print(f"  {name:<16}{seconds:9.2f} s   ({seconds / iwall:.0%})")
                if istats.total_rows != rows:
                    print(f"  (the import wrote {istats.total_rows:,} rows, the demo {rows:,})")
            _remove(json_path)
        if not args.no_floor:
            insert_s, total_s, floor_rows, floor_cpu = floor(demo_path, floor_path)
            print()
            print(
                f"floor (sqlite3)   {insert_s:9.2f} s        {floor_rows:>12,} rows   "
                f"{floor_rows / insert_s:>10,.0f} rows/s   executemany + commit, "
                f"CPU {floor_cpu:.2f} s"
            )
            print(f"  with reading the tuples {total_s:.2f} s")
            print(
                f"{'demo:':<19}{wall / insert_s:.2f}x the floor's time, "
                f"{insert_s / wall:.2f} of the raw rate "
                f"(CPU: {result['cpu'] / floor_cpu:.2f}x the floor's)"
            )
            for imported in imports:
                iwall = imported["wall"]
                print(
                    f"{_import_label(imported['parallel']) + ':':<19}"
                    f"{iwall / insert_s:.2f}x the floor's time, "
                    f"{insert_s / iwall:.2f} of the raw rate "
                    f"(CPU: {imported['cpu'] / floor_cpu:.2f}x the floor's)"
                )
            if floor_rows != rows:
                print(f"  (the floor has {floor_rows:,} rows, the demo reported {rows:,})")
    finally:
        if not args.keep:
            _remove(demo_path)
        else:
            print(f"kept {demo_path}")
        for path in (floor_path, import_path, json_path):
            _remove(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
