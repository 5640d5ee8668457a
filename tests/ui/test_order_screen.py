"""The order screen: summary, tabs, markup shown as typed, start/cancel/reopen, conflicts.

The screen is pushed straight onto the app (``OrderScreen(order_id)``) once the database is
open, so these tests do not depend on the order list. Expected amounts come from ``seed()``:
the "late" order has 100 x 0.25 + 1 x 835.00 = 860.00, VAT 20% = 172.00, total 1032.00, and a
payment of 516.00 allocated to PF-1 (INV-1 is its duplicate).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TabbedContent

from tui_orders.app import OrdersApp
from tui_orders.data import audit, orders
from tui_orders.data.db import close_database, open_database
from tui_orders.data.models import Order
from tui_orders.screens.order import CancelOrderModal, ConfirmModal, OrderScreen

from .conftest import settle


@asynccontextmanager
async def order_screen(
    make_app: Callable[..., OrdersApp], url: str, number: str, **options: Any
) -> AsyncIterator[tuple[Pilot[None], OrderScreen]]:
    """The app on ``url`` showing the order ``number`` (database opened by the test)."""
    audit.set_user("tester")
    open_database(url)
    order_id = Order.get(Order.number == number).id
    app = make_app(url, open_db=False, **options)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = OrderScreen(order_id)
            app.push_screen(screen)
            await pilot.pause()
            await settle(pilot)
            yield pilot, screen
    finally:
        close_database()
        audit.set_user(None)


def text_of(screen: OrderScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def column(table: DataTable[Any], index: int) -> list[str]:
    return [str(table.get_row_at(r)[index]) for r in range(table.row_count)]


def notifications(app: App[Any]) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_summary_shows_statuses_amounts_and_coverage(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (_pilot, screen):
        summary = text_of(screen, "#order-summary")
        assert "Status: in progress" in summary
        assert "Financial status: partially paid" in summary
        assert "Subtotal 860.00" in summary
        assert "Tax 172.00" in summary
        assert "Total 1,032.00 BGN" in summary
        assert "Paid 516.00 BGN" in summary
        assert "Unallocated 0.00" in summary
        assert "Overpaid" not in summary
        header = text_of(screen, "#order-header")
        assert roles["late"] in header
        assert "Техномаш ООД" in header
        assert "Д-17" in header
        assert "Deadline: 2026-11-20" in header
        assert "ДДС 20%" in header
        # terms add up (516 + 516); documents count the PF-1/INV-1 pair once; paid half
        coverage = text_of(screen, "#order-coverage")
        assert "Payment terms" not in coverage
        assert coverage == (
            "⚠ Not matching the total: Documents 516.00 (short by 516.00)"
            " · Payments 516.00 (short by 516.00)"
        )

        items = screen.query_one("#items-table", DataTable)
        assert column(items, 1) == ["BLT-1", "PMP-1"]
        assert column(items, 6) == ["25.00", "835.00"]
        assert column(items, 7) == ["60", "0"]


async def test_tabs_switch_by_key_and_summary_stays(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        tabs = screen.query_one(TabbedContent)
        assert tabs.active == "items"
        await pilot.press("3")
        assert tabs.active == "documents"
        assert screen.focused is screen.query_one("#documents-table")
        docs = screen.query_one("#documents-table", DataTable)
        assert column(docs, 1) == ["PF-1", "INV-1"]
        assert column(docs, 6) == ["", "PF-1"]  # INV-1 is the duplicate of PF-1
        assert column(docs, 8) == ["paid", "paid"]  # the pair shares one status
        await pilot.press("right_square_bracket")
        assert tabs.active == "payments"
        assert column(screen.query_one("#payments-table", DataTable), 2) == ["PF-1 516.00"]
        await pilot.press("2")
        assert tabs.active == "terms"
        terms = screen.query_one("#terms-table", DataTable)
        assert column(terms, 5) == ["paid", "unpaid"]
        await pilot.press("5")
        related = screen.query_one("#related-table", DataTable)
        assert column(related, 0) == ["shipment"]
        assert column(related, 4) == ["BLT-1 60"]
        await pilot.press("6")
        assert tabs.active == "history"
        history = screen.query_one("#history-table", DataTable)
        assert history.row_count == 9
        assert column(history, 2)[-1] == "create"
        await pilot.press("left_square_bracket")
        assert tabs.active == "related"
        # the summary is outside the tabs: visible whatever tab is shown
        assert screen.query_one("#order-summary").region.height > 0
        assert "Total 1,032.00 BGN" in text_of(screen, "#order-summary")
        # nothing to add or remove among related objects
        assert screen.check_action("new_line", ()) is None
        assert screen.check_action("remove_line", ()) is None


async def test_markup_in_names_shows_as_typed(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["markup"]) as (pilot, screen):
        header = screen.query_one("#order-header", Static).content
        assert isinstance(header, Text)
        assert "Client: [bold]Markup[/] & Co" in header.plain
        items = screen.query_one("#items-table", DataTable)
        cell = items.get_row_at(0)[2]
        assert isinstance(cell, Text)
        assert cell.plain == "Pump [red]X[/]"
        assert not cell.spans
        # and on screen, character for character
        screenshot = pilot.app.export_screenshot()
        assert "Pump&#160;[red]X[/]" in screenshot
        # overpaid is shown, never hidden: 1670.00 paid of 2 x 835.00 = 1670.00, none over
        assert "Overpaid" not in text_of(screen, "#order-summary")
        assert "Status: closed" in text_of(screen, "#order-summary")


async def test_start_cancel_with_reason_reopen(
    seeded: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    """The main flow of the order's life on this screen, on SQLite and PostgreSQL."""
    url, roles = seeded
    async with order_screen(make_app, url, roles["soon"]) as (pilot, screen):
        assert "Status: new" in text_of(screen, "#order-summary")
        assert screen.check_action("reopen", ()) is None
        assert screen.check_action("start", ()) is True
        await pilot.press("s")
        await settle(pilot)
        assert "Status: in progress" in text_of(screen, "#order-summary")
        assert screen.check_action("start", ()) is None

        await pilot.press("x")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, CancelOrderModal)
        await pilot.press("enter")  # no reason: refused, the modal stays
        await pilot.pause()
        assert pilot.app.screen is modal
        assert "required" in str(modal.query_one("#reason-error", Static).content)
        await pilot.press(*"client withdrew")
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Status: cancelled" in text_of(screen, "#order-summary")
        assert "Cancelled: client withdrew" in text_of(screen, "#order-header")
        assert screen.check_action("cancel_order", ()) is None
        assert screen.check_action("reopen", ()) is True

        await pilot.press("o")
        await settle(pilot)
        assert "Status: in progress" in text_of(screen, "#order-summary")
        order = Order.get(Order.number == roles["soon"])
        assert not order.cancelled and order.started
        await pilot.press("6")
        actions = column(screen.query_one("#history-table", DataTable), 2)
        assert actions[:3] == ["reopen", "cancel", "start"]


