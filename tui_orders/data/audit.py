"""The audit log: who changed what, and when, for every change."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from decimal import Decimal
from typing import Any

from .models import AuditLog

ENV_USER = "TUI_ORDERS_USER"
_user: str | None = None


def set_user(name: str | None) -> None:
    """Name recorded in the audit log from now on (``--user``); None goes back to the default."""
    global _user
    _user = name.strip() if name and name.strip() else None


def current_user() -> str:
    """The configured name, else ``$TUI_ORDERS_USER``, else the operating-system user."""
    if _user:
        return _user
    env = os.environ.get(ENV_USER, "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def record(
    action: str,
    entity: str,
    entity_id: int | None,
    order_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """Write one audit entry (inside the caller's transaction).

    ``changes`` maps a field to ``(old, new)`` for an edit, or to the value for a creation.
    """
    plain: dict[str, Any] = {}
    for key, value in (changes or {}).items():
        if isinstance(value, tuple):
            plain[key] = [_plain(v) for v in value]
        else:
            plain[key] = _plain(value)
    AuditLog.create(
        at=dt.datetime.now(),
        user=current_user(),
        action=action,
        entity=entity,
        entity_id=entity_id,
        order=order_id,
        changes=json.dumps(plain, ensure_ascii=False, sort_keys=True),
    )
