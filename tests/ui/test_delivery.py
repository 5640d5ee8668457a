"""Sales and shipments from the order screen, all through the keyboard.

From ``seed()``: the "soon" order (Acme GmbH, address HQ) has CBL-1 x 40, nothing delivered,
status new; the "late" order has BLT-1 x 100 (60 shipped) and PMP-1 x 1. BLT-1 carries the
barcode 4006381333931, PMP-1 5901234123457, CBL-1 none.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
from rich.text import Text
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Static

from tui_orders.app import OrdersApp
from tui_orders.data import audit
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import AuditLog, Delivery, Order, OrderItem
from tui_orders.screens.forms import delivery as delivery_module
from tui_orders.screens.forms.delivery import DeliveryForm, is_misread, read_delivery_data
from tui_orders.screens.forms.link import RelatedChoice
from tui_orders.screens.order import ConfirmModal, OrderScreen

from .conftest import settle

BLT, PMP = "4006381333931", "5901234123457"


Seeded = tuple[str, dict[str, str]]
MakeApp = Callable[..., OrdersApp]


@asynccontextmanager
async def order_screen(
    make_app: Callable[..., OrdersApp], url: str, number: str
) -> AsyncIterator[tuple[Pilot[None], OrderScreen]]:
    """The app on ``url`` showing order ``number`` (the test keeps the database open)."""
    audit.set_user("tester")
    open_database(url)
    order_id = Order.get(Order.number == number).id
    app = make_app(url, open_db=False)
    try:
        async with app.run_test(size=(130, 45)) as pilot:
            screen = OrderScreen(order_id)
            app.push_screen(screen)
            await pilot.pause()
            await settle(pilot)
            yield pilot, screen
    finally:
        close_database()
        audit.set_user(None)


def delivered(number: str) -> dict[str, Decimal]:
    order = Order.get(Order.number == number)
    return {
        i.article.code: i.delivered
        for i in OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.position)
    }


def status(number: str) -> str:
    return str(Order.get(Order.number == number).status)


def proposed(form: DeliveryForm) -> list[str]:
    return [form.qty_input(line.item_id).value for line in form.lines]


async def open_delivery(pilot: Pilot[None], screen: OrderScreen) -> DeliveryForm:
    """Related tab, then ``d``: the delivery form, loaded."""
    await pilot.press("5")
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, DeliveryForm)
    return form


async def to_line(pilot: Pilot[None], form: DeliveryForm, index: int) -> Input:
    """Tab from the scan field down to the quantity of line ``index``."""
    assert form.focused is form.field("scan")
    for _ in range(6 + index):  # kind, date, address, number, note, the lines
        await pilot.press("tab")
    line = form.qty_input(form.lines[index].item_id)
    assert form.focused is line
    return line


async def burst(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` as a keyboard-wedge scanner does: every key queued at once, no waiting
    between them ("\\n" is Enter)."""
    app = pilot.app
    for ch in text:
        if ch == "\n":
            app.post_message(events.Key("enter", "\r"))
        else:
            app.post_message(events.Key(ch if ch.isalnum() else "minus", ch))
    await settle(pilot)


