"""Taxes: the list and the form (name, rate in percent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Input

from ..data import masterdata
from ..data.models import Tax
from ..data.money import normalized, parse_rate
from ..i18n import _, format_qty
from .masterform import MasterForm, raises_not, required, rule
from .masterlist import MasterListScreen, cell


class TaxesScreen(MasterListScreen[Tax]):
    """Every tax, searchable by name."""

    def heading(self) -> str:
        return _("Taxes")

    def columns(self) -> Sequence[str]:
        return (_("Name"), _("Rate %"))

    def fetch(self, text: str) -> list[Tax]:
        return masterdata.list_taxes(text)

    def cells(self, row: Tax) -> Sequence[Text]:
        return (cell(row.name), Text(format_qty(row.rate), justify="right"))

    def row_id(self, row: Tax) -> int:
        return int(row.id)

    def form(self, row_id: int | None) -> ModalScreen[int | None]:
        return TaxForm(row_id)


@dataclass(frozen=True, slots=True)
class TaxValues:
    name: str
    rate: str


class TaxForm(MasterForm):
    """New or edited tax."""

    # "the rate of a tax used by ..." comes with the path "rate"
    ERROR_FIELDS: ClassVar[dict[str, str]] = {"tax rate": "rate"}
    OTHER_ERRORS: ClassVar[str | None] = "name"

    def title_text(self) -> str:
        return _("New tax") if self.record_id is None else _("Edit tax")

    def compose_fields(self) -> ComposeResult:
        yield from self.field(_("Name"), "name", validators=[rule(required, _("Enter a name"))])
        yield from self.field(
            _("Rate %"),
            "rate",
            placeholder="20",
            validators=[rule(raises_not(parse_rate), _("A percentage from 0 to 100"))],
        )

    def load(self) -> Tax:
        assert self.record_id is not None
        return masterdata.get_tax(self.record_id)

    def version_of(self, data: Any) -> int | None:
        return int(data.version)

    def describe(self, data: Any) -> str:
        return _("Tax “{name}”").format(name=data.name)

    def fill(self, data: Any) -> None:
        self.query_one("#name", Input).value = data.name
        self.query_one("#rate", Input).value = normalized(data.rate)

    def values(self) -> TaxValues:
        return TaxValues(self.query_one("#name", Input).value, self.query_one("#rate", Input).value)

    def save(self, values: Any, version: int | None) -> int:
        tax = masterdata.save_tax(
            self.record_id, name=values.name, rate=values.rate, expected_version=version
        )
        return int(tax.id)
