"""Schema 3: clients, articles and taxes get a ``version``. A database made at schema version 2
opens, migrates, and keeps its data; the migration is re-runnable; the migrated schema is the
one a new database gets. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from peewee import Database

from tui_orders.data import interchange, recompute, schema
from tui_orders.data import masterdata as md
from tui_orders.data.db import close_database, open_database
from tui_orders.data.errors import ConflictError
from tui_orders.data.models import (
    ALL_MODELS,
    Address,
    Article,
    AuditLog,
    Barcode,
    Client,
    Offer,
    Order,
    OrderItem,
    SchemaVersion,
    Tax,
)

V2_DATA = {
    "offers": [
        {
            "number": "OF-2026-00001",
            "client": "Acme Ltd",
            "created": "2026-02-01",
            "items": [{"article": "A", "qty": "5", "price": "9.00"}],
        }
    ],
    "orders": [
        {
            "number": "2026-00001",
            "client": "Техномаш ООД",
            "address": "Склад",
            "created": "2026-02-15",
            "deadline": "2026-06-30",
            "tax": "ДДС 20%",
            "items": [{"article": "B", "qty": "100", "price": "0.25"}],
        }
    ],
    "taxes": [{"name": "ДДС 20%", "rate": "20"}, {"name": "ДДС 9%", "rate": "9"}],
    "clients": [
        {"name": "Acme Ltd", "currency": "EUR", "addresses": [{"label": "HQ"}]},
        {
            "name": "Техномаш ООД",
            "currency": "BGN",
            "vat_id": "BG123",
            "addresses": [{"label": "Офис", "text": "София"}, {"label": "Склад"}],
        },
    ],
    "articles": [
        {"code": "A", "name": "Widget", "price": "10.00", "barcodes": ["4006381333931"]},
        {"code": "B", "name": "Болт", "price": "0.25", "unit": "бр"},
    ],
}

MASTER = ("client", "article", "tax")


def shape(db: Database) -> dict[str, set[tuple[str, bool]]]:
    """Table -> (column, nullable) of every tui-orders table."""
    return {
        m._meta.table_name: {(c.name, c.null) for c in db.get_columns(m._meta.table_name)}
        for m in ALL_MODELS
    }


def fresh_shape(tmp_path: Path) -> dict[str, set[tuple[str, bool]]]:
    """The shape of a brand-new SQLite database (column names and nullability are the same
    on PostgreSQL)."""
    db = open_database(str(tmp_path / "fresh.db"))
    try:
        return shape(db)
    finally:
        close_database()


def make_v2_database(url: str) -> Database:
    """An empty database of exactly the schema-2 shape: no ``version`` on clients, articles
    and taxes; stamped version 2."""
    db = open_database(url, migrate=False)
    db.create_tables(ALL_MODELS)
    for table in MASTER:
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "version"')
    SchemaVersion.create(version=2)
    return db


def test_schema_2_database_migrates_with_its_data(db_url: str, tmp_path: Path) -> None:
    db = make_v2_database(db_url)
    assert not any("version" in {c.name for c in db.get_columns(t)} for t in MASTER)
    interchange.import_data(V2_DATA)  # the bulk loader names its columns: works on schema 2
    before = interchange.export_data()
    counts = {
        m: m.select().count()
        for m in (Client, Address, Article, Barcode, Tax, Order, OrderItem, Offer, AuditLog)
    }
    close_database()

    db = open_database(db_url)  # migrates
    assert [row.version for row in SchemaVersion.select()] == [schema.SCHEMA_VERSION] == [3]
    assert {m: m.select().count() for m in counts} == counts
    assert interchange.export_data() == before
    assert recompute.check() == []
    for model in (Client, Article, Tax):
        assert {row.version for row in model.select()} == {1}

    # the migrated master data is edited with versions at once
    client = md.get_client("Техномаш ООД")
    office, store = md.client_addresses(client.id)
    saved = md.save_client(
        client.id,
        name="Техномаш ООД",
        currency="BGN",
        vat_id="BG123",
        addresses=[md.AddressEdit(office.id, "Офис", "Пловдив"), md.AddressEdit(store.id, "Склад")],
        expected_version=1,
    )
    assert saved.version == 2
    with pytest.raises(ConflictError):
        md.update_article(md.get_article("A").id, name="Gadget", expected_version=0)
    assert md.get_article("A").name == "Widget"

    # re-runnable: running the step again on the migrated database changes nothing
    schema.MIGRATIONS[3](db)
    assert Client.get_by_id(client.id).version == 2

    # the migrated schema is the one a new database gets
    migrated = shape(db)
    close_database()
    assert migrated == fresh_shape(tmp_path)

    # opened again: nothing more to do
    open_database(db_url)
    assert [row.version for row in SchemaVersion.select()] == [3]
