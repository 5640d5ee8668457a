"""Prices at which an article was sold before, this client's first; Enter takes a price."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from ...data.money import format_price
from ...data.pricing import PriceRow, price_history
from ...i18n import _, format_date, format_qty
from ...widgets.footer import Footer
from ..common import plain, run_db


class PriceHistoryScreen(ModalScreen[Decimal | None]):
    """``PriceHistoryScreen(article_id, client_id)``: returns the chosen price (None: none)."""

    DEFAULT_CSS = """
    PriceHistoryScreen {
        align: center middle;
    }
    PriceHistoryScreen > Vertical {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    PriceHistoryScreen #ph-title {
        text-style: bold;
    }
    PriceHistoryScreen DataTable {
        height: auto;
        max-height: 20;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Take this price", id="choose_price"),
        Binding("escape", "cancel", "Close", id="close_prices"),
    ]

    def __init__(self, article_id: int, client_id: int | None, title: str = "") -> None:
        super().__init__()
        self.article_id = article_id
        self.client_id = client_id
        self.title_text = title
        self.rows: list[PriceRow] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text(_("Earlier prices") + (f": {self.title_text}" if self.title_text else "")),
                id="ph-title",
            )
            yield DataTable(cursor_type="row", zebra_stripes=True, id="ph-table")
            yield Static(_("no earlier sales"), id="ph-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Order"), _("Created"), _("Client"), _("Quantity"), _("Price"))
        article_id, client_id = self.article_id, self.client_id
        run_db(self, lambda: price_history(article_id, client_id), self._show, group="prices")

    def _show(self, rows: list[PriceRow]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        for n, row in enumerate(rows):
            client = plain(row.client_name)
            if row.same_client:
                client.stylize("bold")
            table.add_row(
                plain(row.order_number),
                Text(format_date(row.created)),
                client,
                Text(format_qty(row.qty), justify="right"),
                Text(format_price(row.price), justify="right"),
                key=str(n),
            )
        self.query_one("#ph-empty").display = not rows
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            self.dismiss(None)
            return
        self.dismiss(self.rows[table.cursor_row].price)

    def action_cancel(self) -> None:
        self.dismiss(None)
