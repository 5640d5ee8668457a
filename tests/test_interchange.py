"""The JSON interchange: import (parse + bulk load), export, round trip, and bad input.

The expected computed values are worked out by hand in the comments next to them; none is
computed by the code under test.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from peewee import Database

from tui_orders.data import bulk, interchange, orders
from tui_orders.data.dataset import ClientRec, Dataset, ItemRec, OrderRec
from tui_orders.data.db import database, open_database
from tui_orders.data.errors import ValidationError
from tui_orders.data.masterdata import AddressInput, create_article, create_client, create_tax
from tui_orders.data.models import ALL_MODELS, AuditLog, NumberSequence, Offer, Order
from tui_orders.data.recompute import check

# --------------------------------------------------------------------------- the sample file


def sample() -> dict[str, Any]:
    """A hand-written interchange file using every field of the format."""
    return {
        "taxes": [
            {"name": "ДДС 20%", "rate": "20"},
            {"name": "Reduced 9%", "rate": "9"},
        ],
        "clients": [
            {
                "name": "Acme Ltd",
                "vat_id": "BG123456789",
                "currency": "BGN",
                "addresses": [
                    {"label": "Office", "text": "Sofia, 1 Vitosha Blvd", "default": False},
                    {"label": "Warehouse", "text": "Plovdiv, Industrial zone", "default": True},
                ],
            },
            {
                "name": "Борис ООД",
                "currency": "EUR",
                "addresses": [{"label": "HQ", "text": "Varna"}],
            },
            {"name": "No Address Co", "currency": "USD"},
        ],
        "articles": [
            {
                "code": "BOLT-M8",
                "name": "Bolt M8",
                "unit": "pcs",
                "price": "0.35",
                "barcodes": ["3800000000011", "3800000000028"],
            },
            {"code": "STEEL", "name": "Steel sheet", "unit": "kg", "price": "2.125"},
            {"code": "SVC", "name": "Installation", "price": "150.00", "barcodes": []},
        ],
        "offers": [
            {
                "number": "OF-1",
                "client": "Acme Ltd",
                "address": "Office",
                "created": "2026-01-05",
                "valid_until": "2026-01-31",
                "note": "by phone",
                "items": [
                    {"article": "BOLT-M8", "qty": "1000", "price": "0.30", "specs": "zinc plated"}
                ],
                "order": "2026-00007",
            },
            # linked to order 2025-00100 by that order's document reference
            {
                "number": "OF-2",
                "client": "Acme Ltd",
                "created": "2025-10-20",
                "items": [{"article": "STEEL", "qty": "10", "price": "2.125"}],
            },
            {"number": "OF-3", "client": "Борис ООД", "created": "2026-03-01", "order": None},
        ],
        "orders": [
            {
                "number": "2026-00007",
                "client": "Acme Ltd",
                "address": "Office",
                "document": {"kind": "contract", "ref": "C-2026/15"},
                "created": "2026-01-10",
                "deadline": "2026-03-31",
                "tax": "ДДС 20%",
                "note": "rush",
                "started": False,
                "cancelled": False,
                "cancel_reason": "",
                "items": [
                    {"article": "BOLT-M8", "qty": "1000", "price": "0.30", "specs": "zinc plated"},
                    {"article": "STEEL", "qty": "12.5", "price": "2.125"},
                    {"article": "BOLT-M8", "qty": "500", "price": "0.32"},
                    {"article": "SVC", "qty": "1", "price": "150.00", "specs": ""},
                ],
                "payment_terms": [
                    {"name": "advance", "due": "2026-01-20", "amount": "300.00"},
                    {"name": "balance", "due": "2026-04-15", "amount": "463.87"},
                ],
                "documents": [
                    {
                        "type": "proforma",
                        "number": "PF-1",
                        "amount": "300.00",
                        "issued": "2026-01-10",
                        "due": "2026-01-20",
                        "term": "advance",
                    },
                    # the invoice replacing the proforma; no term: it takes the proforma's
                    {
                        "type": "invoice",
                        "number": "INV-1",
                        "amount": "300.00",
                        "issued": "2026-01-25",
                        "duplicate_of": "PF-1",
                    },
                    {
                        "type": "invoice",
                        "number": "INV-2",
                        "amount": "463.87",
                        "issued": "2026-03-01",
                        "due": "2026-04-15",
                        "term": "balance",
                        "duplicate_of": None,
                    },
                ],
                "payments": [
                    {
                        "date": "2026-01-18",
                        "amount": "300.00",
                        "note": "bank",
                        "allocations": [{"document": "PF-1", "amount": "300.00"}],
                    },
                    {
                        "date": "2026-03-05",
                        "amount": "250.00",
                        "allocations": [{"document": "INV-2", "amount": "200.00"}],
                    },
                    {"date": "2026-03-06", "amount": "20.00", "note": "without basis"},
                ],
                "deliveries": [
                    {
                        "kind": "sale",
                        "number": "S-1",
                        "date": "2026-02-01",
                        "lines": [
                            {"article": "BOLT-M8", "qty": "1200"},
                            {"article": "STEEL", "qty": "12.5"},
                        ],
                    },
                    {
                        "kind": "shipment",
                        "number": "SH-1",
                        "date": "2026-02-10",
                        "cancelled": True,
                        "lines": [{"article": "SVC", "qty": "1"}],
                    },
                ],
                "links": [
                    {
                        "kind": "production",
                        "number": "PR-77",
                        "status": "in_progress",
                        "expected": "2026-03-15",
                    },
                    {
                        "kind": "purchase",
                        "number": "PO-5",
                        "status": "done",
                        "deadline": "2026-02-15",
                        "expected": None,
                    },
                ],
            },
            {
                "client": "Борис ООД",
                "created": "2026-02-01",
                "deadline": "2026-02-28",
                "started": True,
                "cancelled": True,
                "cancel_reason": "the client withdrew",
                "items": [{"article": "SVC", "qty": "2", "price": "150.00"}],
                "deliveries": [
                    {
                        "kind": "sale",
                        "number": "S-2",
                        "date": "2026-02-05",
                        "cancelled": True,
                        "lines": [{"article": "SVC", "qty": "1"}],
                    }
                ],
            },
            {
                "number": "2025-00100",
                "client": "Acme Ltd",
                "document": {"kind": "offer", "ref": "OF-2"},
                "created": "2025-11-03",
                "deadline": "2025-12-01",
                "tax": "Reduced 9%",
                "items": [{"article": "STEEL", "qty": "10", "price": "2.125"}],
                "documents": [
                    {
                        "type": "foreign_invoice",
                        "number": "FI-3",
                        "amount": "23.16",
                        "issued": "2025-11-05",
                    }
                ],
                "payments": [
                    {
                        "date": "2025-11-05",
                        "amount": "30.00",
                        "allocations": [{"document": "FI-3", "amount": "23.16"}],
                    }
                ],
                "deliveries": [
                    {
                        "kind": "shipment",
                        "number": "SH-2",
                        "date": "2025-11-20",
                        "lines": [{"article": "STEEL", "qty": "10"}],
                    }
                ],
            },
            {
                "client": "No Address Co",
                "document": {"kind": "other", "ref": ""},
                "created": "2025-12-20",
                "deadline": "2026-01-10",
                "links": [{"kind": "production", "number": "PR-1", "status": "cancelled"}],
            },
        ],
    }


def order_of(data: dict[str, Any], number: str) -> dict[str, Any]:
    return next(o for o in data["orders"] if o["number"] == number)


@contextmanager
def other_database(path: Path) -> Iterator[Database]:
    """Bind the models to another (empty) database for a while, then back to the first."""
    first = database.obj
    second = open_database(str(path))
    try:
        yield second
    finally:
        second.close()
        database.initialize(first)


def snapshot() -> tuple[Any, ...]:
    """Everything an import could change: the export, row counts, counters, audit."""
    counts = {m.__name__: m.select().count() for m in ALL_MODELS}
    sequences = sorted(NumberSequence.select().tuples())
    return interchange.export_data(), counts, sequences


# --------------------------------------------------------------------------- round trip


def test_round_trip_through_an_empty_database(db: Database, tmp_path: Path) -> None:
    stats = interchange.import_data(sample())
    assert stats.orders == 4
    assert stats.numbers == ["2026-00007", "2026-00008", "2025-00100", "2025-00101"]
    assert stats.generated == 2
    assert stats.rows["order_item"] == 6
    assert stats.rows["audit_log"] == 4
    assert check() == []
    first = interchange.export_data()

    with other_database(tmp_path / "second.db"):
        interchange.import_data(json.loads(json.dumps(first)))  # through real JSON text
        assert check() == []
        second = interchange.export_data()
    assert second == first


def test_export_of_the_sample_by_hand(db: Database) -> None:
    interchange.import_data(sample())
    data = interchange.export_data()

    assert data["taxes"] == [
        {"name": "ДДС 20%", "rate": "20"},
        {"name": "Reduced 9%", "rate": "9"},
    ]
    assert data["clients"][1] == {
        "name": "Борис ООД",
        "vat_id": "",
        "currency": "EUR",
        "addresses": [{"label": "HQ", "text": "Varna", "default": True}],  # the only one
    }
    assert data["clients"][2]["addresses"] == []
    assert data["articles"][1] == {
        "code": "STEEL",
        "name": "Steel sheet",
        "unit": "kg",
        "price": "2.125",
        "barcodes": [],
    }
    assert data["articles"][2]["unit"] == "pcs"  # the default

    a = order_of(data, "2026-00007")
    # items: 1000 x 0.30 = 300.00; 12.5 x 2.125 = 26.5625 -> 26.56; 500 x 0.32 = 160.00;
    # 1 x 150.00 = 150.00. Subtotal 636.56, tax 20% = 127.312 -> 127.31, total 763.87.
    assert (a["subtotal"], a["tax_amount"], a["total"]) == ("636.56", "127.31", "763.87")
    assert a["currency"] == "BGN"
    assert a["version"] == 1
    # paid: 300 + 250 + 20 = 570.00; allocated 300 + 200, so 70.00 unallocated
    assert (a["paid"], a["unallocated"], a["overpaid"]) == ("570.00", "70.00", "0.00")
    assert a["financial_status"] == "partially_paid"
    # a standing delivery, not everything delivered: in progress
    assert a["status"] == "in_progress"
    # the sale's 1200 bolts fill the first line (1000) and then 200 of the second bolt line;
    # the cancelled shipment of SVC counts for nothing
    assert [i["delivered"] for i in a["items"]] == ["1000", "12.5", "200", "0"]
    assert [i["amount"] for i in a["items"]] == ["300.00", "26.56", "160.00", "150.00"]
    # delivered %: (1000 + 12.5 + 200 + 0) / (1000 + 12.5 + 500 + 1) = 1212.5 / 1513.5 = 80.11 %
    assert a["delivered_pct"] == "80.11"
    assert a["address"] == "Office"
    assert a["document"] == {"kind": "contract", "ref": "C-2026/15"}

    terms = {t["name"]: t for t in a["payment_terms"]}
    # advance: the proforma/invoice pair, paid 300 once (not twice)
    assert (terms["advance"]["paid"], terms["advance"]["status"]) == ("300.00", "paid")
    assert (terms["balance"]["paid"], terms["balance"]["status"]) == ("200.00", "partially_paid")

    docs = {d["number"]: d for d in a["documents"]}
    assert docs["INV-1"]["duplicate_of"] == "PF-1"
    assert docs["INV-1"]["term"] == "advance"  # a duplicate takes its original's term
    assert (docs["PF-1"]["paid"], docs["PF-1"]["status"]) == ("300.00", "paid")
    assert (docs["INV-1"]["paid"], docs["INV-1"]["status"]) == ("300.00", "paid")
    assert (docs["INV-2"]["paid"], docs["INV-2"]["status"]) == ("200.00", "partially_paid")
    assert docs["INV-1"]["due"] is None

    assert [p["unallocated"] for p in a["payments"]] == ["0.00", "50.00", "20.00"]
    assert a["payments"][2]["allocations"] == []

    assert a["deliveries"][1]["cancelled"] is True
    # a link's deadline defaults to the order's
    assert a["links"][0] == {
        "kind": "production",
        "number": "PR-77",
        "status": "in_progress",
        "deadline": "2026-03-31",
        "expected": "2026-03-15",
    }
    # terms 300 + 463.87 = 763.87; original documents PF-1 + INV-2 (INV-1 duplicates PF-1)
    # = 763.87; payments 570.00, 193.87 short of the total
    assert a["coverage"] == {
        "terms": {"amount": "763.87", "difference": "0.00"},
        "documents": {"amount": "763.87", "difference": "0.00"},
        "payments": {"amount": "570.00", "difference": "-193.87"},
    }

    b = order_of(data, "2026-00008")  # generated after the imported 2026-00007
    assert b["status"] == "cancelled"
    assert b["cancel_reason"] == "the client withdrew"
    assert b["address"] == "HQ"  # the client's default
    assert b["tax"] is None
    assert b["document"] == {"kind": "contract", "ref": ""}  # the default
    assert b["currency"] == "EUR"
    assert (b["total"], b["financial_status"]) == ("300.00", "unpaid")

    c = order_of(data, "2025-00100")
    # 10 x 2.125 = 21.25; tax 9% = 1.9125 -> 1.91; total 23.16; paid 30.00 -> overpaid 6.84
    assert (c["total"], c["paid"], c["overpaid"]) == ("23.16", "30.00", "6.84")
    assert c["address"] == "Warehouse"  # the default address, not the first one
    assert (c["financial_status"], c["status"]) == ("paid", "closed")
    assert c["payments"][0]["unallocated"] == "6.84"
    assert c["coverage"]["payments"] == {"amount": "30.00", "difference": "6.84"}

    d = order_of(data, "2025-00101")  # generated in its own year
    assert d["address"] is None  # the client has no address
    assert (d["status"], d["financial_status"], d["total"]) == ("new", "unpaid", "0.00")
    assert d["links"][0]["deadline"] == "2026-01-10"

    offers = {o["number"]: o for o in data["offers"]}
    assert offers["OF-1"]["order"] == "2026-00007"
    assert offers["OF-2"]["order"] == "2025-00100"  # by the order's document reference
    assert offers["OF-2"]["address"] == "Warehouse"
    assert offers["OF-3"]["order"] is None
    assert offers["OF-1"]["items"] == [
        {"article": "BOLT-M8", "qty": "1000", "price": "0.30", "specs": "zinc plated"}
    ]
    assert offers["OF-1"]["note"] == "by phone"

    # the audit log has one entry per imported order
    entries = list(AuditLog.select().where(AuditLog.action == "import"))
    assert len(entries) == 4
    assert {e.user for e in entries} == {"tester"}
    assert json.loads(entries[0].changes) == {"client": "Acme Ltd", "number": "2026-00007"}


def test_export_order_is_the_entry_of_the_full_export(db: Database) -> None:
    interchange.import_data(sample())
    data = interchange.export_data()
    for number in ("2026-00007", "2025-00100", "2025-00101"):
        assert interchange.export_order(number) == order_of(data, number)
    assert interchange.export_order(orders.get_order("2026-00008")) == order_of(data, "2026-00008")


def test_export_file_streams_the_same_document(db: Database, tmp_path: Path) -> None:
    interchange.import_data(sample())
    buffer = io.StringIO()
    assert interchange.write_export(buffer) == 4
    data = interchange.export_data()
    text = buffer.getvalue()
    assert json.loads(text) == data
    # one record per line: 2 taxes, 3 clients, 3 articles, 3 offers, 4 orders, 5 list heads,
    # the two braces
    lines = text.splitlines()
    assert len(lines) == 2 + 3 + 3 + 3 + 4 + 5 * 2 + 2
    assert json.loads(lines[lines.index('"orders": [') + 1].rstrip(",")) == data["orders"][0]
    target = tmp_path / "out.json"
    assert interchange.export_file(target) == 4
    assert json.loads(target.read_text(encoding="utf-8")) == data


@pytest.mark.parametrize("scaled", [0, 1, 5, 10, 99, 100, 101, 1250, 12345, 100000, 987654321])
def test_export_formats_stored_numbers_as_money_does(scaled: int) -> None:
    from tui_orders.data import money

    assert interchange._money(scaled) == money.format_money(Decimal(scaled).scaleb(-2))
    assert interchange._money(-scaled) == money.format_money(Decimal(-scaled).scaleb(-2))
    assert interchange._qty(scaled) == money.format_qty(Decimal(scaled).scaleb(-3))
    assert interchange._price(scaled) == money.format_price(Decimal(scaled).scaleb(-4))
    assert interchange._rate(scaled) == money.format_rate(Decimal(scaled).scaleb(-4))


def test_export_in_small_batches_gives_the_same_orders(db: Database) -> None:
    interchange.import_data(sample())
    assert list(interchange.iter_orders(batch=1)) == interchange.export_data()["orders"]
    assert list(interchange.iter_orders(batch=3)) == interchange.export_data()["orders"]


def test_export_of_an_empty_database(db: Database) -> None:
    empty: dict[str, list[Any]] = {
        "taxes": [],
        "clients": [],
        "articles": [],
        "offers": [],
        "orders": [],
    }
    assert interchange.export_data() == empty
    buffer = io.StringIO()
    interchange.write_export(buffer)
    assert json.loads(buffer.getvalue()) == empty


def test_orders_made_by_the_services_survive_the_round_trip(db: Database, tmp_path: Path) -> None:
    """What the services store is what an import of its export stores (but the version)."""
    create_tax("VAT", "20")
    create_client("Beta", "EUR", addresses=[AddressInput("Main", "Ruse")])
    create_article("X", "Thing", "10.00")
    create_article("Y", "Other", "2.50")
    order = orders.create_order("Beta", "2026-05-30", created="2026-05-01", tax="VAT")
    orders.add_item(order, "X", "3")
    orders.add_item(order, "Y", "4", price="2.40")
    orders.add_item(order, "X", "1", specs="blue")
    term = orders.add_term(order, "all", "2026-05-15", "57.52")
    orders.add_document(order, "proforma", "P-9", "57.52", "2026-05-02")
    # a duplicate naming a term gives its term to the original (as the service does)
    orders.add_document(
        order, "invoice", "I-9", "57.52", "2026-05-10", term=term.name, duplicate_of="P-9"
    )
    orders.record_payment(
        order, "2026-05-12", "60.00", allocations=[orders.AllocationInput("I-9", "50.00")]
    )
    orders.add_delivery(order, "sale", "2026-05-20", [orders.DeliveryLineInput("X", "4")])
    cancelled = orders.add_delivery(
        order, "shipment", "2026-05-21", [orders.DeliveryLineInput("Y", "1")]
    )
    orders.cancel_delivery(cancelled.id)
    orders.link_order(order, "purchase", "PO-1", expected="2026-05-18")
    first = interchange.export_data()
    the_order = first["orders"][0]
    assert the_order["version"] > 1
    # 3 x 10 + 4 x 2.40 + 1 x 10 = 49.60 (rounded per line), tax 9.92, total 59.52
    assert the_order["total"] == "59.52"
    assert the_order["documents"][0]["term"] == "all"

    with other_database(tmp_path / "second.db"):
        interchange.import_data(first)
        assert check() == []
        second = interchange.export_data()
    assert second["orders"][0].pop("version") == 1
    the_order.pop("version")
    assert second == first


# --------------------------------------------------------------------------- numbers


def test_imported_number_is_kept_and_generated_numbers_move_past_it(db: Database) -> None:
    interchange.import_data(sample())  # 2026-00007 imported, 2026-00008 generated
    created = orders.create_order("Acme Ltd", "2026-06-30", created="2026-06-01")
    assert created.number == "2026-00009"
    stats = interchange.import_data(
        {
            "orders": [
                {"client": "Acme Ltd", "created": "2026-07-01", "deadline": "2026-07-31"},
                {
                    "number": "2026-00042",
                    "client": "Acme Ltd",
                    "created": "2026-07-01",
                    "deadline": "2026-07-31",
                },
                {"client": "Acme Ltd", "created": "2024-02-01", "deadline": "2024-02-01"},
            ]
        }
    )
    # the sequence moves past the imported 42 before numbers are taken
    assert stats.numbers == ["2026-00043", "2026-00042", "2024-00001"]
    assert orders.create_order("Acme Ltd", "2026-08-30", created="2026-08-01").number == (
        "2026-00044"
    )


def test_import_just_the_example_number_then_create(db: Database) -> None:
    create_client("Solo", "BGN")
    interchange.import_data(
        {
            "orders": [
                {
                    "number": "2026-00007",
                    "client": "Solo",
                    "created": "2026-01-02",
                    "deadline": "2026-01-31",
                }
            ]
        }
    )
    assert orders.create_order("Solo", "2026-03-01", created="2026-02-01").number == "2026-00008"


# --------------------------------------------------------------------------- later chunks


def test_a_later_file_refers_to_what_the_database_holds(db: Database) -> None:
    interchange.import_data(sample())
    stats = interchange.import_data(
        {
            "offers": [
                {
                    "number": "OF-9",
                    "client": "No Address Co",
                    "created": "2026-04-01",
                    "items": [{"article": "SVC", "qty": "1", "price": "140.00"}],
                    "order": "2026-00007",  # an order already in the database
                }
            ],
            "orders": [
                {
                    "client": "Борис ООД",
                    "address": "HQ",
                    "document": {"kind": "offer", "ref": "OF-3"},  # an offer in the database
                    "created": "2026-04-02",
                    "deadline": "2026-04-30",
                    "tax": "ДДС 20%",
                    "items": [{"article": "BOLT-M8", "qty": "10", "price": "0.35"}],
                }
            ],
        }
    )
    assert stats.offers_linked == 1
    assert stats.numbers == ["2026-00009"]
    offer = Offer.get(Offer.number == "OF-3")
    assert offer.order_id == Order.get(Order.number == "2026-00009").id
    # 10 x 0.35 = 3.50, tax 0.70
    assert interchange.export_order("2026-00009")["total"] == "4.20"
    assert Offer.get(Offer.number == "OF-9").order_id == Order.get(Order.number == "2026-00007").id
    assert check() == []


def test_bulk_load_of_dataset_records(db: Database) -> None:
    """The demo's path: records, not JSON, straight into bulk.load."""
    interchange.import_data(sample())
    dataset = Dataset(
        clients=[ClientRec("Gamma", "BGN")],
        orders=[
            OrderRec(
                client="Gamma",
                created=dt.date(2026, 9, 1),
                deadline=dt.date(2026, 9, 30),
                items=[ItemRec("SVC", Decimal(3), Decimal("99.99"))],
            )
        ],
    )
    stats = bulk.load(dataset, source="demo")
    assert stats.rows == {"client": 1, "order": 1, "order_item": 1, "audit_log": 1}
    assert "1 orders (2026-00009)" in str(stats)
    assert AuditLog.select().where(AuditLog.action == "demo").count() == 1
    assert interchange.export_order("2026-00009")["total"] == "299.97"
    assert check() == []


