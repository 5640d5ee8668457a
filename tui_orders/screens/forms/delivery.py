"""A sale or shipment of an order: kind, date, address, number, note, and what goes now.

The grid has one line per order item: ordered, delivered so far, remaining, and the quantity
delivered now. The form opens *proposing* every line's remaining quantity (ordered −
delivered); the operator lowers a line for a partial delivery, or sets it to 0 to leave it
out. More than remains (per article, as the service counts) is allowed only after an explicit
"deliver more than ordered?" confirmation; the service then records it as an over-delivery.

Scan to pick. The scan field at the top takes a keyboard-wedge scanner (or a typed barcode or
article code) followed by Enter. The FIRST accepted scan switches the form from "proposed
remaining" to *pick mode*: every line is set to 0, the scanned article's line to 1, and a note
says so; every further scan of an article adds 1 to its line. So what is delivered is exactly
what the picker scanned into the box (lines can still be typed, e.g. 12 for a full carton).
F6 leaves pick mode and proposes the remaining quantities again. Where an article stands on
several lines, a scan counts on the first of them that is not yet complete.

A code of all digits with an EAN/UPC length and a wrong check digit is a misread (bell, "scan
again"); a code that is no article of this order rings the bell and says what it is. The scan
field keeps the focus throughout and empties itself in the same step that reads the code, so
the next code of a scanner burst is never mixed with (or lost to) the previous one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from ...data import orders
from ...data.masterdata import article_by_barcode, client_addresses
from ...data.models import Article, Barcode, DeliveryKind
from ...data.money import QTY_PLACES, ZERO, normalized, parse_decimal
from ...data.views import order_view
from ...i18n import _, format_date, format_qty, status_label
from ...scanner.checkdigit import gtin_valid, looks_like_gtin, upce_to_upca
from ...widgets.fields import DateInput, FieldInput, QtyInput
from ..common import run_db
from .base import FormScreen

OVER_WORDS = "more than was ordered"


def is_misread(code: str) -> bool:
    """An EAN/UPC-looking code (all digits, 8/12/13/14 long) whose check digit is wrong.

    An 8-digit code may be an EAN-8 or a UPC-E; it is a misread only when it is neither.
    """
    if not looks_like_gtin(code) or gtin_valid(code):
        return False
    if len(code) == 8:
        full = upce_to_upca(code)
        if full is not None and gtin_valid(full):
            return False
    return True


class ScanInput(FieldInput):
    """The keyboard-wedge field: Enter hands the code over and empties the field at once.

    Enter is taken here, in the field's own key handler, in turn with the characters: a key
    binding would only run once the Enter has bubbled up to the app, and by then the
    characters of the next code of a burst (already queued for this field) would have been
    typed after the first code. So each code is read whole, and the next one lands in an
    empty field.
    """

    class Scanned(Message):
        def __init__(self, scan: ScanInput, code: str) -> None:
            super().__init__()
            self.scan = scan
            self.code = code

        @property
        def control(self) -> ScanInput:
            return self.scan

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()  # Input's own key handler does not run for it
            self._take()

    async def action_submit(self) -> None:
        self._take()

    def _take(self) -> None:
        code = self.value.strip()
        self.value = ""
        self.post_message(self.Scanned(self, code))


class DeliverQtyInput(QtyInput):
    """A quantity to deliver now: 0 (or empty) leaves the line out."""

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        super().__init__(value, required=False, allow_zero=True, **kwargs)

    def parse(self, text: str) -> Decimal:
        return parse_decimal(text, places=QTY_PLACES, what="quantity", allow_zero=True)


@dataclass(frozen=True, slots=True)
class Line:
    """One order item in the grid."""

    item_id: int
    position: int
    article_id: int
    code: str
    name: str
    unit: str
    ordered: Decimal
    delivered: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.ordered - self.delivered, ZERO)


@dataclass
class _Loaded:
    number: str
    cancelled: bool
    address_label: str
    addresses: list[tuple[str, str]]  # (label, text)
    lines: list[Line]
    codes: dict[str, int]  # barcode or article code -> article id (articles of the order)


def read_delivery_data(order_id: int) -> _Loaded:
    """What the delivery form shows: the order's items with what is delivered, the client's
    addresses, and the codes (barcodes, article codes) of the order's articles."""
    v = order_view(order_id)
    lines = [
        Line(
            i.id,
            i.position,
            i.article_id,
            i.article_code,
            i.article_name,
            i.unit,
            i.qty,
            i.delivered,
        )
        for i in v.items
    ]
    ids = sorted({line.article_id for line in lines})
    codes: dict[str, int] = {line.code: line.article_id for line in lines}
    if ids:
        codes.update(
            Barcode.select(Barcode.code, Barcode.article).where(Barcode.article.in_(ids)).tuples()
        )
    addresses = [(a.label, a.text) for a in client_addresses(v.client_id)]
    return _Loaded(v.number, v.cancelled, v.address_label, addresses, lines, codes)


