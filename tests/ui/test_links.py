"""Production and purchase orders: created from the order screen (inheriting its deadline),
linked by number, edited, and listed on their own screen.

From ``seed()``: the "late" order's deadline is 2026-11-20 (today is 2026-11-27), the "soon"
order's 2026-12-01; no links yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from tui_orders.app import OrdersApp
from tui_orders.data import audit, orders
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import LinkedOrder, Order
from tui_orders.screens.forms.link import LinkForm, RelatedChoice
from tui_orders.screens.links import LinksScreen
from tui_orders.screens.order import OrderScreen

from .conftest import TODAY, settle

Seeded = tuple[str, dict[str, str]]
MakeApp = Callable[..., OrdersApp]


@asynccontextmanager
async def running(make_app: Callable[..., OrdersApp], url: str) -> AsyncIterator[Pilot[None]]:
    """The app on ``url`` without its home screen (the test keeps the database open)."""
    audit.set_user("tester")
    open_database(url)
    app = make_app(url, open_db=False)
    try:
        async with app.run_test(size=(130, 40)) as pilot:
            app.db_ready = True
            yield pilot
    finally:
        close_database()
        audit.set_user(None)


async def show(pilot: Pilot[None], screen: Any) -> Any:
    pilot.app.push_screen(screen)
    await pilot.pause()
    await settle(pilot)
    return screen


def order_id(number: str) -> int:
    return int(Order.get(Order.number == number).id)


def cells(table: DataTable[Any], row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


async def test_create_a_purchase_order_inheriting_the_deadline_then_edit_it(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    late = roles["late"]
    async with running(make_app, url) as pilot:
        screen = await show(pilot, OrderScreen(order_id(late)))
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, LinkForm)
        assert form.field("deadline").value == "2026-11-20"  # the order's deadline
        assert form.focused is form.query_one("#f-kind", Select)
        await pilot.press("enter", "down", "enter")  # production -> purchase
        assert form.choice("kind") == "purchase"
        await pilot.press("tab", "tab", "tab", "tab")  # number (blank), status, deadline
        assert form.focused is form.field("expected")
        await pilot.press(*"2026-12-12", "tab", *"from [bold]Siemens[/]", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        link = LinkedOrder.get(LinkedOrder.order == order_id(late))
        assert (link.kind, link.number, link.status) == ("purchase", "PO-2026-00001", "planned")
        assert link.deadline == dt.date(2026, 11, 20)
        assert link.expected == dt.date(2026, 12, 12)
        assert link.note == "from [bold]Siemens[/]"
        related = screen.query_one("#related-table", DataTable)
        assert related.row_count == 2  # the seed's shipment, the purchase order
        row = cells(related, 1)
        assert row[:4] == ["purchase", "PO-2026-00001", "2026-11-20", "planned"]
        note = related.get_row_at(1)[4]
        assert isinstance(note, Text) and "from [bold]Siemens[/]" in note.plain

        # Enter on it: edit status and expected date
        await pilot.press("down")
        assert screen.check_action("edit_related", ()) is True
        assert screen.check_action("cancel_delivery", ()) is None  # not a delivery
        await pilot.press("enter")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, LinkForm)
        assert form.field("number").value == "PO-2026-00001"
        assert form.field("number").disabled and form.field("deadline").disabled
        assert form.focused is form.query_one("#f-status", Select)
        await pilot.press("enter", "down", "enter")  # planned -> in progress
        await pilot.press("tab")  # the deadline is not edited: on to the expected date
        assert form.focused is form.field("expected")
        await pilot.press(*"2026-11-30", "ctrl+s")  # the old date is selected: replaced
        await settle(pilot)
        assert pilot.app.screen is screen
        link = LinkedOrder.get_by_id(link.id)
        assert link.status == "in_progress"
        assert link.expected == dt.date(2026, 11, 30)
        assert cells(related, 1)[3] == "in progress"


async def test_link_an_existing_number_through_the_new_menu(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    soon = roles["soon"]
    async with running(make_app, url) as pilot:
        screen = await show(pilot, OrderScreen(order_id(soon)))
        assert Order.get(Order.number == soon).status == "new"
        await pilot.press("5")
        await settle(pilot)
        assert screen.check_action("edit_related", ()) is None  # nothing there yet
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RelatedChoice)
        await pilot.press("l")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, LinkForm)
        await pilot.press("tab", *"PR-EXT-7", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        link = LinkedOrder.get(LinkedOrder.order == order_id(soon))
        assert (link.kind, link.number) == ("production", "PR-EXT-7")
        assert link.deadline == dt.date(2026, 12, 1)
        assert Order.get(Order.number == soon).status == "in_progress"
        # the same number again is refused beside the field
        await pilot.press("l")
        await settle(pilot)
        form = pilot.app.screen
        await pilot.press("tab", *"PR-EXT-7", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert "already linked" in form.message_of("number")


async def test_the_list_of_production_and_purchase_orders(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, roles = seeded_sqlite
    late, soon = roles["late"], roles["soon"]
    open_database(url)
    try:
        orders.create_linked(late, "purchase", expected="2026-12-12", today=TODAY)
        orders.create_linked(late, "production", "PR-[red]9[/]", today=TODAY)
        orders.create_linked(soon, "purchase", "PO-DONE", status="done", today=TODAY)
    finally:
        close_database()
    async with running(make_app, url) as pilot:
        screen = await show(pilot, LinksScreen())
        table = screen.query_one("#links-table", DataTable)
        # the open ones by default
        rows = {cells(table, r)[0]: cells(table, r) for r in range(table.row_count)}
        assert sorted(rows) == ["PO-2026-00001", "PR-[red]9[/]"]
        number = next(c for c in table.get_column_at(0) if "red" in str(c))
        assert isinstance(number, Text) and not number.spans
        first = rows["PO-2026-00001"]
        assert first[1:3] == ["purchase", late]
        assert first[5:] == ["2026-11-20", "2026-12-12", "expected 22 days after the deadline"]
        assert rows["PR-[red]9[/]"][7] == "7 days overdue"  # no expected date: the deadline

        # filters: all statuses, then purchase only
        status = screen.query_one("#links-status", Select)
        status.value = "all"
        await settle(pilot)
        assert table.row_count == 3
        screen.query_one("#links-kind", Select).value = "purchase"
        await settle(pilot)
        assert sorted(cells(table, r)[0] for r in range(table.row_count)) == [
            "PO-2026-00001",
            "PO-DONE",
        ]
        # search by the client order's number
        await pilot.press("slash", *soon)
        await settle(pilot)
        assert [cells(table, r)[0] for r in range(table.row_count)] == ["PO-DONE"]

        # Enter (after Enter in the search) opens the client order
        await pilot.press("enter")
        assert screen.focused is table
        await pilot.press("enter")
        await settle(pilot)
        order_screen = pilot.app.screen
        assert isinstance(order_screen, OrderScreen)
        assert order_screen.order_id == order_id(soon)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen

        # e edits the production or purchase order itself
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, LinkForm)
        await pilot.press("enter", "up", "enter", "ctrl+s")  # done -> in progress
        await settle(pilot)
        assert pilot.app.screen is screen
        assert LinkedOrder.get(LinkedOrder.number == "PO-DONE").status == "in_progress"
        assert cells(table, 0)[4] == "in progress"