def test_computed_fields_in_the_input_are_ignored(db: Database) -> None:
    data = sample()
    a = data["orders"][0]
    a.update(total="1.00", status="closed", paid="9999.00", currency="USD", version=12)
    a["items"][0]["delivered"] = "5"
    a["payment_terms"][0].update(paid="0.00", status="unpaid")
    a["documents"][0].update(paid="1.00", status="unpaid")
    a["payments"][0]["unallocated"] = "300.00"
    a["coverage"] = {"terms": {"amount": "0", "difference": "0"}}
    interchange.import_data(data)
    out = interchange.export_order("2026-00007")
    assert (out["total"], out["status"], out["paid"], out["currency"]) == (
        "763.87",
        "in_progress",
        "570.00",
        "BGN",
    )
    assert out["items"][0]["delivered"] == "1000"
    assert out["payment_terms"][0]["status"] == "paid"


def test_duplicate_of_a_duplicate_is_tied_to_the_original(db: Database) -> None:
    data = sample()
    data["orders"][0]["documents"].append(
        {
            "type": "foreign_invoice",
            "number": "FI-1",
            "amount": "300.00",
            "issued": "2026-01-26",
            "term": "advance",
            "duplicate_of": "INV-1",
        }
    )
    interchange.import_data(data)
    docs = {d["number"]: d for d in interchange.export_order("2026-00007")["documents"]}
    assert docs["FI-1"]["duplicate_of"] == "PF-1"
    assert (docs["FI-1"]["paid"], docs["FI-1"]["status"]) == ("300.00", "paid")
    # the pair counts once: documents still sum to the total
    assert interchange.export_order("2026-00007")["coverage"]["documents"]["difference"] == "0.00"
    assert check() == []


