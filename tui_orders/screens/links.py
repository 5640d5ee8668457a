"""Production and purchase orders across all client orders: their own small list.

Number, kind, client order, client, status, deadline, expected date and whether it is late
(overdue, or expected after the client order's deadline), by deadline. Filters: kind, status
("open" = planned or in progress, the default), and a search on the number or the client
order's number. Enter (or ``o``) opens the client order, and the list is read again on
return; ``e`` edits the production or purchase order itself (status, expected date, note).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, Select

from ..data import orders
from ..data.models import LinkKind, LinkStatus
from ..data.orders import LinkRow
from ..data.views import order_version
from ..i18n import _, format_date, status_label
from ..widgets.footer import Footer
from .common import plain, run_db

#: how many rows the list shows at most (the filters narrow it down)
LIMIT = 500
ALL = "all"
OPEN = "open"


def late_text(row: LinkRow, today: dt.date) -> Text:
    """Why the row is late ("3 days overdue", "expected 5 days after the deadline"), or ""."""
    days = row.overdue_days(today)
    if days > 0:
        return Text(_("{days} days overdue").format(days=days), style="bold red")
    if (
        row.status in orders.OPEN_LINK_STATUSES
        and row.expected is not None
        and row.expected > row.order_deadline
    ):
        after = (row.expected - row.order_deadline).days
        return Text(_("expected {days} days after the deadline").format(days=after), style="yellow")
    return Text("")


class LinksScreen(Screen[None]):
    """The production and purchase orders of every client order."""

    DEFAULT_CSS = """
    LinksScreen #links-filters {
        height: 1;
        margin: 1 0;
    }
    LinksScreen #links-filters Label {
        padding: 0 1;
    }
    LinksScreen #links-filters Select {
        width: 26;
    }
    LinksScreen #links-search {
        width: 1fr;
    }
    LinksScreen #links-table {
        height: 1fr;
    }
    LinksScreen #links-count {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="links_back"),
        # Enter on a row opens it too (the table's own Enter, which the Footer does not show)
        Binding("o", "open_order", "Open the order", id="links_open"),
        Binding("e", "edit_link", "Edit", id="links_edit"),
        Binding("slash", "search", "Search", id="links_search"),
        Binding("r", "reload", "Reload", id="links_reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[LinkRow] = []
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="links-filters"):
            yield Label(_("Kind"))
            yield Select(
                [(_("all kinds"), ALL)] + [(status_label(k.value), k.value) for k in LinkKind],
                value=ALL,
                allow_blank=False,
                compact=True,
                id="links-kind",
            )
            yield Label(_("Status"))
            yield Select(
                [(_("planned or in progress"), OPEN), (_("all statuses"), ALL)]
                + [(status_label(s.value), s.value) for s in LinkStatus],
                value=OPEN,
                allow_blank=False,
                compact=True,
                id="links-status",
            )
            yield Label(_("Search:"))
            yield Input(placeholder=_("number or order number"), id="links-search", compact=True)
        table: DataTable[Any] = DataTable(id="links-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(
            _("Number"),
            _("Kind"),
            _("Order"),
            _("Client"),
            _("Status"),
            _("Deadline"),
            _("Expected"),
            _("Late"),
        )
        yield table
        yield Label("", id="links-count")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Production and purchase orders")
        self.query_one("#links-table", DataTable).focus()
        self.reload()

    # ------------------------------------------------------------------ loading

    def _choice(self, selector: str) -> str | None:
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL or value == ALL else str(value)

    def reload(self) -> None:
        self._generation += 1
        generation = self._generation
        kind, status = self._choice("#links-kind"), self._choice("#links-status")
        text = self.query_one("#links-search", Input).value

        def done(rows: list[LinkRow]) -> None:
            if generation == self._generation:  # an older filter finishing late is dropped
                self._show(rows)

        run_db(
            self,
            lambda: orders.list_links(kind, status, text, limit=LIMIT),
            done,
            group="links-list",
        )

    def _show(self, rows: list[LinkRow]) -> None:
        table = self.query_one("#links-table", DataTable)
        current = self.current_row()
        self.rows = rows
        today = self.app.today() if hasattr(self.app, "today") else dt.date.today()
        with self.app.batch_update():
            table.clear()
            for row in rows:
                table.add_row(
                    plain(row.number),
                    Text(status_label(row.kind)),
                    plain(row.order_number),
                    plain(row.client),
                    Text(status_label(row.status)),
                    Text(format_date(row.deadline)),
                    Text(format_date(row.expected)),
                    late_text(row, today),
                    key=str(row.id),
                )
        ids = [r.id for r in rows]
        if current is not None and current.id in ids:
            table.move_cursor(row=ids.index(current.id), animate=False)
        count = (
            _("the first {count} shown: narrow the filters").format(count=len(rows))
            if len(rows) >= LIMIT
            else _("{count} found").format(count=len(rows))
        )
        self.query_one("#links-count", Label).update(count)
        self.refresh_bindings()

    def current_row(self) -> LinkRow | None:
        table = self.query_one("#links-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        if self.is_mounted:
            self.reload()

    @on(Input.Changed, "#links-search")
    def _search_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#links-search")
    def _search_done(self) -> None:
        self.query_one("#links-table", DataTable).focus()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_order()

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_order", "edit_link"):
            return True if self.is_mounted and self.current_row() is not None else None
        return True

    def action_back(self) -> None:
        search = self.query_one("#links-search", Input)
        if search.has_focus and search.value:
            search.value = ""  # the first Escape clears the search, the next one leaves
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_search(self) -> None:
        self.query_one("#links-search", Input).focus()

    def action_reload(self) -> None:
        self.reload()

    def action_open_order(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from .order import OrderScreen

        self.app.push_screen(OrderScreen(row.order_id), lambda _result: self.reload())

    def action_edit_link(self) -> None:
        row = self.current_row()
        if row is None:
            return
        order_id, link_id = row.order_id, row.id

        def edit(version: int | None) -> None:
            if version is None:
                return
            from .forms.link import LinkForm

            def saved(result: object) -> None:
                if result:
                    self.reload()

            self.app.push_screen(LinkForm(order_id, version, link_id=link_id), saved)

        run_db(self, lambda: order_version(order_id), edit, group="links-edit")


__all__ = ["LinksScreen", "late_text"]
