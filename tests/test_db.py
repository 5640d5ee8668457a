"""Opening the database: configuration, URLs, SQLite settings, clear errors, schema versions,
and money stored as integers (never a float), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import peewee
import pytest
from peewee import Database, IntegerField
from playhouse.migrate import SchemaMigrator, migrate

from tui_orders.data import db as dbmod
from tui_orders.data import masterdata, orders, recompute, schema
from tui_orders.data.db import close_database, open_database, resolve_db_url
from tui_orders.data.errors import DatabaseError
from tui_orders.data.models import (
    ALL_MODELS,
    Client,
    Order,
    OrderItem,
    Payment,
    ScaledDecimalField,
    SchemaVersion,
)

# --------------------------------------------------------------------------- helpers


def reopen(url: str) -> Database:
    close_database()
    return open_database(url)


def version_rows() -> list[int]:
    return [row.version for row in SchemaVersion.select()]


def make_order_with_everything() -> Order:
    """One order with an item, tax, term, two documents (a duplicate), a payment, a sale."""
    masterdata.create_client("Acme", "EUR")
    masterdata.create_article("A-1", "Bolt", "2.5050")
    masterdata.create_tax("VAT 20%", "20")
    order = orders.create_order(
        "Acme", dt.date(2030, 5, 1), created=dt.date(2030, 1, 15), tax="VAT 20%"
    )
    orders.add_item(order.id, "A-1", "3.5")
    orders.add_term(order.id, "advance", dt.date(2030, 2, 1), "5.26")
    orders.add_document(order.id, "proforma", "PF-1", "10.52", dt.date(2030, 1, 16))
    orders.add_document(
        order.id, "invoice", "INV-1", "10.52", dt.date(2030, 1, 20), duplicate_of="PF-1"
    )
    orders.record_payment(
        order.id,
        dt.date(2030, 1, 21),
        "7.01",
        allocations=[orders.AllocationInput("INV-1", "6.00")],
    )
    orders.add_delivery(
        order.id, "sale", dt.date(2030, 1, 22), [orders.DeliveryLineInput("A-1", "1")]
    )
    return orders.get_order(order.id)


# --------------------------------------------------------------------------- configuration


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The platformdirs data directory, moved under ``tmp_path``; no $TUI_ORDERS_DB."""
    import platformdirs

    folder = tmp_path / "user-data" / "tui-orders"

    def user_data_dir(appname: str | None = None, *args: Any, **kwargs: Any) -> str:
        assert appname == "tui-orders"
        return str(folder)

    monkeypatch.setattr(platformdirs, "user_data_dir", user_data_dir)
    monkeypatch.delenv(dbmod.ENV_DB, raising=False)
    return folder