def test_import_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(sample(), ensure_ascii=False), encoding="utf-8")
    stats = interchange.import_file(path)
    assert stats.orders == 4
    assert Order.select().count() == 4


# --------------------------------------------------------------------------- bad input


def minimal_order(**fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "client": "Acme Ltd",
        "created": "2026-05-01",
        "deadline": "2026-05-31",
        "items": [{"article": "BOLT-M8", "qty": "10", "price": "0.35"}],
    }
    order.update(fields)
    return order


def with_payment(payment: dict[str, Any]) -> dict[str, Any]:
    return minimal_order(
        documents=[
            {"type": "invoice", "number": "N-1", "amount": "60.00", "issued": "2026-05-01"},
            {"type": "invoice", "number": "N-2", "amount": "60.00", "issued": "2026-05-01"},
        ],
        payments=[payment],
    )


BAD_INPUT = [
    pytest.param(
        {"orders": [minimal_order(client="Nobody")]},
        "orders[0].client: no client 'Nobody' in the file or the database",
        id="unknown-client",
    ),
    pytest.param(
        {"orders": [minimal_order(items=[{"article": "NOPE", "qty": "1", "price": "1"}])]},
        "orders[0].items[0].article: no article 'NOPE' in the file or the database",
        id="unknown-article",
    ),
    pytest.param(
        {"orders": [with_payment({"date": "2026-05-02", "amount": "-5.00"})]},
        "orders[0].payments[0].amount: '-5.00' must not be negative",
        id="negative-amount",
    ),
    pytest.param(
        {"orders": [minimal_order(items=[{"article": "BOLT-M8", "qty": "abc", "price": "1"}])]},
        "orders[0].items[0].qty: 'abc' is not a number",
        id="non-numeric-quantity",
    ),
    pytest.param(
        {"orders": [with_payment({"date": "2026-05-02", "amount": 12.5})]},
        'orders[0].payments[0].amount: must be written as a string such as "12.50", not 12.5',
        id="float-amount",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {
                            "type": "invoice",
                            "number": "N-1",
                            "amount": "1.00",
                            "issued": "2026-05-01",
                            "duplicate_of": "PF-404",
                        }
                    ]
                )
            ]
        },
        "orders[0].documents[0].duplicate_of: the order has no financial document 'PF-404'",
        id="duplicate-of-missing-document",
    ),
    pytest.param(
        {
            "orders": [
                with_payment(
                    {
                        "date": "2026-05-02",
                        "amount": "100.00",
                        "allocations": [
                            {"document": "N-1", "amount": "60.00"},
                            {"document": "N-2", "amount": "50.00"},
                        ],
                    }
                )
            ]
        },
        "orders[0].payments[0].allocations[1].amount: the allocations (110.00) exceed the "
        "payment (100.00) by 10.00",
        id="allocations-above-payment",
    ),
    pytest.param(
        {"orders": [minimal_order(), minimal_order(number="2026-00007")]},
        "orders[1].number: order number 2026-00007 is already used in the database",
        id="order-number-in-database",
    ),
    pytest.param(
        {"orders": [minimal_order(number="X-1"), minimal_order(number="X-1")]},
        "orders[1].number: order number X-1 is also orders[0]",
        id="order-number-twice-in-file",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(items=[{"article": "BOLT-M8", "qty": "1", "price": "1", "qtty": "2"}])
            ]
        },
        "orders[0].items[0].qtty: unknown key (expected one of: article, qty, price, specs)",
        id="unknown-key",
    ),
    pytest.param(
        {"orders": [{"client": "Acme Ltd", "created": "2026-05-01"}]},
        "orders[0].deadline: is missing (required)",
        id="missing-key",
    ),
    pytest.param(
        {"orders": [minimal_order()], "order": []},
        "order: unknown key (expected one of: taxes, clients, articles, offers, orders)",
        id="unknown-top-level-key",
    ),
    pytest.param(
        {"orders": [minimal_order(created="2026-06-01")]},
        "orders[0].deadline: 2026-05-31 is before the creation date 2026-06-01",
        id="deadline-before-created",
    ),
    pytest.param(
        {"orders": [minimal_order(created="2026-02-30")]},
        "orders[0].created: '2026-02-30' is not a date (YYYY-MM-DD)",
        id="impossible-date",
    ),
    pytest.param(
        {"orders": [minimal_order(document={"kind": "letter"})]},
        "orders[0].document.kind: 'letter' is not one of: contract, offer, other",
        id="bad-enum",
    ),
    pytest.param(
        {"orders": [minimal_order(items=[{"article": "BOLT-M8", "qty": "1", "price": "0.12345"}])]},
        "orders[0].items[0].price: '0.12345' has more than 4 decimal places",
        id="too-many-decimals",
    ),
    pytest.param(
        {"clients": [{"name": "Acme Ltd", "currency": "EUR"}]},
        "clients[0].name: a client named 'Acme Ltd' already exists in the database",
        id="client-exists",
    ),
    pytest.param(
        {"articles": [{"code": "NEW", "name": "n", "price": "1", "barcodes": ["3800000000028"]}]},
        "articles[0].barcodes[0]: barcode 3800000000028 already belongs to article BOLT-M8 "
        "in the database",
        id="barcode-taken",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {
                            "type": "invoice",
                            "number": "INV-2",
                            "amount": "1",
                            "issued": "2026-05-01",
                        }
                    ]
                )
            ]
        },
        "orders[0].documents[0].number: invoice INV-2 already exists in the database "
        "(order 2026-00007)",
        id="document-number-in-database",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    deliveries=[
                        {
                            "kind": "sale",
                            "number": "S-1",
                            "date": "2026-05-02",
                            "lines": [{"article": "BOLT-M8", "qty": "1"}],
                        }
                    ]
                )
            ]
        },
        "orders[0].deliveries[0].number: sale S-1 already exists in the database "
        "(order 2026-00007)",
        id="delivery-number-in-database",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    deliveries=[
                        {
                            "kind": "sale",
                            "number": "S-77",
                            "date": "2026-05-02",
                            "lines": [{"article": "STEEL", "qty": "1"}],
                        }
                    ]
                )
            ]
        },
        "orders[0].deliveries[0].lines[0].article: article 'STEEL' is not on this order",
        id="delivery-of-article-not-ordered",
    ),
    pytest.param(
        {
            "orders": [
                with_payment(
                    {
                        "date": "2026-05-02",
                        "amount": "10.00",
                        "allocations": [{"document": "INV-2", "amount": "10.00"}],
                    }
                )
            ]
        },
        "orders[0].payments[0].allocations[0].document: the order has no financial document "
        "'INV-2'",
        id="allocation-to-another-orders-document",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    payment_terms=[
                        {"name": "a", "due": "2026-05-10", "amount": "1.00"},
                        {"name": "b", "due": "2026-05-20", "amount": "2.00"},
                    ],
                    documents=[
                        {
                            "type": "proforma",
                            "number": "Q-1",
                            "amount": "1.00",
                            "issued": "2026-05-01",
                            "term": "a",
                        },
                        {
                            "type": "invoice",
                            "number": "Q-2",
                            "amount": "1.00",
                            "issued": "2026-05-01",
                            "term": "b",
                            "duplicate_of": "Q-1",
                        },
                    ],
                )
            ]
        },
        "orders[0].documents[1].term: a duplicate belongs to the payment term of Q-1 ('a'), "
        "not to 'b'",
        id="duplicate-with-another-term",
    ),
    pytest.param(
        {"orders": [minimal_order(), minimal_order(address="Garage")]},
        "orders[1].address: client 'Acme Ltd' has no address labelled 'Garage'",
        id="unknown-address",
    ),
    pytest.param(
        {
            "offers": [
                {"number": "OF-7", "client": "Acme Ltd", "created": "2026-01-01", "order": "9"}
            ]
        },
        "offers[0].order: no order '9' in the file or the database",
        id="offer-of-unknown-order",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {
                            "type": "invoice",
                            "number": "D-1",
                            "amount": "1.00",
                            "issued": "2026-05-01",
                            "duplicate_of": "D-2",
                        },
                        {
                            "type": "proforma",
                            "number": "D-2",
                            "amount": "1.00",
                            "issued": "2026-05-01",
                            "duplicate_of": "D-1",
                        },
                    ]
                )
            ]
        },
        "orders[0].documents[0].duplicate_of: duplicates form a circle",
        id="circular-duplicates",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {
                            "type": "invoice",
                            "number": "D-1",
                            "amount": "1.00",
                            "issued": "2026-05-01",
                            "duplicate_of": "D-1",
                        }
                    ]
                )
            ]
        },
        "orders[0].documents[0].duplicate_of: a document cannot be a duplicate of itself",
        id="duplicate-of-itself",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {"type": "proforma", "number": "7", "amount": "1", "issued": "2026-05-01"},
                        {"type": "invoice", "number": "7", "amount": "1", "issued": "2026-05-01"},
                    ],
                    payments=[
                        {
                            "date": "2026-05-02",
                            "amount": "1.00",
                            "allocations": [{"document": "7", "amount": "1.00"}],
                        }
                    ],
                )
            ]
        },
        "orders[0].payments[0].allocations[0].document: document number '7' is ambiguous in "
        "this order (two types share it)",
        id="ambiguous-document-number",
    ),
    pytest.param(
        {
            "orders": [
                with_payment(
                    {
                        "date": "2026-05-02",
                        "amount": "10.00",
                        "allocations": [
                            {"document": "N-1", "amount": "1.00"},
                            {"document": "N-1", "amount": "2.00"},
                        ],
                    }
                )
            ]
        },
        "orders[0].payments[0].allocations[1].document: document N-1 is allocated twice by "
        "this payment",
        id="document-allocated-twice",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {"type": "invoice", "number": "T-1", "amount": "1", "issued": "2026-05-01"}
                    ]
                ),
                minimal_order(
                    documents=[
                        {"type": "invoice", "number": "T-1", "amount": "1", "issued": "2026-05-01"}
                    ]
                ),
            ]
        },
        "orders[1].documents[0].number: invoice T-1 is also orders[0].documents[0]",
        id="document-number-twice-in-file",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {
                            "type": "invoice",
                            "number": "T-1",
                            "amount": "1",
                            "issued": "2026-05-10",
                            "due": "2026-05-09",
                        }
                    ]
                )
            ]
        },
        "orders[0].documents[0].due: 2026-05-09 is before the issue date 2026-05-10",
        id="due-before-issued",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    payment_terms=[
                        {"name": "a", "due": "2026-05-10", "amount": "1.00"},
                        {"name": "a", "due": "2026-05-20", "amount": "2.00"},
                    ]
                )
            ]
        },
        "orders[0].payment_terms[1].name: the order already has a payment term 'a'",
        id="term-twice",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    documents=[
                        {
                            "type": "invoice",
                            "number": "T-1",
                            "amount": "1",
                            "issued": "2026-05-01",
                            "term": "nope",
                        }
                    ]
                )
            ]
        },
        "orders[0].documents[0].term: the order has no payment term 'nope'",
        id="unknown-term",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    links=[
                        {"kind": "production", "number": "L-1"},
                        {"kind": "production", "number": "L-1", "status": "done"},
                    ]
                )
            ]
        },
        "orders[0].links[1].number: production order L-1 is linked twice",
        id="link-twice",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(
                    cancelled=True,
                    deliveries=[
                        {
                            "kind": "sale",
                            "number": "S-9",
                            "date": "2026-05-02",
                            "lines": [{"article": "BOLT-M8", "qty": "1"}],
                        }
                    ],
                )
            ]
        },
        "orders[0].deliveries[0].cancelled: the order is cancelled: its deliveries must be "
        "cancelled too",
        id="delivery-of-cancelled-order",
    ),
    pytest.param(
        {
            "orders": [
                minimal_order(deliveries=[{"kind": "sale", "number": "S-9", "date": "2026-05-02"}])
            ]
        },
        "orders[0].deliveries[0].lines: a delivery needs at least one line",
        id="delivery-without-lines",
    ),
    pytest.param(
        {"orders": [minimal_order(started="yes")]},
        "orders[0].started: must be true or false, not 'yes'",
        id="not-a-boolean",
    ),
    pytest.param(
        {"taxes": [{"name": "Odd", "rate": "120"}]},
        "taxes[0].rate: '120' must be a percentage between 0 and 100",
        id="rate-above-100",
    ),
    pytest.param(
        {
            "articles": [
                {"code": "N1", "name": "n", "price": "1", "barcodes": ["B-1"]},
                {"code": "N2", "name": "n", "price": "1", "barcodes": ["B-1"]},
            ]
        },
        "articles[1].barcodes[0]: barcode B-1 is also articles[0].barcodes[0]",
        id="barcode-twice-in-file",
    ),
    pytest.param(
        {
            "clients": [
                {
                    "name": "Two Defaults",
                    "currency": "BGN",
                    "addresses": [
                        {"label": "a", "default": True},
                        {"label": "b", "default": True},
                    ],
                }
            ]
        },
        "clients[0].addresses[1].default: only one address can be the default",
        id="two-default-addresses",
    ),
    pytest.param(
        {"clients": [{"name": "Money", "currency": "E1"}]},
        "clients[0].currency: currency 'E1' must be a three-letter code such as BGN or EUR",
        id="bad-currency",
    ),
    pytest.param(
        {
            "offers": [
                {
                    "number": "OF-8",
                    "client": "Acme Ltd",
                    "created": "2026-01-10",
                    "valid_until": "2026-01-09",
                }
            ]
        },
        "offers[0].valid_until: 2026-01-09 is before the creation date 2026-01-10",
        id="offer-valid-before-created",
    ),
    pytest.param(
        {"offers": [{"number": "OF-1", "client": "Acme Ltd", "created": "2026-01-10"}]},
        "offers[0].number: offer number OF-1 is already used in the database",
        id="offer-number-in-database",
    ),
    pytest.param(
        {"orders": "none"},
        "orders: must be a list [...], not 'none'",
        id="not-a-list",
    ),
    pytest.param(
        [],
        "must be an object {...}, not a list",
        id="not-an-object",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_changes_nothing(db: Database, data: Any, message: str) -> None:
    interchange.import_data(sample())
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        interchange.import_data(copy.deepcopy(data))
    assert str(caught.value) == message
    assert snapshot() == before


def test_a_rule_broken_late_in_the_file_changes_nothing(db: Database) -> None:
    """The first orders are fine; the last one is not: none is written."""
    interchange.import_data(sample())
    before = snapshot()
    data = {"orders": [minimal_order() for _ in range(50)] + [minimal_order(tax="No such tax")]}
    with pytest.raises(ValidationError, match=r"^orders\[50\]\.tax: no tax 'No such tax'"):
        interchange.import_data(data)
    assert snapshot() == before


def test_malformed_json_names_line_and_column(db: Database, tmp_path: Path) -> None:
    before = snapshot()
    path = tmp_path / "bad.json"
    path.write_text('{"orders": [\n  {"client": "x",}\n]}', encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        interchange.import_file(path)
    assert str(caught.value) == (
        f"{path}: not valid JSON: Expecting property name enclosed in double quotes "
        "at line 2, column 18"
    )
    assert snapshot() == before


def test_a_file_that_cannot_be_read(db: Database, tmp_path: Path) -> None:
    before = snapshot()
    missing = tmp_path / "missing.json"
    with pytest.raises(ValidationError, match="cannot read the file: No such file or directory"):
        interchange.import_file(missing)
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(ValidationError, match="not UTF-8"):
        interchange.import_file(binary)
    assert snapshot() == before


def test_bulk_load_refuses_bad_records(db: Database) -> None:
    interchange.import_data(sample())
    before = snapshot()
    bad = Dataset(
        orders=[
            OrderRec(
                client="Acme Ltd",
                created=dt.date(2026, 1, 1),
                deadline=dt.date(2026, 1, 2),
                items=[ItemRec("SVC", Decimal("1.0001"), Decimal(1))],
            )
        ]
    )
    with pytest.raises(ValidationError, match=r"^orders\[0\]\.items\[0\]\.qty: 1\.0001 has more"):
        bulk.load(bad)
    bad.orders[0].items[0] = ItemRec("SVC", 2.5, Decimal(1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"^orders\[0\]\.items\[0\]\.qty: 2\.5 is not an"):
        bulk.load(bad)
    assert snapshot() == before


def test_the_example_of_the_documentation(db: Database) -> None:
    text = (Path(__file__).parent.parent / "docs" / "interchange.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("```", 1)[0])
    interchange.import_data(example)
    order = interchange.export_order("2026-00007")
    # what the documentation says of it, computed by hand there
    assert (order["subtotal"], order["tax_amount"], order["total"]) == ("486.56", "97.31", "583.87")
    assert (order["paid"], order["unallocated"]) == ("350.00", "50.00")
    assert (order["financial_status"], order["status"]) == ("partially_paid", "in_progress")
    assert [i["delivered"] for i in order["items"]] == ["1000", "0", "200"]
    assert order["coverage"]["terms"]["difference"] == "-12.00"
    assert order["coverage"]["documents"] == {"amount": "300.00", "difference": "-283.87"}
    assert interchange.export_data()["offers"][0]["order"] == "2026-00007"


# --------------------------------------------------------------------------- no N+1


def many_orders(count: int, start: int) -> dict[str, Any]:
    """``count`` orders with every kind of part, numbered from ``start``."""
    result = []
    for n in range(start, start + count):
        order = minimal_order(
            number=f"M-{n}",
            payment_terms=[{"name": "all", "due": "2026-05-20", "amount": "4.20"}],
            documents=[
                {"type": "proforma", "number": f"MP-{n}", "amount": "4.20", "issued": "2026-05-01"},
                {
                    "type": "invoice",
                    "number": f"MI-{n}",
                    "amount": "4.20",
                    "issued": "2026-05-02",
                    "duplicate_of": f"MP-{n}",
                },
            ],
            payments=[
                {
                    "date": "2026-05-03",
                    "amount": "5.00",
                    "allocations": [{"document": f"MI-{n}", "amount": "4.20"}],
                }
            ],
            deliveries=[
                {
                    "kind": "sale",
                    "number": f"MS-{n}",
                    "date": "2026-05-04",
                    "lines": [{"article": "BOLT-M8", "qty": "10"}],
                }
            ],
            links=[{"kind": "purchase", "number": f"ML-{n}"}],
        )
        result.append(order)
    return {"orders": result}


def test_load_and_export_run_a_fixed_number_of_queries(db: Database) -> None:
    from playhouse.test_utils import count_queries

    interchange.import_data(sample())
    with count_queries() as few:
        interchange.import_data(many_orders(3, 0))
    with count_queries() as many:
        interchange.import_data(many_orders(120, 100))
    assert many.count == few.count  # not one more query per order
    assert Order.select().count() == 4 + 3 + 120
    assert check() == []

    with count_queries() as small_batches:
        assert len(list(interchange.iter_orders(batch=100))) == 127
    # 4 name maps, then 2 batches (100 and 27 orders): their files' sizes, then one query
    # per table (10 tables)
    assert small_batches.count == 4 + 2 * (1 + 10)

    with count_queries() as one:
        interchange.export_order("M-150")
    assert one.count <= 4 + 10 + 1  # the name maps, one batch, and finding the order


def test_imports_and_creators_at_the_same_time_never_collide(db: Database) -> None:
    """Another terminal creates orders in the same year while files are imported."""
    import threading

    interchange.import_data(sample())
    created: list[str] = []
    errors: list[BaseException] = []

    def creator() -> None:
        try:
            for _ in range(15):
                order = orders.create_order("Acme Ltd", "2026-12-31", created="2026-06-01")
                created.append(order.number)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            database.close()  # this thread's connection

    thread = threading.Thread(target=creator)
    thread.start()
    loaded = [interchange.import_data({"orders": [minimal_order() for _ in range(20)]})]
    loaded += [interchange.import_data({"orders": [minimal_order() for _ in range(20)]})]
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert errors == []
    numbers = created + [n for stats in loaded for n in stats.numbers]
    assert len(numbers) == len(set(numbers)) == 15 + 40
    assert Order.select().count() == 4 + 15 + 40
    assert check() == []
