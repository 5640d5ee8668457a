"""Opening the database and running one transaction per user action.

The models are bound to :data:`database`, a proxy that :func:`open_database` points at a real
SQLite or PostgreSQL database late, from configuration (never at import time).
"""

from __future__ import annotations

import functools
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import peewee
from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase

from ..i18n import _
from .dbpath import ENV_DB as ENV_DB
from .dbpath import default_db_path as default_db_path
from .dbpath import resolve_db_url
from .errors import DatabaseError

#: What every model is bound to; :func:`open_database` initializes it.
database = DatabaseProxy()

#: How long a writer waits for another terminal's transaction before retrying (ms).
BUSY_TIMEOUT_MS = 10_000
#: How often a write transaction that lost a lock race is run again before the user hears of it.
MAX_ATTEMPTS = 12

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",
    "cache_size": -64_000,
}


def make_database(url: str) -> Database:
    """Build (not connect) a peewee database from a file path or a database URL."""
    if url.startswith(("postgresql://", "postgres://")):
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            raise DatabaseError(
                _("PostgreSQL needs the psycopg2 driver: pip install 'tui-orders[postgres]'")
            ) from None
        from playhouse.db_url import parse

        params = parse(url)
        return PostgresqlDatabase(**params)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif url.startswith("sqlite://"):
        raise DatabaseError(
            _("{url!r}: write an SQLite URL as sqlite:///path/to/file.db").format(url=url)
        )
    elif "://" in url:
        scheme = url.split("://", 1)[0]
        raise DatabaseError(
            _(
                "unsupported database URL scheme {scheme!r}: "
                "use a file path, sqlite:/// or postgresql://"
            ).format(scheme=scheme)
        )
    else:
        path = url
    if path == ":memory:":
        raise DatabaseError(
            _("an in-memory database is invisible to the app's worker threads; use a file path")
        )
    file = Path(path).expanduser()
    if file.is_dir():
        raise DatabaseError(_("{path} is a directory, not a database file").format(path=file))
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            _("cannot create the folder for {path}: {error}").format(path=file, error=exc.strerror)
        ) from None
    return SqliteDatabase(str(file), pragmas=SQLITE_PRAGMAS, check_same_thread=False)


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open the configured database, bind the models to it and bring its schema up to date."""
    db = make_database(resolve_db_url(url))
    attempt = 0
    while True:
        attempt += 1
        try:
            db.connect(reuse_if_open=True)
            break
        except peewee.DatabaseError as exc:  # OperationalError included
            # terminals opening a new SQLite file at the same moment: turning it to WAL takes
            # a lock SQLite does not wait for; another try finds it done
            if _is_retryable(exc) and attempt < MAX_ATTEMPTS:
                if not db.is_closed():
                    db.close()
                _back_off(attempt)
                continue
            raise DatabaseError(
                _("cannot open the database: {error}").format(error=_one_line(exc))
            ) from None
    database.initialize(db)
    if migrate:
        from .schema import migrate_schema

        try:
            migrate_schema(db)
        except peewee.DatabaseError as exc:
            raise DatabaseError(
                _("cannot use the database: {error}").format(error=_one_line(exc))
            ) from None
    return db


def _one_line(exc: BaseException) -> str:
    """A driver's message on one line (psycopg2's span several, with tabs)."""
    return " ".join(str(exc).split())


def close_database() -> None:
    """Close this thread's connection, if the proxy is bound."""
    if database.obj is not None and not database.is_closed():
        database.close()


def is_sqlite(db: Database | None = None) -> bool:
    target = db if db is not None else database.obj
    return isinstance(target, SqliteDatabase)


def _back_off(attempt: int) -> None:
    """Wait before try ``attempt + 1`` after a lock race: growing, jittered (so that terminals
    that collided do not collide again), at most half a second."""
    time.sleep(min(0.5, 0.01 * 2**attempt) * (0.5 + random.random()))


def _is_retryable(exc: BaseException) -> bool:
    """A lock race another terminal won: worth running the whole transaction again."""
    text = str(exc).lower()
    if "database is locked" in text or "database is busy" in text:
        return True
    orig = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    code = getattr(orig, "pgcode", None)
    # 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available
    return code in {"40001", "40P01", "55P03"}


@contextmanager
def _transaction(db: Database) -> Iterator[None]:
    if isinstance(db, SqliteDatabase):
        # BEGIN IMMEDIATE takes the write lock up front, so a reader never has to upgrade to a
        # writer mid-transaction (the case in which SQLite fails at once instead of waiting).
        with db.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield


P = ParamSpec("P")
T = TypeVar("T")


def run_in_transaction(fn: Callable[[], T]) -> T:
    """Run ``fn`` in one write transaction, retried when it loses a lock race.

    Inside an enclosing transaction it simply runs (the outer one owns retries).
    """
    db = database.obj
    if db is None:
        raise DatabaseError(_("no database is open"))
    if db.in_transaction():
        return fn()
    attempt = 0
    while True:
        attempt += 1
        try:
            with _transaction(db):
                return fn()
        except (peewee.OperationalError, peewee.DatabaseError, sqlite3.OperationalError) as exc:
            if not _is_retryable(exc) or attempt >= MAX_ATTEMPTS:
                if _is_retryable(exc):
                    raise DatabaseError(
                        _(
                            "the database stayed busy (another terminal is writing a lot); "
                            "nothing was saved, try again"
                        )
                    ) from None
                raise
            _back_off(attempt)


def transactional(fn: Callable[P, T]) -> Callable[P, T]:
    """Decorator: the whole function is one transaction (see :func:`run_in_transaction`)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return run_in_transaction(lambda: fn(*args, **kwargs))

    return wrapper


def table_max_id(model: Any) -> int:
    """The largest primary key of a table (0 when empty)."""
    value = model.select(peewee.fn.MAX(model._meta.primary_key)).scalar()
    return int(value or 0)


def bulk_insert(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert plain tuples fast, bypassing per-row query building.

    ``columns`` are column names of ``model``'s table; values must already be in database
    form (integers for scaled numbers, ISO strings or dates). This is the path of the bulk
    loaders (demo, import); on SQLite it is ``executemany`` on the raw connection, on
    PostgreSQL ``execute_values``. Explicit ids on PostgreSQL move the id sequence past them.
    """
    db = database.obj
    table = model._meta.table_name
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = list(rows)
    if not rows:
        return 0
    if isinstance(db, SqliteDatabase):
        marks = ", ".join("?" for _ in columns)
        db.connection().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
    else:
        from psycopg2.extras import execute_values

        with db.connection().cursor() as cur:
            execute_values(cur, f'INSERT INTO "{table}" ({cols}) VALUES %s', rows, page_size=2000)
            if "id" in columns:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT MAX("id") FROM "{table}"))'
                )
    return len(rows)
