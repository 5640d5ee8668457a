"""The home screen: the order list beside the detail pane of the order under the cursor.

The list holds a window of rows (:class:`~tui_orders.widgets.order_table.OrderTable`); the
pane reads the order in a worker (:class:`~tui_orders.widgets.order_summary.OrderSummary`).
Every ``app.poll_seconds`` a worker reads the change marker; when another terminal saved
something, the window and the pane are read again, the cursor staying on the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from ..data.rows import OPEN_STATUSES, OrderSort
from ..i18n import _, format_date, status_label
from ..widgets.footer import Footer
from ..widgets.order_summary import OrderSummary
from ..widgets.order_table import (
    INITIAL_QUERY,
    WINDOW,
    ListQuery,
    OrderTable,
    _Window,
    first_window,
    list_queries,
)
from .common import ChangeWatch, set_breakpoint_classes

#: seconds of quiet typing before the search reloads the list
SEARCH_DEBOUNCE = 0.15

SORTS = (OrderSort.DEADLINE, OrderSort.NUMBER, OrderSort.CREATED)
SORT_WORDS = {
    OrderSort.DEADLINE: "deadline",
    OrderSort.NUMBER: "number",
    OrderSort.CREATED: "created",
}


@dataclass(frozen=True, slots=True)
class HomePrefetch:
    """What :class:`OrdersScreen` shows first, read before it is built (in the worker that
    opens the database), so its first frame already holds the list."""

    #: the change marker, read before the rows (a change after it shows on the next poll)
    marker: int
    window: _Window


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

    #: the list has the focus from the start (not the search line, the first focusable
    #: widget: focusing it and then the list would style both twice on the way to the first
    #: frame)
    AUTO_FOCUS = "#orders-table"

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

    def __init__(self, prefetch: HomePrefetch | None = None, *, db_open: bool = True) -> None:
        """``prefetch``: the first rows, read ahead. ``db_open`` False: they come from the
        start-up read (:meth:`quick_prefetch`) and the database is still being opened; the
        app calls :meth:`database_ready` once it is, and what needs it waits until then."""
        super().__init__()
        self._prefetch = prefetch
        #: the database is open (the pane, counting, polling, the actions can use it)
        self.db_open = db_open
        # set before the Header watches it (setting it in on_mount races the Header's mount)
        self.sub_title = _("Orders")
        self._search_timer: Timer | None = None
        #: another terminal's changes (the marker read with the first rows, if read ahead)
        self._watch = ChangeWatch(
            self,
            self._refresh_data,
            group="orders-poll",
            marker=prefetch.marker if prefetch else None,
        )
        #: another terminal changed something while a screen covered this one
        self._had_order = False
        self._state_text = ""
        self._resumed = False
        #: the list has been drawn once
        self._painted = False

    def compose(self) -> ComposeResult:
        set_breakpoint_classes(self)  # the first frame already in the layout for this size
        yield Header()
        with Horizontal(id="orders-top"):
            yield SearchInput(placeholder=_("/ number or client"), id="orders-search", compact=True)
            yield Static(id="orders-state", markup=False)
        with Container(id="orders-body"):
            yield OrderTable(
                self.app_today(),
                first=self._prefetch.window if self._prefetch else None,
                id="orders-table",
            )
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

    @staticmethod
    def prefetch() -> HomePrefetch:
        """Read what the screen shows first (database calls: run it in a worker)."""
        marker = list_queries().change_marker()
        return HomePrefetch(marker, first_window())

    @staticmethod
    def quick_prefetch(url: str | None) -> HomePrefetch | None:
        """What the screen shows first, read at start-up without the ORM
        (:mod:`tui_orders.data.quickstart`), or None when it cannot be read that way."""
        from ..data.quickstart import first_open_orders

        if ListQuery(statuses=OPEN_STATUSES) != INITIAL_QUERY:  # pragma: no cover - guard
            return None
        read = first_open_orders(url, WINDOW)
        if read is None:
            return None
        marker, rows = read
        return HomePrefetch(marker, _Window(rows, 0, True, len(rows) < WINDOW))

    def on_mount(self) -> None:
        self.table.start(self._rows_on_screen())
        self._prefetch = None
        self._update_state()
        if self.db_open:
            self._start_polling()

    def database_ready(self) -> None:
        """The database is open (after a start from :meth:`quick_prefetch`)."""
        if self.db_open:
            return
        self.db_open = True
        self._start_polling()
        if self._painted:
            self.table.count_now()
            if self.table.loaded:
                self.summary.show(self.table.current_order_id())
        self.refresh_bindings()

    def _start_polling(self) -> None:
        if self._watch.marker is None:
            self._watch.poll()  # the marker the next polls compare with
        self._watch.start()

    def _rows_on_screen(self) -> int:
        """At most how many rows the list shows in the first frame (it is not laid out yet):
        the terminal's lines but the header, the search line and the footer; on a narrow
        terminal 3fr of them (the pane below has 2fr), and a line or two to spare."""
        lines = max(1, self.app.size.height - 3)
        if self.has_class("-narrow"):
            lines = lines * 3 // 5 + 2
        return lines

    @classmethod
    def prepare_styles(cls, app: Any) -> None:
        """Parse the default styles of the screen's widgets into ``app``'s stylesheet (Textual
        does it when they are first mounted, in the way of the first frame): the app calls it
        while the database opens and the UI thread has nothing else to do. Mounting them
        then finds their styles parsed (``add_source`` of the same CSS is a no-op)."""
        import datetime as dt

        from textual.containers import VerticalScroll
        from textual.scrollbar import ScrollBar, ScrollBarCorner
        from textual.widgets._header import HeaderClockSpace, HeaderIcon, HeaderTitle

        widgets = [
            cls(),
            Header(),
            HeaderIcon(),
            HeaderTitle(),
            HeaderClockSpace(),
            Horizontal(),
            SearchInput(),
            Static(),
            Container(),
            OrderTable(dt.date.today()),
            OrderSummary(),
            VerticalScroll(),
            ScrollBar(),
            ScrollBarCorner(),
            Footer(),
        ]
        stylesheet = app.stylesheet
        for widget in widgets:
            for read_from, css, tie_breaker, scope in widget._get_default_css():
                stylesheet.add_source(
                    css,
                    read_from=read_from,
                    is_default_css=True,
                    tie_breaker=tie_breaker,
                    scope=scope,
                )
        stylesheet.rules_map  # noqa: B018 - parses, and maps the rules, now

    # ------------------------------------------------------------------ list events

    def on_order_table_order_highlighted(self, event: OrderTable.OrderHighlighted) -> None:
        # before the first frame, the pane waits (its reading would only slow that frame down)
        if self._painted and self.db_open:
            self.summary.show(event.order_id)
        # the Footer redraws on a bindings refresh: only when Open/Edit change state
        if (event.order_id is not None) != self._had_order:
            self._had_order = event.order_id is not None
            self.refresh_bindings()

    def _first_frame_drawn(self) -> None:
        """The work that would only have delayed the first frame: the rest of the list's
        first window, counting it, the order under the cursor in the pane."""
        self._painted = True
        self.table.first_frame_drawn(count=self.db_open)
        if self.table.loaded and self.db_open:
            self.summary.show(self.table.current_order_id())

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
        if not self.db_open and action != "quit":
            return None  # greyed out for the moment the database takes to open
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
        if order_id is None or not self.db_open:
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
        # back from an order, a form or help: what was saved there shows in the list (not on
        # the first resume, when the screen is pushed: its rows were just read)
        if not self._resumed:
            self._resumed = True
            # the screen is current now: this runs once its first frame is drawn
            self.call_after_refresh(self._first_frame_drawn)
            return
        if self.table.loaded:
            self._refresh_data()

    def _refresh_data(self) -> None:
        self._watch.stale = False
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
