"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

``db`` (and ``db_url``, for tests that open the database from other processes) run every test
twice: ``[sqlite]`` on a file under ``tmp_path`` and ``[postgres]`` on a PostgreSQL database of
this xdist worker with a freshly emptied schema.

PostgreSQL comes from ``$TUI_ORDERS_TEST_PG`` (a server URL such as
``postgresql://postgres@/postgres?host=/tmp/pg&port=5432``; ``.ci/run`` sets it), else each
xdist worker starts a throwaway server of its own (unix socket only, no fsync) from the
PostgreSQL binaries on the machine, and stops it at the end of the session. Without binaries
the ``[postgres]`` tests are skipped, except under ``CI``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from peewee import Database, sort_models

from tui_orders.data import audit
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import ALL_MODELS

ENV_TEST_PG = "TUI_ORDERS_TEST_PG"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------- PostgreSQL


def find_pg_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: ``$PG_BINDIR``, Debian's newest, or ``$PATH``."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    for folder in candidates:
        bindir = Path(folder)
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (same server, user and options)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def admin_connect(url: str) -> Any:
    """A plain autocommit psycopg2 connection for creating and emptying test databases."""
    import psycopg2
    from playhouse.db_url import parse

    params = parse(url)
    params["dbname"] = params.pop("database") or "postgres"
    params.setdefault("connect_timeout", 10)
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


@dataclass
class ThrowawayServer:
    """A PostgreSQL server in a temp folder, owned by the ``postgres`` user when run as root."""

    bindir: Path
    base: Path
    port: int = 5432

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    @property
    def url(self) -> str:
        query = urlencode({"host": str(self.socket_dir), "port": self.port})
        return f"postgresql://postgres@/postgres?{query}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, cwd=self.base, capture_output=True, text=True, timeout=120, check=False
        )

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.socket_dir, "postgres", "postgres")
        done = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "port": str(self.port),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "32MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        log = self.base / "server.log"
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", "60", "start")
        if done.returncode != 0:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{text}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def _worker_name() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "master")
    return "".join(c for c in worker.lower() if c.isalnum()) or "master"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server for this worker (given by the environment or started)."""
    given = os.environ.get(ENV_TEST_PG, "").strip()
    if given:
        yield given
        return
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        reason = "PostgreSQL tests need psycopg2 (pip install -e '.[dev]')"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    bindir = find_pg_bindir()
    if bindir is None:
        reason = (
            "no PostgreSQL server: set TUI_ORDERS_TEST_PG=postgresql://... or install the "
            "server binaries (apt-get install postgresql)"
        )
        if in_ci():
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)
    # A short path: a unix socket path may not exceed ~107 bytes.
    base = Path(tempfile.mkdtemp(prefix="tuipg-", dir="/tmp" if Path("/tmp").is_dir() else None))
    server = ThrowawayServer(bindir, base)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: str) -> Iterator[str]:
    """A PostgreSQL database of this xdist worker's own: ``tui_test_<worker>``.

    Created afresh for the session and dropped at its end. Tests get it emptied through
    ``db_url`` / ``db``.
    """
    import psycopg2

    name = f"tui_test_{_worker_name()}"
    try:
        admin = admin_connect(pg_server)
    except psycopg2.Error as exc:
        pytest.fail(
            f"cannot connect to the test PostgreSQL server {pg_server}: {exc}", pytrace=False
        )
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        url = with_database(pg_server, name)
        yield url
        with contextlib.suppress(Exception), admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


#: One text summing up the shape of the public schema: tables, columns with types, defaults and
#: nullability, indexes, constraints, triggers, sequences. Equal text, equal schema.
SCHEMA_FINGERPRINT_SQL = """
SELECT md5(coalesce(string_agg(item, '|' ORDER BY item), '')) FROM (
    SELECT c.relname || ':' || c.relkind::text || ':' || coalesce(a.attname, '') || ':'
        || coalesce(format_type(a.atttypid, a.atttypmod), '') || ':'
        || coalesce(a.attnotnull::text, '') || ':'
        || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS item
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'constraint:' || conname || ':' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'trigger:' || t.tgname || ':' || c.relname
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT t.tgisinternal
    UNION ALL
    SELECT 'function:' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
) AS shape
"""


class PgResetter:
    """Gives each test a clean PostgreSQL database fast, over one connection kept open.

    :meth:`empty` drops every table (the database is then as new). :meth:`clean_tables`
    keeps tui-orders' tables and deletes their rows and restarts their id sequences, about
    ten times faster than creating them again, but only while the schema is exactly what
    ``open_database`` created (a test may have added a table or migrated a column; a
    fingerprint of the catalog tells): otherwise it falls back to :meth:`empty`.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None
        self.pristine: str | None = None  # fingerprint of the schema open_database creates
        self.tables: list[str] = []
        self.versions: list[int] = []

    def _cursor(self, *, end_others: bool = True) -> Any:
        if self.conn is None or self.conn.closed:
            self.conn = admin_connect(self.url)
            with self.conn.cursor() as cur:
                cur.execute("SET lock_timeout = '10s'")
        cur = self.conn.cursor()
        if end_others:
            # Connections an earlier test left behind (other threads, processes) must not
            # hold locks on the tables.
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        return cur

    def empty(self) -> None:
        with self._cursor() as cur:
            cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")

    def clean_tables(self) -> bool:
        """Empty tui-orders' tables; False when the schema had to be dropped instead."""
        with self._cursor() as cur:
            if self.pristine is not None:
                cur.execute(SCHEMA_FINGERPRINT_SQL)
                if cur.fetchone()[0] == self.pristine:
                    # DELETE, children first, is far faster than TRUNCATE (which makes new
                    # files for every table and index) on the few rows a test leaves.
                    sql = "".join(f'DELETE FROM "{t}";' for t in self.tables)
                    sql += (
                        "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE c.relkind = 'S' AND n.nspname = 'public';"
                    )
                    sql += "".join(
                        f"INSERT INTO schema_version (version) VALUES ({int(v)});"
                        for v in self.versions
                    )
                    cur.execute(f"BEGIN;{sql}COMMIT;")
                    return True
            cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
            return False

    def remember_pristine(self) -> None:
        """Call right after ``open_database`` created the schema in an empty database."""
        with self._cursor(end_others=False) as cur:
            cur.execute(SCHEMA_FINGERPRINT_SQL)
            self.pristine = cur.fetchone()[0]
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            present = {row[0] for row in cur.fetchall()}
            ordered = [m._meta.table_name for m in reversed(sort_models(ALL_MODELS))]
            if set(ordered) != present:  # tables that are not tui-orders': never clean, drop
                self.pristine = None
            self.tables = ordered  # children before the tables they reference
            cur.execute("SELECT version FROM schema_version ORDER BY id")
            self.versions = [row[0] for row in cur.fetchall()]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@pytest.fixture(scope="session")
