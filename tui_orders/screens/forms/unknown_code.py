"""A scanned code no article carries: create an article with it, attach it to an existing
article, or skip it.

:class:`UnknownCodeModal` asks which (``n``, ``a``, ``s``/Escape). A scanner may go on typing
while it is open: characters typed in a burst (and every character once one is under way) are
collected and handed back with the answer on Enter, so they are scanned afterwards instead of
pressing a button or landing somewhere else. The two forms save the article only; the order
screen then scans the code again, through the same path as any scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual_autocomplete import DropdownItem

from ...data.errors import ValidationError
from ...data.models import Article
from ...data.scanning import attach_barcode, create_article_for_barcode
from ...i18n import _
from ...widgets.fields import Completion, FieldInput, PriceInput
from .base import FormScreen
from .item import find_article

Choice = Literal["new", "attach", "skip"]


@dataclass
class UnknownCodeAnswer:
    """What to do with the code, and the codes scanned while the question was open."""

    choice: Choice
    scanned: list[str] = field(default_factory=list)


class UnknownCodeModal(ModalScreen[UnknownCodeAnswer]):
    """``n`` new article, ``a`` attach to an article, ``s`` or Escape skip."""

    DEFAULT_CSS = """
    UnknownCodeModal { align: center middle; }
    UnknownCodeModal > Vertical {
        width: 72; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    UnknownCodeModal #unknown-title { text-style: bold; color: $warning; }
    UnknownCodeModal Horizontal { height: auto; margin-top: 1; }
    UnknownCodeModal Button { margin-right: 1; }
    UnknownCodeModal #unknown-queued { color: $text-muted; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "choose('new')", "New article", id="unknown_new"),
        Binding("a", "choose('attach')", "Attach to an article", id="unknown_attach"),
        Binding("s,escape", "choose('skip')", "Skip", id="unknown_skip"),
    ]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.scanned: list[str] = []
        self._typed = ""  # a code being typed by the scanner meanwhile

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Unknown code")), id="unknown-title")
            yield Static(Text(self.code, style="bold"), id="unknown-code")
            yield Static(Text(_("No article has this barcode. What should it be?")))
            with Horizontal():
                for choice, label in (
                    ("new", _("n New article")),
                    ("attach", _("a Attach to an article")),
                    ("skip", _("s Skip")),
                ):
                    button = Button(label, id=f"unknown-{choice}")
                    button.can_focus = False  # Enter from a scanner must not press it
                    yield button
            yield Static("", id="unknown-queued", markup=False)

    def on_key(self, event: events.Key) -> None:
        """Characters of a scan under way are kept, not taken as choices (see the docstring)."""
        if event.key == "enter":
            event.stop()
            if self._typed.strip():
                self.scanned.append(self._typed.strip())
                self._typed = ""
                self.query_one("#unknown-queued", Static).update(
                    Text(
                        _("Scanned meanwhile, added after this: {codes}").format(
                            codes=", ".join(self.scanned)
                        )
                    )
                )
            return
        if (
            event.is_printable
            and event.character
            and (self._typed or event.key not in ("n", "a", "s"))
        ):
            event.stop()
            event.prevent_default()
            self._typed += event.character

    def action_choose(self, choice: Choice) -> None:
        self.dismiss(UnknownCodeAnswer(choice, list(self.scanned)))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = (event.button.id or "unknown-skip").removeprefix("unknown-")
        self.action_choose(choice if choice in ("new", "attach") else "skip")  # type: ignore[arg-type]


class NewArticleForBarcode(FormScreen[bool]):
    """A new article carrying the scanned barcode: code, name, price, unit. True when saved."""

    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "article code": "code",
        "article name": "name",
        "price": "price",
        "unit": "unit",
    }

    def __init__(self, barcode: str) -> None:
        super().__init__()
        self.barcode = barcode

    def title_text(self) -> str:
        return _("New article with barcode {code}").format(code=self.barcode)

    def compose_fields(self) -> ComposeResult:
        yield self.row("code", _("Code"), FieldInput(required=True))
        yield self.row("name", _("Name"), FieldInput(required=True))
        yield self.row("price", _("Price"), PriceInput(required=True))
        yield self.row("unit", _("Unit"), FieldInput(_("pcs"), required=True))

    def after_load(self, data: Any) -> None:
        self.field("code").focus()

    def save_work(self) -> Callable[[], bool]:
        barcode, code, name = self.barcode, self.value("code"), self.value("name")
        price, unit = self.value("price"), self.value("unit")

        def save() -> bool:
            create_article_for_barcode(barcode, code, name, price, unit)
            return True

        return save


class AttachBarcodeForm(FormScreen[bool]):
    """Give an existing article the scanned barcode (picked by code, name or another barcode,
    with completion). True when saved."""

    ERROR_FIELDS: ClassVar[dict[str, str]] = {"article": "article", "barcode": "article"}

    def __init__(self, barcode: str) -> None:
        super().__init__()
        self.barcode = barcode
        self.articles: list[str] = []

    def title_text(self) -> str:
        return _("Attach barcode {code} to an article").format(code=self.barcode)

    def compose_fields(self) -> ComposeResult:
        yield self.row(
            "article",
            _("Article"),
            FieldInput(required=True, placeholder=_("code, name or barcode")),
        )

    def compose_extra(self) -> ComposeResult:
        yield Completion("#f-article", candidates=self._candidates, on_complete=lambda _t: None)

    def _candidates(self, state: Any) -> list[DropdownItem]:
        needle = state.text.casefold().strip()
        if not needle:
            return []
        return [DropdownItem(label) for label in self.articles if needle in label.casefold()][:50]

    def load_work(self) -> Callable[[], list[str]]:
        def load() -> list[str]:
            query = Article.select(Article.code, Article.name).order_by(Article.code).tuples()
            return [f"{code} · {name}" for code, name in query]

        return load

    def after_load(self, data: list[str]) -> None:
        self.articles = data
        self.field("article").focus()

    def save_work(self) -> Callable[[], bool]:
        barcode, text = self.barcode, self.value("article")
        missing = _("No article with this code, name or barcode")

        def save() -> bool:
            article = find_article(text)
            if article is None:
                raise ValidationError(missing, "article")
            attach_barcode(article.id, barcode)
            return True

        return save


__all__ = ["AttachBarcodeForm", "NewArticleForBarcode", "UnknownCodeAnswer", "UnknownCodeModal"]