class DeliveryForm(FormScreen[bool]):
    """``DeliveryForm(order_id, expected_version)``: True when a delivery was recorded."""

    DEFAULT_CSS = """
    DeliveryForm > #form {
        width: 100;
    }
    DeliveryForm #scan-status {
        padding-left: 20;
        height: auto;
    }
    DeliveryForm #scan-status.-bad {
        color: $error;
    }
    DeliveryForm #pick-note {
        color: $warning;
        height: auto;
        display: none;
    }
    DeliveryForm #pick-note.-shown {
        display: block;
    }
    DeliveryForm #lines {
        height: auto;
        border-top: solid $primary-darken-2;
        margin-top: 1;
    }
    DeliveryForm .dl-line {
        height: 1;
    }
    DeliveryForm .dl-head {
        color: $text-muted;
    }
    DeliveryForm .dl-article {
        width: 1fr;
    }
    DeliveryForm .dl-num {
        width: 10;
        text-align: right;
        padding-right: 1;
    }
    DeliveryForm .dl-over {
        width: 14;
        color: $warning;
        padding-left: 1;
    }
    DeliveryForm DeliverQtyInput, DeliveryForm .dl-now {
        width: 12;
        margin-left: 1;
    }
    DeliveryForm #m-lines {
        color: $error;
        height: auto;
    }
    """

    #: the scan field has the keys from the start: a code scanned while the form is still
    #: loading is kept and counted once the lines are shown
    AUTO_FOCUS = "#f-scan"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f6", "propose", "Propose remaining", id="delivery_propose"),
    ]
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "delivery date": "date",
        "delivery number": "number",
        "already exists": "number",
        "address": "address",
        "line": "lines",
        "article": "lines",
        "quantity": "lines",
        OVER_WORDS: "lines",
    }

    def __init__(self, order_id: int, expected_version: int) -> None:
        super().__init__()
        self.order_id = order_id
        self.expected_version = expected_version
        self.lines: list[Line] = []
        self.codes: dict[str, int] = {}
        self.order_number = ""
        self.pick_mode = False
        self._ready = False  # the lines are shown: scans can be counted
        self._last_code = ""  # the code scanned last (a late lookup of an older one is dropped)
        self._early: list[str] = []  # codes scanned while the form was still loading
        #: the operator confirmed delivering more than ordered (reset by any change of a line)
        self.allow_over = False

    def title_text(self) -> str:
        return _("New delivery")

    def compose_fields(self) -> ComposeResult:
        today = getattr(self.app, "today", dt.date.today)()
        yield self.row(
            "scan",
            _("Scan"),
            ScanInput(placeholder=_("scan or type a barcode, then Enter")),
        )
        yield Static("", id="scan-status", markup=False)
        yield Static("", id="pick-note", markup=False)
        yield self.row(
            "kind",
            _("Kind"),
            Select(
                [(status_label(k.value), k.value) for k in DeliveryKind],
                value=DeliveryKind.SALE.value,
                allow_blank=False,
                compact=True,
            ),
        )
        yield self.row("date", _("Date"), DateInput(format_date(today)))
        yield self.row("address", _("Address"), Select([], prompt=_("none"), compact=True))
        yield self.row(
            "number",
            _("Number"),
            FieldInput(max_length=60, placeholder=_("blank: the next number")),
        )
        yield self.row("note", _("Note"), FieldInput())
        yield Vertical(id="lines")
        yield Static("", id="m-lines", markup=False)

    # ------------------------------------------------------------------ loading

    def load_work(self) -> Callable[[], Any]:
        order_id = self.order_id
        read = read_delivery_data  # looked up now (a test slows it down)
        return lambda: read(order_id)

    def after_load(self, data: _Loaded) -> None:
        self.lines = data.lines
        self.codes = data.codes
        self.order_number = data.number
        self.query_one("#form-title", Static).update(
            Text(_("New delivery · order {number}").format(number=data.number))
        )
        address = self.query_one("#f-address", Select)
        address.set_options(
            [
                (Text(f"{label} · {text}" if text else label), label)
                for label, text in data.addresses
            ]
        )
        if data.address_label and any(label == data.address_label for label, _t in data.addresses):
            address.value = data.address_label
        grid = self.query_one("#lines", Vertical)
        head = Horizontal(classes="dl-line dl-head")
        grid.mount(head)
        head.mount_all(
            [
                Label(_("Article"), classes="dl-article"),
                Label(_("Ordered"), classes="dl-num"),
                Label(_("Delivered"), classes="dl-num"),
                Label(_("Remaining"), classes="dl-num"),
                Label(_("Deliver now"), classes="dl-now"),
                Label("", classes="dl-over"),
            ]
        )
        if not self.lines:
            grid.mount(Static(_("The order has no items: there is nothing to deliver")))
        for line in self.lines:
            row = Horizontal(classes="dl-line", id=f"line-{line.item_id}")
            grid.mount(row)
            row.mount_all(
                [
                    Label(
                        Text(f"{line.position}. {line.code} · {line.name}"),
                        classes="dl-article",
                        markup=False,
                    ),
                    Label(Text(format_qty(line.ordered)), classes="dl-num"),
                    Label(Text(format_qty(line.delivered)), classes="dl-num"),
                    Label(Text(format_qty(line.remaining)), classes="dl-num"),
                    DeliverQtyInput(normalized(line.remaining), id=f"q-{line.item_id}"),
                    Label("", classes="dl-over", id=f"o-{line.item_id}"),
                ]
            )
        if data.cancelled:
            self.show_error(_("The order is cancelled: it cannot be delivered"))
        self.call_after_refresh(self._after_mounted)

    def _after_mounted(self) -> None:
        self.update_over()
        self.field("scan").focus()
        self._ready = True
        early, self._early = self._early, []
        for code in early:
            self.scan(code)

    # ------------------------------------------------------------------ the grid

    def qty_input(self, item_id: int) -> DeliverQtyInput:
        return self.query_one(f"#q-{item_id}", DeliverQtyInput)

    def quantities(self) -> dict[int, Decimal] | None:
        """item id -> quantity to deliver now (empty is 0); None when a line is not valid."""
        result: dict[int, Decimal] = {}
        for line in self.lines:
            widget = self.qty_input(line.item_id)
            if not widget.value.strip():
                result[line.item_id] = ZERO
                continue
            value = widget.decimal
            if value is None:
                return None
            result[line.item_id] = value
        return result

    def per_article(self, qty: dict[int, Decimal]) -> dict[int, Decimal]:
        """article id -> quantity to deliver now (lines of one article added up)."""
        total: dict[int, Decimal] = {}
        for line in self.lines:
            total[line.article_id] = total.get(line.article_id, ZERO) + qty.get(line.item_id, ZERO)
        return total

    def over_delivery(self) -> list[tuple[Line, Decimal]]:
        """(first line of the article, by how much) for every article delivered beyond what
        remains of it (the service's rule: per article, ordered − delivered)."""
        qty = self.quantities()
        if qty is None:
            return []
        left: dict[int, Decimal] = {}
        first: dict[int, Line] = {}
        for line in self.lines:
            first.setdefault(line.article_id, line)
            left[line.article_id] = left.get(line.article_id, ZERO) + line.ordered - line.delivered
        over = []
        for article_id, now in self.per_article(qty).items():
            excess = now - max(left[article_id], ZERO)
            if now > 0 and excess > 0:
                over.append((first[article_id], excess))
        return over

    def update_over(self) -> None:
        """Mark the lines going beyond what remains ("over by 2")."""
        qty = self.quantities() or {}
        for line in self.lines:
            label = self.query_one(f"#o-{line.item_id}", Label)
            excess = qty.get(line.item_id, ZERO) - line.remaining
            label.update(
                _("over by {qty}").format(qty=format_qty(excess))
                if excess > 0 and qty.get(line.item_id, ZERO) > 0
                else ""
            )

    def field_changed(self, name: str, widget: Any) -> None:
        wid = widget.id or ""
        if wid.startswith("q-"):
            self.allow_over = False
            result = widget.validate(widget.value) if widget.value.strip() else None
            ok = result is None or result.is_valid
            widget.set_class(not ok, "-invalid")
            self.query_one("#m-lines", Static).update(
                "" if ok or result is None else "; ".join(result.failure_descriptions)
            )
            self.update_over()

    def _set_qty(self, line: Line, value: Decimal) -> None:
        self.qty_input(line.item_id).value = normalized(value)

    # ------------------------------------------------------------------ scanning

    @on(ScanInput.Scanned)
    def _scanned(self, event: ScanInput.Scanned) -> None:
        event.stop()
        self.scan(event.code)

    def _scan_status(self, text: Text | str, *, bad: bool) -> None:
        status = self.query_one("#scan-status", Static)
        status.update(text)
        status.set_class(bad, "-bad")

    def scan(self, code: str) -> None:
        """One scanned (or typed) code: count it on its line, or say why not."""
        if not self._ready:
            if code:
                self._early.append(code)  # counted once the lines are there
            return
        if not code:
            self.focus_next()  # Enter in an empty scan field: on to the next field
            return
        self._last_code = code
        if is_misread(code):
            self.app.bell()
            self._scan_status(
                Text(_("Misread: {code} has a wrong check digit, scan again").format(code=code)),
                bad=True,
            )
            return
        article_id = self.codes.get(code)
        if article_id is None:
            self.app.bell()
            self._scan_status(
                Text(_("{code}: no article of this order has this code").format(code=code)),
                bad=True,
            )
            run_db(
                self,
                lambda: article_by_barcode(code) or Article.get_or_none(Article.code == code),
                lambda found: self._unknown_found(code, found),
                group="scan-lookup",
            )
            return
        candidates = [line for line in self.lines if line.article_id == article_id]
        if not self.pick_mode:
            self.start_picking()
        qty = self.quantities() or {}
        line = next(
            (c for c in candidates if qty.get(c.item_id, ZERO) < c.remaining), candidates[-1]
        )
        now = qty.get(line.item_id, ZERO) + 1
        self._set_qty(line, now)
        message = Text(
            _("{code} {name}: {qty} of {remaining} picked").format(
                code=line.code,
                name=line.name,
                qty=format_qty(now),
                remaining=format_qty(line.remaining),
            )
        )
        if now > line.remaining:
            self.app.bell()
            message.append(" · " + _("more than remains"), style="bold")
        self._scan_status(message, bad=now > line.remaining)

    def _unknown_found(self, code: str, article: Any) -> None:
        if article is None or code != self._last_code:
            return
        self._scan_status(
            Text(
                _("{code} is {article}, which is not on this order").format(
                    code=code, article=f"{article.code} · {article.name}"
                )
            ),
            bad=True,
        )

    def start_picking(self) -> None:
        """Pick mode: every line to 0; from now on the scans count."""
        self.pick_mode = True
        for line in self.lines:
            self._set_qty(line, ZERO)
        note = self.query_one("#pick-note", Static)
        note.update(
            _(
                "Pick mode: only what is scanned is delivered (every line was set to 0, each "
                "scan adds 1) · F6 proposes the remaining quantities again"
            )
        )
        note.add_class("-shown")

    def action_propose(self) -> None:
        """Leave pick mode: every line proposes its remaining quantity again."""
        self.pick_mode = False
        for line in self.lines:
            self._set_qty(line, line.remaining)
        self.query_one("#pick-note", Static).remove_class("-shown")
        self._scan_status("", bad=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "propose":
            return True if self.loaded and self.lines else None
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ keys

    @on(Input.Submitted)
    def _delivery_submitted(self, event: Input.Submitted) -> None:
        """Enter in a line goes to the next line, and saves in the last one; the header
        fields go on to the next field (the base class would save in the note)."""
        event.stop()
        event.prevent_default()
        wid = event.input.id or ""
        if wid.startswith("q-"):
            ids = [f"q-{line.item_id}" for line in self.lines]
            if wid == ids[-1]:
                self.action_save()
            else:
                self.query_one(f"#{ids[ids.index(wid) + 1]}", Input).focus()
            return
        self.focus_next()

    # ------------------------------------------------------------------ saving

    def validate_extra(self) -> dict[str, str]:
        qty = self.quantities()
        if qty is None:
            return {"lines": _("A quantity is not valid")}
        if not any(v > 0 for v in qty.values()):
            return {"lines": _("Nothing to deliver: every quantity is 0")}
        return {}

    def show_message(self, name: str, message: str) -> None:
        if name == "lines":
            self.query_one("#m-lines", Static).update(message)
            return
        super().show_message(name, message)

    def action_save(self) -> None:
        if self.saving or not self.loaded:
            return
        over = self.over_delivery()
        if over and not self.allow_over:
            self.show_error("")
            if not self.validate_form():
                self.show_error(_("Correct the marked fields"))
                return
            self.confirm_over(over)
            return
        super().action_save()

    def confirm_over(self, over: list[tuple[Line, Decimal]]) -> None:
        from ..order import ConfirmModal

        question = Text(_("Deliver more than ordered?") + "\n\n")
        for line, excess in over:
            question.append(
                _("{article}: {qty} more than remains").format(
                    article=f"{line.code} · {line.name}", qty=format_qty(excess)
                )
                + "\n"
            )
        question.append("\n" + _("y: record the over-delivery · Escape: back to the form"))

        def answered(yes: bool | None) -> None:
            if yes:
                self.allow_over = True
                super(DeliveryForm, self).action_save()
            else:
                self.query_one("#lines").scroll_visible()

        self.app.push_screen(ConfirmModal(question), answered)

    def save_work(self) -> Callable[[], str]:
        qty = self.quantities() or {}
        lines = [
            orders.DeliveryLineInput(article_id, now)
            for article_id, now in self.per_article(qty).items()
            if now > 0
        ]
        order_id, version, allow = self.order_id, self.expected_version, self.allow_over
        kind = str(self.choice("kind"))
        date = self.field("date").date
        address = self.choice("address")
        number, note = self.value("number"), self.value("note")

        def deliver() -> str:
            delivery = orders.add_delivery(
                order_id,
                kind,
                date,
                lines,
                number=number or None,
                address=address,
                note=note,
                allow_over=allow,
                expected_version=version,
            )
            return str(delivery.number)

        return deliver

    def result_of(self, saved: Any) -> bool:
        kind = status_label(str(self.choice("kind")))
        self.notify(
            _("{kind} {number} recorded").format(kind=kind, number=saved),
            markup=False,
            timeout=4,
        )
        return True


__all__ = ["DeliveryForm", "Line", "ScanInput", "is_misread", "read_delivery_data"]
