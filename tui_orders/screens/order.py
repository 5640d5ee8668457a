"""The order screen: header, an always-visible summary (statuses, money, coverage), and tabs
for items, payment terms, documents, payments, related objects and the history.

Everything shown comes from :func:`tui_orders.data.views.order_view` (read in a worker) and is
read again after every change. Every save passes the version shown on screen, so a change
made meanwhile in another terminal is never overwritten: the save fails with a conflict, the
screen says who changed the order and when, and reloads.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.validation import Function
from textual.widgets import (
    Button,
    DataTable,
    Header,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.data_table import RowDoesNotExist

from ..data import orders, scanning
from ..data.compute import CoverageLine
from ..data.errors import ConflictError, OrdersError
from ..data.scanning import ScanResult
from ..data.views import (
    HistoryEntry,
    LastChange,
    OrderView,
    last_change,
    order_history,
    order_version,
)
from ..data.views import order_view as read_order_view
from ..i18n import _, format_amount, format_date, format_qty, status_label
from ..widgets.footer import Footer
from ..widgets.scan_bar import ScanBar
from .common import plain, run_db

if TYPE_CHECKING:
    from .forms.unknown_code import UnknownCodeAnswer

#: tab ids, in the order of the keys 1..7
TABS = ("items", "terms", "documents", "payments", "related", "history", "files")
#: tabs whose rows the operator adds, edits and removes here
EDITABLE_TABS = ("items", "terms", "documents", "payments")
#: the actions of the Related tab (deliveries, production and purchase orders)
RELATED_ACTIONS = ("new_related", "deliver", "new_link", "edit_related", "cancel_delivery")
#: the actions of the Files tab (attachments)
FILE_ACTIONS = ("attach_file", "save_file", "remove_file")


@dataclass
class _PendingScan:
    """A scanned code waiting to be saved."""

    code: str
    qty: Decimal
    attempts: int = 0  # conflicts met so far


def _num(text: str) -> Text:
    return Text(text, justify="right")


def _file_size(size: int) -> str:
    """``812 B``, ``14.2 KB``, ``3.1 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _money(value: Decimal) -> Text:
    return _num(format_amount(value))


def _price(value: Decimal) -> Text:
    """A unit price: two decimals, more only when the price has them."""
    if value == value.quantize(Decimal("0.01")):
        return _money(value)
    return _num(format_qty(value))


