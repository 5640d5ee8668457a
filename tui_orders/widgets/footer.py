"""The Footer, with key descriptions in the current language.

Binding descriptions are written in English when a class is defined (before the language is
chosen); they are the catalog's message ids and are translated here, when the footer is drawn.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from ..i18n import _


class Footer(TextualFooter):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = _(widget.description)
            yield widget
