"""The order list: a DataTable holding one *window* of rows, never the whole table.

Rows come from :func:`queries.fetch_orders` by keyset (``after=`` / ``before=`` the key of the
last / first row held), in a worker. When the cursor nears an edge of the window, the next
rows are fetched and the window slides (it holds at most ``MAX_ROWS``), the cursor staying on
the same order. A million orders cost what a few hundred do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from types import ModuleType
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from ..data.rows import OPEN_STATUSES, OrderFilter, OrderRow, OrderSort
from ..i18n import _, format_amount, format_count, format_date, status_label
from ..screens.common import plain, run_db

#: rows fetched at once
WINDOW = 150
#: rows held by the table at most (the window slides beyond that)
MAX_ROWS = 300
#: a cursor this close to an edge of the window fetches the rows beyond it
EDGE = 40
#: orders counted at most for the position hint (a count of a million costs too much)
COUNT_CAP = 100_000

CLOSED_STATUSES = ("closed", "cancelled")


def list_queries() -> ModuleType:
    """The list queries (peewee), imported on first use: building the home screen needs none
    of them, and its first rows come from :mod:`tui_orders.data.quickstart` at start-up."""
    from ..data import queries

    return queries


#: terminals narrower than this get the compact list
NARROW = 100


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What the list shows: the operator's filters, the typed search and the sort."""

    statuses: tuple[str, ...] = ()
    financial: tuple[str, ...] = ()
    #: part of a client's name (any case)
    client: str = ""
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    search: str = ""
    sort: OrderSort = OrderSort.DEADLINE
    descending: bool = False

    @property
    def filtered(self) -> bool:
        """True when a filter (not the search, not the sort) narrows the list."""
        return bool(
            self.statuses
            or self.financial
            or self.client.strip()
            or self.deadline_from
            or self.deadline_to
        )

    def cleared(self) -> ListQuery:
        """The same search and sort without filters."""
        return ListQuery(search=self.search, sort=self.sort, descending=self.descending)

    def order_filter(self) -> OrderFilter:
        """The data layer's filter (reads client ids: call it in a worker)."""
        client = self.client.strip()
        return OrderFilter(
            statuses=self.statuses,
            financial=self.financial,
            client_ids=tuple(list_queries().clients_matching(client)) if client else None,
            deadline_from=self.deadline_from,
            deadline_to=self.deadline_to,
            search=self.search.strip(),
        )


def deadline_class(row: OrderRow, today: dt.date) -> str | None:
    """``overdue`` (deadline passed), ``due-soon`` (within 7 days) or None; closed and
    cancelled orders are never late."""
    if row.status in CLOSED_STATUSES:
        return None
    if row.deadline < today:
        return "overdue"
    if row.deadline <= today + dt.timedelta(days=7):
        return "due-soon"
    return None


def header(text: str) -> str:
    """A column heading: its own catalog entry (``column: Created``), short enough for the
    column, falling back to the English word."""
    translated = _("column: " + text)
    return text if translated.startswith("column: ") else translated


def percent_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1))}%"


@dataclass(frozen=True, slots=True)
class _Window:
    rows: list[OrderRow]
    #: position of the first row in the whole list (None: not known, e.g. after End)
    offset: int | None
    at_start: bool
    at_end: bool
    #: rows of the whole list after the window's last one (None: not known, e.g. after Home)
    after: int | None = None


#: what the list shows when it opens: what is still open, by deadline (x clears to every order)
INITIAL_QUERY = ListQuery(statuses=OPEN_STATUSES)


def first_window(query: ListQuery = INITIAL_QUERY) -> _Window:
    """The first rows of ``query`` (database calls: run it in a worker)."""
    rows = list_queries().fetch_orders(
        query.order_filter(), query.sort, descending=query.descending, limit=WINDOW
    )
    return _Window(rows, 0, True, len(rows) < WINDOW)


