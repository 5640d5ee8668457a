"""The filters of the order list (``f`` on the home screen): statuses, financial statuses,
client, deadline range. Ctrl+S applies, Escape leaves the list as it was."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList

from ..i18n import _, format_date, status_label
from ..widgets.fields import DateInput, FieldInput
from ..widgets.footer import Footer
from ..widgets.order_table import ListQuery

STATUSES = ("new", "in_progress", "ready", "closed", "cancelled")
FINANCIAL = ("unpaid", "partially_paid", "paid")


class OrderFilterForm(ModalScreen[ListQuery | None]):
    """Returns the list query with the chosen filters, or None (Escape)."""

    DEFAULT_CSS = """
    OrderFilterForm {
        align: center middle;
    }
    OrderFilterForm > #filter-box {
        width: 64;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    OrderFilterForm SelectionList {
        height: auto;
        max-height: 7;
        width: 1fr;
    }
    OrderFilterForm .filter-row {
        height: auto;
    }
    OrderFilterForm .filter-label {
        width: auto;
        min-width: 4;
        padding: 0 1 0 0;
    }
    OrderFilterForm .filter-heading {
        text-style: bold;
        margin-top: 1;
    }
    OrderFilterForm .field-error {
        color: $error;
        height: auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="apply_filters"),
        Binding("escape", "cancel", "Cancel", id="cancel_filters"),
    ]

    def __init__(self, query: ListQuery) -> None:
        super().__init__()
        self.initial = query

    def compose(self) -> ComposeResult:
        q = self.initial
        with Vertical(id="filter-box"):
            yield Label(_("Status"), classes="filter-heading")
            yield SelectionList[str](
                *[(status_label(s), s, s in q.statuses) for s in STATUSES],
                id="filter-status",
                compact=True,
            )
            yield Label(_("Financial status"), classes="filter-heading")
            yield SelectionList[str](
                *[(status_label(s), s, s in q.financial) for s in FINANCIAL],
                id="filter-financial",
                compact=True,
            )
            with Horizontal(classes="filter-row"):
                yield Label(_("Client"), classes="filter-label")
                yield FieldInput(q.client, placeholder=_("part of the name"), id="filter-client")
            with Horizontal(classes="filter-row"):
                yield Label(_("Deadline from"), classes="filter-label")
                yield DateInput(format_date(q.deadline_from), required=False, id="filter-from")
                yield Label(_("to"), classes="filter-label")
                yield DateInput(format_date(q.deadline_to), required=False, id="filter-to")
            yield Label("", id="filter-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter-box").border_title = _("Filter orders")
        self.query_one("#filter-status").focus()

    def on_input_changed(self) -> None:
        self.query_one("#filter-error", Label).update(self._error() or "")

    def _error(self) -> str | None:
        start = self.query_one("#filter-from", DateInput)
        end = self.query_one("#filter-to", DateInput)
        for field, name in ((start, _("Deadline from")), (end, _("to"))):
            result = field.validate(field.value)
            if result is not None and not result.is_valid:
                return f"{name}: {'; '.join(result.failure_descriptions)}"
        if start.date and end.date and start.date > end.date:
            return _("The deadline range ends before it starts.")
        return None

    def action_apply(self) -> None:
        error = self._error()
        if error:
            self.query_one("#filter-error", Label).update(error)
            return
        statuses = self.query_one("#filter-status", SelectionList).selected
        financial = self.query_one("#filter-financial", SelectionList).selected
        self.dismiss(
            replace(
                self.initial,
                statuses=tuple(s for s in STATUSES if s in statuses),
                financial=tuple(s for s in FINANCIAL if s in financial),
                client=self.query_one("#filter-client", FieldInput).value.strip(),
                deadline_from=self.query_one("#filter-from", DateInput).date,
                deadline_to=self.query_one("#filter-to", DateInput).date,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
