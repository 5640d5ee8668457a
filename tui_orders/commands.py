"""The command palette (Ctrl+P): every action of the current screen, and the other screens.

Registered app-wide in ``OrdersApp.COMMANDS``, so any screen (written by anyone) gets its
keys in the palette without code of its own: the commands come from the screen's active
bindings (the focused widget, the screen, the app), described in the current language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .i18n import _

#: (action of the app, English name) of the screens one can go to from anywhere
SCREENS = (
    ("show_orders", "Go to orders"),
    ("show_clients", "Go to clients"),
    ("show_articles", "Go to articles"),
    ("show_taxes", "Go to taxes"),
    ("show_links", "Go to production and purchase orders"),
    ("show_offers", "Go to offers"),
    ("show_monitor", "Go to the monitor"),
    ("show_reports", "Go to reports"),
)

#: (action of the app, English name, home screen it chooses): saved in the settings file
HOME_CHOICES = (
    ("make_home('monitor')", "Make the monitor the home screen", "monitor"),
    ("make_home('orders')", "Make the orders list the home screen", "orders"),
)


def screen_commands(screen: Any) -> Iterator[tuple[str, str, Callable[[], Any]]]:
    """(title, help, run) of every action one can run now on ``screen``, once each."""
    app = screen.app
    seen: set[tuple[int, str]] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not active.enabled or not binding.description:
            continue
        if binding.action in ("command_palette", "app.command_palette"):
            continue
        mark = (id(active.node), binding.action)
        if mark in seen:
            continue
        seen.add(mark)
        keys = app.get_key_display(binding)
        title = f"{_(binding.description)} ({keys})"
        yield (
            title,
            _(binding.tooltip or binding.description),
            partial(app.run_action, binding.action, active.node),
        )


class ScreenCommands(Provider):
    """The current screen's actions, then the navigation between screens."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        commands = list(screen_commands(self.screen))
        titles = {title.split(" (")[0] for title, _help, _run in commands}
        for action, name in SCREENS:
            title = _(name)
            if title not in titles and self.app.check_action(action, ()) is not False:
                commands.append((title, title, partial(self.app.run_action, action)))
        for action, name, home in HOME_CHOICES:
            if getattr(self.app, "home", None) not in (None, home):
                title = _(name)
                commands.append((title, title, partial(self.app.run_action, action)))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, run in self._commands():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)
