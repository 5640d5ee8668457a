"""New or edit order: client (typed, with completion), address, document, dates, tax, note."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Select, Static
from textual_autocomplete import DropdownItem

from ..data import orders
from ..data.errors import ValidationError
from ..data.masterdata import client_addresses
from ..data.models import Address, Client, DocumentKind, Order, Tax
from ..i18n import _, format_date, status_label
from ..widgets.fields import Completion, DateInput, FieldInput
from .common import run_db
from .forms.base import FormScreen


@dataclass
class _Loaded:
    clients: list[str]
    taxes: list[tuple[str, int]]
    order: dict[str, Any] | None = None
    addresses: list[tuple[str, str, bool]] = field(default_factory=list)


def address_choices(client_id: int) -> list[tuple[str, str, bool]]:
    """The client's addresses as ``(label, text, is_default)``, in the order they were added
    (for :func:`fill_addresses`; the order form and the offer form use both)."""
    return [(a.label, a.text, bool(a.is_default)) for a in client_addresses(client_id)]


def fill_addresses(
    select: Select[str], addresses: list[tuple[str, str, bool]], chosen: str | None
) -> None:
    """Offer ``addresses`` in ``select``; choose ``chosen``, else the default, else the first."""
    select.set_options(
        [(f"{label} — {text}" if text else label, label) for label, text, _d in addresses]
    )
    default = chosen or next((label for label, _t, d in addresses if d), None)
    if default is None and addresses:
        default = addresses[0][0]
    if default is not None:
        select.value = default


class OrderForm(FormScreen[int | None]):
    """``OrderForm(order_id=None)``: returns the saved order's id, None when cancelled."""

    CANCEL_RESULT = None
    CONFLICT_RESULT = None
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "client": "client",
        "deadline": "deadline",
        "created": "created",
        "creation date": "created",
        "document reference": "document_ref",
        "address": "address",
        "tax": "tax",
    }

    def __init__(self, order_id: int | None = None) -> None:
        super().__init__()
        self.order_id = order_id
        self.version: int | None = None
        self.client_names: list[str] = []
        self.client_id: int | None = None

    def title_text(self) -> str:
        return _("Edit order") if self.order_id else _("New order")

    def compose_fields(self) -> ComposeResult:
        today = getattr(self.app, "today", dt.date.today)()
        yield self.row(
            "client",
            _("Client"),
            FieldInput(
                required=True,
                placeholder=_("type part of the name"),
                disabled=self.order_id is not None,
            ),
        )
        yield self.row("address", _("Address"), Select([], prompt=_("Address"), compact=True))
        yield self.row(
            "document_kind",
            _("Document"),
            Select(
                [(status_label(k.value), k.value) for k in DocumentKind],
                value=DocumentKind.CONTRACT.value,
                allow_blank=False,
                compact=True,
            ),
        )
        yield self.row("document_ref", _("Reference"), FieldInput(max_length=100))
        yield self.row("created", _("Created"), DateInput(format_date(today)))
        yield self.row("deadline", _("Deadline"), DateInput())
        yield self.row("tax", _("Tax"), Select([], prompt=_("no tax"), compact=True))
        yield self.row("note", _("Note"), FieldInput())

    def compose_extra(self) -> ComposeResult:
        if self.order_id is None:
            yield Completion(
                "#f-client",
                candidates=self._client_candidates,
                on_complete=lambda target: self.field_changed("client", target),
            )

    def _client_candidates(self, state: Any) -> list[DropdownItem]:
        needle = state.text.casefold().strip()
        if not needle:
            return []
        found = [n for n in self.client_names if needle in n.casefold()]
        return [DropdownItem(n) for n in found[:50]]

    # ------------------------------------------------------------------ loading

    def load_work(self) -> Callable[[], Any]:
        order_id = self.order_id

        def load() -> _Loaded:
            taxes = [(t.name, t.id) for t in Tax.select().order_by(Tax.name)]
            if order_id is None:
                names = [n for (n,) in Client.select(Client.name).order_by(Client.name).tuples()]
                return _Loaded(names, taxes)
            order = orders.get_order(order_id)
            client = Client.get_by_id(order.client_id)
            address = Address.get_or_none(Address.id == order.address_id)
            data = {
                "version": order.version,
                "client_id": client.id,
                "client": client.name,
                "address": address.label if address else None,
                "document_kind": order.document_kind,
                "document_ref": order.document_ref,
                "created": order.created,
                "deadline": order.deadline,
                "tax": order.tax_id,
                "note": order.note,
                "number": order.number,
            }
            return _Loaded([], taxes, data, address_choices(client.id))

        return load

    def after_load(self, data: _Loaded) -> None:
        self.client_names = data.clients
        tax = self.query_one("#f-tax", Select)
        tax.set_options(data.taxes)
        if data.order is None:
            self.query_one("#f-client").focus()
            return
        o = data.order
        self.version = o["version"]
        self.client_id = o["client_id"]
        self.query_one("#form-title", Static).update(
            _("Edit order {number}").format(number=o["number"])
        )
        with self.prevent(FieldInput.Changed):
            self.field("client").value = o["client"]
        self._set_addresses(data.addresses, o["address"])
        self.query_one("#f-document_kind", Select).value = o["document_kind"]
        self.field("document_ref").value = o["document_ref"]
        self.field("created").value = format_date(o["created"])
        self.field("deadline").value = format_date(o["deadline"])
        if o["tax"] is not None:
            tax.value = o["tax"]
        self.field("note").value = o["note"]
        self.field("document_ref").focus()

    def _set_addresses(self, addresses: list[tuple[str, str, bool]], chosen: str | None) -> None:
        fill_addresses(self.query_one("#f-address", Select), addresses, chosen)

    # ------------------------------------------------------------------ the client

    def field_changed(self, name: str, widget: Any) -> None:
        if name != "client" or self.order_id is not None:
            return
        text = widget.value.strip()
        self.client_id = None

        def find() -> tuple[int, list[tuple[str, str, bool]]] | None:
            client = Client.get_or_none(Client.name == text) if text else None
            return (client.id, address_choices(client.id)) if client else None

        run_db(self, find, self._client_found, group="client")

    def _client_found(self, found: tuple[int, list[tuple[str, str, bool]]] | None) -> None:
        if found is None:
            self.client_id = None
            self._set_addresses([], None)
            return
        self.client_id, addresses = found
        self._set_addresses(addresses, None)
        self.show_message("client", "")

    def validate_extra(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        created = self.field("created").date
        deadline = self.field("deadline").date
        if created and deadline and deadline < created:
            problems["deadline"] = _("The deadline is before the creation date")
        return problems

    # ------------------------------------------------------------------ saving

    def save_work(self) -> Callable[[], int]:
        fields: dict[str, Any] = {
            "address": self.choice("address"),
            "document_kind": self.choice("document_kind") or DocumentKind.CONTRACT.value,
            "document_ref": self.value("document_ref"),
            "created": self.field("created").date,
            "deadline": self.field("deadline").date,
            "tax": self.choice("tax"),
            "note": self.value("note"),
        }
        if self.order_id is None:
            name = self.value("client")
            missing = _("No client of this name: choose one from the list")

            def create() -> int:
                # by name here: the lookup started by the last keystroke may still be running
                client = Client.get_or_none(Client.name == name)
                if client is None:
                    raise ValidationError(missing, "client")
                if (
                    fields["address"] is not None
                    and not Address.select()
                    .where(Address.client == client.id, Address.label == fields["address"])
                    .exists()
                ):
                    fields["address"] = None  # the list still showed another client's addresses
                order: Order = orders.create_order(client, **fields)
                return int(order.id)

            return create
        order_id, version = self.order_id, self.version

        def update() -> int:
            order = orders.update_order(order_id, version, **fields)
            return int(order.id)

        return update
