"""Opening an order draws one table: the others are made, and filled from the order already
read, when their tab is first shown; a reload refills every table made so far."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, TabbedContent

from tui_orders.app import OrdersApp
from tui_orders.data import orders

from .conftest import settle
from .test_order_screen import column, order_screen, text_of


async def test_tables_are_made_when_their_tab_is_first_shown(
    seeded_sqlite: tuple[str, dict[str, str]], make_app: Callable[..., OrdersApp]
) -> None:
    url, roles = seeded_sqlite
    async with order_screen(make_app, url, roles["late"]) as (pilot, screen):
        assert [table.id for table in screen.query(DataTable)] == ["items-table"]
        assert column(screen.query_one("#items-table", DataTable), 1) == ["BLT-1", "PMP-1"]
        await pilot.press("3")
        docs = screen.query_one("#documents-table", DataTable)
        assert screen.focused is docs
        assert column(docs, 1) == ["PF-1", "INV-1"]
        # a click on a tab (no key): its table is made too
        screen.query_one(TabbedContent).active = "history"
        await settle(pilot)
        history = screen.query_one("#history-table", DataTable)
        assert history.row_count == 9
        await pilot.press("3")
        assert screen.query_one("#documents-table", DataTable) is docs  # made once
        # a change elsewhere, then a reload: the tables made so far show it
        assert screen.view is not None
        orders.update_order(roles["late"], screen.view.version, note="urgent")
        await pilot.press("r")
        await settle(pilot)
        assert history.row_count > 9
        assert "Note: urgent" in text_of(screen, "#order-header")
        assert column(docs, 1) == ["PF-1", "INV-1"]
