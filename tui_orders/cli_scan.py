"""``tui-orders scan``: read codes from a camera, a video file or a stream, one per line on stdout.

For setting up a terminal without opening the app: each code read is one line on stdout
(``EAN13 4006381333931``, flushed at once); everything else (opened, lost, back, ended) goes to
stderr. A video file is read as fast as the decoder allows and the command ends at its last
frame; a camera or a stream runs until Ctrl+C (exit 0; a second Ctrl+C forces it). Errors are one
line, ``tui-orders: ...``, and exit 1.

Only click and the standard library are imported here: OpenCV and the decoders are loaded when
the command runs, so the app's start-up does not pay for them.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click

from .cli import _fail


@click.command()
@click.option(
    "--source",
    metavar="0|PATH|URL",
    help="A camera index, a device (/dev/video2), a video file or a stream URL "
    "(rtsp://, http://...).  [default: the settings' [scanner] camera, else 0]",
)
@click.option(
    "--decoder",
    type=click.Choice(["auto", "pyzbar", "zxing"]),
    help="auto uses both decoders (pyzbar and zxing-cpp, when installed) and reads the most."
    "  [default: the settings' [scanner] decoder, else auto]",
)
@click.option(
    "--symbologies",
    metavar="NAME,...",
    help="The codes to read, e.g. EAN13,CODE128 (fewer is faster)."
    "  [default: the settings' [scanner] symbologies, else EAN13,EAN8,UPCA,UPCE,CODE128,QRCODE]",
)
@click.option("--list", "list_only", is_flag=True, help="List the cameras this machine can see.")
def scan(source: str | None, decoder: str | None, symbologies: str | None, list_only: bool) -> None:
    """Read barcodes from a camera, a video file or a stream URL, one per line on stdout."""
    from .scanner.types import ScannerError
    from .settings import SettingsError, check_symbologies, load_settings

    try:
        if list_only:
            _list()
            return
        settings = load_settings()
        for problem in settings.problems:
            click.echo(f"scan: {problem}", err=True)
        configured = settings.scanner
        try:
            chosen = check_symbologies(symbologies) if symbologies else configured.symbologies
        except SettingsError as exc:
            _fail(f"--symbologies: {exc}")
        _scan(source or configured.camera, decoder or configured.decoder, chosen)
    except ScannerError as exc:
        _fail(str(exc))


def _list() -> None:
    from .scanner.capture import list_cameras

    cameras = list_cameras()
    if not cameras:
        where = " (looked for /dev/video*)" if sys.platform.startswith("linux") else ""
        click.echo(f"scan: no cameras found{where}", err=True)
        return
    for index, path, description in cameras:
        click.echo(f"{index}\t{path}\t{description}")


def _scan(source: str, decoder: str, symbologies: tuple[str, ...]) -> None:
    from .scanner.capture import Scanner
    from .scanner.types import CodeRead, ScanEvent, SourceStatus

    scanner = Scanner(source, decoder, symbologies=symbologies)
    stop = threading.Event()
    errors: list[str] = []
    broken_pipe = False

    def emit(event: ScanEvent) -> None:
        nonlocal broken_pipe
        if isinstance(event, CodeRead):
            try:
                sys.stdout.write(f"{event.symbol}\n")
                sys.stdout.flush()
            except BrokenPipeError:  # `tui-orders scan | head -1`: the reader has had enough
                broken_pipe = True
                stop.set()
        elif isinstance(event, SourceStatus):
            if event.kind == "error":
                errors.append(event.message)
            else:
                click.echo(f"scan: {event.kind}: {event.message}", err=True)

    previous = _stop_on_ctrl_c(stop)
    try:
        scanner.run(emit, stop)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if broken_pipe:
        _silence_stdout()
        return
    if errors:
        _fail(errors[-1])
    if stop.is_set():
        click.echo("scan: stopped", err=True)


def _stop_on_ctrl_c(stop: threading.Event) -> Any:
    """The first Ctrl+C ends the loop after the current frame; a second one interrupts."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    return signal.signal(signal.SIGINT, handler)


def _silence_stdout() -> None:
    """After a broken pipe, keep Python's exit-time flush of stdout from complaining."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
