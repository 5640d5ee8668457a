"""Editing master data: addresses, articles with barcodes, taxes (the master-data screens)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from peewee import Database

from tui_orders.data import masterdata as md
from tui_orders.data import orders
from tui_orders.data.errors import ValidationError
from tui_orders.data.models import Address, AuditLog


def test_save_client_adds_updates_and_removes_addresses(db: Database) -> None:
    client = md.save_client(
        None,
        name="Техномаш",
        currency="bgn",
        addresses=[md.AddressEdit(None, "Офис", "София"), md.AddressEdit(None, "Склад", "")],
    )
    office, store = md.client_addresses(client.id)
    assert office.is_default and not store.is_default
    # swap labels, move the default, add one, remove none
    md.save_client(
        client.id,
        name="Техномаш ООД",
        currency="EUR",
        vat_id="BG1",
        addresses=[
            md.AddressEdit(office.id, "Склад", "София"),
            md.AddressEdit(store.id, "Офис", "Божурище", default=True),
            md.AddressEdit(None, "Цех", "Перник"),
        ],
    )
    rows = {a.label: a for a in md.client_addresses(client.id)}
    assert set(rows) == {"Склад", "Офис", "Цех"}
    assert rows["Офис"].is_default and rows["Офис"].text == "Божурище"
    assert sum(a.is_default for a in rows.values()) == 1
    view = md.list_clients("техно")[0]
    assert (view.name, view.currency, view.vat_id, view.address, view.addresses) == (
        "Техномаш ООД",
        "EUR",
        "BG1",
        "Офис",
        3,
    )
    # removing the default makes another one the default
    md.remove_address(rows["Офис"].id)
    assert [a.label for a in md.client_addresses(client.id) if a.is_default] == ["Склад"]
    assert AuditLog.select().where(AuditLog.entity == "address").count() >= 4


def test_address_used_by_an_order_is_kept(db: Database) -> None:
    client = md.create_client("Acme", "EUR", addresses=[md.AddressInput("HQ")])
    orders.create_order("Acme", "2026-12-01", created="2026-11-01")
    hq = Address.get(Address.client == client.id)
    with pytest.raises(ValidationError, match="used by 1 order"):
        md.save_client(client.id, name="Acme", currency="EUR", addresses=[])
    assert md.client_addresses(client.id)[0].id == hq.id


def test_address_label_twice_is_rejected(db: Database) -> None:
    with pytest.raises(ValidationError, match="used twice"):
        md.save_client(
            None,
            name="X",
            currency="EUR",
            addresses=[md.AddressEdit(None, "A"), md.AddressEdit(None, "a")],
        )


def test_save_article_with_barcodes(db: Database) -> None:
    article = md.save_article(
        None, code="A-1", name="Болт", unit="бр", price="0.25", barcodes=["111", "222"]
    )
    md.save_article(
        article.id, code="A-2", name="Болт M8", unit="бр", price="0,30", barcodes=["222", "333"]
    )
    view = md.list_articles("m8")[0]
    assert (view.code, view.price, view.barcodes) == ("A-2", Decimal("0.3000"), ("222", "333"))
    assert md.list_articles("333")[0].id == article.id
    other = md.create_article("B-1", "Other", "1")
    with pytest.raises(ValidationError, match="already belongs to article A-2"):
        md.save_article(other.id, code="B-1", name="Other", unit="pcs", price="1", barcodes=["222"])
    with pytest.raises(ValidationError, match="listed twice"):
        md.save_article(None, code="C", name="C", unit="pcs", price="1", barcodes=["9", "9"])
    with pytest.raises(ValidationError, match="not a number"):
        md.update_article(article.id, price="abc")


def test_save_tax(db: Database) -> None:
    tax = md.save_tax(None, name="ДДС 20%", rate="20")
    md.save_tax(tax.id, name="ДДС 9%", rate="9")
    assert [(t.name, t.rate) for t in md.list_taxes("ддс")] == [("ДДС 9%", Decimal("9.0000"))]
    md.create_client("Acme", "EUR")
    orders.create_order("Acme", "2026-12-01", created="2026-11-01", tax="ДДС 9%")
    with pytest.raises(ValidationError, match="cannot change"):
        md.save_tax(tax.id, name="ДДС 9%", rate="10")
    md.save_tax(tax.id, name="VAT 9%", rate="9")  # a new name is fine
