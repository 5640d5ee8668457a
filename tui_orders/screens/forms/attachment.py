"""Attachments of an order: attach a file from a path, save one back out to a path.

Both are small modals with one path field. The work runs in a worker; what the service
refuses (no such file, a folder, too big, no such folder) is shown in the modal, which stays
open for another path. Saving over an existing file asks first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ...data.attachments import AttachmentInfo, attach_file, save_attachment
from ...data.errors import OrdersError
from ...i18n import _
from ..common import run_db


class _PathModal(ModalScreen[Any]):
    """A title, a path field, an error line; Enter runs :meth:`submit`, Escape goes back."""

    DEFAULT_CSS = """
    _PathModal { align: center middle; }
    _PathModal > Vertical {
        width: 76; max-width: 100%; height: auto; border: thick $primary;
        background: $surface; padding: 1 2;
    }
    _PathModal #path-error { color: $error; height: auto; }
    _PathModal .hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="path_back"),
    ]

    def __init__(self, title: str, prompt: str, value: str = "") -> None:
        super().__init__()
        self._heading = title
        self._prompt_text = prompt
        self._initial = value
        self._working = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self._heading, style="bold"), markup=False)
            yield Label(self._prompt_text, markup=False)
            yield Input(value=self._initial, id="path")
            yield Label("", id="path-error", markup=False)
            yield Label(_("Enter: go on · Escape: back"), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def path_text(self) -> str:
        return self.query_one("#path", Input).value.strip()

    def show_error(self, message: str) -> None:
        self._working = False
        self.query_one("#path-error", Label).update(message)
        self.query_one("#path", Input).focus()

    @on(Input.Changed, "#path")
    def _changed(self) -> None:
        self.query_one("#path-error", Label).update("")

    @on(Input.Submitted, "#path")
    def _submitted(self) -> None:
        if self._working:
            return
        if not self.path_text:
            self.show_error(_("Type a path"))
            return
        self._working = True
        self.submit(self.path_text)

    def submit(self, path: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _failed(self, exc: OrdersError) -> None:
        self.show_error(str(exc))


class AttachFileModal(_PathModal):
    """Attach the file at a typed path to the order; returns its :class:`AttachmentInfo`."""

    def __init__(self, order_id: int, version: int | None, number: str) -> None:
        super().__init__(
            _("Attach a file to order {number}").format(number=number),
            _("Path of the file (at most 50 MB)"),
        )
        self.order_id = order_id
        self.version = version

    def submit(self, path: str) -> None:
        order_id, version = self.order_id, self.version
        run_db(
            self,
            lambda: attach_file(order_id, path, expected_version=version),
            self._done,
            failed=self._failed,
            group="attach-file",
        )

    def _done(self, info: AttachmentInfo) -> None:
        self.dismiss(info)


class SaveAttachmentModal(_PathModal):
    """Save attachment ``att_id`` to a typed path (a folder: under its own name); an existing
    file is replaced only after a yes. Returns the path written."""

    def __init__(self, att_id: int, name: str, folder: str | Path | None = None) -> None:
        start = Path(folder) if folder is not None else Path.cwd()
        super().__init__(
            _("Save {name} to a file").format(name=name),
            _("Path to save to (a folder: the file keeps its name)"),
            str(start / name),
        )
        self.att_id = att_id
        self.file_name = name

    def _target(self, path: str) -> Path:
        target = Path(path).expanduser()
        return target / self.file_name if target.is_dir() else target

    def submit(self, path: str, overwrite: bool = False) -> None:
        att_id = self.att_id

        def work() -> tuple[bool, Path]:
            target = self._target(path)
            if target.exists() and not overwrite:
                return False, target
            return True, save_attachment(att_id, path, overwrite=overwrite)

        run_db(self, work, lambda result: self._done(path, *result), failed=self._failed)

    def _done(self, path: str, saved: bool, target: Path) -> None:
        if saved:
            self.dismiss(target)
            return
        from ..order import ConfirmModal

        question = Text(
            _("{path} already exists. Replace it with {name}?").format(
                path=target, name=self.file_name
            )
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.submit(path, overwrite=True)
            else:
                self.show_error(_("Not saved: {path} already exists").format(path=target))

        self.app.push_screen(ConfirmModal(question), answered)


__all__ = ["AttachFileModal", "SaveAttachmentModal"]
