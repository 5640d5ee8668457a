"""Offers (оферти): the list, and confirming an offer into an order.

Number, client, date, valid until, lines, total, status and the order it became, newest
first. An expired offer is shown dimmed with its status in the warning colour, so it stands
out from the open ones; a confirmed one names its order. Filter: every offer (the default) or
only the open ones; a search on the number or the client's name.

Keys: ``n`` new, ``e``/Enter edit (a confirmed offer opens read-only), ``c`` confirm (asks
first; on success offers to open the new order), ``o`` open the order it became, ``f``
toggles the filter, ``/`` search, ``r`` reload, Escape back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Label, Select

from ..data.errors import ConflictError, OrdersError
from ..data.models import AuditLog, OfferStatus, Order
from ..data.offers import DEFAULT_DEADLINE_DAYS, OfferRow, confirm_offer, list_offers
from ..data.queries import change_marker
from ..i18n import _, format_amount, format_date
from ..widgets.footer import Footer
from .common import ChangeWatch, plain, run_db

#: how many offers the list shows at most (the search narrows it down)
LIMIT = 500
ALL = "all"
OPEN = "open"

#: the style of each status word in the list
STATUS_STYLES = {
    OfferStatus.OPEN.value: "",
    OfferStatus.CONFIRMED.value: "green",
    OfferStatus.EXPIRED.value: "bold yellow",
}


def offer_status_label(status: str) -> str:
    """open / confirmed / expired in the current language."""
    words = {
        OfferStatus.OPEN.value: _("open"),
        OfferStatus.CONFIRMED.value: _("confirmed"),
        OfferStatus.EXPIRED.value: _("expired"),
    }
    return words.get(status, status)


def status_text(status: str) -> Text:
    return Text(offer_status_label(status), style=STATUS_STYLES.get(status, ""))


def row_cells(row: OfferRow) -> list[Text]:
    """The cells of one offer in the list: user text as Text, an expired offer dimmed."""
    dim = "dim" if row.status == OfferStatus.EXPIRED.value else ""

    def cell(value: object, justify: Any = None) -> Text:
        text = plain(value)
        text.stylize(dim)
        if justify:
            text.justify = justify
        return text

    return [
        cell(row.number),
        cell(row.client),
        cell(format_date(row.created)),
        cell(format_date(row.valid_until) if row.valid_until else _("no limit")),
        cell(row.lines, "right"),
        cell(format_amount(row.total, row.currency), "right"),
        status_text(row.status),
        plain(row.order_number),
    ]


def fill_table(
    table: DataTable[Any], columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Text]]]
) -> None:
    """Show ``rows`` ((key, cells)) in ``table``, its columns as wide as their widest cell.

    The widths are set here, not measured by the table when it is next idle: a frame drawn
    before that would cache the cells cut to the width of the column titles.
    """
    widths = [cell_len(title) for title in columns]
    for _key, cells in rows:
        for i, cell in enumerate(cells):
            widths[i] = max(widths[i], cell.cell_len)
    cursor = table.cursor_row
    with table.app.batch_update():
        table.clear(columns=True)
        for title, width in zip(columns, widths, strict=True):
            table.add_column(title, width=width)
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=max(0, min(cursor, len(rows) - 1)), animate=False)


def offers_changed(since: int | None) -> tuple[int, bool]:
    """(In a worker) the change marker, and whether an offer was saved since ``since`` (in any
    terminal): the newest audit entry moved, and one of the new entries is about an offer."""
    marker = change_marker()
    if since is None or marker == since:
        return marker, False
    return marker, bool(
        AuditLog.select(AuditLog.id)
        .where(
            AuditLog.id > since,
            AuditLog.id <= marker,
            AuditLog.entity.in_(("offer", "offer_line")),
        )
        .exists()
    )


class OffersScreen(Screen[None]):
    """Every offer: list, search, filter; new, edit, confirm, open the order."""

    DEFAULT_CSS = """
    OffersScreen #offers-bar {
        height: 1;
        margin: 1 0;
    }
    OffersScreen #offers-bar Label {
        padding: 0 1;
    }
    OffersScreen #offers-filter {
        width: 24;
    }
    OffersScreen #offers-search {
        width: 1fr;
    }
    OffersScreen #offers-table {
        height: 1fr;
    }
    OffersScreen #offers-count {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="offers_back"),
        Binding("n", "new_offer", "New offer", id="offers_new"),
        # Enter on a row edits it too (the table's own Enter, which the Footer does not show)
        Binding("e", "edit_offer", "Edit", id="offers_edit"),
        Binding("c", "confirm_offer", "Confirm into an order", id="offers_confirm"),
        Binding("o", "open_order", "Open the order", id="offers_open_order"),
        Binding("f", "toggle_filter", "Open only / all", id="offers_filter"),
        Binding("slash", "search", "Search", id="offers_search"),
        Binding("r", "reload", "Reload", id="offers_reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[OfferRow] = []
        self._generation = 0
        self._busy = False  # a confirmation is running
        #: another terminal's new, changed or confirmed offers (see :func:`offers_changed`)
        self._watch = ChangeWatch(self, self.reload, group="offers-poll", changed=offers_changed)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="offers-bar"):
            yield Label(_("Show"))
            yield Select(
                [(_("all offers"), ALL), (_("open offers only"), OPEN)],
                value=ALL,
                allow_blank=False,
                compact=True,
                id="offers-filter",
            )
            yield Label(_("Search:"))
            yield Input(placeholder=_("offer number or client"), id="offers-search", compact=True)
        table: DataTable[Any] = DataTable(id="offers-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.columns())
        yield table
        yield Label("", id="offers-count")
        yield Footer()

    @staticmethod
    def columns() -> list[str]:
        return [
            _("Number"),
            _("Client"),
            _("Date"),
            _("Valid until"),
            _("Lines"),
            _("Total"),
            _("Status"),
            _("Order"),
        ]

    def on_mount(self) -> None:
        self.sub_title = _("Offers")
        self.table.focus()
        self.reload()
        # another terminal's new, changed or confirmed offer shows here too
        self._watch.start()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#offers-table", DataTable)

    def today(self) -> dt.date:
        today = getattr(self.app, "today", None)
        return today() if callable(today) else dt.date.today()

    # ------------------------------------------------------------------ loading

    @property
    def open_only(self) -> bool:
        return self.query_one("#offers-filter", Select).value == OPEN

    def reload(self, select_id: int | None = None) -> None:
        """Read the offers for the current filter and search, then show them."""
        self._generation += 1
        generation = self._generation
        text = self.query_one("#offers-search", Input).value
        open_only, today = self.open_only, self.today()

        def fetch() -> tuple[int, list[OfferRow]]:
            marker = change_marker()  # first: a change made meanwhile is seen by the next poll
            rows = list_offers(
                text,
                include_expired=not open_only,
                include_confirmed=not open_only,
                today=today,
                limit=LIMIT,
            )
            return marker, rows

        def done(result: tuple[int, list[OfferRow]]) -> None:
            if generation == self._generation:  # an older search finishing late is dropped
                self._watch.marker, rows = result
                self._watch.stale = False
                self._show(rows, select_id)

        run_db(self, fetch, done, group="offers-list")

    def _show(self, rows: list[OfferRow], select_id: int | None) -> None:
        table = self.table
        current = self.current_row()
        wanted = select_id if select_id is not None else (current.id if current else None)
        self.rows = rows
        fill_table(table, self.columns(), [(str(row.id), row_cells(row)) for row in rows])
        ids = [r.id for r in rows]
        if wanted in ids:
            table.move_cursor(row=ids.index(wanted), animate=False)
        count = (
            _("the first {count} shown: narrow the search").format(count=len(rows))
            if len(rows) >= LIMIT
            else _("{count} found").format(count=len(rows))
        )
        self.query_one("#offers-count", Label).update(count)
        self.refresh_bindings()

    def current_row(self) -> OfferRow | None:
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_screen_resume(self) -> None:
        if self._watch.take_stale():
            self.reload()

    @on(Select.Changed, "#offers-filter")
    def _filter_changed(self) -> None:
        if self.is_mounted:
            self.reload()

    @on(Input.Changed, "#offers-search")
    def _search_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#offers-search")
    def _search_done(self) -> None:
        self.table.focus()

    @on(DataTable.RowSelected, "#offers-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_offer()

    @on(DataTable.RowHighlighted, "#offers-table")
    def _row_changed(self) -> None:
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action in ("edit_offer", "confirm_offer"):
            if action == "confirm_offer" and self._busy:
                return None
            return True if self.current_row() is not None else None
        if action == "open_order":
            row = self.current_row()
            return True if row is not None and row.order_id is not None else None
        return True

    def action_back(self) -> None:
        search = self.query_one("#offers-search", Input)
        if search.has_focus and search.value:
            search.value = ""  # the first Escape clears the search, the next one leaves
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_search(self) -> None:
        self.query_one("#offers-search", Input).focus()

    def action_reload(self) -> None:
        self.reload()

    def action_toggle_filter(self) -> None:
        select = self.query_one("#offers-filter", Select)
        select.value = ALL if select.value == OPEN else OPEN

    def action_new_offer(self) -> None:
        from .offer_form import OfferForm

        self.app.push_screen(OfferForm(), self._after_form)

    def action_edit_offer(self) -> None:
        row = self.current_row()
        if row is None:
            return
        from .offer_form import OfferForm

        self.app.push_screen(OfferForm(row.id), self._after_form)

    def _after_form(self, offer_id: int | None) -> None:
        if offer_id is not None:
            self.notify(_("Offer saved"), markup=False, timeout=3)
        self.reload(select_id=offer_id)

    def action_open_order(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if row.order_id is None:
            self.notify(
                _("Offer {number} was not confirmed: it has no order yet").format(
                    number=row.number
                ),
                markup=False,
            )
            return
        self._open_order(row.order_id)

    def _open_order(self, order_id: int) -> None:
        from .order import OrderScreen

        self.app.push_screen(OrderScreen(order_id), lambda _result: self.reload())

    # ------------------------------------------------------------------ confirming

    def action_confirm_offer(self) -> None:
        row = self.current_row()
        if row is None or self._busy:
            return
        if row.status != OfferStatus.OPEN.value:
            # expired or already confirmed: the service says why it cannot be (with the
            # version read, so an offer changed meanwhile is a conflict, never confirmed unasked)
            self._confirm(row)
            return
        from .order import ConfirmModal

        question = Text()
        question.append(_("Confirm this offer? An order is created from it."), style="bold")
        question.append("\n\n")
        question.append_text(plain(row.number))
        question.append(" · ")
        question.append_text(plain(row.client))
        question.append("\n")
        question.append(
            _("lines: {lines}, total {total}").format(
                lines=row.lines, total=format_amount(row.total, row.currency)
            )
        )
        question.append("\n")
        question.append(
            _("The order's deadline is {days} days from today: change it on the order.").format(
                days=DEFAULT_DEADLINE_DAYS
            ),
            style="dim",
        )

        def chosen(yes: bool | None) -> None:
            if yes:
                self._confirm(row)

        self.app.push_screen(ConfirmModal(question), chosen)

    def _confirm(self, row: OfferRow) -> None:
        self._busy = True
        self.refresh_bindings()
        offer_id, version, today = row.id, row.version, self.today()

        def work() -> tuple[int, str]:
            order: Order = confirm_offer(offer_id, version, today=today)
            return int(order.id), str(order.number)

        run_db(
            self,
            work,
            lambda result: self._confirmed(row, *result),
            failed=self._confirm_failed,
            group="offers-confirm",
        )

    def _confirmed(self, row: OfferRow, order_id: int, order_number: str) -> None:
        self._busy = False
        self.reload(select_id=row.id)
        from .order import ConfirmModal

        question = Text()
        question.append(
            _("Offer {offer} became order {order}.").format(offer=row.number, order=order_number),
            style="bold",
        )
        question.append("\n\n")
        question.append(_("Open the order now?"))

        def chosen(yes: bool | None) -> None:
            if yes:
                self._open_order(order_id)

        self.app.push_screen(ConfirmModal(question), chosen)

    def _confirm_failed(self, exc: OrdersError) -> None:
        self._busy = False
        title = (
            _("Changed in another terminal")
            if isinstance(exc, ConflictError)
            else _("Not confirmed")
        )
        self.notify(str(exc), title=title, severity="error", markup=False, timeout=10)
        self.reload()


__all__ = ["OffersScreen", "fill_table", "offer_status_label", "row_cells", "status_text"]