def _pg_resetter(pg_url: str) -> Iterator[PgResetter]:
    resetter = PgResetter(pg_url)
    try:
        yield resetter
    finally:
        resetter.close()


def run_raw_sql(url: str, *statements: str) -> None:
    """Run SQL on the database at ``url`` outside tui-orders (as another program would)."""
    if url.startswith(("postgresql://", "postgres://")):
        conn = admin_connect(url)
        try:
            with conn.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        finally:
            conn.close()
    else:
        path = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path)
        try:
            with conn:
                for sql in statements:
                    conn.execute(sql)
        finally:
            conn.close()


# --------------------------------------------------------------------------- the fixtures


@pytest.fixture(scope="session")
def raw_sql() -> Callable[..., None]:
    """``raw_sql(url, *statements)``: SQL on a test database behind tui-orders' back."""
    return run_raw_sql


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: every test using ``db``/``db_url`` runs on both."""
    return str(request.param)


@pytest.fixture
def _target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Where this test's database lives: a file path, or this worker's PostgreSQL resetter."""
    target: Any = (
        str(tmp_path / "orders.db")
        if backend == "sqlite"
        else request.getfixturevalue("_pg_resetter")
    )
    try:
        yield target
    finally:
        close_database()


@pytest.fixture
def db_url(_target: Any, request: pytest.FixtureRequest) -> str:
    """The URL of an empty database (no tables yet) that other processes can open too.

    Used together with ``db``, it is the URL of the database ``db`` opened.
    """
    if isinstance(_target, str):
        return _target
    if "db" not in request.fixturenames:  # ``db`` prepares the database itself
        _target.empty()
    return str(_target.url)


@pytest.fixture
def db(_target: Any) -> Iterator[Database]:
    """An empty tui-orders database, models bound to it: a file under ``tmp_path`` on SQLite,
    this worker's database with its tables emptied (or made anew) on PostgreSQL."""
    audit.set_user("tester")
    if isinstance(_target, str):
        database = open_database(_target)
    else:
        truncated = _target.clean_tables()
        database = open_database(_target.url)
        if not truncated:
            _target.remember_pristine()
    try:
        yield database
    finally:
        close_database()
        audit.set_user(None)


# --------------------------------------------------------------------------- comparing files

#: Columns that hold the time of writing, which differs between two runs.
TIMES = {("order", "updated_at"), ("audit_log", "at")}


def dump_sqlite_tables(path: Path) -> dict[str, Any]:
    """Every row of every table of a SQLite file (time-of-writing columns left out), and the
    schema under the key ``"schema"``."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {}
        schema = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name"
        ).fetchall()
        out["schema"] = schema
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            keep = [c for c in cols if (table, c) not in TIMES]
            names = ", ".join(f'"{c}"' for c in keep)
            out[table] = conn.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid').fetchall()
        return out
    finally:
        conn.close()


@pytest.fixture
def sqlite_tables() -> Callable[[Path], dict[str, Any]]:
    """:func:`dump_sqlite_tables`: to compare two database files row for row."""
    return dump_sqlite_tables
