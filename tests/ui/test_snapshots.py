"""SVG snapshots of the main screens at 80x24 and 120x40 (fixed data, fixed today).

Update after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the new SVGs (``__snapshots__/``) before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tui_orders.app import OrdersApp

from .conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

Steps = Callable[[Any], Awaitable[None]]


def keys(*pressed: str) -> Steps:
    """Press ``pressed`` once the database is open, waiting for the workers after each."""

    async def run(pilot: Any) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await pilot.pause()
            await settle(pilot)
        # no blinking cursor: the same frame every time
        for widget in pilot.app.screen.query("Input"):
            widget.cursor_blink = False
        await pilot.pause()

    return run


SCREENS = {
    "orders": keys(),
    "order": keys("enter"),  # the first order by deadline: the seeded "late" one
    "new_order": keys("n"),
    "clients": keys("f3"),
    "client_form": keys("f3", "down", "down", "e"),  # Техномаш ООД: two addresses
    "help": keys("f3", "f1"),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    snap_compare: Any,
    seeded_sqlite: tuple[str, dict[str, str]],
    make_app: Callable[..., OrdersApp],
    screen: str,
    size: tuple[int, int],
) -> None:
    app = make_app(seeded_sqlite[0], poll_seconds=3600)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
