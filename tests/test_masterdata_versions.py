"""Optimistic concurrency of master data: clients (with their addresses), articles (with their
barcodes) and taxes carry a version; an edit made from a stale read fails with ConflictError and
writes nothing, a fresh one moves the version on by one, ``None`` (command line) skips the check.
On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from peewee import Database

from tui_orders.data import interchange
from tui_orders.data import masterdata as md
from tui_orders.data.errors import ConflictError, ValidationError
from tui_orders.data.models import Article, AuditLog, Client, Tax


def client_state(client_id: int) -> tuple[object, ...]:
    c = Client.get_by_id(client_id)
    addresses = tuple((a.label, a.text, a.is_default) for a in md.client_addresses(client_id))
    return (c.name, c.vat_id, c.currency, c.version, addresses)


def article_state(article_id: int) -> tuple[object, ...]:
    a = Article.get_by_id(article_id)
    barcodes = tuple(sorted(b.code for b in a.barcodes))
    return (a.code, a.name, a.unit, a.price, a.version, barcodes)


def test_client_edit_from_a_stale_version_conflicts_and_writes_nothing(db: Database) -> None:
    client = md.create_client(
        "Acme", "EUR", addresses=[md.AddressInput("HQ", "Berlin"), md.AddressInput("Store")]
    )
    assert client.version == 1
    hq, store = md.client_addresses(client.id)
    # terminal A saves first, from version 1: name and one address change, the version moves
    # on by one for the whole edit
    saved = md.save_client(
        client.id,
        name="Acme GmbH",
        currency="EUR",
        addresses=[md.AddressEdit(hq.id, "HQ", "Munich"), md.AddressEdit(None, "Plant", "Ulm")],
        expected_version=1,
    )
    assert saved.version == 2
    before = client_state(client.id)
    audit_count = AuditLog.select().count()
    # terminal B, still showing version 1, saves its own change: refused, nothing written
    with pytest.raises(ConflictError) as caught:
        md.save_client(
            client.id,
            name="Acme Ltd",
            currency="USD",
            vat_id="DE1",
            addresses=[md.AddressEdit(hq.id, "HQ", "Hamburg"), md.AddressEdit(store.id, "Store")],
            expected_version=1,
        )
    message = str(caught.value)
    assert "client 'Acme GmbH' was changed in another terminal" in message
    assert "nothing was saved" in message and "reload" in message
    assert client_state(client.id) == before
    assert client_state(client.id)[4] == (("HQ", "Munich", True), ("Plant", "Ulm", False))
    assert AuditLog.select().count() == audit_count
    # after reloading (version 2) the same change goes through
    again = md.save_client(
        client.id,
        name="Acme Ltd",
        currency="USD",
        addresses=[md.AddressEdit(hq.id, "HQ", "Hamburg")],
        expected_version=2,
    )
    assert (again.name, again.currency, again.version) == ("Acme Ltd", "USD", 3)


def test_client_version_none_skips_the_check_and_still_moves_on(db: Database) -> None:
    client = md.create_client("Acme", "EUR")
    md.update_client(client.id, vat_id="DE1", expected_version=1)
    # the command line: no version to compare with, the change is made
    updated = md.update_client(client.id, vat_id="DE2")
    assert (updated.vat_id, updated.version) == ("DE2", 3)
    # a form still at version 2 learns of it
    with pytest.raises(ConflictError):
        md.update_client(client.id, vat_id="DE3", expected_version=2)
    assert Client.get_by_id(client.id).vat_id == "DE2"


def test_an_address_added_elsewhere_is_not_dropped_by_a_stale_form(db: Database) -> None:
    """A form lists the addresses it read; saving it removes the others. An address added
    meanwhile (``add_address``, e.g. from a script) moves the client's version on, so the
    stale form cannot silently remove it."""
    client = md.create_client("Acme", "EUR", addresses=[md.AddressInput("HQ")])
    (hq,) = md.client_addresses(client.id)
    md.add_address(client.id, "Store", "Sofia")
    assert Client.get_by_id(client.id).version == 2
    with pytest.raises(ConflictError):
        md.save_client(
            client.id,
            name="Acme",
            currency="EUR",
            addresses=[md.AddressEdit(hq.id, "HQ")],
            expected_version=1,
        )
    assert [a.label for a in md.client_addresses(client.id)] == ["HQ", "Store"]
    # editing or removing one address alone is a change of the client too
    store = md.client_addresses(client.id)[1]
    with pytest.raises(ConflictError):
        md.update_address(store.id, text="Plovdiv", expected_version=1)
    with pytest.raises(ConflictError):
        md.remove_address(store.id, expected_version=1)
    assert md.client_addresses(client.id)[1].text == "Sofia"
    md.remove_address(store.id, expected_version=2)
    assert Client.get_by_id(client.id).version == 3


def test_failed_validation_leaves_the_version_where_it_was(db: Database) -> None:
    """A save refused for bad input keeps the form's version valid: fixing the input and
    saving again must not turn into a conflict."""
    md.create_client("Other", "EUR")
    client = md.create_client("Acme", "EUR")
    with pytest.raises(ValidationError, match="already exists"):
        md.save_client(client.id, name="Other", currency="EUR", expected_version=1)
    assert Client.get_by_id(client.id).version == 1
    assert md.save_client(client.id, name="Acme 2", currency="EUR", expected_version=1).version == 2


def test_article_edit_from_a_stale_version_conflicts_and_writes_nothing(db: Database) -> None:
    article = md.create_article("A-1", "Bolt", "0.25", barcodes=["111"])
    assert article.version == 1
    saved = md.save_article(
        article.id,
        code="A-1",
        name="Bolt M8",
        unit="pcs",
        price="0.30",
        barcodes=["111", "222"],
        expected_version=1,
    )
    assert saved.version == 2
    before = article_state(article.id)
    with pytest.raises(ConflictError, match="article 'A-1' was changed in another terminal"):
        md.save_article(
            article.id,
            code="A-9",
            name="Bolt M10",
            unit="kg",
            price="9",
            barcodes=["333"],
            expected_version=1,
        )
    assert article_state(article.id) == before
    assert before[3] == Decimal("0.30") and before[5] == ("111", "222")
    # None skips the check
    assert md.update_article(article.id, name="Bolt M8x20").version == 3


def test_a_barcode_scanned_onto_an_article_makes_an_open_form_stale(db: Database) -> None:
    """The scanner attaches barcodes (``add_barcode``): a form opened before would drop the
    new barcode when saved, so it conflicts instead."""
    article = md.create_article("A-1", "Bolt", "0.25", barcodes=["111"])
    md.add_barcode(article.id, "222")
    with pytest.raises(ConflictError):
        md.save_article(
            article.id,
            code="A-1",
            name="Bolt",
            unit="pcs",
            price="0.25",
            barcodes=["111"],
            expected_version=1,
        )
    assert article_state(article.id)[5] == ("111", "222")
    with pytest.raises(ConflictError):
        md.remove_barcode(article.id, "222", expected_version=1)
    md.remove_barcode(article.id, "222", expected_version=2)
    assert article_state(article.id)[4:] == (3, ("111",))


def test_tax_edit_from_a_stale_version_conflicts_and_writes_nothing(db: Database) -> None:
    tax = md.save_tax(None, name="VAT 20%", rate="20")
    assert tax.version == 1
    assert md.save_tax(tax.id, name="VAT 9%", rate="9", expected_version=1).version == 2
    with pytest.raises(ConflictError, match="tax 'VAT 9%' was changed in another terminal"):
        md.save_tax(tax.id, name="VAT 10%", rate="10", expected_version=1)
    again = Tax.get_by_id(tax.id)
    assert (again.name, again.rate, again.version) == ("VAT 9%", Decimal("9"), 2)
    assert md.update_tax(tax.id, name="ДДС 9%").version == 3  # None: no check
    assert md.update_tax(tax.id, rate="8", expected_version=3).rate == Decimal("8")


def test_bulk_loaded_master_data_starts_at_version_1_and_stays_out_of_exports(
    db: Database,
) -> None:
    """The import names its columns (without ``version``): the database default gives the
    rows version 1, and a form can edit them at once; the interchange format has no version."""
    interchange.import_data(
        {
            "taxes": [{"name": "VAT 20%", "rate": "20"}],
            "clients": [{"name": "Acme", "currency": "EUR", "addresses": [{"label": "HQ"}]}],
            "articles": [{"code": "A", "name": "Widget", "price": "10.00", "barcodes": ["9"]}],
        }
    )
    assert [c.version for c in Client.select()] == [1]
    assert [a.version for a in Article.select()] == [1]
    assert [t.version for t in Tax.select()] == [1]
    client = Client.get(Client.name == "Acme")
    assert md.save_client(client.id, name="Acme", currency="EUR", expected_version=1).version == 2
    exported = interchange.export_data()
    for key in ("clients", "articles", "taxes"):
        assert exported[key] and all("version" not in row for row in exported[key])
