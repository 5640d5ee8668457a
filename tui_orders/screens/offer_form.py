"""New or edit offer: client (typed, with completion), address, validity date, note, and its
lines (article, quantity, price, specifics) with the total.

The lines are edited here and saved with the rest by ``Ctrl+S``, in one transaction (Escape
saves nothing, lines included): ``Ctrl+N`` adds a line (a small form: the article with
completion or a barcode, the quantity, the price, which defaults to the article's catalogue
price, F4 its earlier prices, the specifics), ``Enter`` on a line edits it, ``Ctrl+R`` (or
Delete on the list) removes it.

An edit saves with the offer's version: when another terminal changed the offer meanwhile,
nothing is saved and the form says so (it stays open, showing what was typed; open the offer
again to see their change). A confirmed offer opens read-only: it names its order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input, Select, Static
from textual_autocomplete import DropdownItem

from ..data.compute import line_amount
from ..data.db import run_in_transaction
from ..data.errors import ConflictError, OrdersError, ValidationError
from ..data.masterdata import get_article
from ..data.models import Address, Client, OfferStatus
from ..data.money import ZERO, format_price, normalized, parse_price, parse_qty
from ..i18n import _, format_amount, format_date, format_qty
from ..widgets.fields import Completion, DateInput, FieldInput
from .common import plain, run_db
from .forms.base import FormScreen
from .forms.item import ArticleChoice, ArticleLineForm, article_choices, find_article
from .offers import fill_table
from .order_form import address_choices, fill_addresses


@dataclass(frozen=True)
class LineDraft:
    """A line as the form holds it until saved; ``line_id`` None: not saved yet."""

    line_id: int | None
    article_id: int
    code: str
    name: str
    unit: str
    qty: Decimal
    price: Decimal
    specs: str = ""

    @property
    def amount(self) -> Decimal:
        return line_amount(self.qty, self.price)


def _price_text(value: Decimal) -> str:
    """A unit price: two decimals, more only when the price has them."""
    if value == value.quantize(Decimal("0.01")):
        return format_amount(value)
    return format_qty(value)


# --------------------------------------------------------------------------- one line


class OfferLineForm(ArticleLineForm["LineDraft | None"]):
    """``OfferLineForm(articles, client_id, line=None)``: the line typed (not saved yet: the
    offer form saves it with the offer), None when cancelled."""

    CANCEL_RESULT = None
    CONFLICT_RESULT = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "prices", "Earlier prices", id="offer_line_prices"),
    ]
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "article": "article",
        "quantity": "qty",
        "price": "price",
    }

    def __init__(
        self,
        articles: list[tuple[str, str]],
        client_id: int | None,
        line: LineDraft | None = None,
    ) -> None:
        super().__init__(articles, client_id)
        self.line = line

    @property
    def article_locked(self) -> bool:
        """A saved line keeps its article (remove it and add another to change it)."""
        return self.line is not None and self.line.line_id is not None

    def title_text(self) -> str:
        return _("Offer line") if self.line else _("New offer line")

    def after_load(self, data: Any) -> None:
        line = self.line
        if line is None:
            self.field("article").focus()
            return
        self.article = ArticleChoice(line.article_id, line.code, line.name, line.unit, line.price)
        with self.prevent(Input.Changed):
            self.field("article").value = self.article.label
        self.show_hint("article", line.unit)
        self.field("qty").value = normalized(line.qty)
        self.field("price").value = format_price(line.price)
        self.field("specs").value = line.specs
        self.field("qty" if self.article_locked else "article").focus()

    # ------------------------------------------------------------------ the result

    def save_work(self) -> Callable[[], LineDraft]:
        qty_text, price_text = self.value("qty"), self.value("price")
        specs, text, line = self.value("specs"), self.value("article"), self.line
        missing = _("No article with this code, name or barcode")

        def resolve() -> LineDraft:
            if line is not None and line.line_id is not None:
                article = ArticleChoice(
                    line.article_id, line.code, line.name, line.unit, line.price
                )
            else:
                # resolved here too: the lookup started by the last keystroke may still run
                found = find_article(text)
                if found is None:
                    raise ValidationError(missing, "article")
                article = found
            qty = parse_qty(qty_text)
            price = parse_price(price_text) if price_text else None
            if price is None:  # the catalogue price
                price = get_article(article.id).price
            return LineDraft(
                line.line_id if line is not None else None,
                article.id,
                article.code,
                article.name,
                article.unit,
                qty,
                price,
                specs,
            )

        return resolve


# --------------------------------------------------------------------------- the offer


@dataclass
class _Loaded:
    clients: list[str]
    articles: list[tuple[str, str]]
    offer: dict[str, Any] | None = None
    addresses: list[tuple[str, str, bool]] = field(default_factory=list)
    lines: list[LineDraft] = field(default_factory=list)


class OfferForm(FormScreen[int | None]):
    """``OfferForm(offer_id=None)``: returns the saved offer's id, None when cancelled."""

    DEFAULT_CSS = """
    OfferForm > #form {
        width: 110;
    }
    OfferForm #f-valid_until {
        width: 30;
    }
    OfferForm #offer-state {
        height: auto;
        margin-bottom: 1;
    }
    OfferForm #offer-state.-empty {
        display: none;
    }
    OfferForm #lines-title {
        margin-top: 1;
        text-style: bold;
    }
    OfferForm #offer-lines {
        height: auto;
        max-height: 12;
    }
    OfferForm #m-lines {
        color: $error;
        display: none;
    }
    OfferForm #m-lines.-shown {
        display: block;
    }
    OfferForm #offer-total {
        text-style: bold;
        text-align: right;
        width: 1fr;
    }
    OfferForm #lines-keys {
        color: $text-muted;
    }
    """

    CANCEL_RESULT = None
    CONFLICT_RESULT = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "add_line", "Add line", id="offer_add_line"),
        Binding("ctrl+r", "remove_line", "Remove line", id="offer_remove_line"),
        Binding("delete", "remove_line_here", "Remove line", show=False, id="offer_delete_line"),
    ]
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "client": "client",
        "valid until": "valid_until",
        "address": "address",
        "line": "lines",
        "article": "lines",
        "quantity": "lines",
        "price": "lines",
    }

    def __init__(self, offer_id: int | None = None) -> None:
        super().__init__()
        self.offer_id = offer_id
        self.version: int | None = None
        self.number = ""
        self.client_names: list[str] = []
        self.articles: list[tuple[str, str]] = []
        self.client_id: int | None = None
        self.original_client_id: int | None = None
        self.currency = ""
        self.lines: list[LineDraft] = []
        self.saved_lines: dict[int, LineDraft] = {}
        self.read_only = False
        #: the offer was changed in another terminal: this form can no longer save
        self.stale = False

    # ------------------------------------------------------------------ layout

    def title_text(self) -> str:
        return _("Edit offer") if self.offer_id else _("New offer")

    def compose_fields(self) -> ComposeResult:
        yield Static("", id="offer-state", classes="-empty", markup=False)
        yield self.row(
            "client",
            _("Client"),
            FieldInput(required=True, placeholder=_("type part of the name")),
        )
        yield self.row("address", _("Address"), Select([], prompt=_("Address"), compact=True))
        yield self.row(
            "valid_until",
            _("Valid until"),
            DateInput(required=False, placeholder=_("date, +30; empty: no limit")),
        )
        yield self.row("note", _("Note"), FieldInput())
        yield Static(_("Lines"), id="lines-title")
        table: DataTable[Any] = DataTable(id="offer-lines", cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.line_columns())
        yield table
        yield Static("", id="m-lines", markup=False)
        yield Static("", id="offer-total", markup=False)
        yield Static(
            _("Ctrl+N add a line · Enter on a line edits it · Ctrl+R or Delete removes it"),
            id="lines-keys",
        )

    def compose_extra(self) -> ComposeResult:
        yield Completion(
            "#f-client",
            candidates=self._client_candidates,
            on_complete=lambda target: self.field_changed("client", target),
        )

    def _client_candidates(self, state: Any) -> list[DropdownItem]:
        if self.read_only:
            return []
        needle = state.text.casefold().strip()
        if not needle:
            return []
        found = [n for n in self.client_names if needle in n.casefold()]
        return [DropdownItem(n) for n in found[:50]]

    @property
    def lines_table(self) -> DataTable[Any]:
        return self.query_one("#offer-lines", DataTable)

    def _today(self) -> dt.date:
        today = getattr(self.app, "today", None)
        return today() if callable(today) else dt.date.today()

    # ------------------------------------------------------------------ loading

    def load_work(self) -> Callable[[], Any]:
        offer_id, today = self.offer_id, self._today()

        def load() -> _Loaded:
            from ..data.offers import offer_detail

            names = [n for (n,) in Client.select(Client.name).order_by(Client.name).tuples()]
            articles = article_choices()
            if offer_id is None:
                return _Loaded(names, articles)
            d = offer_detail(offer_id, today)
            data = {
                "version": d.version,
                "number": d.number,
                "client_id": d.client_id,
                "client": d.client,
                "currency": d.currency,
                "address": d.address_label or None,
                "created": d.created,
                "valid_until": d.valid_until,
                "note": d.note,
                "status": d.status,
                "order_number": d.order_number,
            }
            lines = [
                LineDraft(
                    ln.id,
                    ln.article_id,
                    ln.article_code,
                    ln.article_name,
                    ln.unit,
                    ln.qty,
                    ln.price,
                    ln.specs,
                )
                for ln in d.lines
            ]
            return _Loaded(names, articles, data, address_choices(d.client_id), lines)

        return load

    def after_load(self, data: _Loaded) -> None:
        self.client_names = data.clients
        self.articles = data.articles
        if data.offer is None:
            self._show_lines()
            self.field("client").focus()
            return
        o = data.offer
        self.version = o["version"]
        self.number = o["number"]
        self.client_id = self.original_client_id = o["client_id"]
        self.currency = o["currency"]
        self.query_one("#form-title", Static).update(
            _("Edit offer {number}").format(number=o["number"])
        )
        with self.prevent(Input.Changed):
            self.field("client").value = o["client"]
        self._set_addresses(data.addresses, o["address"])
        self.field("valid_until").value = format_date(o["valid_until"])
        self.field("note").value = o["note"]
        self.lines = list(data.lines)
        self.saved_lines = {ln.line_id: ln for ln in data.lines if ln.line_id is not None}
        self._show_state(o["status"], o["valid_until"], o["order_number"], o["created"])
        self._show_lines()
        if self.read_only:
            self.lines_table.focus()
        else:
            self.field("valid_until").focus()

    def _show_state(
        self, status: str, valid_until: dt.date | None, order_number: str, created: dt.date
    ) -> None:
        """What the offer is: dated; confirmed (read-only, its order) or expired, visibly."""
        state = self.query_one("#offer-state", Static)
        text = Text(_("Date: {date}").format(date=format_date(created)))
        text.append("   ")
        if status == OfferStatus.CONFIRMED.value:
            self.read_only = True
            text.append(
                _("Confirmed: it became order {order}. It no longer changes (read-only).").format(
                    order=order_number
                ),
                style="bold green",
            )
            self.query_one("#form-title", Static).update(
                _("Offer {number}").format(number=self.number)
            )
            for widget in self.query("#form-fields Input, #form-fields Select"):
                widget.disabled = True
            self.field("valid_until").placeholder = _("no limit")
            self.query_one("#form-keys", Static).update(_("Esc close"))
            self.query_one("#lines-keys", Static).display = False
        elif status == OfferStatus.EXPIRED.value:
            text.append(
                _(
                    "Expired on {date}: extend its validity (valid until) before confirming it."
                ).format(date=format_date(valid_until)),
                style="bold yellow",
            )
        else:
            text.append(_("open"), style="bold")
        state.update(text)
        state.remove_class("-empty")
        self.refresh_bindings()

    def _set_addresses(self, addresses: list[tuple[str, str, bool]], chosen: str | None) -> None:
        fill_addresses(self.query_one("#f-address", Select), addresses, chosen)

    # ------------------------------------------------------------------ the client

    def field_changed(self, name: str, widget: Any) -> None:
        if name != "client" or self.read_only:
            return
        text = widget.value.strip()
        self.client_id = None

        def find() -> tuple[int, str, list[tuple[str, str, bool]]] | None:
            client = Client.get_or_none(Client.name == text) if text else None
            return (client.id, client.currency, address_choices(client.id)) if client else None

        run_db(self, find, self._client_found, group="client")

    def _client_found(self, found: tuple[int, str, list[tuple[str, str, bool]]] | None) -> None:
        if found is None:
            self.client_id = None
            self._set_addresses([], None)
            return
        self.client_id, self.currency, addresses = found
        self._set_addresses(addresses, None)
        self.show_message("client", "")
        self._show_total()

    # ------------------------------------------------------------------ the lines

    @staticmethod
    def line_columns() -> list[str]:
        return [
            _("#"),
            _("Code"),
            _("Article"),
            _("Qty"),
            _("Unit"),
            _("Price"),
            _("Amount"),
            _("Specifics"),
        ]

    def _show_lines(self, select: int | None = None) -> None:
        table = self.lines_table
        row = table.cursor_row if select is None else select
        rows = [
            (
                str(n),
                [
                    Text(str(n), justify="right"),
                    plain(ln.code),
                    plain(ln.name),
                    Text(format_qty(ln.qty), justify="right"),
                    plain(ln.unit),
                    Text(_price_text(ln.price), justify="right"),
                    Text(format_amount(ln.amount), justify="right"),
                    plain(ln.specs),
                ],
            )
            for n, ln in enumerate(self.lines, 1)
        ]
        fill_table(table, self.line_columns(), rows)
        if self.lines:
            table.move_cursor(row=max(0, min(row, len(self.lines) - 1)), animate=False)
        self._show_total()
        self.refresh_bindings()

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    def _show_total(self) -> None:
        self.query_one("#offer-total", Static).update(
            _("Total: {total} · lines: {lines}").format(
                total=format_amount(self.total, self.currency or None), lines=len(self.lines)
            )
        )

    def _line_index(self) -> int | None:
        table = self.lines_table
        if not self.lines or not 0 <= table.cursor_row < len(self.lines):
            return None
        return int(table.cursor_row)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or not self.query("#offer-lines"):
            return None  # composing, or being dismissed: the Footer may still ask
        if action in ("save", "add_line", "remove_line", "remove_line_here") and self.read_only:
            return False  # a confirmed offer: nothing to change, no keys for it
        if action in ("save", "add_line") and self.stale:
            return None
        if action in ("remove_line", "remove_line_here"):
            if self.stale or not self.loaded:
                return None
            if action == "remove_line_here" and self.focused is not self.lines_table:
                return False
            return True if self._line_index() is not None else None
        if action == "add_line":
            return True if self.loaded else None
        return super().check_action(action, parameters)

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#offer-lines")
    def _line_highlighted(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#offer-lines")
    def _line_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_line()

    @on(Input.Submitted, "#f-note")
    def _note_submitted(self, event: Input.Submitted) -> None:
        # Enter in the note goes on to the lines (the base form would save here)
        event.stop()
        event.prevent_default()
        self.lines_table.focus()

    def _line_form(self, line: LineDraft | None, done: Callable[[LineDraft], None]) -> None:
        def returned(result: LineDraft | None) -> None:
            if result is not None:
                done(result)
            self.lines_table.focus()

        self.app.push_screen(OfferLineForm(self.articles, self.client_id, line), returned)

    def action_add_line(self) -> None:
        if self.read_only or self.stale or not self.loaded:
            return

        def add(line: LineDraft) -> None:
            self.lines.append(line)
            self.show_message("lines", "")
            self._show_lines(select=len(self.lines) - 1)

        self._line_form(None, add)

    def action_edit_line(self) -> None:
        index = self._line_index()
        if index is None or self.read_only or self.stale:
            return

        def edit(line: LineDraft) -> None:
            self.lines[index] = line
            self.show_message("lines", "")
            self._show_lines(select=index)

        self._line_form(self.lines[index], edit)

    def action_remove_line(self) -> None:
        index = self._line_index()
        if index is None or self.read_only or self.stale:
            return
        removed = self.lines.pop(index)
        self._show_lines(select=index)
        self.lines_table.focus()
        self.notify(
            _("Line {code} removed (Escape undoes everything not saved)").format(code=removed.code),
            markup=False,
            timeout=3,
        )

    def action_remove_line_here(self) -> None:
        self.action_remove_line()

    # ------------------------------------------------------------------ saving

    def validate_extra(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        valid = self.field("valid_until").date
        if self.offer_id is None and valid is not None and valid < self._today():
            problems["valid_until"] = _("The validity date is before today")
        return problems

    def save_work(self) -> Callable[[], int]:
        from ..data import offers

        name = self.value("client")
        address = self.choice("address")
        valid_until = self.field("valid_until").date
        note = self.value("note")
        lines = list(self.lines)
        missing = _("No client of this name: choose one from the list")

        def client_and_address() -> tuple[Client, str | None]:
            # by name here: the lookup started by the last keystroke may still be running
            client = Client.get_or_none(Client.name == name)
            if client is None:
                raise ValidationError(missing, "client")
            label = address
            if (
                label is not None
                and not Address.select()
                .where(Address.client == client.id, Address.label == label)
                .exists()
            ):
                label = None  # the list still showed another client's addresses
            return client, label

        if self.offer_id is None:
            today = self._today()

            def create() -> int:
                client, label = client_and_address()
                offer = offers.create_offer(
                    client,
                    valid_until,
                    created=today,
                    address=label,
                    note=note,
                    lines=[
                        offers.OfferLineInput(ln.article_id, ln.qty, ln.price, ln.specs)
                        for ln in lines
                    ],
                )
                return int(offer.id)

            return create

        offer_id, version = self.offer_id, self.version
        original_client, saved = self.original_client_id, dict(self.saved_lines)

        def update() -> int:
            def change() -> int:
                client, label = client_and_address()
                fields: dict[str, Any] = {
                    "address": label,
                    "valid_until": valid_until,
                    "note": note,
                }
                if client.id != original_client:
                    fields["client"] = client.id
                offer = offers.update_offer(offer_id, version, **fields)
                expected = int(offer.version)
                kept = {ln.line_id for ln in lines if ln.line_id is not None}
                for line_id in saved:
                    if line_id not in kept:
                        offers.remove_offer_line(line_id, expected)
                        expected += 1
                for ln in lines:
                    if ln.line_id is None:
                        offers.add_offer_line(
                            offer_id, ln.article_id, ln.qty, ln.price, ln.specs, expected
                        )
                        expected += 1
                        continue
                    before = saved[ln.line_id]
                    if (before.qty, before.price, before.specs) != (ln.qty, ln.price, ln.specs):
                        offers.update_offer_line(
                            ln.line_id, expected, qty=ln.qty, price=ln.price, specs=ln.specs
                        )
                        expected += 1
                return int(offer_id)

            return run_in_transaction(change)

        return update

    def _save_failed(self, exc: OrdersError) -> None:
        if not isinstance(exc, ConflictError):
            super()._save_failed(exc)
            return
        # said plainly, and the form stays open with what was typed: nothing was saved
        self.saving = False
        self.stale = True
        self.show_error(
            str(exc) + "\n" + _("Escape closes this form; open the offer again to see the change.")
        )
        self.notify(
            str(exc), title=_("Changed in another terminal"), severity="error", markup=False
        )
        self.refresh_bindings()

    def field_for_error(self, exc: OrdersError) -> str | None:
        if isinstance(exc, ValidationError) and exc.path.startswith("lines"):
            with contextlib.suppress(Exception):
                index = int(exc.path.split("[", 1)[1].split("]", 1)[0])
                self.lines_table.move_cursor(row=index, animate=False)
            return "lines"
        return super().field_for_error(exc)


__all__ = ["LineDraft", "OfferForm", "OfferLineForm"]
