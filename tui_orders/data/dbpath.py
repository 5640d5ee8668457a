"""Where the database is: the configuration order, without the ORM.

:mod:`tui_orders.data.db` opens what this names; :mod:`tui_orders.data.quickstart` reads the
first rows of the order list from the same file at start-up, before peewee is imported.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "TUI_ORDERS_DB"


def default_db_path() -> Path:
    """The database file in the user's data directory (created on first use)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("tui-orders", appauthor=False)) / "orders.db"


def resolve_db_url(option: str | None = None) -> str:
    """Configuration order: ``--db``, then ``$TUI_ORDERS_DB``, then the user data directory."""
    if option:
        return option
    env = os.environ.get(ENV_DB)
    if env:
        return env
    return str(default_db_path())


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite database named by ``url`` (a path or ``sqlite:///path``), or
    None for anything else (PostgreSQL, a malformed URL, ``:memory:``: :func:`db.make_database`
    says what is wrong with those)."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
    elif "://" in url:
        return None
    else:
        path = url
    if not path or path == ":memory:":
        return None
    return Path(path).expanduser()


__all__ = ["ENV_DB", "default_db_path", "resolve_db_url", "sqlite_file"]
