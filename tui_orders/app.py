"""The terminal app: :func:`create_app` builds it; the CLI and the tests both use it."""

from __future__ import annotations

import datetime as dt
import gc
import sys
import threading
from typing import Any, ClassVar


def _import_peewee_without_psycopg2() -> None:
    """Import peewee without the PostgreSQL driver, which it imports when installed (~15 ms
    of start-up, for nothing on SQLite); the driver is loaded when a PostgreSQL database
    first connects (``make_database`` checks it is installed when it builds one)."""
    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    sys.modules["psycopg2"] = None  # type: ignore[assignment]  # an ImportError for peewee
    try:
        import peewee
    finally:
        del sys.modules["psycopg2"]
    if peewee.psycopg2 is not None:  # pragma: no cover - imported some other way
        return
    connect = peewee.PostgresqlDatabase._connect

    def _connect(self: Any, *args: Any, **kwargs: Any) -> Any:
        if peewee.psycopg2 is None:
            try:
                import psycopg2
            except ImportError:
                pass  # peewee says the driver is missing
            else:
                # what peewee's own module does when it finds the driver at import time
                from psycopg2 import errors, extensions
                from psycopg2.extras import register_uuid

                register_uuid()
                peewee.pg_extensions, peewee.pg_errors = extensions, errors
                peewee.psycopg2 = psycopg2
        return connect(self, *args, **kwargs)

    peewee.PostgresqlDatabase._connect = _connect


# Start-up: the imports below create some 50,000 objects (Textual), and the cyclic garbage
# collector would scan them again and again while they are being created (~40 ms, a fifth of the
# time to the first frame). It is paused for the imports, and what they created (long-lived:
# modules, classes, styles) is then moved out of its sight with gc.freeze().
#
# The data layer (peewee, the models: ~35 ms of imports) is not imported here: the worker that
# opens the database imports it (:meth:`OrdersApp._open_database`), while this thread starts
# the terminal and draws (and waits for Textual's refresh timer, with nothing else to do).
_collecting = gc.isenabled()
gc.disable()
try:
    from textual import events
    from textual.app import App
    from textual.binding import Binding, BindingType
    from textual.screen import Screen

    from . import i18n
    from .commands import ScreenCommands
    from .data.errors import OrdersError
    from .i18n import _
finally:
    if _collecting:
        gc.enable()
gc.freeze()


