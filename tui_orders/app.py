"""The terminal app: :func:`create_app` builds it; the CLI and the tests both use it."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from . import i18n
from .commands import ScreenCommands
from .data import audit
from .data.db import open_database
from .data.errors import OrdersError
from .i18n import _


class OrdersApp(App[None]):
    """tui-orders. The database is opened in a worker; the home screen follows."""

    CSS_PATH = "app.tcss"
    TITLE = "tui-orders"
    ENABLE_COMMAND_PALETTE = True
    #: Ctrl+P: every action of the current screen, and the other screens
    COMMANDS = App.COMMANDS | {ScreenCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_app"),
        # go to a screen from anywhere (not from inside a form); in Help and the palette
        Binding("f2", "show_orders", "Orders", show=False, id="show_orders"),
        Binding("f3", "show_clients", "Clients", show=False, id="show_clients"),
        Binding("f4", "show_articles", "Articles", show=False, id="show_articles"),
        Binding("f5", "show_taxes", "Taxes", show=False, id="show_taxes"),
    ]

    def __init__(
        self,
        database: str | None = None,
        *,
        user: str | None = None,
        lang: str | None = None,
        today: dt.date | None = None,
        poll_seconds: float = 2.0,
        open_db: bool = True,
    ) -> None:
        i18n.set_language(lang)
        super().__init__()
        self.database_url = database
        self.user = user
        self._today = today
        #: how often lists look for changes saved by other terminals
        self.poll_seconds = poll_seconds
        self._open_db = open_db
        self.db_ready = False

    def today(self) -> dt.date:
        """Today's date (fixed in tests for deterministic screens)."""
        return self._today or dt.date.today()

    def on_mount(self) -> None:
        self.title = _("tui-orders")
        self.sub_title = _("customer orders")
        if self._open_db:
            self.run_worker(self._open_database, thread=True, group="open-db", exit_on_error=False)

    def _open_database(self) -> None:
        audit.set_user(self.user)
        try:
            open_database(self.database_url)
        except OrdersError as exc:
            self.call_from_thread(self._database_failed, str(exc))
            return
        self.call_from_thread(self._database_opened)

    def _database_failed(self, message: str) -> None:
        self.exit(message=f"tui-orders: {message}", return_code=1)

    def _database_opened(self) -> None:
        from .screens.orders import OrdersScreen

        self.db_ready = True
        self.push_screen(OrdersScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("show_"):
            from textual.command import CommandPalette
            from textual.screen import ModalScreen

            # a form or dialog is finished (saved or cancelled) before leaving it; the
            # palette itself is no reason (it offers these)
            below = [s for s in self.screen_stack if not isinstance(s, CommandPalette)]
            return self.db_ready and not isinstance(below[-1], ModalScreen)
        return True

    def _go_to(self, screen: type[Screen[Any]] | None) -> None:
        """Back to the home screen, then ``screen`` over it (None: stay on the home screen)."""
        if screen is not None and isinstance(self.screen, screen):
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if screen is not None:
            self.push_screen(screen())

    def action_show_orders(self) -> None:
        self._go_to(None)

    def action_show_clients(self) -> None:
        from .screens.clients import ClientsScreen

        self._go_to(ClientsScreen)

    def action_show_articles(self) -> None:
        from .screens.articles import ArticlesScreen

        self._go_to(ArticlesScreen)

    def action_show_taxes(self) -> None:
        from .screens.taxes import TaxesScreen

        self._go_to(TaxesScreen)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def create_app(database: str | None = None, **options: Any) -> OrdersApp:
    """Build the app on ``database`` (path or URL; None: the configured default).

    Options: ``user`` (audit name), ``lang`` ("en", "bg"; default from the locale),
    ``today`` (a fixed date, for tests), ``poll_seconds`` (live refresh period).
    """
    return OrdersApp(database, **options)
