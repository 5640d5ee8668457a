"""Clients: the list and the form (name, VAT id, currency, addresses)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label

from ..data import masterdata
from ..data.masterdata import AddressEdit, ClientView
from ..i18n import _
from .masterform import MasterForm, raises_not, required, rule
from .masterlist import MasterListScreen, cell


class ClientsScreen(MasterListScreen[ClientView]):
    """Every client, searchable by name or VAT id in any case and script."""

    def heading(self) -> str:
        return _("Clients")

    def columns(self) -> Sequence[str]:
        return (_("Name"), _("VAT id"), _("Currency"), _("Default address"), _("Addresses"))

    def fetch(self, text: str) -> list[ClientView]:
        return masterdata.list_clients(text)

    def cells(self, row: ClientView) -> Sequence[Text]:
        return (
            cell(row.name),
            cell(row.vat_id),
            cell(row.currency),
            cell(row.address),
            Text(str(row.addresses), justify="right"),
        )

    def row_id(self, row: ClientView) -> int:
        return row.id

    def form(self, row_id: int | None) -> ModalScreen[int | None]:
        return ClientForm(row_id)


class AddressRow(Horizontal):
    """One address of the form: label, text, default."""

    DEFAULT_CSS = """
    AddressRow {
        height: 1;
        margin: 1 0 0 0;
    }
    AddressRow .address-label {
        width: 16;
    }
    AddressRow .address-text {
        width: 1fr;
        margin: 0 1;
    }
    AddressRow Checkbox {
        width: auto;
    }
    """

    def __init__(self, address_id: int | None, label: str, text: str, default: bool) -> None:
        super().__init__(classes="address-row")
        self.address_id = address_id
        self._initial = (label, text, default)

    def compose(self) -> ComposeResult:
        label, text, default = self._initial
        yield Input(label, placeholder=_("label"), classes="address-label", compact=True)
        yield Input(text, placeholder=_("address"), classes="address-text", compact=True)
        yield Checkbox(_("default"), default, compact=True)

    def value(self) -> AddressEdit:
        label, text = self.query(Input).results(Input)
        return AddressEdit(self.address_id, label.value, text.value, self.query_one(Checkbox).value)


@dataclass(frozen=True, slots=True)
class ClientValues:
    name: str
    vat_id: str
    currency: str
    addresses: tuple[AddressEdit, ...]


def _currency_ok(value: str) -> bool:
    return raises_not(masterdata.check_currency)(value) and len(value.strip()) == 3


class ClientForm(MasterForm):
    """New or edited client with its addresses."""

    DEFAULT_CSS = """
    ClientForm #addresses {
        height: auto;
    }
    ClientForm .section {
        padding: 1 0 0 0;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "add_address", "Add address", id="add_address"),
        Binding("ctrl+r", "remove_address", "Remove address", id="remove_address"),
    ]
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "address": "addresses",
        "currency": "currency",
        "VAT id": "vat_id",
    }
    OTHER_ERRORS: ClassVar[str | None] = "name"

    def title_text(self) -> str:
        return _("New client") if self.record_id is None else _("Edit client")

    def compose_fields(self) -> ComposeResult:
        yield from self.field(_("Name"), "name", validators=[rule(required, _("Enter a name"))])
        yield from self.field(_("VAT id"), "vat_id")
        yield from self.field(
            _("Currency"),
            "currency",
            value="BGN",
            validators=[rule(_currency_ok, _("A three-letter code such as BGN or EUR"))],
        )
        yield Label(_("Addresses (Ctrl+N add, Ctrl+R remove)"), classes="section")
        yield Vertical(id="addresses")
        yield Label("", id="addresses-error", classes="field-error")

    def on_mount(self) -> None:
        super().on_mount()
        if self.record_id is None:
            self.query_one("#addresses").mount(AddressRow(None, _("Office"), "", True))

    def load(self) -> Any:
        assert self.record_id is not None
        client = masterdata.get_client(self.record_id)
        return client, masterdata.client_addresses(client.id)

    def version_of(self, data: Any) -> int | None:
        return int(data[0].version)

    def describe(self, data: Any) -> str:
        return _("Client “{name}”").format(name=data[0].name)

    def fill(self, data: Any) -> None:
        client, addresses = data
        self.query_one("#name", Input).value = client.name
        self.query_one("#vat_id", Input).value = client.vat_id
        self.query_one("#currency", Input).value = client.currency
        box = self.query_one("#addresses")
        box.remove_children()  # a reload: the rows read before go
        box.mount_all(AddressRow(a.id, a.label, a.text, a.is_default) for a in addresses)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        # one default address: ticking one unticks the others
        if event.value:
            for box in self.query("#addresses Checkbox").results(Checkbox):
                if box is not event.checkbox and box.value:
                    box.value = False

    def _rows(self) -> list[AddressRow]:
        return list(self.query(AddressRow).results(AddressRow))

    def action_add_address(self) -> None:
        row = AddressRow(None, "", "", not self._rows())
        self.query_one("#addresses").mount(row)
        self.call_after_refresh(lambda: row.query_one(Input).focus())

    def action_remove_address(self) -> None:
        focused = self.focused
        for row in self._rows():
            if focused is not None and focused in row.query("*"):
                rows = self._rows()
                index = rows.index(row)
                row.remove()
                rest = [r for r in rows if r is not row]
                if rest:
                    target = rest[min(index, len(rest) - 1)].query_one(Input)
                    self.call_after_refresh(target.focus)
                else:
                    self.query_one("#currency", Input).focus()
                return
        self.notify(_("Move to an address first"), markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_address":
            return bool(self.is_mounted and self._rows())
        return True

    def extra_errors(self) -> list[tuple[str, str]]:
        labels = [r.value().label.strip().casefold() for r in self._rows()]
        if any(not label for label in labels):
            return [("addresses", _("Every address needs a label"))]
        if len(set(labels)) != len(labels):
            return [("addresses", _("Two addresses have the same label"))]
        return []

    def values(self) -> ClientValues:
        return ClientValues(
            self.query_one("#name", Input).value,
            self.query_one("#vat_id", Input).value,
            self.query_one("#currency", Input).value,
            tuple(r.value() for r in self._rows()),
        )

    def save(self, values: Any, version: int | None) -> int:
        client = masterdata.save_client(
            self.record_id,
            name=values.name,
            vat_id=values.vat_id,
            currency=values.currency,
            addresses=values.addresses,
            expected_version=version,
        )
        return int(client.id)
