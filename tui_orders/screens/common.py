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