async def test_escape_in_cancel_modal_saves_nothing(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["soon"]) as (pilot, screen):
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"oops", "escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert not Order.get(Order.number == roles["soon"]).cancelled


async def test_remove_line_after_confirm(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["soon"]) as (pilot, screen):
        items = screen.query_one("#items-table", DataTable)
        assert items.row_count == 1
        assert "Total 100.00 EUR" in text_of(screen, "#order-summary")  # 40 x 2.50, no tax
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("escape")  # no
        await settle(pilot)
        assert items.row_count == 1
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert items.row_count == 0
        assert "Total 0.00 EUR" in text_of(screen, "#order-summary")
        assert screen.check_action("remove_line", ()) is None


async def test_conflict_with_another_terminal(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    """Another terminal saves the order while it is on screen: our stale save is refused,
    the screen says who changed it, and reloads to show their change."""
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["soon"], poll_seconds=3600) as (pilot, screen):
        assert screen.view is not None
        shown_version = screen.view.version
        # the other terminal (same database file, another user)
        audit.set_user("maria")
        orders.update_order(roles["soon"], shown_version, note="call before delivery")
        audit.set_user("tester")

        await pilot.press("s")  # start, with the version on screen: stale
        await settle(pilot)
        message = notifications(pilot.app)
        assert "changed by maria at" in message
        assert "Nothing was saved" in message
        order = Order.get(Order.number == roles["soon"])
        assert not order.started  # our stale save wrote nothing
        assert order.note == "call before delivery"
        # reloaded: the other terminal's change is on screen, with the new version
        assert "Note: call before delivery" in text_of(screen, "#order-header")
        assert screen.view.version == shown_version + 1
        await pilot.press("s")  # now on the fresh version, it goes through
        await settle(pilot)
        assert Order.get(Order.number == roles["soon"]).started
        assert "Status: in progress" in text_of(screen, "#order-summary")


async def test_bulgarian_labels_and_amounts(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"], lang="bg") as (_pilot, screen):
        summary = text_of(screen, "#order-summary")
        assert "работи се" in summary
        assert "частично платена" in summary
        assert "1\u00a0032,00 BGN" in summary or "1 032,00 BGN" in summary
        assert "20.11.2026" in text_of(screen, "#order-header")


async def test_change_in_another_terminal_shows_without_a_key(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["soon"], poll_seconds=0.2) as (pilot, screen):
        assert screen.view is not None
        orders.update_order(roles["soon"], screen.view.version, note="urgent")
        for _ in range(40):
            await pilot.pause(0.05)
            if "Note: urgent" in text_of(screen, "#order-header"):
                break
        await settle(pilot)
        assert "Note: urgent" in text_of(screen, "#order-header")
        assert "changed in another terminal" in notifications(pilot.app)


async def test_keys_open_the_forms_of_the_current_tab(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    pytest.importorskip("tui_orders.screens.forms.term")
    from tui_orders.screens.forms.item import ItemForm
    from tui_orders.screens.forms.term import TermForm

    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        assert screen.view is not None
        version = screen.view.version
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ItemForm)
        assert (form.order_id, form.expected_version, form.item_id) == (
            screen.order_id,
            version,
            None,
        )
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("2", "down", "enter")  # the second term, to edit
        await settle(pilot)
        term_form = pilot.app.screen
        assert isinstance(term_form, TermForm)
        assert term_form.term_id == screen.view.terms[1].id
        assert term_form.expected_version == version
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert Order.get_by_id(screen.order_id).version == version  # nothing saved


def test_snapshot_order_screen(
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    snap_compare: Any,
) -> None:
    url, roles = seeded_sqlite
    open_database(url)
    order_id = Order.get(Order.number == roles["late"]).id

    async def open_order(pilot: Pilot[None]) -> None:
        pilot.app.push_screen(OrderScreen(order_id))
        await pilot.pause()
        await settle(pilot)

    try:
        for size in ((80, 24), (120, 40)):
            app = make_app(url, open_db=False, poll_seconds=3600)
            assert snap_compare(app, terminal_size=size, run_before=open_order)
    finally:
        close_database()