async def test_partial_delivery_then_the_rest(seeded_sqlite: Seeded, make_app: MakeApp) -> None:
    url, roles = seeded_sqlite
    soon = roles["soon"]
    async with order_screen(make_app, url, soon) as (pilot, screen):
        assert status(soon) == "new"
        form = await open_delivery(pilot, screen)
        assert proposed(form) == ["40"]  # the remaining quantity
        assert form.choice("address") == "HQ"  # the order's address
        assert form.choice("kind") == "sale"
        assert form.field("date").value == "2026-11-27"
        line = await to_line(pilot, form, 0)
        await pilot.press(*"15")  # the proposal is selected: typing replaces it
        assert line.value == "15"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert delivered(soon) == {"CBL-1": Decimal("15")}
        assert status(soon) == "in_progress"
        delivery = Delivery.get(Delivery.order == Order.get(Order.number == soon).id)
        assert delivery.kind == "sale" and delivery.number.startswith("S-2026-")
        assert delivery.address.label == "HQ"
        # the screen shows it: items and the Related tab
        items = screen.query_one("#items-table", DataTable)
        assert str(items.get_row_at(0)[7]) == "15"
        related = screen.query_one("#related-table", DataTable)
        assert [str(c) for c in related.get_row_at(0)][:2] == ["sale", delivery.number]

        # the rest, as a shipment with a number of our own: ready
        form = await open_delivery(pilot, screen)
        assert proposed(form) == ["25"]
        await pilot.press("tab")  # kind
        await pilot.press("enter", "down", "enter")  # the select: shipment
        assert form.choice("kind") == "shipment"
        await pilot.press("tab", "tab", "tab")  # date, address, number
        await pilot.press(*"SH-OWN-1", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert delivered(soon) == {"CBL-1": Decimal("40")}
        assert status(soon) == "ready"
        assert Delivery.get(Delivery.number == "SH-OWN-1").kind == "shipment"


async def test_zero_everywhere_is_refused_beside_the_lines(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["soon"]) as (pilot, screen):
        form = await open_delivery(pilot, screen)
        await to_line(pilot, form, 0)
        await pilot.press("0", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert "Nothing to deliver" in str(form.query_one("#m-lines", Static).content)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert Delivery.select().where(Delivery.number.startswith("S-")).count() == 1  # seed


async def test_over_delivery_asks_first_and_is_recorded(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    soon = roles["soon"]
    async with order_screen(make_app, url, soon) as (pilot, screen):
        form = await open_delivery(pilot, screen)
        line = await to_line(pilot, form, 0)
        await pilot.press(*"45")
        over = form.query_one(f"#o-{form.lines[0].item_id}", Label)
        assert str(over.content) == "over by 5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, ConfirmModal)
        question = modal.query_one("#question", Static).content
        assert isinstance(question, Text)
        assert "Deliver more than ordered?" in question.plain
        assert "CBL-1 · Cable: 5 more than remains" in question.plain
        await pilot.press("escape")  # no: back to the form, nothing saved
        await settle(pilot)
        assert pilot.app.screen is form
        assert form.focused is not None
        assert delivered(soon) == {"CBL-1": Decimal("0")}
        assert line.value == "45"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert delivered(soon) == {"CBL-1": Decimal("45")}
        assert status(soon) == "ready"
        entry = (
            AuditLog.select()
            .where(AuditLog.action == "deliver")
            .order_by(AuditLog.id.desc())
            .first()
        )
        assert json.loads(entry.changes)["over_delivery"] == {"CBL-1": "5"}


def test_misread_is_a_wrong_check_digit_of_an_ean_or_upc() -> None:
    assert not is_misread(BLT)
    assert is_misread("4006381333932")
    assert not is_misread("CBL-1")  # not a GTIN at all
    assert not is_misread("12345")  # digits, but no EAN/UPC length
    assert not is_misread("96385074")  # a valid EAN-8


async def test_scan_to_pick_counts_bursts_and_rings_on_bad_codes(
    seeded_sqlite: Seeded, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, roles = seeded_sqlite
    late = roles["late"]
    async with order_screen(make_app, url, late) as (pilot, screen):
        bells: list[int] = []
        monkeypatch.setattr(pilot.app, "bell", lambda: bells.append(1))
        form = await open_delivery(pilot, screen)
        assert proposed(form) == ["40", "1"]  # BLT-1: 100 - 60 shipped; PMP-1
        scan = form.field("scan")
        assert form.focused is scan
        note = form.query_one("#pick-note", Static)
        assert not note.has_class("-shown")

        # three BLT-1 and one PMP-1, typed as one burst: the first scan starts pick mode
        await burst(pilot, f"{BLT}\n{BLT}\n{PMP}\n{BLT}\n")
        assert proposed(form) == ["3", "1"]
        assert form.pick_mode and note.has_class("-shown")
        assert "only what is scanned is delivered" in str(note.content)
        assert form.focused is scan and scan.value == ""
        assert bells == []
        status_line = form.query_one("#scan-status", Static)
        assert "BLT-1 Болт M8: 3 of 40 picked" in str(status_line.content)

        # a misread: the bell, "scan again", nothing counted
        await burst(pilot, "4006381333932\n")
        assert bells == [1]
        assert "Misread: 4006381333932 has a wrong check digit" in str(status_line.content)
        assert proposed(form) == ["3", "1"]

        # an article that is not on this order, then a code nobody knows
        await burst(pilot, "CBL-1\n")
        assert len(bells) == 2
        assert "CBL-1 is CBL-1 · Cable, which is not on this order" in str(status_line.content)
        await burst(pilot, "12345\n")
        assert len(bells) == 3
        assert "12345: no article of this order has this code" in str(status_line.content)
        assert proposed(form) == ["3", "1"]

        # a second PMP-1 is more than remains: counted, and the bell says so
        await burst(pilot, f"{PMP}\n")
        assert proposed(form) == ["3", "2"]
        assert len(bells) == 4
        assert "more than remains" in str(status_line.content)

        # F6: the remaining quantities again (pick mode left); scanning starts it anew
        await pilot.press("f6")
        assert proposed(form) == ["40", "1"] and not form.pick_mode
        await burst(pilot, f"{BLT}\n{BLT}\n")
        assert proposed(form) == ["2", "0"]

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert delivered(late) == {"BLT-1": Decimal("62"), "PMP-1": Decimal("0")}


async def test_codes_scanned_while_the_form_loads_are_counted(
    seeded_sqlite: Seeded, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, roles = seeded_sqlite
    started = threading.Event()

    def slow_read(order_id: int) -> Any:
        started.set()
        time.sleep(0.5)  # a busy database
        return read_delivery_data(order_id)

    monkeypatch.setattr(delivery_module, "read_delivery_data", slow_read)
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        assert screen.view is not None
        form = DeliveryForm(screen.order_id, screen.view.version)
        pilot.app.push_screen(form)
        await pilot.pause()
        assert started.wait(2)
        assert form.focused is form.field("scan") and not form.lines  # still loading
        await burst(pilot, f"{PMP}\n{BLT}\n")
        assert form.focused is form.field("scan")
        assert proposed(form) == ["1", "1"]  # both kept and counted once the lines came
        assert form.pick_mode


async def test_cancel_a_delivery_returns_its_quantities(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    late = roles["late"]
    async with order_screen(make_app, url, late) as (pilot, screen):
        assert delivered(late)["BLT-1"] == Decimal("60")
        await pilot.press("5")
        await settle(pilot)
        related = screen.query_one("#related-table", DataTable)
        assert screen.focused is related
        assert screen.check_action("cancel_delivery", ()) is True
        assert screen.check_action("edit_related", ()) is None  # a delivery is not edited
        await pilot.press("delete")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, ConfirmModal)
        assert "Cancel this delivery?" in modal.question.plain
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert delivered(late)["BLT-1"] == Decimal("0")
        assert str(related.get_row_at(0)[3]) == "cancelled"
        items = screen.query_one("#items-table", DataTable)
        assert str(items.get_row_at(0)[7]) == "0"
        # a cancelled delivery cannot be cancelled again
        assert screen.check_action("cancel_delivery", ()) is None
        # and its quantities are proposed again
        form = await open_delivery(pilot, screen)
        assert proposed(form) == ["100", "1"]


async def test_related_keys_stay_out_of_the_other_tabs(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        for action in ("new_related", "deliver", "new_link", "edit_related", "cancel_delivery"):
            assert screen.check_action(action, ()) is False
        # n on the items tab is still "new line"; on the Related tab it asks what to add
        assert screen.active_bindings["n"].binding.action == "new_line"
        await pilot.press("5")
        await settle(pilot)
        assert screen.active_bindings["n"].binding.action == "new_related"
        assert screen.active_bindings["delete"].binding.action == "cancel_delivery"
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RelatedChoice)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeliveryForm)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_markup_in_article_names_is_shown_as_typed(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        form = await open_delivery(pilot, screen)
        label = form.query_one(f"#line-{form.lines[1].item_id} .dl-article", Label)
        content = label.content
        assert isinstance(content, Text)
        assert content.plain == "2. PMP-1 · Pump [red]X[/]"
        assert not content.spans
        await burst(pilot, f"{PMP}\n")
        status_line = form.query_one("#scan-status", Static).content
        assert isinstance(status_line, Text)
        assert "Pump [red]X[/]" in status_line.plain
