"""The detail pane beside the order list: the key facts of the order under the cursor.

Loaded in a worker from :func:`interchange.export_order` (every computed field, a few
queries); cursor moves are debounced so holding an arrow key does not queue loads.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Static

from ..i18n import _, format_amount, format_date, status_label
from ..screens.common import plain, run_db
from .order_table import percent_text

#: seconds the cursor must rest on an order before its facts are read
DEBOUNCE = 0.09


def _date(text: str | None) -> str:
    import datetime as dt

    return format_date(dt.date.fromisoformat(text)) if text else ""


def summary_renderable(order: dict[str, Any]) -> RenderableType:
    """The facts of an exported order (:func:`interchange.export_order`) as a rich renderable;
    user text stays text."""
    currency = order["currency"]

    def money(key: str, source: dict[str, Any] | None = None) -> Text:
        return Text(format_amount(Decimal((source or order)[key]), currency), justify="right")

    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    document = order.get("document") or {}
    doc_text = Text(status_label(document.get("kind", "")))
    if document.get("ref"):
        doc_text.append(" ")
        doc_text.append_text(plain(document["ref"]))
    lines: list[tuple[str, RenderableType]] = [
        (_("Order"), plain(order["number"])),
        (_("Client"), plain(order["client"])),
        (_("Address"), plain(order.get("address") or "")),
        (_("Document"), doc_text),
        (_("Created"), Text(_date(order["created"]))),
        (_("Deadline"), Text(_date(order["deadline"]))),
        (_("Status"), Text(status_label(order["status"]))),
        (_("Financial status"), Text(status_label(order["financial_status"]))),
        (_("Tax"), plain(order.get("tax") or "")),
        (_("Total"), money("total")),
        (_("Paid"), money("paid")),
        (_("Unallocated"), money("unallocated")),
    ]
    if Decimal(order.get("overpaid") or "0"):
        lines.append((_("Overpaid"), money("overpaid")))
    items = order.get("items") or []
    lines.append(
        (
            _("Items"),
            Text(
                _("{count}, delivered {pct}").format(
                    count=len(items), pct=percent_text(Decimal(order["delivered_pct"]))
                )
            ),
        )
    )
    for label, value in lines:
        grid.add_row(label, value)
    parts: list[RenderableType] = [grid]
    for warning in coverage_warnings(order):
        parts.append(Text("⚠ " + warning, style="bold yellow"))
    if order.get("note"):
        parts.append(Text(_("Note") + ":", style="bold"))
        parts.append(plain(order["note"]))
    return Group(*parts)


def coverage_warnings(order: dict[str, Any]) -> list[str]:
    """One line per sum (terms, documents, payments) that does not match the total."""
    currency = order["currency"]
    names = {
        "terms": _("Payment terms"),
        "documents": _("Financial documents"),
        "payments": _("Payments"),
    }
    warnings = []
    for key, name in names.items():
        cover = (order.get("coverage") or {}).get(key)
        if not cover:
            continue
        diff = Decimal(cover["difference"])
        if diff:
            warnings.append(
                _("{what}: {amount} of {total} ({diff})").format(
                    what=name,
                    amount=format_amount(Decimal(cover["amount"]), currency),
                    total=format_amount(Decimal(order["total"]), currency),
                    diff=("+" if diff > 0 else "") + format_amount(diff),
                )
            )
    return warnings


class OrderSummary(VerticalScroll, can_focus=True):
    """Shows one order's facts; :meth:`show` it an order id (debounced), :meth:`reload` after
    a change elsewhere."""

    DEFAULT_CSS = """
    OrderSummary {
        border: round $primary-darken-2;
        border-title-color: $text-accent;
        padding: 0 1;
        height: 1fr;
    }
    OrderSummary:focus {
        border: round $accent;
    }
    OrderSummary > #summary-body {
        width: 1fr;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_id: int | None = None
        #: the exported order shown (None: nothing, or not loaded yet)
        self.order: dict[str, Any] | None = None
        self._timer: Timer | None = None
        self._generation = 0

    def compose(self) -> Any:
        yield Static(id="summary-body")

    def on_mount(self) -> None:
        self.border_title = _("Order")
        self._body().update(Text(""))

    def plain_text(self, width: int = 60) -> str:
        """What the pane shows, as plain text (for tests and screen readers)."""
        from rich.console import Console

        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        console.print(summary_renderable(self.order) if self.order else Text(""))
        return console.export_text()

    def _body(self) -> Static:
        return self.query_one("#summary-body", Static)

    def show(self, order_id: int | None) -> None:
        """Show order ``order_id`` once the cursor rests on it."""
        if order_id == self.order_id:
            return
        self.order_id = order_id
        if self._timer is not None:
            self._timer.stop()
        if order_id is None:
            self.order = None
            self._body().update(Text(_("No order selected.")))
            return
        self._timer = self.set_timer(DEBOUNCE, self.reload)

    def reload(self) -> None:
        """Read the order shown again."""
        order_id = self.order_id
        if order_id is None:
            return
        self._generation += 1
        generation = self._generation

        def work() -> dict[str, Any]:
            # imported on first use: it pulls in the whole import/export layer
            from ..data import interchange

            return interchange.export_order(order_id)

        def done(order: dict[str, Any]) -> None:
            if generation == self._generation and order_id == self.order_id:
                self.order = order
                self._body().update(summary_renderable(order))

        run_db(self, work, done, group="order-summary")
