"""The monitor: the open orders by deadline, how late or how near each is, how much was
delivered and paid, and what delays it (:mod:`tui_orders.data.monitor`).

Windowed like the order list: the table holds at most :data:`HELD_PAGES` pages of
:data:`PAGE` rows, each page read by keyset (``fetch_monitor(after=...)``) in a worker; moving
the cursor near the end reads the next page and lets the first one go, near the top the
previous one (the start key of every page read so far is kept). A refresh reads the held
pages again, a couple of milliseconds each on the 1,000,000-order demo database.

Live: every ``app.poll_seconds`` a worker reads :func:`queries.change_marker` (the newest
audit entry, one primary-key lookup); only when it moved (another terminal, or this one, saved
a change) are the pages read again, the cursor staying on the same order. The date is
checked too: the days left and the causes change at midnight.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from ..data.monitor import MonitorRow, fetch_monitor
from ..data.risk import DelayCause, render_cause
from ..i18n import _, format_amount, format_count, format_date, format_qty, status_label
from .common import ChangeWatch, marker_moved, plain, run_db

#: rows per page (one keyset window of the data layer)
PAGE = 100
#: pages the table holds at most (it slides beyond that)
HELD_PAGES = 2
#: with "at risk only", windows read at most for one page (a page may then hold fewer rows);
#: a page stops at a quarter of PAGE rows at risk: a refresh of two pages stays under ~80 ms
MAX_WINDOWS = 5
#: a cursor this close to the end (or the start) of what is held reads the next (previous) page
EDGE = 20
#: terminals narrower than this drop client, status, financial status and the deadline date
NARROW = 100
#: terminals at least this wide show every column
WIDE = 140


def cause_text(cause: DelayCause) -> str:
    """The cause as a sentence in the screens' language: :func:`risk.render_cause` through
    the catalog, its numbers and dates written as the language writes them (``59,4`` and
    ``06.03.2027`` in Bulgarian)."""
    params = {}
    for key, value in cause.params.items():
        if key == "delivered" and isinstance(value, str | Decimal):
            with contextlib.suppress(ArithmeticError):
                value = format_qty(Decimal(value))  # a number's text: "59.4"
        elif key in ("expected", "date") and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = format_date(dt.date.fromisoformat(value))
        params[key] = value
    return render_cause(DelayCause(cause.kind, params, cause.text), _)


def bar(pct: Decimal, width: int = 6) -> str:
    """``████░░  67%``: a percentage as a small bar (capped at full) and its figure."""
    value = max(Decimal(0), Decimal(pct))
    filled = int(min(value, Decimal(100)) * width / 100 + Decimal("0.5"))
    if filled == width and value < 100:
        filled = width - 1  # full only when it is all there
    if filled == 0 and value > 0:
        filled = 1
    return "█" * filled + "░" * (width - filled) + f" {int(value):>3}%"


def days_text(days_left: int) -> str:
    """``3 d late`` / ``today`` / ``5 d left``."""
    if days_left < 0:
        return _("{days} d late").format(days=-days_left)
    if days_left == 0:
        return _("due today")
    return _("{days} d left").format(days=days_left)


@dataclass(frozen=True, slots=True)
class MonitorPage:
    """One page of the screen: the rows after ``start`` (None: from the first)."""

    start: tuple[Any, int] | None
    rows: list[MonitorRow]
    #: where the next page starts (None: this is the last)
    next: tuple[Any, int] | None
    #: the change marker read with the rows
    marker: int


def read_page(
    start: tuple[Any, int] | None, today: dt.date, at_risk_only: bool = False
) -> MonitorPage:
    """One page from ``start`` (database calls: run it in a worker). With ``at_risk_only``,
    up to :data:`MAX_WINDOWS` windows are read to find rows at risk."""
    rows: list[MonitorRow] = []
    after = start
    marker: int | None = None
    for _window in range(MAX_WINDOWS if at_risk_only else 1):
        page = fetch_monitor(today, limit=PAGE, after=after, at_risk_only=at_risk_only)
        marker = page.marker if marker is None else marker
        rows.extend(page.rows)
        after = page.next_key
        if after is None or len(rows) >= PAGE // 4:
            break
    return MonitorPage(start, rows, after, marker or 0)


#: a page let go: (its start key, its row count)
_Earlier = tuple[tuple[Any, int] | None, int]


@dataclass(frozen=True, slots=True)
class MonitorPrefetch:
    """The first page, read with the database opening when the monitor is the home screen."""

    today: dt.date
    page: MonitorPage


class MonitorTable(DataTable[Text]):
    """The monitor's rows; Enter posts DataTable's ``RowSelected`` (row key = order id)."""

    DEFAULT_CSS = """
    MonitorTable {
        height: 1fr;
    }
    MonitorTable > .monitor-table--late {
        color: $text-error;
        text-style: bold;
    }
    MonitorTable > .monitor-table--risk {
        color: $text-warning;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"monitor-table--late", "monitor-table--risk"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="monitor_open"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        # synchronous (a RowHighlighted message would arrive after a rebuild is over)
        screen = self.screen
        if isinstance(screen, MonitorScreen):
            screen.cursor_moved(new.row)


class MonitorScreen(Screen[None]):
    """The monitor of the open orders (also the home screen when so chosen in the settings)."""

    DEFAULT_CSS = """
    MonitorScreen #monitor-state {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    MonitorScreen #monitor-detail {
        height: auto;
        max-height: 5;
        padding: 0 1;
        background: $boost;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="monitor_back"),
        Binding("a", "toggle_risk", "At risk only", id="monitor_risk"),
        Binding("r", "reload", "Reload", id="monitor_reload"),
        Binding("home", "first", "First", show=False, id="monitor_first"),
        Binding("o", "open_order", "Open", show=False, id="monitor_open_order"),
        Binding("q", "quit", "Quit", id="monitor_quit"),
    ]

    def __init__(self, prefetch: MonitorPrefetch | None = None) -> None:
        super().__init__()
        self.sub_title = _("Monitor")
        self._prefetch = prefetch
        self.at_risk_only = False
        #: the pages held, in order
        self.pages: list[MonitorPage] = []
        #: the rows held (the pages' rows, concatenated)
        self.rows: list[MonitorRow] = []
        #: (start key, row count) of the pages before the first held one (for scrolling back)
        self._earlier: list[_Earlier] = []
        self.loaded = False
        #: another terminal's changes, and midnight (see :meth:`_changed`)
        self._watch = ChangeWatch(
            self, self.refresh_rows, group="monitor-poll", changed=self._changed
        )
        self._day: dt.date | None = None
        self._generation = 0
        self._fetching = False
        self._resumed = False
        self._layout: str | None = None
        self._highlighted: int | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        from ..widgets.footer import Footer

        yield Header()
        yield Static(id="monitor-state", markup=False)
        yield MonitorTable(id="monitor-table")
        yield Static(id="monitor-detail", markup=False)
        yield Footer()

    @property
    def table(self) -> MonitorTable:
        return self.query_one(MonitorTable)

    def app_today(self) -> dt.date:
        today = getattr(self.app, "today", None)
        return today() if callable(today) else dt.date.today()

    @staticmethod
    def prefetch(today: dt.date) -> MonitorPrefetch:
        """The first page (database calls: run it in a worker)."""
        return MonitorPrefetch(today, read_page(None, today))

    def on_mount(self) -> None:
        self._set_columns(self.app.size.width)
        self.table.focus()
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None and prefetch.today == self.app_today():
            self._day = prefetch.today
            self._generation += 1
            self._show([prefetch.page], [], keep_id=None)
        else:
            self.load()
        self._watch.start()

    def on_resize(self, event: events.Resize) -> None:
        if self._layout != self._layout_of(self.app.size.width) and self.is_mounted:
            self._set_columns(self.app.size.width)
            self._redraw()

    @staticmethod
    def _layout_of(width: int) -> str:
        return "narrow" if width < NARROW else "wide" if width >= WIDE else "medium"

    def _set_columns(self, width: int) -> None:
        """The columns that fit ``width``: under 100 (80x24) number, days, delivered, paid and
        the cause; the line under the table shows the rest of the order under the cursor."""
        layout = self._layout = self._layout_of(width)
        table = self.table
        table.clear(columns=True)
        from ..widgets.order_table import header

        table.add_column(header("Number"), key="number", width=10)
        if layout != "narrow":
            table.add_column(header("Client"), key="client", width=16 if layout == "medium" else 20)
        if layout == "wide":
            table.add_column(header("Deadline"), key="deadline", width=10)
        table.add_column(_("Days"), key="days", width=12)
        if layout != "narrow":
            table.add_column(header("Status"), key="status", width=11)
        if layout == "wide":
            table.add_column(header("Financial"), key="financial", width=14)
        width_bar = 6 if layout == "wide" else 4
        table.add_column(_("Delivered"), key="delivered", width=width_bar + 5)
        table.add_column(header("Paid"), key="paid", width=width_bar + 5)
        table.add_column(_("Delay cause"), key="cause")

    # ------------------------------------------------------------------ reading

    def current_row(self) -> MonitorRow | None:
        table = self.table
        if not self.rows or not table.is_valid_row_index(table.cursor_row):
            return None
        return self.rows[table.cursor_row]

    def current_order_id(self) -> int | None:
        row = self.current_row()
        return row.id if row is not None else None

    def load(self, *, keep_id: int | None = None) -> None:
        """The first page (of the current filter)."""
        today, risk = self.app_today(), self.at_risk_only

        def work() -> tuple[list[MonitorPage], list[_Earlier]]:
            return [read_page(None, today, risk)], []

        self._day = today
        self._request(work, keep_id=keep_id)

    def refresh_rows(self) -> None:
        """Read the pages held again (a change was saved, or the day changed), the cursor
        staying on its order. One window per page: a couple of milliseconds each."""
        if not self.pages:
            self.load()
            return
        today, risk = self.app_today(), self.at_risk_only
        starts = [p.start for p in self.pages]
        earlier = list(self._earlier)

        def work() -> tuple[list[MonitorPage], list[_Earlier]]:
            pages: list[MonitorPage] = []
            start = starts[0]
            for _page in starts:
                page = read_page(start, today, risk)
                pages.append(page)
                if page.next is None:
                    break
                start = page.next
            return pages, earlier

        self._day = today
        self._request(work, keep_id=self.current_order_id())

    def _more(self, forward: bool) -> None:
        """The next page after the held ones (or the previous one), dropping one at the other
        end beyond :data:`HELD_PAGES`."""
        today, risk = self.app_today(), self.at_risk_only
        pages, earlier = list(self.pages), list(self._earlier)
        if forward:
            start = pages[-1].next

            def work() -> tuple[list[MonitorPage], list[_Earlier]]:
                held = [*pages, read_page(start, today, risk)]
                drop = max(0, len(held) - HELD_PAGES)
                return held[drop:], earlier + [(p.start, len(p.rows)) for p in held[:drop]]
        else:
            start = earlier[-1][0]

            def work() -> tuple[list[MonitorPage], list[_Earlier]]:
                held = [read_page(start, today, risk), *pages]
                return held[:HELD_PAGES], earlier[:-1]

        self._request(work, keep_id=self.current_order_id())

    def _request(self, work: Any, *, keep_id: int | None) -> None:
        self._generation += 1
        generation = self._generation
        self._fetching = True

        def done(result: tuple[list[MonitorPage], list[_Earlier]]) -> None:
            if generation != self._generation or not self.is_attached:
                return
            self._fetching = False
            pages, earlier = result
            # the cursor may have moved while the rows were read: keep the order under it now
            current = self.current_order_id()
            self._show(pages, earlier, keep_id=current if current is not None else keep_id)

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self._fetching = False
            self.app.notify(str(exc), severity="error", markup=False)

        # not exclusive: a finishing worker is never cancelled (the generation drops stale rows)
        run_db(self, work, done, failed=failed, group="monitor-window", exclusive=False)

    # ------------------------------------------------------------------ showing

    def _show(
        self,
        pages: list[MonitorPage],
        earlier: list[_Earlier],
        *,
        keep_id: int | None,
    ) -> None:
        table = self.table
        old_index = table.cursor_row if self.rows else 0
        screen_offset = old_index - int(table.scroll_y)
        old_first = self.rows[0].id if self.rows else None
        self.pages = pages
        self._earlier = earlier
        self.rows = [row for page in pages for row in page.rows]
        if pages and self._watch.marker is None:
            self._watch.marker = pages[0].marker
        self.loaded = True
        index = 0
        if keep_id is not None:
            index = next((i for i, r in enumerate(self.rows) if r.id == keep_id), old_index)
        elif old_first is not None and self.rows and self.rows[0].id == old_first:
            index = old_index
        index = max(0, min(index, len(self.rows) - 1))
        self._redraw(index)
        if self.rows:
            top = max(0, index - max(0, screen_offset))
            self.call_after_refresh(table.scroll_to, y=top, animate=False, immediate=True)
        if not self.rows and pages and pages[-1].next is not None:
            self._more(forward=True)  # "at risk only" found none in these windows: go on
        self._update_state()
        self._announce(force=True)

    def _redraw(self, index: int | None = None) -> None:
        table = self.table
        if index is None:
            index = table.cursor_row if self.rows else 0
        styles = {
            "late": self.table.get_component_rich_style("monitor-table--late", partial=True),
            "risk": self.table.get_component_rich_style("monitor-table--risk", partial=True),
        }
        self._rebuilding = True
        try:
            with self.app.batch_update():
                table.clear()
                for row in self.rows:
                    table.add_row(*self._cells(row, styles), key=str(row.id))
                if self.rows:
                    table.move_cursor(row=index, animate=False, scroll=False)
        finally:
            self._rebuilding = False

    _rebuilding = False

    def _cells(self, row: MonitorRow, styles: dict[str, Style]) -> list[Text]:
        layout = self._layout
        style: Style | str = ""
        if row.at_risk:
            style = styles["late"] if row.days_left < 0 else styles["risk"]

        def word(text: str, justify: Any = None) -> Text:
            return Text(text, style=style, justify=justify, no_wrap=True, end="")

        width = 6 if layout == "wide" else 4
        cause = ""
        if row.causes:
            cause = cause_text(row.causes[0])
            if len(row.causes) > 1:
                cause += f" (+{len(row.causes) - 1})"
        number = plain(row.number)
        number.stylize(style)
        cells: list[Text] = [number]
        if layout != "narrow":
            client = plain(row.client)
            client.stylize(style)
            cells.append(client)
        if layout == "wide":
            cells.append(word(format_date(row.deadline)))
        cells.append(word(days_text(row.days_left), "right"))
        if layout != "narrow":
            cells.append(word(status_label(row.status)))
        if layout == "wide":
            cells.append(word(status_label(row.financial_status)))
        cells.append(word(bar(row.delivered_pct, width)))
        cells.append(word(bar(row.paid_pct, width)))
        cells.append(word(cause))
        return cells

    def _update_state(self) -> None:
        parts = []
        if self.at_risk_only:
            parts.append(_("at risk only"))
        if not self.rows:
            parts.append(_("no open orders") if self.loaded else _("loading…"))
        else:
            first = sum(count for _start, count in self._earlier) + 1
            parts.append(
                _("rows {first}–{last}{more}").format(
                    first=format_count(first),
                    last=format_count(first + len(self.rows) - 1),
                    more="+" if self.pages and self.pages[-1].next is not None else "",
                )
            )
        if self._day is not None:
            parts.append(_("as of {date}").format(date=format_date(self._day)))
        self.query_one("#monitor-state", Static).update("  ·  ".join(parts))

    def _detail(self, row: MonitorRow | None) -> Text:
        if row is None:
            return Text("")
        sep = "  ·  "
        line = Text.assemble((row.number, "bold"), sep)
        line.append_text(plain(row.client))
        line.append(sep + _("deadline {date}").format(date=format_date(row.deadline)))
        line.append(f" ({days_text(row.days_left)})")
        line.append(sep + status_label(row.status) + sep + status_label(row.financial_status))
        line.append(
            sep
            + _("paid {paid} of {total}").format(
                paid=format_amount(row.paid), total=format_amount(row.total, row.currency)
            )
        )
        if row.causes:
            causes = "; ".join(cause_text(c) for c in row.causes)
            line.append("\n⚠ " + causes, style="bold")
        return line

    def _announce(self, *, force: bool = False) -> None:
        row = self.current_row()
        order_id = row.id if row is not None else None
        if force or order_id != self._highlighted:
            self._highlighted = order_id
            self.query_one("#monitor-detail", Static).update(self._detail(row))

    def cursor_moved(self, row: int) -> None:
        """The operator moved the cursor (not a rebuild): the detail line, and the next or
        previous page when near an end of what is held."""
        if self._rebuilding:
            return
        self._announce()
        if self._fetching or not self.rows:
            return
        # more than a page from the edge, but at most a third of a page: after a slide the
        # cursor is never near the other edge (no slide back and forth)
        edge = min(max(EDGE, self.table.size.height + 5), max(1, PAGE // 3))
        if row >= len(self.rows) - edge and self.pages and self.pages[-1].next is not None:
            self._more(forward=True)
        elif row < edge and self._earlier:
            self._more(forward=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_order()

    # ------------------------------------------------------------------ actions

    def _is_home(self) -> bool:
        stack = self.app.screen_stack
        return len(stack) > 1 and stack[1] is self

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return not self._is_home()
        if action == "quit":
            return self._is_home()
        if action == "open_order":
            return self.current_order_id() is not None or None
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_quit(self) -> None:
        self.app.exit()

    def action_toggle_risk(self) -> None:
        self.at_risk_only = not self.at_risk_only
        self._earlier = []
        self.pages = []
        self.load(keep_id=self.current_order_id())
        self._update_state()

    def action_reload(self) -> None:
        self.refresh_rows()

    def action_first(self) -> None:
        if not self._earlier:
            if self.rows:
                self.table.move_cursor(row=0)
            return
        self._earlier = []
        self.load()

    def action_open_order(self) -> None:
        order_id = self.current_order_id()
        if order_id is None:
            return
        from .order import OrderScreen

        self.app.push_screen(OrderScreen(order_id))

    # ------------------------------------------------------------------ live refresh

    def on_screen_resume(self) -> None:
        # back from an order or a form: what was saved there shows here (the first resume is
        # the screen being shown: its rows are being read)
        if not self._resumed:
            self._resumed = True
            return
        if self._watch.take_stale():
            self.refresh_rows()
        else:
            self._watch.poll()

    def _changed(self, since: int | None) -> tuple[int, bool]:
        """(In a worker) another terminal saved something, or midnight passed (the days left
        and the causes moved): the list reads again once it has been read at all."""
        marker, moved = marker_moved(since)
        midnight = self._day is not None and self._day != self.app_today()
        return marker, (moved or midnight) and self.loaded


__all__ = ["MonitorPrefetch", "MonitorScreen", "bar", "days_text", "read_page"]
