"""A large import on two cores: this process and a forked one share the file's orders.

:func:`load_split` is a faster road to the result of ``bulk.load(parse(json.loads(text)))``
for one common case: a large interchange file (at least :data:`MIN_CHARS` characters, every
order carrying its number, one record per line as ``tui-orders export`` writes it) imported
into a SQLite database that holds no orders and no offers yet (a fresh database, or one with
master data only), from a process that runs no other thread (the command line). Anything
else, and anything that goes wrong on the way, returns None without writing anything, and
the caller takes the ordinary road, which gives the same result or finds the fault and tells
it as it always does (the errors of a bad file are never reported from here).

1. The text is cut at a line break between two orders, at about :data:`OWN_SHARE` of the
   orders. In one write transaction the catalog of the database is read
   (:class:`bulk.Catalog`: master data, next primary keys) and the process forks.
2. Both decode their part at the same time. This process decodes the head (everything up to
   the cut: master data, offers, the first orders) with the ``json`` module's own scanner,
   one top-level value at a time, so it knows the list cut is the ``orders`` list; the child
   decodes the tail (the other orders, then the end of the document). The two parts are
   accepted only if together they are exactly what ``json.loads`` of the whole text gives
   (see :func:`decode_head` and :func:`decode_tail`). This process then sends the child the
   master data and how many rows its own orders take per table.
3. This process parses its records and prepares their rows without the database
   (:func:`bulk.prepare_detached`: every check and computation of :func:`bulk.load`), then
   inserts them with the indexes dropped (:func:`bulk.deferred_indexes`). Meanwhile the child
   parses and prepares its orders, its primary keys starting where this process's end, and
   writes the rows into a scratch SQLite file of its own (no index, no journal); it never
   touches the database, and leaves with ``os._exit``. Through a pipe it tells this process
   where its keys start and the numbers of its orders.
4. This process attaches the scratch file and copies its tables with ``INSERT ... SELECT``
   (inside SQLite: no Python per row), prepares and inserts the offers (they refer to orders
   of both parts), builds the indexes and commits.

Each part checks its own records; what the two could clash on (order, document and delivery
numbers) is what the unique indexes hold, and building them fails on a clash. All or nothing
as always: a record that fails in either part, a clash, a child that fails or dies, rolls
everything back before the ordinary road starts. The rows written are the ones
:func:`bulk.load` writes, key for key (a test compares the tables).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import signal
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import peewee

from . import bulk
from .dataset import Dataset
from .db import database, is_sqlite, run_in_transaction
from .errors import DatabaseError, ValidationError
from .models import (
    Offer,
    Order,
)

#: below this size (about 8,000 orders of a demo export) the ordinary road is as fast
MIN_CHARS = 20_000_000
#: the share of the orders this process decodes, prepares and inserts itself; it also copies
#: the child's rows and builds the indexes afterwards (tuned with ``bench/bench_demo.py``)
OWN_SHARE = 0.45
#: the name under which the child's scratch file is attached
SCHEMA = "split_import"
#: the top-level keys of an interchange document
TOP_KEYS = frozenset({"taxes", "clients", "articles", "offers", "orders"})
MASTERS = ("taxes", "clients", "articles")

_WS = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.decoder skips it
_END = re.compile(r"[ \t\n\r]*\}[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, pos: int) -> int:
    """The position after the whitespace at ``pos``."""
    match = _WS.match(text, pos)
    return pos if match is None else match.end()


class _Fallback(Exception):
    """The split does not apply or failed: roll back, the ordinary road decides."""


def find_cut(text: str) -> int | None:
    """Where to cut ``text`` (the index of the comma between two orders, a line break after
    it), or None when the file is too small or not written one record per line."""
    if len(text) < MIN_CHARS:
        return None
    base = text.find('"orders"')
    if base < 0:
        return None
    at = text.find("},\n", base + int((len(text) - base) * OWN_SHARE))
    return None if at < 0 else at + 1


def decode_head(text: str, cut: int) -> dict[str, Any]:
    """The top-level object of ``text`` up to ``cut``, whose ``orders`` list it cuts.

    Each top-level value before ``orders`` is decoded whole by the ``json`` module's scanner
    (the one ``json.loads`` runs); the ``orders`` list is decoded from its ``[`` to ``cut``,
    closed there, and must take all of that text. Raises ValueError (a ``JSONDecodeError``
    or a shape this does not follow) otherwise: then the ordinary road decodes the file.
    """
    decode = _DECODER.raw_decode  # the scanner of json.loads, at a position
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        raise ValueError("not an object")
    out: dict[str, Any] = {}
    pos += 1
    while True:
        pos = _skip(text, pos)
        if not text.startswith('"', pos):
            raise ValueError("no key")
        key, pos = decode(text, pos)  # a string: it starts with a quote
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            raise ValueError("no colon")
        pos = _skip(text, pos + 1)
        if key == "orders" and text.startswith("[", pos) and pos < cut:
            part = text[pos:cut] + "]"
            orders, end = decode(part)
            if end != len(part) or type(orders) is not list or not orders:
                raise ValueError("the cut is not in the orders list")
            out[key] = orders
            return out
        out[key], pos = decode(text, pos)
        pos = _skip(text, pos)
        if not text.startswith(",", pos) or pos >= cut:
            raise ValueError("the object ends before the cut")
        pos += 1


def decode_tail(text: str, cut: int) -> list[Any]:
    """The orders after ``cut`` (the comma after the head's last one), and the document must
    end with them: ``]``, then ``}``. Raises ValueError otherwise."""
    if not text.startswith(",", cut):
        raise ValueError("no comma at the cut")
    part = "[" + text[cut + 1 :]
    orders, end = _DECODER.raw_decode(part)
    if type(orders) is not list or not orders or _END.fullmatch(part, end) is None:
        raise ValueError("the document does not end with the orders")
    return orders


def can_fork() -> bool:
    """This process may fork a helper: a POSIX system with two CPUs or more, and no other
    thread (a thread could hold a lock the child would wait for forever)."""
    return hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) >= 2


def load_split(text: str, parse: Callable[[object], Dataset]) -> bulk.LoadStats | None:
    """Import an interchange document (its text) on two processes; see the module
    docstring. None: nothing was written, load it the ordinary way."""
    if not is_sqlite() or not can_fork():
        return None
    cut = find_cut(text)
    if cut is None:
        return None
    started = time.perf_counter()
    split = _Split(text, cut, parse)
    try:
        with bulk.gc_paused():
            stats = run_in_transaction(split.run)
    except (_Fallback, peewee.IntegrityError, sqlite3.IntegrityError):
        return None
    finally:
        split.cleanup()
    stats.seconds = time.perf_counter() - started
    return stats


def _list_of(record: Any, name: str) -> Any:
    """A list of a decoded JSON record (absent or null: none), for :func:`bulk.order_row_counts`."""
    return record.get(name) or ()


class _Split:
    def __init__(self, text: str, cut: int, parse: Callable[[object], Dataset]) -> None:
        self.text = text
        self.cut = cut
        self.parse = parse
        self.scratch = ""
        self.attached = False

    def cleanup(self) -> None:
        """After the transaction (SQLite detaches nothing inside one): the scratch file goes."""
        if self.attached:
            with contextlib.suppress(peewee.DatabaseError, sqlite3.Error):
                database.execute_sql(f'DETACH DATABASE "{SCHEMA}"')
            self.attached = False
        if self.scratch:
            with contextlib.suppress(OSError):
                os.unlink(self.scratch)
            self.scratch = ""

    def run(self) -> bulk.LoadStats:
        with database.atomic():  # a savepoint: whatever fails, nothing stays behind
            for model in (Order, Offer):
                table = model._meta.table_name
                if database.execute_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone():
                    raise _Fallback
            catalog = bulk.Catalog.from_database()  # with the audit user and time
            expected = dict(catalog.next_ids)
            handle, self.scratch = tempfile.mkstemp(prefix="tui-orders-import-", suffix=".db")
            os.close(handle)
            from_child, to_parent = os.pipe()
            from_parent, to_child = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: decode and prepare the tail, write it, leave
                os.close(from_child)
                os.close(to_child)
                self._child(catalog, from_parent, to_parent)  # never returns
            os.close(to_parent)
            os.close(from_parent)
            try:
                return self._parent(catalog, expected, to_child, from_child)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # done or not, it has nothing left to do
                os.waitpid(pid, 0)

    # ----------------------------------------------------------------- the child

    def _child(self, catalog: bulk.Catalog, inbox: int, outbox: int) -> None:
        code = 1
        try:
            orders = decode_tail(self.text, self.cut)
            with os.fdopen(inbox, "rb") as pipe:
                masters, counts = pickle.load(pipe)  # EOFError: the parent gave up
            # move past what the parent prepares: its master data, then its orders
            if masters:
                catalog.skip(self.parse(masters))
            for model, count in counts.items():
                catalog.next_ids[model._meta.table_name] += count
            loader = bulk._Loader(self.parse({"orders": orders}), "import", catalog)
            prepared = loader.prepare()
            spans = _write_scratch(self.scratch, prepared)
            payload = (
                spans,
                bulk.Prepared([], prepared.numbers, prepared.tops),
                dict(catalog.next_ids),
                loader.order_ids,
                loader.offer_refs,
            )
            with os.fdopen(outbox, "wb") as pipe:
                pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        except BaseException:  # any failure: the parent takes the ordinary road
            pass
        finally:
            os._exit(code)

    # ----------------------------------------------------------------- this process

    def _parent(
        self, catalog: bulk.Catalog, expected: dict[str, int], outbox: int, inbox: int
    ) -> bulk.LoadStats:
        stats = bulk.LoadStats()
        with os.fdopen(outbox, "wb") as out:
            try:
                head = decode_head(self.text, self.cut)
            except (ValueError, RecursionError):
                raise _Fallback from None
            if not head.keys() <= TOP_KEYS:
                raise _Fallback  # an unknown key: the ordinary road says which
            masters = {k: head[k] for k in MASTERS if k in head}
            pickle.dump((masters, bulk.order_row_counts(head["orders"], _list_of)), out)
        offers = head.pop("offers", None)
        with os.fdopen(inbox, "rb") as pipe, bulk.deferred_indexes():
            own = bulk._Loader(self._parsed(head), "import", catalog)
            del head
            try:
                prepared = own.prepare()
            except ValidationError:
                raise _Fallback from None
            bulk.insert_prepared(prepared, expected, stats)
            del prepared
            data = pipe.read()
            if not data:
                raise _Fallback  # the child failed
            spans, meta, next_ids, order_ids, offer_refs = pickle.loads(data)
            try:
                bulk.check_spans(spans, expected)
            except DatabaseError:
                raise _Fallback from None  # the keys do not follow on: nothing copied
            database.execute_sql(f'ATTACH DATABASE ? AS "{SCHEMA}"', (self.scratch,))
            self.attached = True
            for n, (index, _count, _first) in enumerate(spans):
                model = bulk._TABLES[index]
                cols = ", ".join(f'"{c}"' for c in bulk._COLS[model])
                database.execute_sql(
                    f'INSERT INTO main."{model._meta.table_name}" ({cols}) '
                    f'SELECT {cols} FROM "{SCHEMA}"."t{n}" ORDER BY "id"'
                )
            bulk.account_spans(spans, meta, expected, stats)
            catalog.next_ids = next_ids
            if offers is not None:
                loader = bulk._Loader(self._parsed({"offers": offers}), "import", catalog)
                loader.order_ids = {**own.order_ids, **order_ids}
                # the first order of the file naming an offer: this process's come first
                loader.offer_refs = {**offer_refs, **own.offer_refs}
                try:
                    bulk.insert_prepared(loader.prepare(), expected, stats)
                except ValidationError:
                    raise _Fallback from None
        return stats

    def _parsed(self, part: dict[str, Any]) -> Dataset:
        """The records of a part of the document."""
        try:
            return self.parse(part)
        except ValidationError:
            raise _Fallback from None


def _write_scratch(path: str, prepared: bulk.Prepared) -> list[tuple[int, int, int]]:
    """Write each list of rows of ``prepared`` into table ``t<n>`` of a fresh SQLite file;
    returns their spans (index of the model, rows, first key) for :func:`bulk.check_spans`."""
    spans: list[tuple[int, int, int]] = []
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("BEGIN")
        for n, (index, rows) in enumerate(prepared.tables):
            cols = bulk._COLS[bulk._TABLES[index]]
            # untyped columns keep each value as given; the copy applies the real affinities
            defs = ", ".join('"id" INTEGER PRIMARY KEY' if c == "id" else f'"{c}"' for c in cols)
            con.execute(f'CREATE TABLE "t{n}" ({defs})')
            marks = ", ".join("?" for _ in cols)
            con.executemany(f'INSERT INTO "t{n}" VALUES ({marks})', rows)
            spans.append((index, len(rows), rows[0][0]))
        con.execute("COMMIT")
    finally:
        con.close()
    return spans


__all__ = [
    "MIN_CHARS",
    "OWN_SHARE",
    "SCHEMA",
    "can_fork",
    "decode_head",
    "decode_tail",
    "find_cut",
    "load_split",
]
