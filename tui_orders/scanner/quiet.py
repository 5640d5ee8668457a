"""Keep libzbar's, OpenCV's and FFmpeg's chatter off the terminal while the scanner runs.

Those libraries write their warnings straight to the C-level stderr, file descriptor 2
(``fprintf(stderr, ...)``, ``write(2, ...)``); Python cannot catch that, so the descriptor
itself is pointed at a log file (:func:`redirect_c_stderr`), and OpenCV's own logger is set
to silent (:func:`silence_opencv`).

The catch, checked against Textual 8.2.8: Textual draws the whole screen through fd 2 too.
``LinuxDriver.__init__`` takes ``self._file = sys.__stderr__`` and its ``WriterThread``
writes every frame of the screen to that stream (``App.__init__`` also keeps
``sys.__stderr__`` as ``_original_stderr``). Keys come from stdin and the size from stdout
(``shutil.get_terminal_size``), which fd 2 does not affect. Pointing fd 2 at a log would
therefore send the screen to the log too. So, before that, Python's stderr gets a descriptor of
its own:

1. :func:`protect_terminal_stderr`, once, **before the Textual App is run** (the driver picks
   up ``sys.__stderr__`` when ``app.run()`` builds it): ``N = os.dup(2)``, a new text stream on
   ``N`` (same encoding and error handler), and ``sys.__stderr__`` -- and ``sys.stderr`` when
   it was the original -- become that stream. The terminal is now reachable from Python through
   fd ``N``, whatever fd 2 points at.
2. :func:`redirect_c_stderr` then ``dup2``\\ s the log onto fd 2 while the scanner runs and
   puts fd 2 back afterwards. It nests and is thread-safe (reference counted: the first entry
   redirects, the last exit restores), so it can wrap the capture loop in a thread worker.

Textual's screen, Python tracebacks and ``click.echo(err=True)`` keep reaching the terminal;
only what C code writes to fd 2 lands in the log. :func:`redirect_c_stderr` protects the
terminal itself when nobody did (right for the command line), but inside a Textual app that is
too late -- the driver already holds the old stream on fd 2 -- so when a Textual app is drawing
(its ``textual-output`` writer thread runs) and the terminal was not protected beforehand, fd 2
is left alone (better a stray warning than a blank screen) and only OpenCV's logger is silenced.

The log is ``$TUI_ORDERS_SCANNER_LOG``, else ``scanner.log`` in the user log directory
(platformdirs ``user_log_dir("tui-orders")``); it is rotated to ``scanner.log.1`` past 1 MB.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

ENV_LOG = "TUI_ORDERS_SCANNER_LOG"
MAX_LOG_BYTES = 1_000_000

_lock = threading.RLock()
_terminal: TextIO | None = None  # the protected stream (on its own fd), once made
_original: TextIO | None = None  # the stream it replaced, kept alive (it must not close fd 2)
_depth = 0  # how many redirect_c_stderr() are active
_saved_fd: int | None = None  # what fd 2 was before the outermost redirect
_log_path: Path | None = None


def default_log_path() -> Path:
    """``$TUI_ORDERS_SCANNER_LOG``, else ``scanner.log`` in the user's log directory."""
    env = os.environ.get(ENV_LOG)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_log_dir("tui-orders", appauthor=False)) / "scanner.log"


def protect_terminal_stderr() -> TextIO | None:
    """Give Python's stderr (and so Textual's screen) a file descriptor other than 2.

    Call once at start-up, before the Textual App is run. Idempotent; returns the stream now
    behind ``sys.__stderr__``, or None when there is nothing to protect (no stderr, as under
    ``pythonw``) or it is too late (a Textual app is already drawing through fd 2).
    """
    global _terminal, _original
    with _lock:
        if _terminal is not None:
            return _terminal
        original = sys.__stderr__
        if original is None:
            return None
        try:
            if original.fileno() != 2:  # already off fd 2: nothing to do
                _original = _terminal = original
                return original
        except (OSError, ValueError, io.UnsupportedOperation):
            return None
        if _textual_is_drawing():
            return None  # too late: the running driver holds the stream on fd 2
        try:
            original.flush()
            fd = os.dup(2)
        except (OSError, ValueError):
            return None
        os.set_inheritable(fd, False)
        stream = io.TextIOWrapper(
            open(fd, "wb", closefd=True),  # noqa: SIM115 - lives as long as sys.__stderr__ does
            encoding=getattr(original, "encoding", None) or "utf-8",
            errors=getattr(original, "errors", None) or "backslashreplace",
            line_buffering=True,
        )
        if getattr(original, "write_through", False):
            stream.reconfigure(write_through=True)
        _original, _terminal = original, stream
        sys.__stderr__ = stream  # type: ignore[misc]  # typeshed: Final; Python allows it
        if sys.stderr is original:
            sys.stderr = stream
        return stream


def terminal_is_protected() -> bool:
    """Whether :func:`protect_terminal_stderr` has moved Python's stderr off fd 2."""
    return _terminal is not None


def _textual_is_drawing() -> bool:
    """Whether a Textual driver is writing the screen (its writer thread runs), on fd 2."""
    return any(thread.name == "textual-output" for thread in threading.enumerate())


def silence_opencv() -> None:
    """Set OpenCV's log level to silent, unless ``$OPENCV_LOG_LEVEL`` asks for something else.

    Before ``import cv2`` this sets ``OPENCV_LOG_LEVEL=OFF`` (which also covers messages logged
    while the module loads); once cv2 is imported it calls ``cv2.utils.logging.setLogLevel``.
    """
    level = os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    if level.strip().upper() not in ("OFF", "SILENT", "0"):
        return  # a developer asked to see OpenCV's messages
    cv2 = sys.modules.get("cv2")
    if cv2 is None:
        return
    try:
        logging = cv2.utils.logging
        logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    except AttributeError:  # a build without the utils module: the variable did it
        pass


def _open_log(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_name(path.name + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
    return fd


@contextmanager
def redirect_c_stderr(log_path: str | os.PathLike[str] | None = None) -> Iterator[Path | None]:
    """While inside, whatever C code writes to fd 2 goes to ``log_path`` (default: see module).

    Yields the log's path (None when fd 2 was left alone, see the module docstring). Nested and
    concurrent uses share the first one's log; fd 2 comes back when the last one exits.
    """
    global _depth, _saved_fd, _log_path
    silence_opencv()
    with _lock:
        # Unprotected and too late to protect (a Textual app is drawing): leave fd 2 alone.
        redirect = _depth > 0 or protect_terminal_stderr() is not None
        if redirect:
            if _depth == 0:
                _start(Path(log_path) if log_path is not None else default_log_path())
            _depth += 1
        current = _log_path if redirect else None
    if not redirect:
        yield None
        return
    try:
        yield current
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved_fd is not None:
                os.dup2(_saved_fd, 2)
                os.close(_saved_fd)
                _saved_fd = None


def _start(path: Path) -> None:
    global _saved_fd, _log_path
    log_fd = _open_log(path)
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    saved = os.dup(2)
    os.set_inheritable(saved, False)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    os.write(log_fd, f"--- {stamp} scanner started, pid {os.getpid()}\n".encode())
    os.dup2(log_fd, 2)
    os.close(log_fd)
    _saved_fd, _log_path = saved, path


def log_line(message: str) -> None:
    """Append one line to the scanner log while fd 2 is redirected to it (else: nothing)."""
    with _lock:
        if _depth == 0 or _saved_fd is None:
            return
        with suppress(OSError):
            os.write(
                2, f"{time.strftime('%H:%M:%S')} {message.rstrip()}\n".encode(errors="replace")
            )