def test_configuration_order_option_then_env_then_data_dir(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resolve_db_url(None) == str(data_dir / "orders.db")
    monkeypatch.setenv(dbmod.ENV_DB, "/srv/from-env.db")
    assert resolve_db_url(None) == "/srv/from-env.db"
    assert resolve_db_url("/srv/from-option.db") == "/srv/from-option.db"
    monkeypatch.setenv(dbmod.ENV_DB, "")
    assert resolve_db_url(None) == str(data_dir / "orders.db")


def test_default_database_is_created_in_the_data_directory(data_dir: Path) -> None:
    assert not data_dir.exists()
    try:
        open_database()
        assert Client.select().count() == 0
    finally:
        close_database()
    assert (data_dir / "orders.db").is_file()


def test_command_line_db_option_beats_the_environment(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tui_orders.cli import cli

    from_env = tmp_path / "env.db"
    from_option = tmp_path / "option.db"
    monkeypatch.setenv(dbmod.ENV_DB, str(from_env))
    runner = CliRunner()
    try:
        result = runner.invoke(cli, ["--db", str(from_option), "check"])
        assert result.exit_code == 0, result.output
        assert from_option.exists() and not from_env.exists()
        close_database()
        result = runner.invoke(cli, ["check"])
        assert result.exit_code == 0, result.output
        assert from_env.exists()
    finally:
        close_database()
    assert not (data_dir / "orders.db").exists()


# --------------------------------------------------------------------------- SQLite files


@pytest.mark.parametrize(
    "spelling",
    ["plain", "sqlite_url", "relative", "relative_url", "home"],
)
def test_sqlite_urls_and_paths(
    spelling: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    target = {
        "plain": tmp_path / "a" / "orders.db",
        "sqlite_url": tmp_path / "b" / "orders.db",
        "relative": tmp_path / "rel" / "orders.db",
        "relative_url": tmp_path / "relurl.db",
        "home": tmp_path / "home" / "data" / "orders.db",
    }[spelling]
    url = {
        "plain": str(target),
        "sqlite_url": "sqlite:///" + str(target),  # sqlite:////abs/path
        "relative": "rel/orders.db",
        "relative_url": "sqlite:///relurl.db",
        "home": "~/data/orders.db",
    }[spelling]
    try:
        db = open_database(url)
        assert isinstance(db, peewee.SqliteDatabase)
        masterdata.create_client("Acme", "EUR")
    finally:
        close_database()
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT name FROM client").fetchall() == [("Acme",)]
    conn.close()


def pragmas(db: Database) -> tuple[Any, ...]:
    return tuple(
        db.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "foreign_keys", "busy_timeout")
    )


def test_sqlite_pragmas_are_in_force_on_every_connection(tmp_path: Path) -> None:
    expected = ("wal", 1, dbmod.BUSY_TIMEOUT_MS)
    try:
        db = open_database(str(tmp_path / "orders.db"))
        assert pragmas(db) == expected
        seen: list[Any] = []

        def worker() -> None:  # the app's thread workers get a connection of their own
            try:
                seen.append(pragmas(db))
            finally:
                db.close()

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert seen == [expected]
        with pytest.raises(peewee.IntegrityError):  # foreign keys are enforced
            db.execute_sql(
                "INSERT INTO address (client_id, label, text, is_default) VALUES (999, 'x', '', 0)"
            )
    finally:
        close_database()


# --------------------------------------------------------------------------- clear errors


def assert_clear(exc: BaseException, *words: str, one_line: bool = True) -> None:
    """A readable message naming ``words``, no chained low-level traceback behind it."""
    text = str(exc)
    assert "Traceback" not in text
    for word in words:
        assert word in text
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__
    if one_line:
        assert "\n" not in text.strip(), text
        assert text == text.strip()


def test_unsupported_scheme_is_refused() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database("mysql://root@localhost/orders")
    assert_clear(caught.value, "unsupported database URL scheme 'mysql'", "postgresql://")


def test_sqlite_url_with_a_host_is_refused() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database("sqlite://orders.db")
    assert_clear(caught.value, "sqlite:///")


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database(":memory:")
    assert_clear(caught.value, "in-memory")


def test_directory_as_the_database_path(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-file"
    folder.mkdir()
    for url in (str(folder), "sqlite:///" + str(folder)):
        with pytest.raises(DatabaseError) as caught:
            open_database(url)
        assert_clear(caught.value, str(folder), "is a directory")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            "postgresql://postgres@/orders?host=/nonexistent/tui-orders-socket&port=5432",
            id="socket",
        ),
        pytest.param("postgresql://postgres@127.0.0.1:9/orders?connect_timeout=3", id="tcp"),
    ],
)
def test_postgres_server_that_does_not_answer(url: str) -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database(url)
    assert_clear(caught.value, "cannot open the database", one_line=False)


def test_postgres_connection_error_is_one_line() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_database("postgresql://postgres@127.0.0.1:9/orders?connect_timeout=3")
    assert_clear(caught.value, "cannot open the database", "127.0.0.1")


@pytest.mark.postgres
def test_postgres_database_that_does_not_exist(pg_server: str) -> None:
    parts = urlsplit(pg_server)
    url = urlunsplit(parts._replace(path="/no_such_tui_database"))
    with pytest.raises(DatabaseError) as caught:
        open_database(url)
    assert_clear(caught.value, "cannot open the database", "no_such_tui_database", one_line=False)


CLI_ERRORS = [
    pytest.param("mysql://root@localhost/orders", "unsupported database URL scheme", id="scheme"),
    pytest.param(
        "postgresql://postgres@/x?host=/nonexistent/tui-orders-socket", "cannot open", id="postgres"
    ),
]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_orders", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("url", "words"), CLI_ERRORS)
def test_command_line_prints_the_error_and_no_traceback(url: str, words: str) -> None:
    done = run_cli("--db", url, "check")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("tui-orders: ") and words in done.stderr.splitlines()[0]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        CLI_ERRORS[0],
        pytest.param(*CLI_ERRORS[1].values, id="postgres"),
    ],
)
def test_command_line_error_is_one_line(url: str, words: str) -> None:
    done = run_cli("--db", url, "check")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.endswith("\n") and not done.stderr.endswith("\n\n")


# --------------------------------------------------------------------------- schema versions


def test_fresh_database_is_stamped_with_the_current_version(db_url: str) -> None:
    db = open_database(db_url)
    assert version_rows() == [schema.SCHEMA_VERSION]
    assert schema.current_version(db) == schema.SCHEMA_VERSION
    tables = set(db.get_tables())
    assert {m._meta.table_name for m in ALL_MODELS} <= tables
    # Opening it again changes nothing.
    reopen(db_url)
    assert version_rows() == [schema.SCHEMA_VERSION]


def test_database_of_a_newer_version_refuses_to_open(db_url: str) -> None:
    open_database(db_url)
    masterdata.create_client("Acme", "EUR")
    SchemaVersion.update(version=schema.SCHEMA_VERSION + 1).execute()
    close_database()
    with pytest.raises(DatabaseError) as caught:
        open_database(db_url)
    assert_clear(caught.value, f"version {schema.SCHEMA_VERSION + 1}", "upgrade tui-orders")
    # Nothing was touched.
    reopen_raw = open_database(db_url, migrate=False)
    assert schema.current_version(reopen_raw) == schema.SCHEMA_VERSION + 1
    assert Client.select().count() == 1


