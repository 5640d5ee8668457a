"""An item of an order: article (code, name or barcode), quantity, price, specifics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual_autocomplete import DropdownItem

from ...data import orders
from ...data.errors import ValidationError
from ...data.masterdata import article_by_barcode
from ...data.models import Article, Order, OrderItem
from ...data.money import format_price, normalized
from ...i18n import _
from ...widgets.fields import Completion, FieldInput, PriceInput, QtyInput
from ..common import run_db
from .base import FormScreen, R
from .price_history import PriceHistoryScreen


@dataclass(frozen=True, slots=True)
class ArticleChoice:
    id: int
    code: str
    name: str
    unit: str
    price: Decimal

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name}"


def find_article(text: str) -> ArticleChoice | None:
    """The article meant by what was typed: a barcode, a code, or a completion label."""
    text = text.strip()
    if not text:
        return None
    article = article_by_barcode(text) or Article.get_or_none(Article.code == text)
    if article is None and " · " in text:
        article = Article.get_or_none(Article.code == text.split(" · ", 1)[0])
    if article is None:
        return None
    return ArticleChoice(article.id, article.code, article.name, article.unit, article.price)


@dataclass
class _Loaded:
    client_id: int
    articles: list[tuple[str, str]]
    item: dict[str, Any] | None


def article_choices() -> list[tuple[str, str]]:
    """Every article as ``(code, "code · name")``, by code: what the article field completes."""
    return [
        (code, f"{code} · {name}")
        for code, name in Article.select(Article.code, Article.name).order_by(Article.code).tuples()
    ]


class ArticleLineForm(FormScreen[R]):
    """What the order item form and the offer line form share: the article (code, name or
    barcode, completed from ``articles``), the quantity, the price (the catalogue price until
    the operator types another; F4 shows the earlier prices, this client's first) and the
    specifics. ``article_locked``: a saved line keeps its article."""

    def __init__(self, articles: list[tuple[str, str]], client_id: int | None) -> None:
        super().__init__()
        self.articles = articles
        self.client_id = client_id
        self.article: ArticleChoice | None = None
        self._default_price = ""

    @property
    def article_locked(self) -> bool:
        return False

    def compose_fields(self) -> ComposeResult:
        yield self.row(
            "article",
            _("Article"),
            FieldInput(
                required=True,
                placeholder=_("code, name or barcode"),
                disabled=self.article_locked,
            ),
        )
        yield self.row("qty", _("Quantity"), QtyInput())
        yield self.row(
            "price", _("Price"), PriceInput(required=False, placeholder=_("catalogue price"))
        )
        yield self.row("specs", _("Specifics"), FieldInput())

    def compose_extra(self) -> ComposeResult:
        if not self.article_locked:
            yield Completion(
                "#f-article",
                candidates=self._candidates,
                on_complete=lambda target: self.field_changed("article", target),
            )

    def _candidates(self, state: Any) -> list[DropdownItem]:
        needle = state.text.casefold().strip()
        if not needle:
            return []
        found = [label for _code, label in self.articles if needle in label.casefold()]
        return [DropdownItem(label) for label in found[:50]]

    # ------------------------------------------------------------------ the article

    def field_changed(self, name: str, widget: Any) -> None:
        if name != "article" or self.article_locked:
            return
        text = widget.value
        self.article = None
        run_db(self, lambda: find_article(text), self._article_found, group="article")

    def _article_found(self, found: ArticleChoice | None) -> None:
        self.article = found
        self.refresh_bindings()
        if found is None:
            self.show_hint("article", "")
            return
        article = self.field("article")
        if article.value.strip() != found.label:  # a barcode or a code: show what it is
            with self.prevent(FieldInput.Changed):
                article.value = found.label
        self.show_hint("article", found.unit)
        self.show_message("article", "")
        price = self.field("price")
        if not price.value.strip() or price.value == self._default_price:
            self._default_price = format_price(found.price)
            price.value = self._default_price

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "prices":
            return True if self.article is not None else None
        return super().check_action(action, parameters)

    def action_prices(self) -> None:
        if self.article is None:
            return

        def take(price: Decimal | None) -> None:
            if price is not None:
                self.field("price").value = format_price(price)
            self.field("price").focus()

        self.app.push_screen(
            PriceHistoryScreen(self.article.id, self.client_id, self.article.label), take
        )


class ItemForm(ArticleLineForm[bool]):
    """``ItemForm(order_id, expected_version, item_id=None)``: True when saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f4", "prices", "Earlier prices", id="price_history"),
    ]
    ERROR_FIELDS: ClassVar[dict[str, str]] = {
        "article": "article",
        "quantity": "qty",
        "delivered": "qty",
        "price": "price",
    }

    def __init__(self, order_id: int, expected_version: int, item_id: int | None = None) -> None:
        super().__init__([], None)  # the articles and the client come with the order
        self.order_id = order_id
        self.expected_version = expected_version
        self.item_id = item_id

    @property
    def article_locked(self) -> bool:
        """An item keeps its article (remove it and add another to change it)."""
        return self.item_id is not None

    def title_text(self) -> str:
        return _("Edit item") if self.item_id else _("New item")

    # ------------------------------------------------------------------ loading

    def load_work(self) -> Callable[[], Any]:
        order_id, item_id = self.order_id, self.item_id

        def load() -> _Loaded:
            order = Order.get_by_id(order_id)
            articles = article_choices()
            item = None
            if item_id is not None:
                row = OrderItem.get_by_id(item_id)
                art = Article.get_by_id(row.article_id)
                item = {
                    "article": ArticleChoice(art.id, art.code, art.name, art.unit, art.price),
                    "qty": row.qty,
                    "price": row.price,
                    "specs": row.specs,
                }
            return _Loaded(order.client_id, articles, item)

        return load

    def after_load(self, data: _Loaded) -> None:
        self.client_id = data.client_id
        self.articles = data.articles
        if data.item is None:
            self.field("article").focus()
            return
        self.article = data.item["article"]
        with self.prevent(FieldInput.Changed):
            self.field("article").value = self.article.label
        self.show_hint("article", self.article.unit)
        self.field("qty").value = normalized(data.item["qty"])
        self.field("price").value = format_price(data.item["price"])
        self.field("specs").value = data.item["specs"]
        self.field("qty").focus()

    # ------------------------------------------------------------------ saving

    def save_work(self) -> Callable[[], bool]:
        qty, price, specs = self.value("qty"), self.value("price"), self.value("specs")
        version, item_id = self.expected_version, self.item_id
        if item_id is not None:

            def update() -> bool:
                orders.update_item(item_id, version, qty=qty, price=price or None, specs=specs)
                return True

            return update
        order_id, text = self.order_id, self.value("article")
        missing = _("No article with this code, name or barcode")

        def add() -> bool:
            # resolved here too: the lookup started by the last keystroke may still be running
            article = find_article(text)
            if article is None:
                raise ValidationError(missing, "article")
            orders.add_item(order_id, article.id, qty, price or None, specs, version)
            return True

        return add
