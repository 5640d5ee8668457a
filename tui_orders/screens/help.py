"""Help (``?`` or F1): every key of the screen it was opened from, as a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label

from ..i18n import _


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    description: str
    where: str


def _where(node: Any, screen: Screen[Any]) -> str:
    from textual.app import App

    if isinstance(node, App):
        return _("everywhere")
    if node is screen:
        return _("this screen")
    return _("current field")


def screen_keys(screen: Screen[Any]) -> list[KeyHelp]:
    """Every key binding with a description active on ``screen``: its focused widget's chain,
    the screen itself and the app; the keys of one action are listed together."""
    app = screen.app
    grouped: dict[tuple[int, str], tuple[list[str], str, str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        mark = (id(active.node), binding.action)
        display = app.get_key_display(binding)
        if mark in grouped:
            keys = grouped[mark][0]
            if display not in keys:
                keys.append(display)
        else:
            grouped[mark] = ([display], _(binding.description), _where(active.node, screen))
    order = {_("this screen"): 0, _("current field"): 1, _("everywhere"): 2}
    rows = []
    for (_node, action), (keys, text, where) in grouped.items():
        # the screen's own keys first; Tab and copy, the same on every screen, last
        rank = 3 if action in _GENERIC else order.get(where, 3)
        rows.append((rank, KeyHelp(" / ".join(keys), text, where)))
    rows.sort(key=lambda r: r[0])
    return [row for _rank, row in rows]


_GENERIC = {"app.focus_next", "app.focus_previous", "screen.copy_text"}


class HelpScreen(ModalScreen[None]):
    """The keys of another screen; Escape, q or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen #help {
        width: 80%;
        max-width: 90;
        height: 90%;
        border: thick $primary;
        background: $panel;
        padding: 0 1;
    }
    HelpScreen #help-title {
        text-style: bold;
        padding: 0 0 1 0;
    }
    HelpScreen DataTable {
        height: 1fr;
    }
    HelpScreen .hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1", "close", "Close", id="close_help"),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.target = screen
        # read now: once the help is on top, the target's bindings are no longer active
        self.keys = screen_keys(screen)

    def compose(self) -> ComposeResult:
        title = self.target.sub_title or self.target.title or type(self.target).__name__
        with Vertical(id="help"):
            yield Label(_("Keys: {screen}").format(screen=title), id="help-title", markup=False)
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            yield Label(
                _("Escape, q or F1 closes; Ctrl+P runs any of these by name"), classes="hint"
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Key"), _("Action"), _("Where"))
        for row in self.keys:
            table.add_row(Text(row.keys), Text(row.description), Text(row.where))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
