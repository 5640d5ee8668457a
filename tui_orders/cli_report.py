"""``tui-orders report ...``: receipts, overdue, forecast, book (and monitor).

TODO(issue 6): being written; this placeholder only keeps the group registered.
"""

from __future__ import annotations

import click


@click.group()
def report() -> None:
    """Reports: expected receipts, overdue payments, forecast, order book, monitor."""