def test_database_with_foreign_tables_and_no_version_refuses_to_open(
    db_url: str, raw_sql: Callable[..., None]
) -> None:
    raw_sql(db_url, "CREATE TABLE inventory (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(DatabaseError) as caught:
        open_database(db_url)
    assert_clear(caught.value, "not a tui-orders database")
    db = open_database(db_url, migrate=False)
    assert db.get_tables() == ["inventory"]  # nothing of ours was created


def add_priority(db: Database) -> None:
    """A migration of the kind a later version will write: a NOT NULL column with a default
    on ``order``, a table that others reference with ON DELETE CASCADE."""
    migrator = SchemaMigrator.from_database(db)
    migrate(migrator.add_column("order", "priority", IntegerField(default=0)))


def columns_of(db: Database, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def test_migration_upgrades_an_old_database_and_keeps_its_data(
    db_url: str, backend: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    open_database(db_url)
    order = make_order_with_everything()
    before = (
        OrderItem.select().count(),
        Payment.select().count(),
        order.total,
        order.paid,
        order.number,
    )
    close_database()

    calls: list[int] = []

    def step(db: Database) -> None:
        calls.append(1)
        add_priority(db)

    current = schema.SCHEMA_VERSION  # the next version is a test's own
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(schema, "MIGRATIONS", {current + 1: step})
    db = open_database(db_url)
    assert calls == [1]
    assert version_rows() == [current + 1]
    assert "priority" in columns_of(db, "order")
    assert db.execute_sql('SELECT priority FROM "order"').fetchall() == [(0,)]
    after = orders.get_order(order.id)
    assert (
        OrderItem.select().count(),
        Payment.select().count(),
        after.total,
        after.paid,
        after.number,
    ) == before
    assert recompute.check() == []
    if backend == "sqlite":
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    # Opened again, the migration does not run twice.
    reopen(db_url)
    assert calls == [1]


def test_failed_migration_leaves_the_database_as_it_was(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_database(db_url)
    masterdata.create_client("Acme", "EUR")
    close_database()

    def broken(db: Database) -> None:
        SchemaMigrator.from_database(db).add_column(
            "client", "nickname", IntegerField(null=True)
        ).run()
        raise RuntimeError("migration bug")

    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(schema, "MIGRATIONS", {current + 1: broken})
    with pytest.raises(RuntimeError, match="migration bug"):
        open_database(db_url)
    close_database()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current)
    db = open_database(db_url)
    assert version_rows() == [current]
    assert "nickname" not in columns_of(db, "client")
    assert Client.select().count() == 1


# --------------------------------------------------------------------------- money is integer


SCALED = [
    (model._meta.table_name, field.column_name, field.places)
    for model in ALL_MODELS
    for field in model._meta.sorted_fields
    if isinstance(field, ScaledDecimalField)
]


def test_money_columns_are_integers_in_the_database(db: Database) -> None:
    order = make_order_with_everything()
    assert order.total == Decimal("10.52")  # 3.5 x 2.5050 = 8.77 (8.76750), + 20% = 1.75
    assert len(SCALED) >= 15
    sqlite = isinstance(db, peewee.SqliteDatabase)
    for table, column, _places in SCALED:
        if sqlite:
            kinds = {
                row[0]
                for row in db.execute_sql(f'SELECT DISTINCT typeof("{column}") FROM "{table}"')
            }
            assert kinds <= {"integer"}, f"{table}.{column} holds {kinds}"
        else:
            (data_type,) = db.execute_sql(
                "SELECT data_type FROM information_schema.columns "
                f"WHERE table_schema = 'public' AND table_name = '{table}' "
                f"AND column_name = '{column}'"
            ).fetchone()
            assert data_type == "bigint", f"{table}.{column} is {data_type}"
    raw_total = db.execute_sql(f'SELECT total, paid FROM "order" WHERE id = {order.id}').fetchone()
    assert raw_total == (1052, 701)
    assert all(type(v) is int for v in raw_total)
    raw_price = db.execute_sql("SELECT price FROM article").fetchone()[0]
    assert raw_price == 25050 and type(raw_price) is int


def test_no_column_of_the_schema_is_a_float(db: Database) -> None:
    floats = {"real", "float", "double", "double precision", "numeric", "decimal"}
    for model in ALL_MODELS:
        table = model._meta.table_name
        for column in db.get_columns(table):
            kind = column.data_type.lower().split("(")[0].strip()
            assert kind not in floats, f"{table}.{column.name} is {column.data_type}"


def test_a_terminal_starts_while_another_one_is_writing(tmp_path: Path) -> None:
    """Opening a database at the current schema takes no write lock: a second terminal starts
    at once even while the first one is in the middle of a write transaction."""
    import time

    path = tmp_path / "busy.db"
    open_database(str(path))
    close_database()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE schema_version SET version = version")
        started = time.monotonic()
        open_database(str(path))
        took = time.monotonic() - started
        close_database()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert took < dbmod.BUSY_TIMEOUT_MS / 1000 / 2
