"""Schema 2 (issue 5): a database made at schema version 1 opens, migrates, and keeps its data;
a new database gets the same schema directly. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from peewee import Database

from tui_orders.data import attachments, interchange, offers, orders, recompute, schema
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import (
    ALL_MODELS,
    Attachment,
    AuditLog,
    LinkedOrder,
    Offer,
    OfferItem,
    Order,
    OrderItem,
    Payment,
    SchemaVersion,
)

V1_DATA = {
    "clients": [{"name": "Acme Ltd", "currency": "EUR", "addresses": [{"label": "HQ"}]}],
    "articles": [{"code": "A", "name": "Widget", "price": "10.00"}],
    "offers": [
        {
            "number": "OF-2026-00001",
            "client": "Acme Ltd",
            "created": "2026-02-01",
            "valid_until": "2026-02-28",
            "items": [{"article": "A", "qty": "2", "price": "9.50"}],
            "order": "2026-00001",
        },
        {
            "number": "OF-2026-00002",
            "client": "Acme Ltd",
            "created": "2026-02-10",
            "items": [{"article": "A", "qty": "5", "price": "9.00", "specs": "blue"}],
            "note": "not confirmed yet",
        },
    ],
    "orders": [
        {
            "number": "2026-00001",
            "client": "Acme Ltd",
            "created": "2026-02-15",
            "deadline": "2026-06-30",
            "document": {"kind": "offer", "ref": "OF-2026-00001"},
            "items": [{"article": "A", "qty": "2", "price": "9.50"}],
            "links": [{"kind": "purchase", "number": "PO-2026-00004", "expected": "2026-07-05"}],
        }
    ],
}


def make_v1_database(url: str, fill: Callable[[], Any] | None = None) -> tuple[Database, Any]:
    """An empty database given exactly the schema-1 shape: no attachment table, no
    ``offer.version``, no ``linked_order(kind, number)`` index, no ``payment.currency`` nor
    the reports' indexes (nor schema 3's versions of clients, articles and taxes); stamped
    version 1. ``fill()`` runs before the attachment table goes (this version's loader and
    export read it); returns the database and what ``fill`` returned."""
    db = open_database(url, migrate=False)
    db.create_tables(ALL_MODELS)
    for table in ("offer", "client", "article", "tax"):
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "version"')
    db.execute_sql('DROP INDEX "linked_order_kind_number"')
    for index in ("order_book", "order_cancelled", "payment_term_open"):
        db.execute_sql(f'DROP INDEX "{index}"')
    db.execute_sql('DROP INDEX "payment_currency_date_amount"')
    db.execute_sql('ALTER TABLE "payment" DROP COLUMN "currency"')
    filled = fill() if fill is not None else None
    db.drop_tables([Attachment])
    SchemaVersion.create(version=1)
    return db, filled


def shape(db: Database) -> dict[str, set[tuple[str, bool]]]:
    """Table -> (column, nullable) of every tui-orders table."""
    return {
        m._meta.table_name: {(c.name, c.null) for c in db.get_columns(m._meta.table_name)}
        for m in ALL_MODELS
    }


def test_schema_1_database_migrates_with_its_data(db_url: str, tmp_path: Path) -> None:
    def fill() -> dict[str, Any]:
        interchange.import_data(V1_DATA)  # the bulk loader names its columns: works on schema 1
        return interchange.export_data()

    db, before = make_v1_database(db_url, fill)
    assert "version" not in {c.name for c in db.get_columns("offer")}
    assert "attachment" not in db.get_tables()
    counts = {m: m.select().count() for m in (Order, OrderItem, Offer, OfferItem, LinkedOrder)}
    audit_count = AuditLog.select().count()
    close_database()

    db = open_database(db_url)  # migrates
    assert [row.version for row in SchemaVersion.select()] == [schema.SCHEMA_VERSION]
    assert {m: m.select().count() for m in counts} == counts
    assert AuditLog.select().count() == audit_count
    assert interchange.export_data() == before
    assert recompute.check() == []
    assert [o.version for o in Offer.select().order_by(Offer.id)] == [1, 1]
    indexes = {i.name for i in db.get_indexes("linked_order")}
    assert "linked_order_kind_number" in indexes

    # the new things work on the migrated data
    order = orders.get_order("2026-00001")
    # free: an imported PO-2026-00004 does not move the counter, only a taken number is skipped
    assert orders.create_linked(order, "purchase", today=dt.date(2026, 3, 1)).number == (
        "PO-2026-00001"
    )
    doc = tmp_path / "contract.pdf"
    doc.write_bytes(b"%PDF-1.4 signed")
    att = attachments.attach_file(order, doc)
    assert attachments.attachment_content(att.id) == b"%PDF-1.4 signed"
    made = offers.confirm_offer("OF-2026-00002", 1, today=dt.date(2026, 3, 1))
    assert made.total == Decimal("45.00") and made.document_ref == "OF-2026-00002"
    assert offers.offer_detail("OF-2026-00001").status == "confirmed"
    assert offers.create_offer("Acme Ltd", created="2026-03-01").number == "OF-2026-00003"

    # the migrated schema is the one a new database gets
    migrated = shape(db)
    close_database()
    assert migrated == fresh_shape(tmp_path)

    # opened again: nothing more to do
    open_database(db_url)
    assert [row.version for row in SchemaVersion.select()] == [schema.SCHEMA_VERSION]


def fresh_shape(tmp_path: Path) -> dict[str, set[tuple[str, bool]]]:
    """The shape of a brand-new SQLite database (the PostgreSQL test compares with it too:
    column names and nullability are the same on both)."""
    db = open_database(str(tmp_path / "fresh.db"))
    try:
        return shape(db)
    finally:
        close_database()


def test_migration_runs_once_when_already_current(db_url: str) -> None:
    open_database(db_url)
    current = schema.SCHEMA_VERSION
    assert schema.current_version(Order._meta.database) == current
    close_database()
    db = open_database(db_url)
    assert schema.migrate_schema(db) == current
    assert [row.version for row in SchemaVersion.select()] == [current]


def test_migration_gives_payments_their_order_currency(db_url: str) -> None:
    """Schema 2 copies the order's currency onto its payments (the forecast reads it)."""
    db, _ = make_v1_database(db_url, lambda: interchange.import_data(V1_DATA))
    # a schema-1 payment row (the loader of this version writes the schema-2 columns)
    db.execute_sql(
        'INSERT INTO "payment" ("order_id", "date", "amount", "note", "unallocated") '
        "SELECT id, '2026-03-01', 500, '', 500 FROM \"order\""
    )
    close_database()
    open_database(db_url)  # migrates
    assert [(p.currency, p.amount) for p in Payment.select()] == [("EUR", Decimal("5.00"))]
    assert not [d for d in recompute.check() if d.field == "currency"]
    assert {i.name for i in Payment._meta.database.get_indexes("payment")} >= {
        "payment_currency_date_amount"
    }
    assert {i.name for i in Payment._meta.database.get_indexes("payment_term")} >= {
        "payment_term_open"
    }
    assert {i.name for i in Payment._meta.database.get_indexes("order")} >= {
        "order_book",
        "order_cancelled",
    }
