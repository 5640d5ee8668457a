"""What the client, article and tax forms share: labelled fields with their message beside
them, Ctrl+S to save (never closing while invalid), Escape to cancel.

A subclass composes its fields with :meth:`field`, loads the record in :meth:`load` (a
worker), and saves in :meth:`save` (a worker); the data layer's :class:`ValidationError`
comes back beside the field :meth:`field_of` names: the one of its path, else the first of
:attr:`ERROR_FIELDS` whose word the message has, in English or in the current language (as the
order's forms find it: :func:`~tui_orders.screens.forms.base.fields_named`), else
:attr:`OTHER_ERRORS`.

An edited record's ``version`` (:meth:`version_of` the loaded data) goes with the save: when
another terminal changed the record meanwhile the data layer refuses it
(:class:`ConflictError`, nothing saved), and the form stays open saying so; ``Ctrl+L``
reads the record again (the other terminal's change, the new version) for the operator to
make their change again. Messages are shown as plain text, never as markup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.validation import Function, Validator
from textual.widgets import Input, Label

from ..data.errors import ConflictError, OrdersError, ValidationError
from ..i18n import _
from .common import plain, run_db
from .forms.base import fields_named


def rule(check: Callable[[str], bool], message: str) -> Validator:
    """A validator from a predicate and its (translated) message."""
    return Function(check, message)


def raises_not(parse: Callable[[str], Any]) -> Callable[[str], bool]:
    """A predicate: ``parse(value)`` does not raise :class:`ValidationError`."""

    def check(value: str) -> bool:
        try:
            parse(value)
        except ValidationError:
            return False
        return True

    return check


def required(value: str) -> bool:
    return bool(value.strip())


class MasterForm(ModalScreen[int | None]):
    """A modal form for one master-data record; dismisses with its id once saved."""

    DEFAULT_CSS = """
    MasterForm {
        align: center middle;
    }
    MasterForm #form {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $panel;
        padding: 0 1;
    }
    MasterForm .form-title {
        text-style: bold;
        padding: 0 0 1 0;
    }
    MasterForm .field {
        height: auto;
    }
    MasterForm .field {
        margin: 1 0 0 0;
    }
    MasterForm .field > Label.caption {
        width: 14;
        padding: 0 1 0 0;
    }
    MasterForm .field > Input {
        width: 1fr;
    }
    MasterForm Label.field-error {
        color: $error;
        width: 1fr;
        height: auto;
        padding: 0 0 0 14;
    }
    MasterForm #form-error {
        color: $error;
        height: auto;
    }
    MasterForm .hint {
        color: $text-muted;
        height: auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("ctrl+l", "reload", "Reload", id="reload"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    #: words of a data-layer message -> the field it is about, the first found wins (English
    #: words; their translation is looked for too: ``locale/*/data.po``)
    ERROR_FIELDS: ClassVar[dict[str, str]] = {}
    #: the field of a message that names none of them (None: under the form)
    OTHER_ERRORS: ClassVar[str | None] = None

    def __init__(self, record_id: int | None = None) -> None:
        super().__init__()
        self.record_id = record_id
        self.saving = False
        #: the version of the record as loaded (None: a new record, or not loaded yet)
        self.version: int | None = None
        #: the record as the operator opened it, for messages ("Client “Acme”")
        self.record_text = ""

    # -- to implement -----------------------------------------------------------------

    def title_text(self) -> str:
        raise NotImplementedError

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    def load(self) -> Any:
        """Read the record (worker thread); its result goes to :meth:`fill`."""
        return None

    def fill(self, data: Any) -> None:
        """Put the loaded record into the fields (UI thread); called again on a reload, so it
        replaces what an earlier call put in."""

    def version_of(self, data: Any) -> int | None:
        """The version of the loaded record (sent with the save)."""
        return None

    def describe(self, data: Any) -> str:
        """The loaded record for a message, translated ("Client “Acme”")."""
        return self.title_text()

    def save(self, values: Any, version: int | None) -> int:
        """Save ``values`` (from :meth:`values`) in a worker thread, as a change of the record
        read at ``version``; returns the record id."""
        raise NotImplementedError

    def values(self) -> Any:
        """The fields' values, read on the UI thread before :meth:`save` runs."""
        return None

    def extra_errors(self) -> list[tuple[str, str]]:
        """Checks beyond the single fields: (field id, message)."""
        return []

    def field_of(self, error: ValidationError) -> str | None:
        """Which field a data-layer error belongs to (None: shown under the form)."""
        head = error.path.split(".")[0].split("[")[0]
        if head.isidentifier() and self.query(f"#{head}-error"):
            return head
        # what the operator typed is quoted in the message: a client named "Address Co" is
        # not an error about addresses
        message = error.message
        for typed in sorted({i.value.strip() for i in self.query(Input)}, key=len, reverse=True):
            if typed:
                message = message.replace(typed, " ")
        for field_id in fields_named(message, self.ERROR_FIELDS):
            if self.query(f"#{field_id}-error"):
                return field_id
        return self.OTHER_ERRORS

    # -- building blocks ------------------------------------------------------------------

    def field(
        self,
        caption: str,
        field_id: str,
        *,
        value: str = "",
        validators: Iterable[Validator] = (),
        placeholder: str = "",
    ) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(caption, classes="caption")
            yield Input(
                value,
                placeholder=placeholder,
                id=field_id,
                validators=list(validators),
                validate_on=["submitted"],
                compact=True,
            )
        yield Label("", id=f"{field_id}-error", classes="field-error")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label(self.title_text(), classes="form-title")
            yield from self.compose_fields()
            yield Label("", id="form-error")
            yield Label(_("Ctrl+S save · Escape cancel"), classes="hint")

    def on_mount(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.display = False
        if self.record_id is not None:
            run_db(self, self.load, self._loaded, group="form-load")
        else:
            self._focus_first()

    def _loaded(self, data: Any) -> None:
        self.version = self.version_of(data)
        self.record_text = self.describe(data)
        self.fill(data)
        self._focus_first()

    def _focus_first(self) -> None:
        first = self.query(Input).first()
        first.focus()

    # -- validation --------------------------------------------------------------------------

    def show_error(self, field_id: str, message: str) -> None:
        try:
            label = self.query_one(f"#{field_id}-error", Label)
        except Exception:  # a field without its own line: under the form
            label = self.query_one("#form-error", Label)
        label.update(plain(message))  # user text in it (a name, a code): never markup
        label.display = bool(message)

    def clear_errors(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.update("")
            label.display = False
        self.query_one("#form-error", Label).update("")

    def validate_all(self) -> bool:
        """Run every field's validators and the form's checks; show the messages."""
        self.clear_errors()
        first_bad: str | None = None
        for field in self.query(Input):
            if not field.id or not field.validators:
                continue
            result = field.validate(field.value)
            if result is not None and not result.is_valid:
                self.show_error(field.id, "; ".join(result.failure_descriptions))
                first_bad = first_bad or field.id
        for field_id, message in self.extra_errors():
            self.show_error(field_id, message)
            first_bad = first_bad or field_id
        if first_bad is not None:
            with contextlib.suppress(Exception):
                self.query_one(f"#{first_bad}", Input).focus()
            return False
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        # once a message is shown, it follows the typing (and goes away when fixed)
        field_id = event.input.id
        if not field_id:
            return
        try:
            label = self.query_one(f"#{field_id}-error", Label)
        except Exception:
            return
        if label.display and event.input.validators:
            result = event.input.validate(event.input.value)
            message = ""
            if result is not None and not result.is_valid:
                message = "; ".join(result.failure_descriptions)
            self.show_error(field_id, message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # -- actions ------------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.saving or not self.validate_all():
            return
        self.saving = True
        values, version = self.values(), self.version
        run_db(
            self,
            lambda: self.save(values, version),
            self._done,
            failed=self._failed,
            group="form-save",
        )

    def _done(self, record_id: int) -> None:
        self.saving = False
        self.dismiss(record_id)

    def _failed(self, error: OrdersError) -> None:
        self.saving = False
        if isinstance(error, ConflictError):
            # the form stays open with what was typed; Ctrl+L shows the other change
            self.show_error(
                "form",
                _(
                    "{record} was changed in another terminal since you opened it. "
                    "Nothing was saved. Ctrl+L reloads it to show the change (what you typed "
                    "here is lost); then make your change again."
                ).format(record=self.record_text),
            )
            self.notify(
                self.record_text,
                title=_("Changed in another terminal"),
                severity="error",
                markup=False,
            )
            return
        field_id = self.field_of(error) if isinstance(error, ValidationError) else None
        message = error.message if isinstance(error, ValidationError) else str(error)
        self.show_error(field_id or "form", message)
        if field_id:
            with contextlib.suppress(Exception):
                self.query_one(f"#{field_id}", Input).focus()

    def action_reload(self) -> None:
        """Read the record again (after a conflict: the other terminal's change and the
        version to save against); what was typed in the form is replaced."""
        if self.record_id is None or self.saving:
            return
        run_db(self, self.load, self._reloaded, group="form-load")

    def _reloaded(self, data: Any) -> None:
        self.clear_errors()
        self._loaded(data)
        self.notify(_("Reloaded: the form shows the record as saved now"), markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)