class OrderTable(DataTable[Text]):
    """The windowed order list. Post :class:`OrderTable.OrderHighlighted` when the order under
    the cursor changes and :class:`OrderTable.WindowChanged` when the window or the count did;
    Enter posts DataTable's ``RowSelected`` (row key = order id)."""

    DEFAULT_CSS = """
    OrderTable {
        height: 1fr;
    }
    OrderTable > .order-table--overdue {
        color: $text-error;
        text-style: bold;
    }
    OrderTable > .order-table--due-soon {
        color: $text-warning;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "order-table--overdue",
        "order-table--due-soon",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="open"),
        Binding("home", "first", "First", show=False, id="first"),
        Binding("end", "last", "Last", show=False, id="last"),
    ]

    class OrderHighlighted(Message):
        def __init__(self, order_id: int | None) -> None:
            super().__init__()
            self.order_id = order_id

    class WindowChanged(Message):
        pass

    def __init__(self, today: dt.date, *, first: _Window | None = None, **kwargs: Any) -> None:
        """``first``: the rows of :data:`INITIAL_QUERY` when already read
        (:func:`first_window`), shown as soon as the table is mounted."""
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.today = today
        self.query_state = INITIAL_QUERY
        self._first = first
        self.rows_held: list[OrderRow] = []
        self.window_offset: int | None = 0
        #: rows of the whole list after the window (None: not known)
        self.window_after: int | None = None
        self.at_start = True
        self.at_end = True
        #: (count, exact) of the whole filtered list, once counted
        self.total_count: tuple[int, bool] | None = None
        self.loaded = False
        self._generation = 0
        self._fetching = False
        self._highlighted: int | None = None
        self._filter_cache: tuple[ListQuery, OrderFilter] | None = None
        self._rebuilding = False
        self.compact = False
        #: rows of the first window still to add, with the window and the styles
        self._pending_rows: tuple[list[OrderRow], list[OrderRow], dict[str, Style]] | None = None
        self._count_pending = False

    def on_mount(self) -> None:
        # Under 100 columns (an 80x24 SSH terminal) the list keeps what fits without scrolling
        # sideways; created, financial status and delivered % stay in the pane below it.
        self.compact = self.app.size.width < NARROW
        self.add_column(header("Number"), key="number", width=10)
        self.add_column(header("Client"), key="client", width=16 if self.compact else 20)
        if not self.compact:
            self.add_column(header("Created"), key="created", width=10)
        self.add_column(header("Deadline"), key="deadline", width=10)
        self.add_column(header("Status"), key="status")
        if not self.compact:
            self.add_column(header("Financial"), key="financial")
        self.add_column(header("Total"), key="total")
        if not self.compact:
            self.add_column(header("Deliv."), key="delivered")
        self.add_column(header("Paid"), key="paid")

    # ------------------------------------------------------------------ reading

    def current_order_id(self) -> int | None:
        """The id of the order under the cursor, or None."""
        if not self.rows_held or not self.is_valid_row_index(self.cursor_row):
            return None
        return self.rows_held[self.cursor_row].id

    def current_row(self) -> OrderRow | None:
        if not self.rows_held or not self.is_valid_row_index(self.cursor_row):
            return None
        return self.rows_held[self.cursor_row]

    def position_hint(self) -> str:
        """``order 12 of 3,200`` (``of ≥100,000`` when not counted to the end); after End on
        a list too long to count, ``order 3 from the end, of ≥100,000``."""
        if not self.rows_held:
            return _("no orders") if self.loaded else _("loading…")
        total = ""
        exact_total: int | None = None
        if self.total_count is not None:
            n, exact = self.total_count
            total = format_count(n) if exact else f"≥{format_count(n)}"
            exact_total = n if exact else None
        cursor = self.cursor_row
        if self.window_offset is not None:
            position = format_count(self.window_offset + cursor + 1)
        elif self.window_after is not None:
            from_end = self.window_after + len(self.rows_held) - cursor  # 1: the last
            if exact_total is None:
                return _("order {n} from the end, of {total}").format(
                    n=format_count(from_end), total=total or "…"
                )
            position = format_count(exact_total - from_end + 1)
        else:
            position = "?"
        return _("order {position} of {total}").format(position=position, total=total or "…")

    # ------------------------------------------------------------------ loading

    def _filter(self, query: ListQuery) -> OrderFilter:
        cached = self._filter_cache
        if cached is not None and cached[0] == query:
            return cached[1]
        flt = query.order_filter()
        self._filter_cache = (query, flt)
        return flt

    def start(self, rows_on_screen: int | None = None) -> None:
        """Show the first window: the one read ahead with the screen, else read it now.
        ``rows_on_screen``: at most how many rows the first frame can show (default: as many
        as the terminal has lines); the rest of the window is added right after that frame
        (measuring and adding 150 rows would delay it)."""
        window, self._first = self._first, None
        if window is None or self.query_state != INITIAL_QUERY:
            self.load()
            return
        self._generation += 1
        self._show(window, None, first_rows=rows_on_screen or self.app.size.height)
        self._count_pending = True

    def first_frame_drawn(self, *, count: bool = True) -> None:
        """After :meth:`start`: the rest of the first window, and counting (which may take a
        while on a big database), once the first rows are on screen. ``count`` False: the
        database is not open yet; :meth:`count_now` counts once it is."""
        pending, self._pending_rows = self._pending_rows, None
        if pending is not None:
            self._add_later(*pending)
        if count:
            self.count_now()

    def count_now(self) -> None:
        """Count the first window's list, if that is still to do."""
        if self._count_pending:
            self._count_pending = False
            self._count()

    def load(self, query: ListQuery | None = None, *, keep_id: int | None = None) -> None:
        """Show the first window of ``query`` (default: the current one) and count it."""
        if query is not None:
            self.query_state = query
        q = self.query_state

        def work() -> _Window:
            rows = list_queries().fetch_orders(
                self._filter(q), q.sort, descending=q.descending, limit=WINDOW
            )
            return _Window(rows, 0, True, len(rows) < WINDOW)

        self._request(work, keep_id=keep_id, first=True)
        self._count()

    def _count(self) -> None:
        q = self.query_state
        self.total_count = None

        def work() -> tuple[int, bool]:
            return list_queries().count_orders(self._filter(q), cap=COUNT_CAP)

        def done(result: tuple[int, bool]) -> None:
            if q == self.query_state:
                self.total_count = result
                self.post_message(self.WindowChanged())

        run_db(self, work, done, group="order-count")

    def reload_window(self) -> None:
        """Fetch the rows of the current window again (saved elsewhere, maybe changed),
        keeping the cursor on the same order. Nothing to do while rows are being read."""
        if self._fetching:
            return
        if not self.rows_held or self.at_start:
            self.load(keep_id=self.current_order_id())
            return
        q, first, size, offset, after = (
            self.query_state,
            self.rows_held[0],
            len(self.rows_held),
            self.window_offset,
            self.window_after,
        )

        def work() -> _Window:
            flt = self._filter(q)
            # the key before the window: the window then starts where it did
            before = list_queries().fetch_orders(
                flt, q.sort, before=first.key, descending=q.descending, limit=1
            )
            anchor = before[0].key if before else None
            rows = list_queries().fetch_orders(
                flt, q.sort, after=anchor, descending=q.descending, limit=size
            )
            return _Window(rows, offset if before else 0, not before, len(rows) < size, after)

        self._request(work, keep_id=self.current_order_id())
        self._count()

    def show_order(self, order_id: int) -> None:
        """A window around order ``order_id`` (e.g. just created), the cursor on it."""
        q = self.query_state

        def work() -> _Window:
            from ..data.orders import get_order  # the whole order service: not at start-up

            flt = self._filter(q)
            number = get_order(order_id).number
            found = [
                r
                for r in list_queries().fetch_orders(
                    replace(flt, search=number), q.sort, descending=q.descending, limit=20
                )
                if r.id == order_id
            ]
            if not found:  # filtered out: the list stays as it was
                return self._current_window()
            key = found[0].key
            above = list_queries().fetch_orders(
                flt, q.sort, before=key, descending=q.descending, limit=WINDOW // 2
            )
            below = list_queries().fetch_orders(
                flt, q.sort, after=key, descending=q.descending, limit=WINDOW
            )
            rows = [*above, found[0], *below]
            return _Window(rows, None, len(above) < WINDOW // 2, len(below) < WINDOW)

        self._request(work, keep_id=order_id)
        self._count()

    def _current_window(self) -> _Window:
        return _Window(
            list(self.rows_held),
            self.window_offset,
            self.at_start,
            self.at_end,
            self.window_after,
        )

    def action_first(self) -> None:
        if self.at_start:
            self.move_cursor(row=0)
            return
        self.load()

    def action_last(self) -> None:
        if self.at_end:
            self.move_cursor(row=len(self.rows_held) - 1)
            return
        q = self.query_state

        def work() -> _Window:
            rows = list_queries().fetch_orders(
                self._filter(q), q.sort, descending=not q.descending, limit=WINDOW
            )
            rows.reverse()
            at_start = len(rows) < WINDOW
            return _Window(rows, 0 if at_start else None, at_start, True, 0)

        self._request(work, last=True)

    def _fetch_more(self, forward: bool) -> None:
        q = self.query_state
        rows = list(self.rows_held)
        offset, at_start, at_end = self.window_offset, self.at_start, self.at_end
        after = self.window_after

        def work() -> _Window:
            flt = self._filter(q)
            if forward:
                more = list_queries().fetch_orders(
                    flt, q.sort, after=rows[-1].key, descending=q.descending, limit=WINDOW
                )
                held = rows + more
                drop = max(0, len(held) - MAX_ROWS)
                new_offset = None if offset is None else offset + drop
                end = len(more) < WINDOW
                new_after = 0 if end else (None if after is None else after - len(more))
                return _Window(held[drop:], new_offset, at_start and drop == 0, end, new_after)
            more = list_queries().fetch_orders(
                flt, q.sort, before=rows[0].key, descending=q.descending, limit=WINDOW
            )
            held = more + rows
            start = len(more) < WINDOW
            new_offset = 0 if start else (None if offset is None else offset - len(more))
            cut = max(0, len(held) - MAX_ROWS)  # rows dropped at the end
            new_after = None if after is None else after + cut
            return _Window(held[:MAX_ROWS], new_offset, start, at_end and cut == 0, new_after)

        self._request(work, keep_id=self.current_order_id())

    def _request(
        self,
        work: Any,
        *,
        keep_id: int | None = None,
        first: bool = False,
        last: bool = False,
    ) -> None:
        self._generation += 1
        generation = self._generation
        self._fetching = True

        def done(window: _Window) -> None:
            if generation != self._generation:
                return  # a newer request replaced this one
            self._fetching = False
            # the cursor may have moved while the rows were read: keep the order under it now
            keep = self.current_order_id() if not (first or last) else keep_id
            self._show(window, keep if keep is not None else keep_id, last=last)

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self._fetching = False
            self.app.notify(str(exc), severity="error", markup=False)

        run_db(self, work, done, failed=failed, group="order-window")

    # ------------------------------------------------------------------ showing

    def _cells(self, row: OrderRow, styles: dict[str, Style]) -> list[Text]:
        late = deadline_class(row, self.today)
        deadline = Text(format_date(row.deadline), style=styles[late] if late else "")
        total = Text(format_amount(row.total, row.currency), justify="right")
        paid = Text(percent_text(row.paid_pct), justify="right")
        if self.compact:
            return [
                plain(row.number),
                plain(row.client),
                deadline,
                Text(status_label(row.status)),
                total,
                paid,
            ]
        return [
            plain(row.number),
            plain(row.client),
            Text(format_date(row.created)),
            deadline,
            Text(status_label(row.status)),
            Text(status_label(row.financial_status)),
            total,
            Text(percent_text(row.delivered_pct), justify="right"),
            paid,
        ]

    def _show(
        self,
        window: _Window,
        keep_id: int | None,
        *,
        last: bool = False,
        first_rows: int | None = None,
    ) -> None:
        """Hold ``window``, the cursor on ``keep_id`` (else where it was on screen).
        ``first_rows``: add only that many rows now and the others after the next refresh
        (a first window, the cursor at its top)."""
        old_index = self.cursor_row if self.rows_held else 0
        screen_offset = old_index - int(self.scroll_y)
        styles = {
            "overdue": self.get_component_rich_style("order-table--overdue", partial=True),
            "due-soon": self.get_component_rich_style("order-table--due-soon", partial=True),
        }
        self.rows_held = window.rows
        self.window_offset = window.offset
        self.window_after = 0 if window.at_end else window.after
        self.at_start = window.at_start
        self.at_end = window.at_end
        self.loaded = True
        index = len(window.rows) - 1 if last else 0
        if keep_id is not None and not last:
            index = next((i for i, r in enumerate(window.rows) if r.id == keep_id), old_index)
        index = max(0, min(index, len(window.rows) - 1))
        now, later = window.rows, []
        if first_rows is not None and index < first_rows:
            now, later = window.rows[:first_rows], window.rows[first_rows:]
        self._rebuilding = True
        try:
            with self.app.batch_update():
                self.clear()
                for row in now:
                    self.add_row(*self._cells(row, styles), key=str(row.id))
                # the rest: when the screen says its first frame is drawn
                self._pending_rows = (window.rows, later, styles) if later else None
                if window.rows:
                    self.move_cursor(row=index, animate=False, scroll=False)
        finally:
            self._rebuilding = False
        if window.rows:
            # the cursor stays where it was on screen while the rows slide under it
            top = max(0, index - max(0, screen_offset))
            self.call_after_refresh(self.scroll_to, y=top, animate=False, immediate=True)
        self.post_message(self.WindowChanged())
        self._announce()

    def _add_later(
        self, held: list[OrderRow], rows: list[OrderRow], styles: dict[str, Style]
    ) -> None:
        """The rest of a window :meth:`_show` added in part (unless another one replaced it)."""
        if self.rows_held is not held:
            return
        self._rebuilding = True
        try:
            for row in rows:
                self.add_row(*self._cells(row, styles), key=str(row.id))
        finally:
            self._rebuilding = False

    def _announce(self) -> None:
        order_id = self.current_order_id()
        if order_id != self._highlighted:
            self._highlighted = order_id
            self.post_message(self.OrderHighlighted(order_id))

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        if self._rebuilding:
            return
        self._announce()
        self.post_message(self.WindowChanged())
        if self._fetching or not self.rows_held:
            return
        row = new.row
        # more than a page from the edge, so Page Down never reaches the end of the window
        edge = max(EDGE, self.size.height + 5)
        if row >= len(self.rows_held) - edge and not self.at_end:
            self._fetch_more(forward=True)
        elif row < edge and not self.at_start:
            self._fetch_more(forward=False)
