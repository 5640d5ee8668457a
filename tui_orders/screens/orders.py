"""The home screen: the order list beside the detail pane of the order under the cursor.

The list holds a window of rows (:class:`~tui_orders.widgets.order_table.OrderTable`); the
pane reads the order in a worker (:class:`~tui_orders.widgets.order_summary.OrderSummary`).
Every ``app.poll_seconds`` a worker reads the change marker; when another terminal saved
something, the window and the pane are read again, the cursor staying on the same order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from ..data import queries
from ..data.queries import OrderSort
from ..i18n import _, format_date, status_label
from ..widgets.footer import Footer
from ..widgets.order_summary import OrderSummary
from ..widgets.order_table import ListQuery, OrderTable
from .common import run_db

#: seconds of quiet typing before the search reloads the list
SEARCH_DEBOUNCE = 0.15

SORTS = (OrderSort.DEADLINE, OrderSort.NUMBER, OrderSort.CREATED)
SORT_WORDS = {
    OrderSort.DEADLINE: "deadline",
    OrderSort.NUMBER: "number",
    OrderSort.CREATED: "created",
}


class SearchInput(Input):
    """The incremental search: Escape clears it and goes back to the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Clear search", id="clear_search"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def action_leave(self) -> None:
        self.value = ""
        self.screen.query_one(OrderTable).focus()


