"""``tui-orders scan``: read codes from a camera, a video file or a stream, one per line on stdout.

TODO(issue 4): being written; this placeholder only keeps the command registered.
"""

from __future__ import annotations

import click

from .cli import _fail


@click.command()
def scan() -> None:
    """Read barcodes from a camera, a video file or a stream URL."""
    _fail("scan: not built yet")
