"""What the Clients, Articles and Taxes screens share: a searchable list that opens a form.

A subclass says how to load its rows (a data-layer function, run off the UI thread), how a
row looks, and which form edits it; the keys (``/`` search, ``n`` new, ``e``/Enter edit,
Escape back) are the same on the three screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Header, Input, Label

from ..i18n import _
from ..widgets.footer import Footer
from .common import run_db

Row = TypeVar("Row")


class MasterListScreen(Screen[None], Generic[Row]):
    """A list of master data with incremental search; subclasses fill in the specifics."""

    DEFAULT_CSS = """
    MasterListScreen #search-bar {
        height: 3;
    }
    MasterListScreen #search-bar Label {
        padding: 1 1 0 1;
    }
    MasterListScreen #search {
        width: 1fr;
    }
    MasterListScreen #list {
        height: 1fr;
    }
    MasterListScreen #count {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="search"),
        Binding("n", "new", "Add", id="new"),
        Binding("e", "edit", "Edit", id="edit"),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._generation = 0

    # -- to implement -----------------------------------------------------------------

    def heading(self) -> str:
        """The screen's name, translated."""
        raise NotImplementedError

    def columns(self) -> Sequence[str]:
        """Column titles, translated."""
        raise NotImplementedError

    def fetch(self, text: str) -> list[Row]:
        """The rows matching ``text`` (runs in a worker thread)."""
        raise NotImplementedError

    def cells(self, row: Row) -> Sequence[Text]:
        """The cells of one row (user text as :class:`Text`, never markup)."""
        raise NotImplementedError

    def row_id(self, row: Row) -> int:
        raise NotImplementedError

    def form(self, row_id: int | None) -> ModalScreen[int | None]:
        """The form editing ``row_id`` (None: a new one); it dismisses with the saved id."""
        raise NotImplementedError

    # -- the screen ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-bar"):
            yield Label(_("Search:"))
            yield Input(placeholder=_("type to search"), id="search")
        yield DataTable(id="list", cursor_type="row", zebra_stripes=True)
        yield Label("", id="count")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.heading()
        table = self.query_one("#list", DataTable)
        table.add_columns(*self.columns())
        table.focus()
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        """Fetch the rows for the current search text, then show them."""
        self._generation += 1
        generation = self._generation
        text = self.query_one("#search", Input).value

        def done(rows: list[Row]) -> None:
            if generation == self._generation:  # an older search finishing late is dropped
                self._show(rows, select_id)

        run_db(self, lambda: self.fetch(text), done, group="master-list")

    def _show(self, rows: list[Row], select_id: int | None) -> None:
        table = self.query_one("#list", DataTable)
        current = self.current_id() if select_id is None else select_id
        self.rows = rows
        with self.app.batch_update():
            table.clear()
            for row in rows:
                table.add_row(*self.cells(row), key=str(self.row_id(row)))
        ids = [self.row_id(r) for r in rows]
        if current in ids:
            table.move_cursor(row=ids.index(current))
        self.query_one("#count", Label).update(_("{count} found").format(count=len(rows)))
        self.refresh_bindings()

    def current_id(self) -> int | None:
        table = self.query_one("#list", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.row_id(self.rows[table.cursor_row])

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.query_one("#list", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.current_id() is not None if self.is_mounted else None
        return True

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""  # first Escape clears the search, the next one leaves
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_new(self) -> None:
        self.app.push_screen(self.form(None), self._saved)

    def action_edit(self) -> None:
        row_id = self.current_id()
        if row_id is not None:
            self.app.push_screen(self.form(row_id), self._saved)

    def _saved(self, row_id: int | None) -> None:
        if row_id is not None:
            self.notify(_("Saved"))
            self.reload(select_id=row_id)


def cell(value: Any) -> Text:
    """A table cell of user text: shown exactly as typed."""
    return Text("" if value is None else str(value))
