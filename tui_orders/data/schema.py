"""Schema versioning: the version table and the migrations run when a database is opened.

A new, empty database gets the current schema at once and is stamped with
:data:`SCHEMA_VERSION`. An older database runs each migration above its version, in order,
each in its own transaction, under a lock so that two terminals opening it at the same moment
migrate it once. To change the schema later: change the models, bump ``SCHEMA_VERSION`` (in
:mod:`.version`) and add ``MIGRATIONS[new_version]``, a function that takes the database and
brings an existing database from the version before to the new one (``playhouse.migrate``
helps).
"""

from __future__ import annotations

from collections.abc import Callable

from peewee import Database, SqliteDatabase

from .errors import DatabaseError
from .models import (
    ALL_MODELS,
    Article,
    Attachment,
    Client,
    FinancialDocument,
    LinkedOrder,
    Offer,
    Order,
    Payment,
    PaymentTerm,
    SchemaVersion,
    Tax,
)
from .version import SCHEMA_VERSION


def _add_version(db: Database, table: str) -> None:
    """``table`` gets ``version INTEGER NOT NULL DEFAULT 1`` unless it has it already (every
    existing row gets version 1, in place, on SQLite and PostgreSQL)."""
    if "version" not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1')


def _to_2(db: Database) -> None:
    """Schema 2 (issue 5): offers get a ``version`` (optimistic concurrency), orders get
    attachments (files stored in the database), linked orders an index on (kind, number).
    Issue 6 (reports): payments get ``currency`` (their order's), and the indexes
    ``order_book``, ``order_cancelled``, ``order_open``, ``payment_term_open``,
    ``financial_document_open`` and ``payment_currency_date_amount``.

    Plain ``ALTER TABLE ... ADD COLUMN ... NOT NULL DEFAULT 1`` works in place on SQLite and
    PostgreSQL (no table rebuild) and gives every existing offer version 1; it is also
    exactly the column a new database gets from the model (``DEFAULT 1``).
    """
    _add_version(db, Offer._meta.table_name)
    db.create_tables([Attachment], safe=True)
    # The model's own index definition (name and columns as a new database gets them).
    LinkedOrder._schema.create_indexes(safe=True)
    # The reports (issue 6): payments carry their order's currency (filled here in one
    # statement), and the indexes of the order book, the open terms and the receipts by
    # currency; the models' own definitions again.
    payment = Payment._meta.table_name
    if "currency" not in {c.name for c in db.get_columns(payment)}:
        db.execute_sql(
            f'ALTER TABLE "{payment}" ADD COLUMN "currency" VARCHAR(3) NOT NULL DEFAULT \'\''
        )
        order = Order._meta.table_name
        db.execute_sql(
            f'UPDATE "{payment}" SET "currency" = '
            f'(SELECT o."currency" FROM "{order}" o WHERE o."id" = "{payment}"."order_id")'
        )
    for model in (Order, PaymentTerm, FinancialDocument, Payment):
        model._schema.create_indexes(safe=True)


def _to_3(db: Database) -> None:
    """Schema 3: clients, articles and taxes get a ``version`` (optimistic concurrency of the
    master-data forms, as offers got in schema 2): the same column a new database gets from
    the models (``DEFAULT 1``), which the bulk loaders, naming their columns, rely on."""
    for model in (Client, Article, Tax):
        _add_version(db, model._meta.table_name)


#: version -> function bringing a database at ``version - 1`` to ``version``.
MIGRATIONS: dict[int, Callable[[Database], None]] = {2: _to_2, 3: _to_3}


def _lock(db: Database) -> None:
    """Serialize schema changes between processes for the rest of this transaction."""
    if not isinstance(db, SqliteDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(727274)")


def current_version(db: Database) -> int:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select(SchemaVersion.version).order_by(SchemaVersion.id.desc()).first()
    return int(row.version) if row else 0


def migrate_schema(db: Database) -> int:
    """Create or upgrade the schema; returns the version the database is at afterwards."""
    # The common case, a database already at this version, needs no write lock: a terminal
    # starting while another one writes must not wait for it (nor block it).
    with db.atomic():
        if current_version(db) == SCHEMA_VERSION:
            return SCHEMA_VERSION
    begin = db.atomic(lock_type="IMMEDIATE") if isinstance(db, SqliteDatabase) else db.atomic()
    with begin:
        _lock(db)
        version = current_version(db)
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"the database is at schema version {version}, newer than this tui-orders "
                f"understands ({SCHEMA_VERSION}): upgrade tui-orders"
            )
        if version == SCHEMA_VERSION:
            return version
        if version == 0:
            if [t for t in db.get_tables() if t != SchemaVersion._meta.table_name]:
                raise DatabaseError(
                    "the database has tables but no tui-orders schema version: "
                    "it is not a tui-orders database"
                )
            db.create_tables(ALL_MODELS)
            SchemaVersion.delete().execute()
            SchemaVersion.create(version=SCHEMA_VERSION)
            return SCHEMA_VERSION
    sqlite = isinstance(db, SqliteDatabase)
    if sqlite:
        # A migration may rebuild a table (playhouse.migrate does for NOT NULL, drop, rename
        # on SQLite): with foreign keys on, dropping the old table would CASCADE-delete every
        # row referencing it. The pragma is ignored inside a transaction: switch it off first.
        db.pragma("foreign_keys", 0)
    try:
        while version < SCHEMA_VERSION:
            step = MIGRATIONS[version + 1]
            begin = db.atomic(lock_type="IMMEDIATE") if sqlite else db.atomic()
            with begin:
                _lock(db)
                if current_version(db) != version:  # another process migrated meanwhile
                    version = current_version(db)
                    continue
                step(db)
                if sqlite:
                    broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(
                            f"migration to schema version {version + 1} would break "
                            f"{len(broken)} reference(s) (first: {broken[0]}); nothing was changed"
                        )
                SchemaVersion.update(version=version + 1).execute()
                version += 1
    finally:
        if sqlite:
            db.pragma("foreign_keys", 1)
    return version