class ConfirmModal(ModalScreen[bool]):
    """Yes or no, Escape is no."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 60; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmModal Horizontal { height: auto; margin-top: 1; }
    ConfirmModal Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "no", "Cancel", id="confirm_no"),
        Binding("y", "yes", "Yes", id="confirm_yes"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="question")
            with Horizontal():
                yield Button(_("Yes"), id="yes", variant="error")
                yield Button(_("No"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class CancelOrderModal(ModalScreen[str | None]):
    """Asks for the reason of a cancellation (required); returns it, or None on Escape."""

    DEFAULT_CSS = """
    CancelOrderModal { align: center middle; }
    CancelOrderModal > Vertical {
        width: 70; height: auto; border: thick $error; background: $surface; padding: 1 2;
    }
    CancelOrderModal #reason-error { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="cancel_modal_back"),
        Binding("ctrl+s", "save", "Cancel the order", id="cancel_modal_save"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                Text(_("Cancel order {number}").format(number=self.number), style="bold"),
                markup=False,
            )
            yield Label(_("Reason (required)"))
            yield Input(
                id="reason",
                validators=[
                    Function(lambda value: bool(value.strip()), _("A reason is required")),
                ],
                validate_on=["changed", "submitted"],
            )
            yield Label("", id="reason-error", markup=False)
            yield Label(_("Enter or Ctrl+S: cancel the order · Escape: back"))

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#reason")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#reason-error", Label).update("")

    @on(Input.Submitted, "#reason")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        field = self.query_one("#reason", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.query_one("#reason-error", Label).update(
                "; ".join(result.failure_descriptions) or _("A reason is required")
            )
            field.focus()
            return
        self.dismiss(field.value.strip())


class OrderScreen(Screen[None]):
    """One order: header, summary, tabs. ``order_id`` is the order's database id."""

    DEFAULT_CSS = """
    OrderScreen #order-header { height: auto; padding: 0 1; }
    OrderScreen #order-summary { height: auto; padding: 0 1; background: $boost; }
    OrderScreen #order-coverage { height: auto; padding: 0 1; color: $warning; }
    OrderScreen #order-coverage.-empty { display: none; }
    OrderScreen #order-risk { height: auto; padding: 0 1; color: $text-error; text-style: bold; }
    OrderScreen #order-risk.-empty { display: none; }
    OrderScreen TabbedContent { height: 1fr; }
    OrderScreen TabPane { padding: 0; }
    OrderScreen DataTable { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="order_back"),
        Binding("e", "edit_order", "Edit order", id="order_edit"),
        # the Related tab's keys come first: elsewhere they are off (False), so the same keys
        # fall through to the line keys below
        Binding("n", "new_related", "Add", id="order_new_related"),
        Binding("enter", "edit_related", "Edit", id="order_edit_related"),
        Binding("delete", "cancel_delivery", "Cancel delivery", id="order_cancel_delivery"),
        Binding("d", "deliver", "New delivery", show=False, id="order_deliver"),
        Binding(
            "l", "new_link", "New production or purchase order", show=False, id="order_new_link"
        ),
        # the Files tab's keys, likewise off elsewhere
        Binding("n", "attach_file", "Attach a file", id="order_attach_file"),
        Binding("w", "save_file", "Save a copy", id="order_save_file"),
        Binding("delete", "remove_file", "Remove file", id="order_remove_file"),
        Binding("n", "new_line", "New line", id="order_new_line"),
        Binding("enter", "edit_line", "Edit line", id="order_edit_line"),
        Binding("delete", "remove_line", "Remove line", id="order_remove_line"),
        Binding("s", "start", "Start", id="order_start"),
        Binding("x", "cancel_order", "Cancel order", id="order_cancel"),
        Binding("o", "reopen", "Reopen", id="order_reopen"),
        Binding("r", "reload", "Reload", id="order_reload"),
        Binding("b", "scan", "Scan", id="order_scan"),
        Binding("left_square_bracket", "prev_tab", "Previous tab", show=False, id="order_prev"),
        Binding("right_square_bracket", "next_tab", "Next tab", show=False, id="order_next"),
        Binding("1", "show_tab('items')", "Items", show=False, id="order_tab_items"),
        Binding("2", "show_tab('terms')", "Payment terms", show=False, id="order_tab_terms"),
        Binding("3", "show_tab('documents')", "Documents", show=False, id="order_tab_documents"),
        Binding("4", "show_tab('payments')", "Payments", show=False, id="order_tab_payments"),
        Binding("5", "show_tab('related')", "Related", show=False, id="order_tab_related"),
        Binding("6", "show_tab('history')", "History", show=False, id="order_tab_history"),
        Binding("7", "show_tab('files')", "Files", show=False, id="order_tab_files"),
    ]

    def __init__(self, order_id: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.view: OrderView | None = None
        self.history: list[HistoryEntry] = []
        self._busy = False  # a save is running
        self._load_generation = 0  # reads of the order started (see :meth:`load`)
        self._loading = False  # a load is running
        self._tables: dict[str, DataTable[Any]] = {}  # the tables made so far, by tab
        self._scan_init()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(_("Loading…")), id="order-header")
        yield Static("", id="order-summary")
        yield Static("", id="order-coverage", classes="-empty")
        yield Static("", id="order-risk", classes="-empty")
        with TabbedContent(id="order-tabs", initial="items"):
            for tab, title in zip(TABS, self._tab_titles(), strict=True):
                with TabPane(title, id=tab):
                    if tab == "items":  # the others get their table when first shown
                        yield self._new_table(tab)
        yield Footer()

    def on_mount(self) -> None:
        self._table("items").focus()
        self.load()
        # another terminal's change shows here too, not only in the lists
        self.set_interval(float(getattr(self.app, "poll_seconds", 2.0)), self._poll)

    @staticmethod
    def _tab_titles() -> tuple[str, ...]:
        return (
            _("1 Items"),
            _("2 Payment terms"),
            _("3 Documents"),
            _("4 Payments"),
            _("5 Related"),
            _("6 History"),
            _("7 Files"),
        )

    @staticmethod
    def _columns(tab: str) -> list[str]:
        if tab == "items":
            return [
                _("#"),
                _("Code"),
                _("Article"),
                _("Unit"),
                _("Qty"),
                _("Price"),
                _("Amount"),
                _("Delivered"),
                _("Specifics"),
            ]
        if tab == "terms":
            return [_("#"), _("Name"), _("Due"), _("Amount"), _("Paid"), _("Status")]
        if tab == "documents":
            return [
                _("Type"),
                _("Number"),
                _("Amount"),
                _("Issued"),
                _("Due"),
                _("Term"),
                _("Duplicate of"),
                _("Paid"),
                _("Status"),
            ]
        if tab == "payments":
            return [_("Date"), _("Amount"), _("Allocated to"), _("Unallocated"), _("Note")]
        if tab == "related":
            return [_("Kind"), _("Number"), _("Date"), _("Status"), _("Details")]
        if tab == "files":
            return [_("File"), _("Size"), _("Added"), _("User"), _("Note")]
        return [_("When"), _("User"), _("Action"), _("Record"), _("Change")]

    def _new_table(self, tab: str) -> DataTable[Any]:
        """The (empty) table of ``tab``, filled from the order already read, if any."""
        table: DataTable[Any] = DataTable(id=f"{tab}-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*self._columns(tab))
        self._tables[tab] = table
        if self.view is not None:
            self._fill(tab, self._rows(tab, self.view, self.history))
        return table

    async def _ensure_table(self, tab: str) -> DataTable[Any]:
        """The table of ``tab``; made and mounted on the tab's first showing (opening an
        order draws one table, not six)."""
        table = self._tables.get(tab)
        if table is None:
            table = self._new_table(tab)
            await self.query_one(f"TabPane#{tab}", TabPane).mount(table)
        return table

    def _table(self, tab: str) -> DataTable[Any]:
        return self._tables[tab]

    @property
    def current_tab(self) -> str:
        return self.query_one(TabbedContent).active or "items"

    # ------------------------------------------------------------------ loading

    def load(self) -> None:
        """Read the order and its history in a worker, then show them."""
        order_id = self.order_id
        today = getattr(self.app, "today", None)  # the app's date (fixed in tests)
        day = today() if callable(today) else None

        def work() -> tuple[OrderView, list[HistoryEntry]]:
            return read_order_view(order_id, day), order_history(order_id)

        self._loading = True
        # only the newest read is shown: an older one finishing late (a reload, then a read
        # after a scan) would show a version the poll then takes for another terminal's change
        self._load_generation += 1
        generation = self._load_generation

        def done(result: tuple[OrderView, list[HistoryEntry]]) -> None:
            if generation == self._load_generation:
                self._loaded(result)

        def failed(exc: OrdersError) -> None:
            if generation == self._load_generation:
                self._loading = False
            self.notify(str(exc), severity="error", markup=False)

        run_db(self, work, done, failed=failed, group="order-load")

    def _poll(self) -> None:
        if self._busy or self._loading or self.view is None or not self.is_current:
            return
        order_id = self.order_id
        run_db(self, lambda: order_version(order_id), self._polled, group="order-poll")

    def _polled(self, version: int | None) -> None:
        if self._busy or self._loading or self.view is None:
            return
        # a lower version was read before a save of this screen that is shown already
        if version is not None and version > self.view.version:
            self.notify(
                _("Order {number} was changed in another terminal; shown as it is now").format(
                    number=self.view.number
                ),
                title=_("Changed in another terminal"),
                markup=False,
            )
            self.load()

    def _loaded(self, result: tuple[OrderView, list[HistoryEntry]]) -> None:
        self._loading = False
        view, history = result
        self.view = view
        self.history = history
        self.sub_title = _("Order {number}").format(number=view.number)
        self.query_one("#order-header", Static).update(self._header_text(view))
        self.query_one("#order-summary", Static).update(self._summary_text(view))
        warnings = self._coverage_text(view.coverage_warnings, view.currency)
        coverage = self.query_one("#order-coverage", Static)
        coverage.update(warnings)
        coverage.set_class(not warnings.plain, "-empty")
        risk = self.query_one("#order-risk", Static)
        risk.update(self._risk_text(view))
        risk.set_class(not view.at_risk, "-empty")
        self._fill_tables(view, history)
        self.refresh_bindings()
        self._scan_reloaded()

    def _header_text(self, v: OrderView) -> Text:
        def field(label: str, value: Text) -> Text:
            return Text.assemble((label + ": ", "bold"), value)

        address = plain(v.address_label)
        if v.address_text:
            address.append(" — ")
            address.append(v.address_text)
        document = Text(status_label(v.document_kind))
        if v.document_ref:
            document.append(" ")
            document.append(v.document_ref)
        if v.offer is not None:
            document.append(" · " + _("from offer") + " ")
            document.append(v.offer.number)
        tax = plain(v.tax_name) if v.tax_name else Text(_("none"))
        sep = Text("   ")
        lines = [
            Text.assemble(
                (_("Order") + " ", "bold"),
                (v.number, "bold"),
                sep,
                field(_("Client"), plain(v.client_name)),
                sep,
                field(_("Address"), address),
            ),
            Text.assemble(
                field(_("Document"), document),
                sep,
                field(_("Created"), Text(format_date(v.created))),
                sep,
                field(_("Deadline"), Text(format_date(v.deadline))),
                sep,
                field(_("Tax"), tax),
            ),
        ]
        if v.note:
            lines.append(field(_("Note"), plain(v.note)))
        if v.cancelled:
            lines.append(field(_("Cancelled"), plain(v.cancel_reason)))
        return Text("\n").join(lines)

    def _summary_text(self, v: OrderView) -> Text:
        cur = v.currency
        parts: list[Text] = [
            Text.assemble((_("Status") + ": ", "bold"), status_label(v.status)),
            Text.assemble((_("Financial status") + ": ", "bold"), status_label(v.financial_status)),
            Text(_("Subtotal") + " " + format_amount(v.subtotal)),
            Text(_("Tax") + " " + format_amount(v.tax_amount)),
            Text.assemble((_("Total") + " " + format_amount(v.total, cur), "bold")),
            Text(_("Paid") + " " + format_amount(v.paid, cur)),
            Text(_("Unallocated") + " " + format_amount(v.unallocated)),
        ]
        if v.overpaid > 0:
            parts.append(Text(_("Overpaid") + " " + format_amount(v.overpaid, cur), "bold red"))
        parts.append(Text(_("Delivered") + " " + format_qty(v.delivered_pct) + "%"))
        return Text(" · ").join(parts)

    def _risk_text(self, v: OrderView) -> Text:
        """``⚠ At risk: 7 days past the deadline, 59.4% delivered · ...`` (translated)."""
        if not v.at_risk:
            return Text("")
        from .monitor import cause_text  # translated, numbers and dates as the language has them

        causes = " · ".join(cause_text(c) for c in v.delay_causes)
        return Text("⚠ " + _("At risk:") + " " + causes)

    def _coverage_text(self, lines: tuple[CoverageLine, ...], currency: str) -> Text:
        """``⚠ Not matching the total: Documents 516.00 (short by 516.00) · ...``."""
        if not lines:
            return Text("")
        what = {"terms": _("Payment terms"), "documents": _("Documents"), "payments": _("Payments")}
        parts = []
        for line in lines:
            diff = line.difference
            gap = (_("short by {amount}") if diff < 0 else _("more by {amount}")).format(
                amount=format_amount(abs(diff))
            )
            parts.append(
                _("{what} {amount} ({gap})").format(
                    what=what.get(line.what, line.what), amount=format_amount(line.amount), gap=gap
                )
            )
        return Text("⚠ " + _("Not matching the total:") + " " + " · ".join(parts))

    def _fill(self, tab: str, rows: list[tuple[str, list[Text]]]) -> None:
        table = self._tables[tab]
        row = table.cursor_row
        with self.app.batch_update():
            table.clear()
            for key, cells in rows:
                table.add_row(*cells, key=key)
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1), animate=False)

    def _fill_tables(self, v: OrderView, history: list[HistoryEntry]) -> None:
        """Fill the tables made so far; the others are filled when first shown."""
        for tab in list(self._tables):
            self._fill(tab, self._rows(tab, v, history))

    def _rows(
        self, tab: str, v: OrderView, history: list[HistoryEntry]
    ) -> list[tuple[str, list[Text]]]:
        """The rows of ``tab``: (row key, cells)."""
        if tab == "items":
            return [
                (
                    str(i.id),
                    [
                        _num(str(i.position)),
                        plain(i.article_code),
                        plain(i.article_name),
                        plain(i.unit),
                        _num(format_qty(i.qty)),
                        _price(i.price),
                        _money(i.amount),
                        _num(format_qty(i.delivered)),
                        plain(i.specs),
                    ],
                )
                for i in v.items
            ]
        if tab == "terms":
            return [
                (
                    str(t.id),
                    [
                        _num(str(t.position)),
                        plain(t.name),
                        Text(format_date(t.due)),
                        _money(t.amount),
                        _money(t.paid),
                        Text(status_label(t.status)),
                    ],
                )
                for t in v.terms
            ]
        if tab == "documents":
            return [
                (
                    str(d.id),
                    [
                        Text(status_label(d.doc_type)),
                        plain(d.number),
                        _money(d.amount),
                        Text(format_date(d.issued)),
                        Text(format_date(d.due)),
                        plain(d.term_name),
                        plain(d.duplicate_of_number),
                        _money(d.paid),
                        Text(status_label(d.status)),
                    ],
                )
                for d in v.documents
            ]
        if tab == "payments":
            return [
                (
                    str(p.id),
                    [
                        Text(format_date(p.date)),
                        _money(p.amount),
                        plain(
                            ", ".join(
                                f"{a.document_number} {format_amount(a.amount)}"
                                for a in p.allocations
                            )
                            or _("(none)")
                        ),
                        _money(p.unallocated),
                        plain(p.note),
                    ],
                )
                for p in v.payments
            ]
        if tab == "files":
            return [
                (
                    str(f.id),
                    [
                        plain(f.name),
                        _num(_file_size(f.size)),
                        Text(f"{format_date(f.added.date())} {f.added:%H:%M}"),
                        plain(f.user),
                        plain(f.note),
                    ],
                )
                for f in v.attachments
            ]
        if tab == "history":
            return [
                (
                    str(h.id),
                    [
                        Text(f"{format_date(h.at.date())} {h.at:%H:%M}"),
                        plain(h.user),
                        Text(_(h.action)),
                        Text(_(h.entity)),
                        plain(h.text),
                    ],
                )
                for h in history
            ]
        related: list[tuple[str, list[Text]]] = []
        for d in v.deliveries:
            details = ", ".join(f"{ln.article_code} {format_qty(ln.qty)}" for ln in d.lines)
            related.append(
                (
                    f"delivery:{d.id}",
                    [
                        Text(status_label(d.kind)),
                        plain(d.number),
                        Text(format_date(d.date)),
                        Text(status_label("cancelled") if d.cancelled else status_label("done")),
                        plain(details),
                    ],
                )
            )
        for link in v.links:
            dates = []
            if link.expected:
                dates.append(_("expected {date}").format(date=format_date(link.expected)))
            related.append(
                (
                    f"link:{link.id}",
                    [
                        Text(status_label(link.kind)),
                        plain(link.number),
                        Text(format_date(link.deadline)),
                        Text(status_label(link.status)),
                        plain("; ".join([*dates, link.note] if link.note else dates)),
                    ],
                )
            )
        for offer in v.offers:
            related.append(
                (
                    f"offer:{offer.id}",
                    [
                        Text(status_label("offer")),
                        plain(offer.number),
                        Text(format_date(offer.created)),
                        Text(""),
                        Text(
                            _("valid until {date}").format(date=format_date(offer.valid_until))
                            if offer.valid_until
                            else ""
                        ),
                    ],
                )
            )
        return related

    # ------------------------------------------------------------------ availability

    def _selected_id(self) -> int | None:
        """The id of the row under the cursor in the current (editable) tab."""
        tab = self.current_tab
        table = self._tables.get(tab)
        if tab not in EDITABLE_TABS or table is None:
            return None
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._scanning and action in self._SCAN_MODE_OFF:
            return False  # typed into the scan field
        if action == "scan":
            return True if self.view is not None else None
        if action in RELATED_ACTIONS:
            return self._related_check(action)
        if action in FILE_ACTIONS:
            return self._files_check(action)
        v = self.view
        if action in ("start", "cancel_order", "reopen", "edit_order", "new_line") and (
            v is None or self._busy
        ):
            return None
        if action == "start":
            return True if (not v.cancelled and not v.started and v.status == "new") else None  # type: ignore[union-attr]
        if action == "cancel_order":
            return None if v.cancelled else True  # type: ignore[union-attr]
        if action == "reopen":
            return True if v.cancelled else None  # type: ignore[union-attr]
        if action == "new_line":
            return True if self.current_tab in EDITABLE_TABS else None
        if action in ("edit_line", "remove_line"):
            if v is None or self._busy:
                return None
            return True if self._selected_id() is not None else None
        return True

    @on(TabbedContent.TabActivated)
    async def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id in TABS:  # e.g. a click on the tab: its table is made now
            await self._ensure_table(event.pane.id)
        if event.pane.id != "items":
            self._leave_scan_mode()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted)
    def _row_changed(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.current_tab in EDITABLE_TABS:
            self.action_edit_line()
        elif self.current_tab == "related" and self.check_action("edit_related", ()):
            self.action_edit_related()
        elif self.current_tab == "files" and self.check_action("save_file", ()):
            self.action_save_file()

    # ------------------------------------------------------------------ navigation

    def action_back(self) -> None:
        if not self.after_pending_scans(lambda: self.dismiss(None)):
            self.dismiss(None)

    def after_pending_scans(self, then: Callable[[], object]) -> bool:
        """Leaving the order (Back, or F2-F5 to another screen): ``then()`` once the scans
        already typed are saved (True), or False when none is waiting (``then`` not called)."""
        if not (self._scan_queue or self._scan_running):
            return False
        self._scan_then = then
        return True

    def action_reload(self) -> None:
        self.load()

    async def action_show_tab(self, tab: str) -> None:
        if tab not in TABS:
            return
        self.query_one(TabbedContent).active = tab
        (await self._ensure_table(tab)).focus()
        self.refresh_bindings()

    async def _step_tab(self, step: int) -> None:
        index = TABS.index(self.current_tab) if self.current_tab in TABS else 0
        await self.action_show_tab(TABS[(index + step) % len(TABS)])

    async def action_next_tab(self) -> None:
        await self._step_tab(1)

    async def action_prev_tab(self) -> None:
        await self._step_tab(-1)

    # ------------------------------------------------------------------ saving

    def save(self, work: Callable[[], object], done_message: str) -> None:
        """Run a change in a worker; reload after it, or explain a conflict and reload."""
        self._busy = True
        self.refresh_bindings()

        def done(_result: object) -> None:
            self._busy = False
            self.notify(done_message, markup=False, timeout=3)
            self.load()

        def guarded() -> object:
            try:
                return work()
            except OrdersError:
                raise  # _save_failed explains it
            except Exception:
                self.app.call_from_thread(self._unbusy)  # run_db notifies the error
                raise

        run_db(self, guarded, done, failed=self._save_failed, group="order-save")

    def _unbusy(self) -> None:
        self._busy = False
        self.refresh_bindings()

    def _save_failed(self, exc: OrdersError) -> None:
        self._busy = False
        if isinstance(exc, ConflictError):
            run_db(self, lambda: last_change(self.order_id), self._explain_conflict)
            return
        self.notify(str(exc), title=_("Not saved"), severity="error", markup=False, timeout=8)
        self.refresh_bindings()

    def _explain_conflict(self, last: LastChange) -> None:
        when = f"{format_date(last.at.date())} {last.at:%H:%M}" if last.at else "?"
        self.notify(
            _(
                "Order {number} was changed by {user} at {time} in another terminal. "
                "Nothing was saved. The screen now shows their change (r reloads); "
                "make your change again if it is still needed."
            ).format(number=last.number, user=last.user or "?", time=when),
            title=_("Changed in another terminal"),
            severity="error",
            markup=False,
            timeout=12,
        )
        self.load()

    def _version(self) -> int | None:
        return self.view.version if self.view is not None else None

    def action_start(self) -> None:
        version, order_id = self._version(), self.order_id
        self.save(lambda: orders.start_order(order_id, version), _("Order started"))

    def action_cancel_order(self) -> None:
        if self.view is None:
            return
        version, order_id = self._version(), self.order_id

        def chosen(reason: str | None) -> None:
            if reason:
                self.save(
                    lambda: orders.cancel_order(order_id, reason, version), _("Order cancelled")
                )

        self.app.push_screen(CancelOrderModal(self.view.number), chosen)

    def action_reopen(self) -> None:
        version, order_id = self._version(), self.order_id
        self.save(lambda: orders.reopen_order(order_id, version), _("Order reopened"))

    # ------------------------------------------------------------------ scan mode

    # ``b`` opens the scan bar under the Items table. Every code (typed by a keyboard-wedge
    # scanner or read by the camera) joins a queue; one scan is saved at a time, each with the
    # version the previous one left, so a burst of scans all count and none is lost. The list is
    # read again once the queue is empty, and the row of the last scan is highlighted.

    #: the screen's keys that are letters, Enter or Delete: typed into the scan field instead
    _SCAN_MODE_OFF = frozenset(
        {
            "edit_order",
            "new_line",
            "edit_line",
            "remove_line",
            "start",
            "cancel_order",
            "reopen",
            "reload",
            "scan",
            "prev_tab",
            "next_tab",
            "show_tab",
            *RELATED_ACTIONS,
            *FILE_ACTIONS,
        }
    )
    #: how often one scan is tried again after another terminal changed the order meanwhile
    _SCAN_RETRIES = 3

    #: what to do once the scans waiting are saved (Back or F2-F5 pressed meanwhile)
    _scan_then: Callable[[], object] | None = None

    def _scan_init(self) -> None:
        self._scan_bar: ScanBar | None = None
        self._scanning = False  # scan mode is on
        self._scan_queue: deque[_PendingScan] = deque()
        self._scan_running = False  # a scan is being saved
        self._scan_paused = False  # an unknown code is being resolved
        self._scan_after_reload = False  # a conflict: go on once the order is read again
        self._scan_dirty = False  # saved scans not shown yet
        self._scan_version: int | None = None  # the version the last scan left
        self._scan_highlight: int | None = None  # the item row of the last scan
        self._scan_then = None

    async def action_scan(self) -> None:
        if self.current_tab != "items":
            await self.action_show_tab("items")
        bar = self._scan_bar
        if bar is None:  # mounted once, never recomposed: it keeps the focus while rows change
            bar = self._scan_bar = ScanBar(id="scan-bar")
            await self.query_one("TabPane#items", TabPane).mount(bar)
        self._scanning = True
        bar.start()
        self.refresh_bindings()

    def _leave_scan_mode(self) -> None:
        if not self._scanning:
            return
        self._scanning = False
        if self._scan_bar is not None:
            self._scan_bar.stop()
        table = self._tables.get(self.current_tab)
        if table is not None:
            table.focus()
        self.refresh_bindings()

    @on(ScanBar.Closed)
    def _scan_closed(self, event: ScanBar.Closed) -> None:
        event.stop()
        self._leave_scan_mode()

    @on(ScanBar.Scanned)
    def _scanned(self, event: ScanBar.Scanned) -> None:
        event.stop()
        self._scan_queue.append(_PendingScan(event.code, event.qty))
        self._pump_scans()

    def _scan_status(self, text: Text | str, *, error: bool = False) -> None:
        if self._scan_bar is not None:
            self._scan_bar.show_status(text, error=error)

    def _next_scan_version(self) -> int | None:
        known = [v for v in (self._version(), self._scan_version) if v is not None]
        return max(known) if known else None

    def _pump_scans(self) -> None:
        """Save the next queued scan, unless one is being saved or the queue waits."""
        if self._scan_running or self._scan_paused or self._scan_after_reload:
            return
        if self.view is None or not self._scan_queue:
            return
        scan = self._scan_queue.popleft()
        self._scan_running = True
        self._busy = True  # no reload or poll in between: the scans chain their versions
        self.refresh_bindings()
        order_id, version = self.order_id, self._next_scan_version()

        def work() -> ScanResult:
            try:
                return scanning.scan_into_order(order_id, scan.code, scan.qty, version)
            except OrdersError:
                raise  # _scan_failed explains it
            except Exception:
                self.app.call_from_thread(self._scan_crashed, scan)  # run_db notifies it
                raise

        run_db(
            self,
            work,
            self._scan_saved,
            failed=lambda exc: self._scan_failed(scan, exc),
            group="order-scan",
            exclusive=False,
            description="scan",
        )

    def _scan_next(self) -> None:
        """One scan is done: the next one, or (queue empty) show the order as it is now."""
        self._scan_running = False
        if self._scan_queue and not self._scan_paused:
            self._pump_scans()
            return
        self._busy = False
        self.refresh_bindings()
        if self._scan_then is not None and not self._scan_paused:
            then, self._scan_then = self._scan_then, None
            then()
            return
        if self._scan_dirty:
            self._scan_dirty = False
            self.load()

    def _scan_saved(self, result: ScanResult) -> None:
        if not self.is_attached:
            return
        self._scan_version = result.version
        self._scan_highlight = result.item_id
        self._scan_dirty = True
        line = Text("+" + format_qty(result.added) + " ", style="bold green")
        line.append_text(plain(result.article_name))
        line.append(" → " + format_qty(result.qty) + " ")
        line.append_text(plain(result.unit))
        if result.new:
            line.append("  (" + _("new line") + ")", style="dim")
        self._scan_status(line)
        self._scan_next()

    def _scan_crashed(self, scan: _PendingScan) -> None:
        if not self.is_attached:
            return
        self.app.bell()
        self._scan_status(
            _("Not saved: {code} (see the message)").format(code=scan.code), error=True
        )
        self._scan_next()

    def _scan_failed(self, scan: _PendingScan, exc: OrdersError) -> None:
        if not self.is_attached:
            return
        if isinstance(exc, scanning.Misread):
            self.app.bell()
            message = _("Misread: {code} has a wrong check digit; scan it again").format(
                code=exc.code
            )
            self._scan_status(message, error=True)
            self.notify(message, severity="warning", markup=False, timeout=4)
            self._scan_next()
        elif isinstance(exc, scanning.UnknownBarcode):
            self.app.bell()
            message = _("Unknown code {code}: no article has this barcode").format(code=exc.code)
            self._scan_status(message, error=True)
            self.notify(message, severity="warning", markup=False, timeout=4)
            self._scan_paused = True
            self._scan_next()
            from .forms.unknown_code import UnknownCodeModal  # late: forms load when needed

            self.app.push_screen(
                UnknownCodeModal(exc.code), lambda answer: self._unknown_answered(scan, answer)
            )
        elif isinstance(exc, ConflictError) and scan.attempts < self._SCAN_RETRIES:
            # the scan is an addition, not an overwrite: it is made again on the order as the
            # other terminal left it, once the screen shows that
            scan.attempts += 1
            self._scan_queue.appendleft(scan)
            self._scan_after_reload = True
            self._scan_running = False
            self._scan_version = None
            self._busy = False
            run_db(
                self,
                lambda: last_change(self.order_id),
                self._scan_conflict,
                failed=lambda _exc: self.load(),  # reloaded all the same: the scans go on
            )
        else:
            self.app.bell()
            self._scan_status(
                _("Not saved: {code}").format(code=scan.code) + " — " + str(exc), error=True
            )
            self.notify(str(exc), title=_("Not saved"), severity="error", markup=False, timeout=8)
            self._scan_next()

    def _scan_conflict(self, last: LastChange) -> None:
        when = f"{format_date(last.at.date())} {last.at:%H:%M}" if last.at else "?"
        self.notify(
            _(
                "Order {number} was changed by {user} at {time} in another terminal. "
                "The screen now shows their change; the scans go on on the order as it is now."
            ).format(number=last.number, user=last.user or "?", time=when),
            title=_("Changed in another terminal"),
            severity="warning",
            markup=False,
            timeout=8,
        )
        self.load()

    def _unknown_answered(self, scan: _PendingScan, answer: UnknownCodeAnswer | None) -> None:
        later = [_PendingScan(code, Decimal(1)) for code in (answer.scanned if answer else [])]

        def resume(saved: bool | None) -> None:
            if saved:  # the code has its article now: scan it again, before the others
                self._scan_queue.appendleft(_PendingScan(scan.code, scan.qty))
            elif self._scan_bar is not None:
                self._scan_status(_("Skipped: {code}").format(code=scan.code))
            self._scan_queue.extend(later)
            self._scan_paused = False
            self._pump_scans()

        choice = answer.choice if answer else "skip"
        from .forms.unknown_code import AttachBarcodeForm, NewArticleForBarcode

        if choice == "new":
            self.app.push_screen(NewArticleForBarcode(scan.code), resume)
        elif choice == "attach":
            self.app.push_screen(AttachBarcodeForm(scan.code), resume)
        else:
            resume(False)

    def _scan_reloaded(self) -> None:
        """After the order was read: highlight the last scanned row, go on with the queue."""
        table = self._tables.get("items")
        if self._scan_highlight is not None and table is not None:
            try:
                row = table.get_row_index(str(self._scan_highlight))
            except RowDoesNotExist:
                row = None
            if row is not None:
                table.move_cursor(row=row, animate=False)
        self._scan_after_reload = False
        self._pump_scans()

    # ------------------------------------------------------------------ forms

    def _after_form(self, saved: object) -> None:
        if saved:
            self.load()

    def _form_missing(self) -> None:
        self.notify(_("This form is not available yet"), severity="warning", markup=False)

    def action_edit_order(self) -> None:
        try:
            from .order_form import OrderForm
        except ImportError:
            self._form_missing()
            return
        self.app.push_screen(OrderForm(self.order_id), self._after_form)

    #: the form of each editable tab: (module under screens/forms, class)
    _FORMS: ClassVar[dict[str, tuple[str, str]]] = {
        "items": ("item", "ItemForm"),
        "terms": ("term", "TermForm"),
        "documents": ("document", "DocumentForm"),
        "payments": ("payment", "PaymentForm"),
        "delivery": ("delivery", "DeliveryForm"),
        "link": ("link", "LinkForm"),
    }

    def _form_class(self, tab: str) -> Any:
        """The form class of ``tab`` (imported late: the forms live in their own modules)."""
        if tab not in self._FORMS:
            return None
        module, name = self._FORMS[tab]
        try:
            return getattr(importlib.import_module(f"{__package__}.forms.{module}"), name)
        except (ImportError, AttributeError):
            self._form_missing()
            return None

    _ROW_KEYWORD: ClassVar[dict[str, str]] = {
        "items": "item_id",
        "terms": "term_id",
        "documents": "document_id",
        "payments": "payment_id",
    }

    def action_new_line(self) -> None:
        form = self._form_class(self.current_tab)
        if form is not None and self.view is not None:
            self.app.push_screen(form(self.order_id, self.view.version), self._after_form)

    def action_edit_line(self) -> None:
        tab = self.current_tab
        row_id = self._selected_id()
        if row_id is None or self.view is None:
            return
        form = self._form_class(tab)
        if form is not None:
            screen = form(self.order_id, self.view.version, **{self._ROW_KEYWORD[tab]: row_id})
            self.app.push_screen(screen, self._after_form)

    def action_remove_line(self) -> None:
        tab = self.current_tab
        row_id = self._selected_id()
        if row_id is None or self.view is None:
            return
        table = self._table(tab)
        label = Text(_("Remove this line?") + "\n\n")
        label.append_text(
            Text(" ").join(table.get_row_at(table.cursor_row)[:4]) if table.row_count else Text("")
        )
        version = self.view.version
        remove = {
            "items": orders.remove_item,
            "terms": orders.remove_term,
            "documents": orders.remove_document,
            "payments": orders.remove_payment,
        }[tab]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.save(lambda: remove(row_id, version), _("Removed"))

        self.app.push_screen(ConfirmModal(label), confirmed)

    # ------------------------------------------------------------------ related tab

    def _related_row(self) -> tuple[str, int] | None:
        """("delivery" | "link" | "offer", id) of the Related row under the cursor."""
        table = self._tables.get("related")
        if self.current_tab != "related" or table is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        what, _sep, row_id = (key or "").partition(":")
        return (what, int(row_id)) if row_id.isdigit() else None

    def _related_check(self, action: str) -> bool | None:
        """Related-tab keys: off (False) in the other tabs, greyed (None) when not possible."""
        v = self.view
        if self.current_tab != "related":
            return False
        if v is None or self._busy:
            return None
        if action == "deliver":
            return True if v.items and not v.cancelled else None
        row = self._related_row()
        if action == "edit_related":
            return True if row is not None and row[0] in ("link", "offer") else None
        if action == "cancel_delivery":
            live = {d.id for d in v.deliveries if not d.cancelled}
            return True if row is not None and row[0] == "delivery" and row[1] in live else None
        return True

    def _open_form(self, name: str, **row: int) -> None:
        form = self._form_class(name)
        if form is not None and self.view is not None:
            self.app.push_screen(form(self.order_id, self.view.version, **row), self._after_form)

    def action_new_related(self) -> None:
        from .forms.link import RelatedChoice

        def chosen(what: str | None) -> None:
            if what == "delivery":
                self.action_deliver()
            elif what == "link":
                self.action_new_link()

        self.app.push_screen(RelatedChoice(), chosen)

    def action_deliver(self) -> None:
        self._open_form("delivery")

    def action_new_link(self) -> None:
        self._open_form("link")

    def action_edit_related(self) -> None:
        """Enter or ``e`` on a Related row: a linked order's form, or the offer the order was
        made from (read-only once confirmed, as in the offers list)."""
        row = self._related_row()
        if row is not None and row[0] == "link":
            self._open_form("link", link_id=row[1])
        elif row is not None and row[0] == "offer":
            from .offer_form import OfferForm

            self.app.push_screen(OfferForm(row[1]), self._after_form)

    def action_cancel_delivery(self) -> None:
        row = self._related_row()
        v = self.view
        if row is None or row[0] != "delivery" or v is None:
            return
        delivery = next((d for d in v.deliveries if d.id == row[1]), None)
        if delivery is None or delivery.cancelled:
            return
        label = Text(_("Cancel this delivery? Its quantities count as not delivered again."))
        label.append("\n\n")
        label.append_text(plain(f"{status_label(delivery.kind)} {delivery.number}"))
        label.append(" " + format_date(delivery.date))
        version, delivery_id = v.version, delivery.id

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.save(
                    lambda: orders.cancel_delivery(delivery_id, version), _("Delivery cancelled")
                )

        self.app.push_screen(ConfirmModal(label), confirmed)

    # ------------------------------------------------------------------ files tab

    def _file_row(self) -> int | None:
        """The id of the attachment under the cursor in the Files tab."""
        table = self._tables.get("files")
        if self.current_tab != "files" or table is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None and key.isdigit() else None

    def _files_check(self, action: str) -> bool | None:
        """Files-tab keys: off (False) in the other tabs, greyed (None) when not possible."""
        if self.current_tab != "files":
            return False
        if self.view is None or self._busy:
            return None
        if action == "attach_file":
            return True
        return True if self._file_row() is not None else None

    def action_attach_file(self) -> None:
        from .forms.attachment import AttachFileModal

        v = self.view
        if v is None:
            return

        def attached(info: Any) -> None:
            if info is not None:
                self.notify(_("Attached {name}").format(name=info.name), markup=False, timeout=3)
                self.load()

        self.app.push_screen(AttachFileModal(self.order_id, v.version, v.number), attached)

    def action_save_file(self) -> None:
        from .forms.attachment import SaveAttachmentModal

        att_id = self._file_row()
        v = self.view
        found = next((f for f in v.attachments if f.id == att_id), None) if v else None
        if found is None:
            return

        def saved(path: Any) -> None:
            if path is not None:
                self.notify(_("Saved to {path}").format(path=path), markup=False, timeout=4)

        self.app.push_screen(SaveAttachmentModal(found.id, found.name), saved)

    def action_remove_file(self) -> None:
        from ..data.attachments import remove_attachment

        att_id = self._file_row()
        v = self.view
        found = next((f for f in v.attachments if f.id == att_id), None) if v else None
        if found is None or v is None:
            return
        label = Text(_("Remove this file from the order? Its stored copy is deleted.") + "\n\n")
        label.append_text(plain(found.name))
        label.append(f"  ({_file_size(found.size)})")
        version, file_id = v.version, found.id

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.save(lambda: remove_attachment(file_id, version), _("File removed"))

        self.app.push_screen(ConfirmModal(label), confirmed)


__all__ = ["CancelOrderModal", "ConfirmModal", "OrderScreen"]
