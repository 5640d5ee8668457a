"""Articles: the catalogue list and the form (code, name, unit, price, barcodes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ..data import masterdata
from ..data.masterdata import ArticleView
from ..data.money import format_price, parse_price
from ..i18n import _, format_amount, format_qty
from .masterform import MasterForm, raises_not, required, rule
from .masterlist import MasterListScreen, cell


def price_text(value: Decimal) -> str:
    """A catalogue price for the language: 2 decimals, more only when the price has them."""
    return format_amount(value) if value == value.quantize(Decimal("0.01")) else format_qty(value)


class ArticlesScreen(MasterListScreen[ArticleView]):
    """The catalogue, searchable by code, name or barcode."""

    def heading(self) -> str:
        return _("Articles")

    def columns(self) -> Sequence[str]:
        return (_("Code"), _("Name"), _("Unit"), _("Price"), _("Barcodes"))

    def fetch(self, text: str) -> list[ArticleView]:
        return masterdata.list_articles(text)

    def cells(self, row: ArticleView) -> Sequence[Text]:
        return (
            cell(row.code),
            cell(row.name),
            cell(row.unit),
            Text(price_text(row.price), justify="right"),
            cell(", ".join(row.barcodes)),
        )

    def row_id(self, row: ArticleView) -> int:
        return row.id

    def form(self, row_id: int | None) -> ModalScreen[int | None]:
        return ArticleForm(row_id)


@dataclass(frozen=True, slots=True)
class ArticleValues:
    code: str
    name: str
    unit: str
    price: str
    barcodes: tuple[str, ...]


class ArticleForm(MasterForm):
    """New or edited article with its barcodes."""

    DEFAULT_CSS = """
    ArticleForm #barcodes {
        height: auto;
    }
    ArticleForm .barcode {
        margin: 1 0 0 14;
        width: 30;
    }
    ArticleForm .section {
        padding: 1 0 0 0;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "add_barcode", "Add barcode", id="add_barcode"),
        Binding("ctrl+r", "remove_barcode", "Remove barcode", id="remove_barcode"),
    ]
    # "баркод" holds "код": the barcode before the code
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "barcode": "barcodes",
        "price": "price",
        "unit": "unit",
        "code": "code",
    }
    OTHER_ERRORS: ClassVar[str | None] = "name"

    def title_text(self) -> str:
        return _("New article") if self.record_id is None else _("Edit article")

    def compose_fields(self) -> ComposeResult:
        yield from self.field(_("Code"), "code", validators=[rule(required, _("Enter a code"))])
        yield from self.field(_("Name"), "name", validators=[rule(required, _("Enter a name"))])
        yield from self.field(
            _("Unit"), "unit", value="pcs", validators=[rule(required, _("Enter a unit"))]
        )
        yield from self.field(
            _("Price"),
            "price",
            placeholder="0.00",
            validators=[
                rule(raises_not(parse_price), _("A price such as 12.50 (up to 4 decimals)"))
            ],
        )
        yield Label(_("Barcodes (Ctrl+N add, Ctrl+R remove)"), classes="section")
        yield Vertical(id="barcodes")
        yield Label("", id="barcodes-error", classes="field-error")

    def load(self) -> Any:
        assert self.record_id is not None
        article = masterdata.get_article(self.record_id)
        return article, [b.code for b in article.barcodes]

    def version_of(self, data: Any) -> int | None:
        return int(data[0].version)

    def describe(self, data: Any) -> str:
        return _("Article {code}").format(code=data[0].code)

    def fill(self, data: Any) -> None:
        article, barcodes = data
        self.query_one("#code", Input).value = article.code
        self.query_one("#name", Input).value = article.name
        self.query_one("#unit", Input).value = article.unit
        self.query_one("#price", Input).value = format_price(article.price)
        box = self.query_one("#barcodes")
        box.remove_children()  # a reload: the barcodes read before go
        box.mount_all(self._barcode(code) for code in barcodes)

    def _barcode(self, code: str) -> Input:
        return Input(code, placeholder=_("barcode"), classes="barcode", compact=True)

    def _inputs(self) -> list[Input]:
        return list(self.query("#barcodes Input").results(Input))

    def action_add_barcode(self) -> None:
        field = self._barcode("")
        self.query_one("#barcodes").mount(field)
        self.call_after_refresh(field.focus)

    def action_remove_barcode(self) -> None:
        inputs = self._inputs()
        if self.focused not in inputs:
            self.notify(_("Move to a barcode first"), markup=False)
            return
        assert isinstance(self.focused, Input)
        index = inputs.index(self.focused)
        self.focused.remove()
        rest = inputs[:index] + inputs[index + 1 :]
        if rest:
            self.call_after_refresh(rest[min(index, len(rest) - 1)].focus)
        else:
            self.query_one("#price", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_barcode":
            return bool(self.is_mounted and self._inputs())
        return True

    def extra_errors(self) -> list[tuple[str, str]]:
        codes = [i.value.strip() for i in self._inputs() if i.value.strip()]
        if len(set(codes)) != len(codes):
            return [("barcodes", _("A barcode is listed twice"))]
        return []

    def values(self) -> ArticleValues:
        def text(field_id: str) -> str:
            return self.query_one(f"#{field_id}", Input).value

        return ArticleValues(
            text("code"),
            text("name"),
            text("unit"),
            text("price"),
            tuple(i.value for i in self._inputs()),
        )

    def save(self, values: Any, version: int | None) -> int:
        article = masterdata.save_article(
            self.record_id,
            code=values.code,
            name=values.name,
            unit=values.unit,
            price=values.price,
            barcodes=values.barcodes,
            expected_version=version,
        )
        return int(article.id)
