"""Scanning into an order: a code read by a keyboard-wedge scanner or the camera adds its
article to the order, or raises the quantity of the article's row.

One scan is one transaction (through :func:`orders.add_item` / :func:`orders.update_item`, so
it bumps the order's version, checks ``expected_version`` and writes the audit entry). An
EAN/UPC whose check digit is wrong is a misread and is never looked up; a code no article
carries is :class:`UnknownBarcode`, which the screen answers by creating an article with the
barcode (:func:`create_article_for_barcode`) or attaching it to an existing one
(:func:`attach_barcode`), then scanning again.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..i18n import _
from ..scanner.checkdigit import gtin_valid, looks_like_gtin
from . import masterdata, orders
from .db import transactional
from .errors import OrdersError, ValidationError
from .models import Article, Barcode, Order, OrderItem
from .money import parse_qty


class ScanError(OrdersError):
    """A scanned code that cannot be added as it is; ``code`` is the code as scanned."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class Misread(ScanError):
    """An EAN/UPC with a wrong check digit: a misread, never looked up."""


class UnknownBarcode(ScanError):
    """No article carries this barcode."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What one scan did: the row it added (``new``) or raised, and the order's new version."""

    code: str
    item_id: int
    new: bool
    article_id: int
    article_code: str
    article_name: str
    unit: str
    added: Decimal  # the quantity this scan added
    qty: Decimal  # the row's quantity now
    version: int  # the order's version after the scan


def clean_code(code: str) -> str:
    """The code as scanned, without the spaces and line ends a scanner or a paste may add;
    a misread when it is an EAN/UPC with a wrong check digit."""
    text = (code or "").strip()
    if not text:
        raise ValidationError(_("barcode is required"))
    if looks_like_gtin(text) and not gtin_valid(text):
        raise Misread(
            _("{code}: wrong check digit, a misread; scan it again").format(code=text), text
        )
    return text


@transactional
def scan_into_order(
    order_id: int,
    code: str,
    qty: Decimal | str = Decimal(1),
    expected_version: int | None = None,
) -> ScanResult:
    """Add the article carrying barcode ``code`` to the order: ``qty`` more on the article's
    last row in the order, or a new row at the catalogue price when it has none.

    Raises :class:`Misread` (wrong check digit), :class:`UnknownBarcode`, or what
    :func:`orders.add_item` / :func:`orders.update_item` raise (a conflict with
    ``expected_version``, an order that takes no items).
    """
    text = clean_code(code)
    amount = parse_qty(qty)
    article = masterdata.article_by_barcode(text)
    if article is None:
        raise UnknownBarcode(_("no article has the barcode {code}").format(code=text), text)
    row = (
        OrderItem.select()
        .where((OrderItem.order == order_id) & (OrderItem.article == article.id))
        .order_by(OrderItem.position.desc())
        .first()
    )
    if row is None:
        item = orders.add_item(order_id, article, amount, None, "", expected_version)
        new = True
    else:
        item = orders.update_item(row.id, expected_version, qty=row.qty + amount)
        new = False
    version = Order.select(Order.version).where(Order.id == order_id).scalar()
    return ScanResult(
        code=text,
        item_id=item.id,
        new=new,
        article_id=article.id,
        article_code=article.code,
        article_name=article.name,
        unit=article.unit,
        added=amount,
        qty=item.qty,
        version=int(version),
    )


@transactional
def create_article_for_barcode(
    code: str,
    article_code: str,
    name: str,
    price: Decimal | str,
    unit: str = "pcs",
) -> Article:
    """A new catalogue article carrying the (unknown) barcode ``code``."""
    text = clean_code(code)
    return masterdata.create_article(article_code, name, price, unit=unit, barcodes=[text])


@transactional
def attach_barcode(article_ref: int | str | Article, code: str) -> Barcode:
    """Give an existing article (id, code or instance) the barcode ``code``."""
    text = clean_code(code)
    article = masterdata.get_article(article_ref)
    return masterdata.add_barcode(article.id, text)


__all__ = [
    "Misread",
    "ScanError",
    "ScanResult",
    "UnknownBarcode",
    "attach_barcode",
    "clean_code",
    "create_article_for_barcode",
    "scan_into_order",
]
