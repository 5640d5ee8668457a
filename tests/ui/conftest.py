"""Fixtures of the screen tests: a small, fixed database and an app factory.

Screens are tested through ``App.run_test()`` (Pilot). The app opens its database in a worker
thread, which is why the database is a file (or a PostgreSQL server), never ``:memory:``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from peewee import Database

from tui_orders.app import OrdersApp, create_app
from tui_orders.data import audit, masterdata, orders
from tui_orders.data.db import close_database, open_database
from tui_orders.data.masterdata import AddressInput

TODAY = dt.date(2026, 11, 27)


def seed() -> dict[str, str]:
    """A small fixed data set; returns the order numbers by role."""
    masterdata.create_tax("ДДС 20%", "20")
    masterdata.create_client(
        "Техномаш ООД",
        "BGN",
        vat_id="BG123456789",
        addresses=[AddressInput("Офис", "София, ул. Искър 1"), AddressInput("Склад", "Божурище")],
    )
    masterdata.create_client("Acme GmbH", "EUR", addresses=[AddressInput("HQ", "Berlin")])
    masterdata.create_client("[bold]Markup[/] & Co", "EUR", addresses=[AddressInput("HQ")])
    masterdata.create_article("BLT-1", "Болт M8", "0.25", unit="бр", barcodes=["4006381333931"])
    masterdata.create_article("PMP-1", "Pump [red]X[/]", "835.00", barcodes=["5901234123457"])
    masterdata.create_article("CBL-1", "Cable", "2.50", unit="m")
    roles: dict[str, str] = {}
    # overdue, partly paid, partly delivered
    late = orders.create_order(
        "Техномаш ООД", "2026-11-20", created="2026-10-01", tax="ДДС 20%", document_ref="Д-17"
    )
    orders.add_item(late, "BLT-1", "100")
    orders.add_item(late, "PMP-1", "1")
    orders.add_term(late, "аванс 50%", "2026-10-10", "516.00")
    orders.add_term(late, "остатък", "2026-11-30", "516.00")
    orders.add_document(late, "proforma", "PF-1", "516.00", "2026-10-02", term="аванс 50%")
    orders.add_document(late, "invoice", "INV-1", "516.00", "2026-10-12", duplicate_of="PF-1")
    orders.record_payment(
        late, "2026-10-09", "516.00", allocations=[orders.AllocationInput("PF-1", "516.00")]
    )
    orders.add_delivery(late, "shipment", "2026-11-01", [orders.DeliveryLineInput("BLT-1", "60")])
    roles["late"] = late.number
    # due soon, new
    soon = orders.create_order("Acme GmbH", "2026-12-01", created="2026-11-20")
    orders.add_item(soon, "CBL-1", "40")
    roles["soon"] = soon.number
    # markup in the client name and article name; closed
    markup = orders.create_order("[bold]Markup[/] & Co", "2027-01-15", created="2026-11-02")
    orders.add_item(markup, "PMP-1", "2")
    orders.record_payment(markup, "2026-11-03", "1670.00")
    orders.add_delivery(markup, "sale", "2026-11-05", [orders.DeliveryLineInput("PMP-1", "2")])
    roles["markup"] = markup.number
    return roles


@pytest.fixture
def seeded(db: Database, db_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(database URL, order numbers by role) of the fixed data set, on SQLite and PostgreSQL."""
    roles = seed()
    close_database()
    yield db_url, roles


@pytest.fixture
def seeded_sqlite(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The fixed data set in an SQLite file only (for tests that need no second backend)."""
    path = str(tmp_path / "orders.db")
    audit.set_user("tester")
    open_database(path)
    roles = seed()
    close_database()
    yield path, roles
    close_database()
    audit.set_user(None)


@pytest.fixture
def make_app() -> Callable[..., OrdersApp]:
    """``make_app(url, **options)``: the app as the CLI builds it, with a fixed today."""

    def factory(url: str, **options: Any) -> OrdersApp:
        options.setdefault("today", TODAY)
        options.setdefault("lang", "en")
        options.setdefault("user", "tester")
        options.setdefault("poll_seconds", 0.5)
        # the orders list, whatever the tester's own settings file says
        options.setdefault("home", "orders")
        return create_app(database=url, **options)

    return factory


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen repaint (database work runs in threads)."""
    app = pilot.app
    for _ in range(50):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return
