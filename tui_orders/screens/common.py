"""What every screen shares: running database work off the UI thread, showing user text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from rich.text import Text
from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker

from ..data.errors import ConflictError, OrdersError

T = TypeVar("T")


def plain(value: object) -> Text:
    """User text as text: ``[bold]x[/]`` in a client's name stays exactly that on screen."""
    return Text("" if value is None else str(value))


def set_breakpoint_classes(screen: Screen[Any]) -> None:
    """Give ``screen`` the classes of its HORIZONTAL_BREAKPOINTS / VERTICAL_BREAKPOINTS for
    the terminal's size now, as Textual does when the screen gets its first Resize event: that
    comes after the first frame, which would be drawn (and laid out) with the wrong layout and
    then again. Call it before the screen is laid out (in ``compose``)."""
    app = screen.app
    horizontal = (
        app.HORIZONTAL_BREAKPOINTS
        if screen.HORIZONTAL_BREAKPOINTS is None
        else screen.HORIZONTAL_BREAKPOINTS
    ) or []
    vertical = (
        app.VERTICAL_BREAKPOINTS
        if screen.VERTICAL_BREAKPOINTS is None
        else screen.VERTICAL_BREAKPOINTS
    ) or []
    if not (horizontal or vertical):
        return
    width, height = app.size
    classes = {name: False for _, name in horizontal + vertical}
    for name in screen._get_breakpoint_classes(width, horizontal):
        classes[name] = True
    for name in screen._get_breakpoint_classes(height, vertical):
        classes[name] = True
    screen.update_classes(classes, animate=False)


def run_db(
    owner: DOMNode,
    work: Callable[[], T],
    done: Callable[[T], Any] | None = None,
    *,
    failed: Callable[[OrdersError], Any] | None = None,
    group: str = "db",
    exclusive: bool = True,
    description: str = "",
) -> Worker[T]:
    """Run ``work`` (database calls) in a thread worker of ``owner``; then, on the UI thread,
    ``done(result)``, or ``failed(error)`` for an error meant for the user (by default a
    notification; a conflict also says to reload). Other errors are notified too, never
    crash the app: one failed action must not end an operator's day.
    """
    app: App[Any] = owner.app

    def body() -> T:
        try:
            result = work()
        except OrdersError as exc:
            app.call_from_thread(_report, app, exc, failed)
            raise
        except Exception as exc:  # shown to the user; the worker keeps the traceback
            message = f"{type(exc).__name__}: {exc}"
            app.call_from_thread(lambda: app.notify(message, severity="error", markup=False))
            raise
        if done is not None:
            app.call_from_thread(done, result)
        return result

    return owner.run_worker(
        body,
        thread=True,
        group=group,
        exclusive=exclusive,
        exit_on_error=False,
        description=description or getattr(work, "__name__", "database"),
    )


def _report(app: App[Any], exc: OrdersError, failed: Callable[[OrdersError], Any] | None) -> None:
    if failed is not None:
        failed(exc)
        return
    from ..i18n import _

    title = _("Changed in another terminal") if isinstance(exc, ConflictError) else _("Not saved")
    app.notify(str(exc), title=title, severity="error", markup=False, timeout=8)


def marker_moved(since: int | None) -> tuple[int, bool]:
    """(In a worker) the change marker, and whether it moved since ``since`` (None: not read
    yet, so nothing to compare with)."""
    from ..data.queries import change_marker

    marker = change_marker()
    return marker, since is not None and marker != since


class ChangeWatch:
    """A screen's live refresh: what another terminal saved shows within ``app.poll_seconds``.

    Every period a worker runs ``changed(marker)`` (default :func:`marker_moved`: the newest
    audit entry, one indexed ``MAX(id)``, and whether it moved since the screen's rows were
    read); when it says so, ``reload()`` runs if the screen is on top, else the screen is
    ``stale`` and reloads when it is shown again (:meth:`take_stale`). One read at a time.
    The screen keeps :attr:`marker` to the one read with its rows.
    """

    def __init__(
        self,
        screen: Screen[Any],
        reload: Callable[[], object],
        *,
        group: str,
        changed: Callable[[int | None], tuple[int, bool]] = marker_moved,
        marker: int | None = None,
    ) -> None:
        self.screen = screen
        self.reload = reload
        self.group = group
        self.changed = changed
        #: the newest audit entry when the screen's rows were read (None: not read yet)
        self.marker = marker
        #: something changed while another screen was on top
        self.stale = False
        self._reading = False

    def start(self) -> None:
        """Poll every ``app.poll_seconds`` (0: never)."""
        seconds = float(getattr(self.screen.app, "poll_seconds", 2.0) or 0)
        if seconds > 0:
            self.screen.set_interval(seconds, self.poll)

    def poll(self) -> None:
        if self._reading:
            return
        self._reading = True
        since = self.marker
        run_db(
            self.screen,
            lambda: self.changed(since),
            self._read,
            failed=lambda _exc: self._failed(),
            group=self.group,
        )

    def take_stale(self) -> bool:
        """Whether the screen missed a change while covered (and forget it)."""
        stale, self.stale = self.stale, False
        return stale

    def _failed(self) -> None:
        self._reading = False

    def _read(self, result: tuple[int, bool]) -> None:
        self._reading = False
        marker, changed = result
        if self.marker is None or marker > self.marker:
            self.marker = marker
        if not changed:
            return
        if self.screen.app.screen is self.screen:
            self.reload()
        else:
            self.stale = True