#: how long the worker waits for the home screen's first frame before opening the database
FIRST_FRAME_WAIT = 0.5


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
        Binding("f8", "show_links", "Production and purchase orders", show=False, id="show_links"),
        Binding("f9", "show_offers", "Offers", show=False, id="show_offers"),
        Binding("f10", "show_monitor", "Monitor", show=False, id="show_monitor"),
        Binding("f11", "show_reports", "Reports", show=False, id="show_reports"),
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
        home: str | None = None,
    ) -> None:
        i18n.set_language(lang)
        if home is not None:
            from .settings import check_home

            home = check_home(home)
        #: the home screen, "orders" or "monitor" (None: from the settings file, read in the
        #: worker that opens the database)
        self.home = home
        self._settings_problems: tuple[str, ...] = ()
        super().__init__()
        self.database_url = database
        self.user = user
        self._today = today
        #: how often lists look for changes saved by other terminals
        self.poll_seconds = poll_seconds
        self._open_db = open_db
        self.db_ready = False
        #: what the home screen shows first, read with the database opening (None: not read)
        self.home_prefetch: Any = None
        self._mounted = threading.Event()
        self._console_dimensions: tuple[int | None, int | None] | None = None
        self._collect_after_start = False
        #: set once the home screen's first frame is drawn
        self._first_frame = threading.Event()
        #: the database was opened before the home screen was built (not the start-up read)
        self._database_ready_first = False
        #: the home screen is pushed
        self.home_shown = False

    def today(self) -> dt.date:
        """Today's date (fixed in tests for deterministic screens)."""
        return self._today or dt.date.today()

    def on_load(self) -> None:
        self._pin_console_size()
        # Open the database (and read the home screen's first rows) while the terminal and
        # the styles are being set up, not after.
        if self._open_db:
            # no garbage collection until the home screen is drawn (see the imports above)
            self._collect_after_start = gc.isenabled()
            gc.disable()
            self.run_worker(self._open_database, thread=True, group="open-db", exit_on_error=False)

    def on_mount(self) -> None:
        self.title = _("tui-orders")
        self.sub_title = _("customer orders")
        self._mounted.set()
        if self._open_db:
            self.call_after_refresh(self._prepare_home)

    def _prepare_home(self) -> None:
        """While the worker opens the database: the home screen's styles, parsed now rather
        than when it is mounted (a tenth of the way to its first frame)."""
        if self.db_ready or self.home_shown or self.home == "monitor":
            return
        try:
            from .screens.orders import OrdersScreen

            OrdersScreen.prepare_styles(self)
        except Exception:  # pragma: no cover - only a head start: mounting parses them anyway
            pass

    def on_resize(self, event: events.Resize) -> None:
        self._pin_console_size()

    def _pin_console_size(self) -> None:
        """rich's Console asks the terminal for its size (an ioctl on stdin, stdout and stderr)
        every time a cell of a table is measured or drawn: thousands of times for the first
        frame of the order list. Fix the size it finds now, and again on every resize."""
        console = self.console
        if self._console_dimensions is None:
            # what the console was created with (None: ask the terminal)
            self._console_dimensions = (console._width, console._height)
        console._width, console._height = self._console_dimensions
        console.size = console.size

    def _open_database(self) -> None:
        """The worker of start-up: the home screen's first rows, then the database.

        On SQLite the order list's first rows are read with ``sqlite3`` alone
        (:mod:`tui_orders.data.quickstart`) and drawn first; the ORM is imported and the
        database opened (checked, migrated) after that frame, not on its way. Otherwise, or
        when that read cannot be sure of its rows, the database is opened first and the rows
        read through it.
        """
        from textual.worker import get_current_worker

        worker = get_current_worker()
        if self.home is None:
            self._read_settings()
        quick = None
        if self.home != "monitor":
            from .screens.orders import OrdersScreen

            quick = OrdersScreen.quick_prefetch(self.database_url)
        if quick is not None:
            self.home_prefetch = quick
            self._when_mounted(self._show_home)
            # the first frame first: the imports below would only share its CPU
            self._first_frame.wait(FIRST_FRAME_WAIT)
        _import_peewee_without_psycopg2()
        from .data import audit
        from .data.db import open_database

        audit.set_user(self.user)
        try:
            open_database(self.database_url)
        except OrdersError as exc:
            self._when_mounted(self._database_failed, str(exc))
            return
        if quick is not None:
            if not worker.is_cancelled:
                self._when_mounted(self._database_ready)
            return
        try:
            if self.home == "monitor":
                from .screens.monitor import MonitorScreen

                self.home_prefetch = MonitorScreen.prefetch(self.today())
            else:
                from .screens.orders import OrdersScreen

                self.home_prefetch = OrdersScreen.prefetch()
        except Exception:  # the screen reads again, and reports what fails then
            self.home_prefetch = None
        if not worker.is_cancelled:
            self._database_ready_first = True
            self._when_mounted(self._show_home)

    def _read_settings(self) -> None:
        """The home screen and the problems of the settings file (no file: the defaults, and
        no TOML reader to import)."""
        from .settings import DEFAULT_HOME, load_settings, settings_path

        try:
            present = settings_path().is_file()
        except OSError:
            present = True  # load_settings says what is wrong
        if present:
            settings = load_settings()
            self.home, self._settings_problems = settings.home, settings.problems
        else:
            self.home = DEFAULT_HOME

    def _when_mounted(self, callback: Any, *args: Any) -> None:
        """From a worker: ``callback(*args)`` on the UI thread once the app is mounted."""
        from textual.worker import get_current_worker

        worker = get_current_worker()
        while not self._mounted.wait(0.02):
            if worker.is_cancelled:
                return
        self.call_from_thread(callback, *args)

    def _show_home(self) -> None:
        self._database_opened()
        # through the screen just pushed: after *its* first frame
        self.screen.call_after_refresh(self._started)

    def _started(self) -> None:
        """The first frame of the home screen is drawn: collect garbage again."""
        self._first_frame.set()
        if self._collect_after_start:
            self._collect_after_start = False
            gc.enable()

    def on_unmount(self) -> None:
        self._started()

    def _database_failed(self, message: str) -> None:
        self._started()
        self.exit(message=f"tui-orders: {message}", return_code=1)

    def _database_ready(self) -> None:
        """The database is open, after the home screen was drawn from the start-up read."""
        from .screens.orders import OrdersScreen

        self.db_ready = True
        for screen in self.screen_stack:
            if isinstance(screen, OrdersScreen):
                screen.database_ready()

    def _database_opened(self) -> None:
        from .screens.orders import OrdersScreen

        self.db_ready = self._database_ready_first
        self.home_shown = True
        prefetch, self.home_prefetch = self.home_prefetch, None
        for problem in self._settings_problems:
            self.notify(problem, title=_("Settings"), severity="warning", markup=False)
        if self.home == "monitor":
            from .screens.monitor import MonitorScreen

            self.push_screen(MonitorScreen(prefetch))
            return
        self.push_screen(OrdersScreen(prefetch, db_open=self.db_ready))

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
        for open_screen in self.screen_stack[2:]:
            # an order still saving the codes scanned into it: they are saved first
            wait = getattr(open_screen, "after_pending_scans", None)
            if wait is not None and wait(lambda: self._go_to(screen)):
                return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if screen is not None and not isinstance(self.screen, screen):  # not the home screen
            self.push_screen(screen())

    def action_show_orders(self) -> None:
        from .screens.orders import OrdersScreen

        self._go_to(OrdersScreen)

    def action_show_monitor(self) -> None:
        from .screens.monitor import MonitorScreen

        self._go_to(MonitorScreen)

    def action_show_links(self) -> None:
        from .screens.links import LinksScreen

        self._go_to(LinksScreen)

    def action_make_home(self, home: str) -> None:
        """Save ``home`` ("orders" or "monitor") as the home screen in the settings file; on
        the home screen itself, it is replaced now."""
        from .settings import set_home

        try:
            set_home(home)
        except (OSError, ValueError) as exc:
            self.notify(str(exc), title=_("Settings"), severity="error", markup=False)
            return
        self.home = home
        message = (
            _("The monitor is the home screen")
            if home == "monitor"
            else _("The orders list is the home screen")
        )
        self.notify(message, title=_("Settings"), markup=False)
        if len(self.screen_stack) == 2:
            from .screens.monitor import MonitorScreen
            from .screens.orders import OrdersScreen

            self.switch_screen(MonitorScreen() if home == "monitor" else OrdersScreen())

    def action_show_clients(self) -> None:
        from .screens.clients import ClientsScreen

        self._go_to(ClientsScreen)

    def action_show_articles(self) -> None:
        from .screens.articles import ArticlesScreen

        self._go_to(ArticlesScreen)

    def action_show_taxes(self) -> None:
        from .screens.taxes import TaxesScreen

        self._go_to(TaxesScreen)

    def action_show_offers(self) -> None:
        from .screens.offers import OffersScreen

        self._go_to(OffersScreen)

    def action_show_reports(self) -> None:
        from .screens.reports import ReportsScreen

        self._go_to(ReportsScreen)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def create_app(database: str | None = None, **options: Any) -> OrdersApp:
    """Build the app on ``database`` (path or URL; None: the configured default).

    Options: ``user`` (audit name), ``lang`` ("en", "bg"; default from the locale),
    ``today`` (a fixed date, for tests), ``poll_seconds`` (live refresh period), ``home``
    ("orders" or "monitor"; default: the settings file, see :mod:`tui_orders.settings`).
    """
    return OrdersApp(database, **options)
