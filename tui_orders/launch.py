"""The ``tui-orders`` console script: the app at once, or the command line.

``tui-orders`` with no command (at most the options :data:`APP_OPTIONS`) is what an operator
starts every morning: it opens the app without importing the command line (click and the
commands' modules, ~30 ms of a start-up of ~0.3 s). Anything else, including a bad option
value, ``--help`` and ``--version``, goes to :func:`tui_orders.cli.main`, which says what is
wrong as it always does. The app starts the same way either way (:func:`run_app`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

EXIT_ERROR = 1
#: the choices of ``--lang`` and ``--home`` (the command line's options take them from here)
LANGS = ("en", "bg")
HOMES = ("orders", "monitor")
#: the group options the app takes, and the values each allows (None: any)
APP_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "--db": None,
    "--user": None,
    "--lang": LANGS,
    "--home": HOMES,
}


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """One line on stderr, and exit ``code``."""
    sys.stderr.write(f"tui-orders: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every error into one clear line on stderr and a non-zero exit."""
    from .data.errors import OrdersError

    try:
        yield
    except OrdersError as exc:
        fail(str(exc))
    except OSError as exc:
        if os.environ.get("TUI_ORDERS_DEBUG"):
            raise
        name = f" {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{':' if name else ''}{name}")
    except Exception as exc:
        # peewee's errors, without importing peewee to name them (the app imports it later)
        peewee = sys.modules.get("peewee")
        if peewee is None or not isinstance(exc, peewee.DatabaseError):
            raise
        if os.environ.get("TUI_ORDERS_DEBUG"):
            raise
        fail(f"database error: {exc}".strip())


def app_options(argv: Sequence[str]) -> dict[str, str] | None:
    """The options of ``argv`` when it only starts the app (``--db X``, ``--lang=bg``, each at
    most once, with an allowed value), else None (the command line decides)."""
    found: dict[str, str] = {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if name not in APP_OPTIONS or name in found:
            return None
        if not eq:
            if not args:
                return None
            value = args.pop(0)
        allowed = APP_OPTIONS[name]
        if (allowed is not None and value not in allowed) or value.startswith("-") or not value:
            return None
        found[name] = value
    return found


def run_app(db: str | None, user: str | None, lang: str | None, home: str | None) -> None:
    """Open the app on the configured database; its exit code becomes the process's."""
    from .app import create_app
    from .scanner.quiet import protect_terminal_stderr

    # The screen is drawn through fd 2; move it to a fd of its own, so that the camera
    # scanner can point fd 2 (libzbar's and OpenCV's C-level warnings) at a log file.
    protect_terminal_stderr()

    app = create_app(database=db, user=user, lang=lang, home=home)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else list(argv)
    options = app_options(args)
    if options is None:
        from .cli import main as cli_main

        cli_main(args)
        return

    def start() -> None:
        with user_errors():
            run_app(
                options.get("--db"),
                options.get("--user"),
                options.get("--lang"),
                options.get("--home"),
            )

    guarded(start)


def guarded(run: Callable[[], object]) -> None:
    """The last guard: Ctrl+C exits 130, and no traceback reaches the user."""
    try:
        run()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("TUI_ORDERS_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (TUI_ORDERS_DEBUG=1 shows details)")


__all__ = [
    "APP_OPTIONS",
    "HOMES",
    "LANGS",
    "app_options",
    "fail",
    "guarded",
    "main",
    "run_app",
    "user_errors",
]
