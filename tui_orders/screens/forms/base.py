"""What every form shares: a modal with a title, one row per field, the message beside it.

Keys: ``Ctrl+S`` saves, ``Escape`` cancels (nothing is saved), ``Tab``/``Shift+Tab`` move
between fields, ``Enter`` in a text field moves to the next field and, in the last one, saves
(so a form can be filled with the keys a paper form would take).

Saving validates every field first (the form never closes while a field is invalid), then
runs the data service in a worker with the order's ``expected_version``: a ValidationError
is shown beside the field it names (by ``ValidationError.path`` or a word of its message) or
at the top; a ConflictError is shown and the form closes with :attr:`CONFLICT_RESULT` so the
caller reloads the order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from ...data.errors import ConflictError, OrdersError, ValidationError
from ...i18n import _
from ...widgets.fields import FieldInput
from ...widgets.footer import Footer
from ..common import run_db

R = TypeVar("R")


def fields_named(message: str, words: Mapping[str, str]) -> Iterator[str]:
    """The fields a data-layer message is about, in the order of ``words`` (a word of a
    message -> the field): those whose English word, or its translation in the current
    language, is in the message, in any case. The data layer's messages come in the current
    language (``locale/*/data.po``), or in English when a message has no translation."""
    text = message.lower()
    for word, name in words.items():
        if word.lower() in text or _(word).lower() in text:
            yield name


class FieldRow(Vertical):
    """A label, the field and a hint on one line; the validation message under them."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
        margin-bottom: 0;
    }
    FieldRow > Horizontal {
        height: auto;
    }
    FieldRow .field-label {
        width: 20;
        color: $text-muted;
    }
    FieldRow .field-hint {
        width: auto;
        min-width: 12;
        padding-left: 1;
        color: $text-muted;
    }
    FieldRow .field-message {
        color: $error;
        padding-left: 20;
        display: none;
    }
    FieldRow .field-message.-shown {
        display: block;
    }
    FieldRow Select {
        width: 1fr;
    }
    """

    def __init__(self, name: str, label: str, widget: Widget) -> None:
        super().__init__(id=f"row-{name}")
        self.field_name = name
        self.label = label
        self.widget = widget

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="field-label")
            yield self.widget
            yield Static("", id=f"h-{self.field_name}", classes="field-hint", markup=False)
        yield Static("", id=f"m-{self.field_name}", classes="field-message", markup=False)


class FormScreen(ModalScreen[R], Generic[R]):
    """Base of the forms; subclasses give :meth:`compose_fields`, :meth:`load` and
    :meth:`save_work`."""

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen > #form {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    FormScreen #form-title {
        text-style: bold;
        width: 1fr;
        margin-bottom: 1;
    }
    FormScreen #form-error {
        color: $error;
        display: none;
    }
    FormScreen #form-error.-shown {
        display: block;
    }
    FormScreen #form-fields {
        height: auto;
        max-height: 100%;
    }
    FormScreen #form-keys {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    #: what the form returns when cancelled with Escape
    CANCEL_RESULT: Any = False
    #: what it returns after a conflict (the caller reloads the order)
    CONFLICT_RESULT: Any = False
    #: words of a service error message -> the field it is about (English; a word is also
    #: looked for in the current language, through the catalog: :func:`fields_named`)
    ERROR_FIELDS: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.saving = False
        self.loaded = False

    # ------------------------------------------------------------------ layout

    def title_text(self) -> str:
        return ""

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def compose_extra(self) -> ComposeResult:
        """Widgets outside the form box (completion dropdowns)."""
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(self.title_text(), id="form-title", markup=False)
            yield Static("", id="form-error", markup=False)
            with VerticalScroll(id="form-fields"):
                yield from self.compose_fields()
            yield Static(
                _("Ctrl+S save · Esc cancel · Tab next field · Enter in the last field saves"),
                id="form-keys",
            )
        yield from self.compose_extra()
        yield Footer()

    def row(self, name: str, label: str, widget: Widget) -> FieldRow:
        """A field row; the widget gets the id ``f-<name>``."""
        widget.id = f"f-{name}"
        return FieldRow(name, label, widget)

    def field(self, name: str) -> Any:
        return self.query_one(f"#f-{name}")

    def value(self, name: str) -> str:
        widget = self.field(name)
        if isinstance(widget, Input):
            return str(widget.value).strip()
        raise TypeError(name)

    def choice(self, name: str) -> Any:
        """The value of a Select field (None when nothing is chosen)."""
        widget = self.query_one(f"#f-{name}", Select)
        return None if widget.value is Select.NULL else widget.value

    # ------------------------------------------------------------------ loading

    def on_mount(self) -> None:
        work = self.load_work()
        if work is None:
            self.loaded = True
            self.after_load(None)
        else:
            run_db(self, work, self._loaded, failed=self._load_failed, group="form-load")

    def load_work(self) -> Callable[[], Any] | None:
        """Database work that reads what the form shows (None: nothing to read)."""
        return None

    def _loaded(self, data: Any) -> None:
        self.loaded = True
        self.after_load(data)

    def after_load(self, data: Any) -> None:
        """Fill the fields from what :meth:`load_work` read (on the UI thread)."""

    def _load_failed(self, exc: OrdersError) -> None:
        self.notify(str(exc), title=_("Cannot open the form"), severity="error", markup=False)
        self.dismiss(self.CANCEL_RESULT)

    # ------------------------------------------------------------------ messages

    def show_message(self, name: str, message: str) -> None:
        try:
            label = self.query_one(f"#m-{name}", Static)
        except Exception:
            self.show_error(message)
            return
        label.update(message)
        label.set_class(bool(message), "-shown")

    def show_hint(self, name: str, hint: str) -> None:
        with contextlib.suppress(Exception):
            self.query_one(f"#h-{name}", Static).update(hint)

    def show_error(self, message: str) -> None:
        label = self.query_one("#form-error", Static)
        label.update(message)
        label.set_class(bool(message), "-shown")

    def message_of(self, name: str) -> str:
        """The validation message shown beside a field (empty when none)."""
        return str(self.query_one(f"#m-{name}", Static).content)

    def _field_name(self, widget: Widget) -> str | None:
        wid = widget.id or ""
        return wid[2:] if wid.startswith("f-") else None

    def check_input(self, widget: Input, *, empty_ok: bool = True) -> bool:
        """Validate one input and show (or clear) its message; True when valid."""
        name = self._field_name(widget)
        if name is None:
            return True
        if empty_ok and not widget.value.strip():
            self.show_message(name, "")
            widget.remove_class("-invalid")
            ok = True
        else:
            result = widget.validate(widget.value)
            ok = result is None or result.is_valid
            self.show_message(
                name, "" if ok or result is None else "; ".join(result.failure_descriptions)
            )
        hint = widget.hint() if ok and isinstance(widget, FieldInput) else ""
        self.show_hint(name, hint)
        return ok

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self.check_input(event.input)
        self.field_changed(self._field_name(event.input) or "", event.input)

    def field_changed(self, name: str, widget: Input) -> None:
        """A text field changed (after its own validation); subclasses react here."""

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = [w for w in self.query(Input) if w.focusable and w.id and w.id.startswith("f-")]
        if inputs and event.input is inputs[-1]:
            self.action_save()
        else:
            self.focus_next()

    # ------------------------------------------------------------------ saving

    def validate_form(self) -> bool:
        """Validate every field, show every message; True when the form can be saved."""
        ok = True
        first_bad: Widget | None = None
        for widget in self.query(Input):
            if not (widget.id or "").startswith("f-"):
                continue
            good = self.check_input(widget, empty_ok=False)
            if not good and first_bad is None:
                first_bad = widget
            ok = ok and good
        extra = self.validate_extra()
        for name, message in extra.items():
            self.show_message(name, message)
            if first_bad is None:
                try:
                    first_bad = self.field(name)
                except Exception:
                    first_bad = None
        ok = ok and not extra
        if first_bad is not None:
            first_bad.focus()
        return ok

    def validate_extra(self) -> dict[str, str]:
        """Checks across fields (field name -> message); empty when all is well."""
        return {}

    def save_work(self) -> Callable[[], Any]:
        """The database work of saving (runs in a worker); its result is dismissed with."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save" and (self.saving or not self.loaded):
            return None
        return True

    def action_save(self) -> None:
        if self.saving or not self.loaded:
            return
        self.show_error("")
        if not self.validate_form():
            self.show_error(_("Correct the marked fields"))
            return
        work = self.save_work()
        self.saving = True
        self.refresh_bindings()
        run_db(self, work, self._saved, failed=self._save_failed, group="form-save")

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.dismiss(self.result_of(result))

    def result_of(self, saved: Any) -> Any:
        return saved

    def _save_failed(self, exc: OrdersError) -> None:
        self.saving = False
        self.refresh_bindings()
        if isinstance(exc, ConflictError):
            self.notify(
                str(exc), title=_("Changed in another terminal"), severity="error", markup=False
            )
            self.dismiss(self.CONFLICT_RESULT)
            return
        name = self.field_for_error(exc)
        message = exc.message if isinstance(exc, ValidationError) else str(exc)
        if name is not None:
            self.show_message(name, message)
            self.show_error(_("Not saved: correct the marked field"))
            with contextlib.suppress(Exception):
                self.field(name).focus()
        else:
            self.show_error(message)

    def field_for_error(self, exc: OrdersError) -> str | None:
        """The field a service error is about (by its path, else by a word of its message)."""
        path = exc.path if isinstance(exc, ValidationError) else ""
        if path:
            head = path.split(".")[0].split("[")[0]
            if self.query(f"#m-{head}"):
                return head
        text = exc.message if isinstance(exc, ValidationError) else str(exc)
        for name in fields_named(text, self.ERROR_FIELDS):
            if self.query(f"#m-{name}"):
                return name
        return None

    def action_cancel(self) -> None:
        self.dismiss(self.CANCEL_RESULT)
