"""The Footer, with key descriptions in the current language.

Binding descriptions are written in English when a class is defined (before the language is
chosen); they are the catalog's message ids and are translated here, when the footer is drawn.

Textual's Footer recomposes (a dozen keys, each styled anew) on every bindings refresh, and
a screen's start-up refreshes them many times (mounting, focus, the first rows). This one
recomposes once per refresh cycle, and only when the keys shown did change.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from ..i18n import _


class Footer(TextualFooter):
    _recompose_pending = False
    #: what the keys drawn were composed from (None: nothing composed yet)
    _composed_from: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_pending:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_if_changed)

    def _keys_shown(self) -> tuple[Any, ...]:
        return (
            self.show_command_palette,
            *(
                (binding.key, binding.action, binding.description, binding.show, enabled, tip)
                for (_node, binding, enabled, tip) in self.screen.active_bindings.values()
            ),
        )

    async def _recompose_if_changed(self) -> None:
        self._recompose_pending = False
        if not self.is_attached:
            return
        try:
            keys = self._keys_shown()
        except NoMatches:  # a screen's check_action asked for a widget while it is dismissed
            return
        if keys == self._composed_from:
            return
        self._composed_from = keys
        await self.recompose()
