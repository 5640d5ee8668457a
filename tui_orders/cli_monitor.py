"""``tui-orders report monitor``: the monitor's rows for scripts and e-mails.

TODO(issue 5): being written; this placeholder only keeps the command registered.
"""

from __future__ import annotations

import click

from .cli import _fail


@click.command()
def monitor() -> None:
    """The open orders by deadline, with days left or late and the delay cause."""
    _fail("report monitor: not built yet")