class OrdersScreen(Screen[None]):
    """Orders: the list, its filters, search and sort, and the order under the cursor."""

    # the list is a class setting; Textual declares it without ClassVar
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (160, "-wide"),  # the pane beside the list once all 9 columns still fit
    ]

    DEFAULT_CSS = """
    OrdersScreen #orders-top {
        height: 1;
    }
    OrdersScreen #orders-search {
        width: 30;
    }
    OrdersScreen #orders-state {
        width: 1fr;
        padding: 0 1;
        color: $text-muted;
    }
    OrdersScreen #orders-body {
        layout: horizontal;
        height: 1fr;
    }
    OrdersScreen.-wide OrderSummary {
        width: 44;
    }
    OrdersScreen.-narrow #orders-body {
        layout: vertical;
    }
    OrdersScreen.-narrow OrderTable {
        height: 3fr;
    }
    OrdersScreen.-narrow OrderSummary {
        height: 2fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="search"),
        Binding("n", "new_order", "New", id="new"),
        Binding("e", "edit_order", "Edit", id="edit"),
        Binding("f", "filters", "Filters", id="filters"),
        Binding("x", "clear_filters", "Clear filters", id="clear_filters"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("d", "reverse", "Reverse", id="reverse"),
        Binding("r", "reload", "Reload", id="reload"),
        Binding("o", "open_order", "Open", show=False, id="open_order"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        # set before the Header watches it (setting it in on_mount races the Header's mount)
        self.sub_title = _("Orders")
        self._search_timer: Timer | None = None
        self._marker: int | None = None
        #: another terminal changed something while a screen covered this one
        self._stale = False
        self._polling = False
        self._had_order = False
        self._state_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="orders-top"):
            yield SearchInput(placeholder=_("/ number or client"), id="orders-search", compact=True)
            yield Static(id="orders-state", markup=False)
        with Container(id="orders-body"):
            yield OrderTable(self.app_today(), id="orders-table")
            yield OrderSummary(id="orders-summary")
        yield Footer()

    def app_today(self) -> Any:
        today = getattr(self.app, "today", None)
        import datetime as dt

        return today() if callable(today) else dt.date.today()

    @property
    def table(self) -> OrderTable:
        return self.query_one(OrderTable)

    @property
    def summary(self) -> OrderSummary:
        return self.query_one(OrderSummary)

    def on_mount(self) -> None:
        self.table.focus()
        self.table.load()
        self._update_state()
        run_db(self, queries.change_marker, self._marker_read, group="orders-poll")
        poll = float(getattr(self.app, "poll_seconds", 2.0) or 0)
        if poll > 0:
            self.set_interval(poll, self._poll)

    # ------------------------------------------------------------------ list events

    def on_order_table_order_highlighted(self, event: OrderTable.OrderHighlighted) -> None:
        self.summary.show(event.order_id)
        # the Footer redraws on a bindings refresh: only when Open/Edit change state
        if (event.order_id is not None) != self._had_order:
            self._had_order = event.order_id is not None
            self.refresh_bindings()

    def on_order_table_window_changed(self, event: OrderTable.WindowChanged) -> None:
        self._update_state()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_order()

    def _update_state(self) -> None:
        table = self.table
        q = table.query_state
        arrow = "↓" if q.descending else "↑"
        parts = [_("sort: {what} {arrow}").format(what=_(SORT_WORDS[q.sort]), arrow=arrow)]
        filters = describe_filters(q)
        if filters:
            parts.append(_("filter: {what}").format(what=filters))
        parts.append(table.position_hint())
        text = "  ·  ".join(parts)
        if text != self._state_text:
            self._state_text = text
            # one line of fixed size: no layout pass on every cursor move
            self.query_one("#orders-state", Static).update(text, layout=False)

    # ------------------------------------------------------------------ search

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "orders-search":
            return
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._apply_search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "orders-search":
            return
        self._apply_search()
        self.table.focus()

    def _apply_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        text = self.query_one(SearchInput).value.strip()
        if text != self.table.query_state.search:
            self._load(replace(self.table.query_state, search=text))

    def _load(self, query: ListQuery) -> None:
        self.table.load(query)
        self._update_state()
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_order", "open_order"):
            return self.table.current_order_id() is not None or None
        if action == "clear_filters":
            return self.table.query_state.filtered or None
        return True

    def action_search(self) -> None:
        self.query_one(SearchInput).focus()

    def action_sort(self) -> None:
        q = self.table.query_state
        following = SORTS[(SORTS.index(q.sort) + 1) % len(SORTS)]
        self._load(replace(q, sort=following))

    def action_reverse(self) -> None:
        q = self.table.query_state
        self._load(replace(q, descending=not q.descending))

    def action_reload(self) -> None:
        self.table.reload_window()
        self.summary.reload()

    def action_clear_filters(self) -> None:
        self._load(self.table.query_state.cleared())

    def action_filters(self) -> None:
        from .order_filter import OrderFilterForm

        def chosen(query: ListQuery | None) -> None:
            if query is not None:
                self._load(query)

        self.app.push_screen(OrderFilterForm(self.table.query_state), chosen)

    def action_quit(self) -> None:
        self.app.exit()

    def action_open_order(self) -> None:
        order_id = self.table.current_order_id()
        if order_id is None:
            return
        try:
            from .order import OrderScreen
        except ImportError:
            self.summary.focus()
            return
        self.app.push_screen(OrderScreen(order_id))

    def action_new_order(self) -> None:
        form = self._order_form(None)
        if form is None:
            return

        def saved(order_id: int | None) -> None:
            if order_id is None:
                return
            self.table.show_order(order_id)
            try:
                from .order import OrderScreen
            except ImportError:
                return
            self.app.push_screen(OrderScreen(order_id))

        self.app.push_screen(form, saved)

    def action_edit_order(self) -> None:
        order_id = self.table.current_order_id()
        if order_id is None:
            return
        form = self._order_form(order_id)
        if form is not None:
            self.app.push_screen(form)

    def _order_form(self, order_id: int | None) -> Any:
        try:
            from .order_form import OrderForm
        except ImportError:
            self.notify(_("The order form is not available."), severity="warning")
            return None
        return OrderForm(order_id)

    # ------------------------------------------------------------------ live refresh

    def on_screen_resume(self) -> None:
        # back from an order, a form or help: what was saved there shows in the list
        if self.table.loaded:
            self._refresh_data()

    def _poll(self) -> None:
        if self._polling:
            return
        self._polling = True
        run_db(
            self,
            queries.change_marker,
            self._marker_read,
            failed=lambda exc: self._poll_failed(),
            group="orders-poll",
        )

    def _poll_failed(self) -> None:
        self._polling = False

    def _marker_read(self, marker: int) -> None:
        self._polling = False
        previous, self._marker = self._marker, marker
        if previous is None or marker == previous:
            return
        if self.app.screen is self:
            self._refresh_data()
        else:
            self._stale = True

    def _refresh_data(self) -> None:
        self._stale = False
        self.table.reload_window()
        self.summary.reload()


def describe_filters(q: ListQuery) -> str:
    """The filters in force, in words (for the state line)."""
    parts = []
    if q.statuses:
        parts.append(", ".join(status_label(s) for s in q.statuses))
    if q.financial:
        parts.append(", ".join(status_label(s) for s in q.financial))
    if q.client.strip():
        parts.append(_("client “{text}”").format(text=q.client.strip()))
    if q.deadline_from or q.deadline_to:
        parts.append(
            _("deadline {start}–{end}").format(
                start=format_date(q.deadline_from), end=format_date(q.deadline_to)
            )
        )
    return "; ".join(parts)
