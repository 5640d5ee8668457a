"""The peewee models of tui-orders (see docs/DOMAIN and DOMAIN.md in shared/).

Money, prices, quantities and rates are :class:`ScaledDecimalField`: a ``Decimal`` in Python,
a BIGINT of fixed scale in the database (cents for money), so nothing is ever a float.
Fields marked *computed* are kept correct by the rules in :mod:`tui_orders.data.orders` in the
same transaction as every change, and re-derived by ``tui-orders check``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Any

from peewee import (
    SQL,
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .db import database
from .kinds import (
    DeliveryKind,
    DocumentKind,
    DocumentType,
    LinkKind,
    LinkStatus,
    OrderStatus,
    PayStatus,
)
from .money import MONEY_PLACES, PRICE_PLACES, QTY_PLACES, RATE_PLACES, ZERO


class ScaledDecimalField(BigIntegerField):
    """An exact Decimal stored as an integer count of ``10**-places``.

    ``Decimal('12.34')`` with 2 places is stored as ``1234``. Values with more decimals than
    the scale are refused (they would be silently rounded otherwise).
    """

    def __init__(self, places: int, *args: Any, **kwargs: Any) -> None:
        self.places = places
        self.factor = 10**places
        kwargs.setdefault("default", 0)
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError(f"{self.name}: a float is not an exact amount ({value!r})")
        scaled = Decimal(value).scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{self.name}: {value} has more than {self.places} decimal places")
        return int(scaled)

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)


def MoneyField(**kwargs: Any) -> ScaledDecimalField:
    return ScaledDecimalField(MONEY_PLACES, **kwargs)


def PriceField(**kwargs: Any) -> ScaledDecimalField:
    return ScaledDecimalField(PRICE_PLACES, **kwargs)


def QtyField(**kwargs: Any) -> ScaledDecimalField:
    return ScaledDecimalField(QTY_PLACES, **kwargs)


def RateField(**kwargs: Any) -> ScaledDecimalField:
    return ScaledDecimalField(RATE_PLACES, **kwargs)


def from_scaled(value: Any, places: int) -> Decimal:
    """Turn an integer read straight from SQL (``SUM`` of a scaled column) into a Decimal."""
    return Decimal(int(value or 0)).scaleb(-places)


CURRENCIES = ("BGN", "EUR", "USD", "GBP", "CHF", "RON", "TRY", "PLN", "CZK", "HUF", "RSD", "MKD")


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row: the schema version the database is at (see :mod:`tui_orders.data.schema`)."""

    version = IntegerField()


class NumberSequence(BaseModel):
    """The last number handed out per kind of record and year (``order`` 2026 -> 42)."""

    kind = CharField(max_length=20)
    year = IntegerField()
    last = IntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("kind", "year")


class Client(BaseModel):
    name = CharField(max_length=200, unique=True)
    vat_id = CharField(max_length=40, default="")
    currency = CharField(max_length=3)
    #: optimistic concurrency, as for orders (schema 3): +1 on every change of the record (for
    #: a client its addresses, for an article its barcodes). A database default too, so the
    #: bulk loaders, which name their columns, need not know of it.
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])


class Address(BaseModel):
    client = ForeignKeyField(Client, backref="addresses", on_delete="CASCADE")
    label = CharField(max_length=100)
    text = TextField(default="")
    is_default = BooleanField(default=False)

    class Meta:
        indexes = ((("client", "label"), True),)


class Tax(BaseModel):
    name = CharField(max_length=100, unique=True)
    rate = RateField()  # percent: 20 means 20%
    #: optimistic concurrency (schema 3), as for clients
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])


class Article(BaseModel):
    code = CharField(max_length=60, unique=True)
    name = CharField(max_length=250)
    unit = CharField(max_length=20, default="pcs")
    price = PriceField()
    #: optimistic concurrency (schema 3), as for clients
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])


class Barcode(BaseModel):
    article = ForeignKeyField(Article, backref="barcodes", on_delete="CASCADE")
    code = CharField(max_length=64, unique=True)


NUMBER_RE = re.compile(r"^(\d{4})-(\d{5,})$")


def parse_number(number: str) -> tuple[int, int] | None:
    """``'2026-00042'`` -> ``(2026, 42)``; None for a number not in the generated form."""
    m = NUMBER_RE.match(number)
    return (int(m.group(1)), int(m.group(2))) if m else None


def number_key(number: str) -> str:
    """A key that sorts numbers as they read: ``2025-99999`` before ``2025-100000``.

    Generated numbers get their sequence zero-padded to 10 digits; any other number
    (imported from elsewhere) is its own key.
    """
    parsed = parse_number(number)
    return f"{parsed[0]:04d}-{parsed[1]:010d}" if parsed else number


class Order(BaseModel):
    number = CharField(max_length=30, unique=True)
    #: sorts like the number reads: "2026-00042" -> "2026-0000000042" (numbers.number_key)
    number_key = CharField(max_length=40)
    client = ForeignKeyField(Client, backref="orders")
    address = ForeignKeyField(Address, null=True, on_delete="SET NULL")
    currency = CharField(max_length=3)  # inherited from the client when the order is created
    document_kind = CharField(max_length=10, default=DocumentKind.CONTRACT.value)
    document_ref = CharField(max_length=100, default="")
    created = DateField()
    deadline = DateField()
    tax = ForeignKeyField(Tax, null=True)
    note = TextField(default="")
    started = BooleanField(default=False)  # the operator's explicit "start"
    cancelled = BooleanField(default=False)
    cancel_reason = TextField(default="")
    version = IntegerField(default=1)  # optimistic concurrency: +1 on every change
    # computed
    status = CharField(max_length=12, default=OrderStatus.NEW.value)
    financial_status = CharField(max_length=16, default=PayStatus.UNPAID.value)
    subtotal = MoneyField()
    tax_amount = MoneyField()
    total = MoneyField()
    paid = MoneyField()
    unallocated = MoneyField()
    delivered_pct = MoneyField()  # 0..100 with 2 decimals, for lists
    updated_at = DateTimeField(default=dt.datetime.now)

    class Meta:
        indexes = (
            # keyset pagination of the order list by each sort (queries.fetch_orders)
            (("deadline", "id"), False),
            (("number_key", "id"), False),
            (("created", "id"), False),
            (("status", "deadline"), False),
            (("financial_status", "deadline"), False),
            (("client", "deadline"), False),
        )

    def save(self, *args: Any, **kwargs: Any) -> Any:
        self.number_key = number_key(self.number)  # the sort key always follows the number
        return super().save(*args, **kwargs)


# The order book (reports.book) groups straight off this index, without reading the table
# (schema 2).
Order.add_index(
    Order.currency,
    Order.status,
    Order.financial_status,
    Order.cancelled,
    Order.total,
    Order.paid,
    Order.deadline,
    name="order_book",
)
# The few cancelled orders (the forecast leaves their payments out): partial, tiny (schema 2).
Order.add_index(Order.id, name="order_cancelled", where=SQL('"cancelled"'))
# The orders still to receive money (paid < total, not cancelled): the only ones whose open
# items the reports count (reports._open_items_sql, whose running sums start from this
# index, in its order); covering. Partial: a small share of all orders (schema 2).
Order.add_index(
    Order.currency,
    Order.id,
    Order.unallocated,
    Order.total,
    Order.paid,
    Order.client,
    Order.number,
    Order.cancelled,
    name="order_open",
    where=SQL('"paid" < "total" AND NOT "cancelled"'),
)


class OfferStatus(StrEnum):
    """Derived, never stored: ``confirmed`` once it became an order, ``expired`` when its
    validity date has passed unconfirmed, else ``open``."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


class Offer(BaseModel):
    """An offer (оферта) to a client; confirming it creates the order it points at.

    The order made from it has ``document_kind = "offer"`` and ``document_ref`` = this number;
    ``order`` here is the link back (None until confirmed).
    """

    number = CharField(max_length=30, unique=True)
    client = ForeignKeyField(Client, backref="offers")
    address = ForeignKeyField(Address, null=True, on_delete="SET NULL")
    created = DateField()
    valid_until = DateField(null=True)
    note = TextField(default="")
    order = ForeignKeyField(Order, null=True, backref="offers", on_delete="SET NULL")
    #: optimistic concurrency, as for orders (schema 2). A database default too, so the bulk
    #: loaders, which name their columns, need not know of it.
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])


class OfferItem(BaseModel):
    offer = ForeignKeyField(Offer, backref="items", on_delete="CASCADE")
    position = IntegerField()
    article = ForeignKeyField(Article)
    qty = QtyField()
    price = PriceField()
    specs = TextField(default="")


#: The lines of an offer (the issue calls them offer lines).
OfferLine = OfferItem


class OrderItem(BaseModel):
    order = ForeignKeyField(Order, backref="items", on_delete="CASCADE")
    position = IntegerField()
    article = ForeignKeyField(Article, index=True)
    qty = QtyField()
    price = PriceField()
    specs = TextField(default="")
    # computed
    amount = MoneyField()  # qty x price, rounded half-up to the cent
    delivered = QtyField()


class PaymentTerm(BaseModel):
    order = ForeignKeyField(Order, backref="terms", on_delete="CASCADE")
    position = IntegerField()
    name = CharField(max_length=200)
    due = DateField(index=True)
    amount = MoneyField()
    # computed
    paid = MoneyField()
    status = CharField(max_length=16, default=PayStatus.UNPAID.value)


# The open terms only (paid < amount), in the order of the reports' running sums; covering
# (reports._open_items_sql). Partial: a small share of all terms, and cheap to keep (schema 2).
PaymentTerm.add_index(
    PaymentTerm.order,
    PaymentTerm.due,
    PaymentTerm.position,
    PaymentTerm.id,
    PaymentTerm.amount,
    PaymentTerm.paid,
    name="payment_term_open",
    where=(PaymentTerm.paid < PaymentTerm.amount),
)


class FinancialDocument(BaseModel):
    order = ForeignKeyField(Order, backref="documents", on_delete="CASCADE")
    doc_type = CharField(max_length=16)
    number = CharField(max_length=60)
    amount = MoneyField()
    issued = DateField()
    due = DateField(null=True, index=True)
    term = ForeignKeyField(PaymentTerm, null=True, backref="documents", on_delete="SET NULL")
    duplicate_of = ForeignKeyField("self", null=True, backref="duplicates", on_delete="SET NULL")
    # computed: the pair (original and its duplicates) shares one paid amount and one status
    paid = MoneyField()
    status = CharField(max_length=16, default=PayStatus.UNPAID.value)

    class Meta:
        indexes = ((("doc_type", "number"), True),)


# The open original documents of no term (the reports' open documents: a document with a term
# is the term's money, a duplicate counts as its original), found without reading the table;
# COALESCE: the planner is not to take the (many) documents of no term through the term_id or
# duplicate_of_id index instead. Partial: a few of all documents (schema 2).
FinancialDocument.add_index(
    FinancialDocument.order,
    FinancialDocument.due,
    FinancialDocument.issued,
    FinancialDocument.amount,
    FinancialDocument.paid,
    FinancialDocument.term,
    FinancialDocument.duplicate_of,
    name="financial_document_open",
    where=SQL('COALESCE("term_id", "duplicate_of_id") IS NULL AND "paid" < "amount"'),
)


class Payment(BaseModel):
    order = ForeignKeyField(Order, backref="payments", on_delete="CASCADE")
    date = DateField(index=True)
    amount = MoneyField()
    note = TextField(default="")
    # computed
    unallocated = MoneyField()
    #: computed (schema 2): the order's currency, copied so that the receipts by currency and
    #: month (the forecast) read one index instead of every payment's order; set when the
    #: payment is created (``save`` below, the bulk loader) and verified by ``check``.
    currency = CharField(max_length=3, default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = (
            # the forecast's receipts by currency and day, straight off the index (schema 2)
            (("currency", "date", "amount"), False),
        )

    def save(self, *args: Any, **kwargs: Any) -> Any:
        if not self.currency and self.order_id is not None:
            self.currency = Order.select(Order.currency).where(Order.id == self.order_id).scalar()
        return super().save(*args, **kwargs)


class Allocation(BaseModel):
    payment = ForeignKeyField(Payment, backref="allocations", on_delete="CASCADE")
    document = ForeignKeyField(FinancialDocument, backref="allocations", on_delete="CASCADE")
    amount = MoneyField()

    class Meta:
        indexes = ((("payment", "document"), True),)


class Delivery(BaseModel):
    """A sale or a shipment: what was handed to the client, against an order."""

    order = ForeignKeyField(Order, backref="deliveries", on_delete="CASCADE")
    kind = CharField(max_length=10)
    number = CharField(max_length=60)
    date = DateField()
    address = ForeignKeyField(Address, null=True, on_delete="SET NULL")
    cancelled = BooleanField(default=False)
    note = TextField(default="")

    class Meta:
        indexes = ((("kind", "number"), True),)


class DeliveryLine(BaseModel):
    delivery = ForeignKeyField(Delivery, backref="lines", on_delete="CASCADE")
    article = ForeignKeyField(Article)
    qty = QtyField()


class LinkedOrder(BaseModel):
    """A production or purchase (delivery) order linked to a client order."""

    order = ForeignKeyField(Order, backref="links", on_delete="CASCADE")
    kind = CharField(max_length=12)
    number = CharField(max_length=60)
    status = CharField(max_length=12, default=LinkStatus.PLANNED.value)
    deadline = DateField(null=True)
    expected = DateField(null=True)
    note = TextField(default="")

    class Meta:
        indexes = (
            (("order", "kind", "number"), True),
            # find a number among all links (generated numbers, the links list's search)
            (("kind", "number"), False),
        )


class Attachment(BaseModel):
    """A file an order is kept with (signed contract, the client's PO, the offer as sent).

    The content is stored in the database itself (BLOB on SQLite, BYTEA on PostgreSQL), so it
    goes with every backup and can never vanish with a folder; size-limited (attachments.py).
    """

    order = ForeignKeyField(Order, backref="attachments", on_delete="CASCADE")
    name = CharField(max_length=255)
    size = BigIntegerField()
    sha256 = CharField(max_length=64)
    content = BlobField()
    added = DateTimeField(default=dt.datetime.now)
    user = CharField(max_length=100, default="")
    note = TextField(default="")


class AuditLog(BaseModel):
    """Who changed what, when. ``changes`` is JSON: ``{"field": [old, new], ...}``."""

    at = DateTimeField(default=dt.datetime.now)
    user = CharField(max_length=100)
    action = CharField(max_length=40)
    entity = CharField(max_length=40)
    entity_id = IntegerField(null=True)
    order = ForeignKeyField(Order, null=True, backref="history", on_delete="CASCADE")
    changes = TextField(default="{}")


ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    NumberSequence,
    Client,
    Address,
    Tax,
    Article,
    Barcode,
    Order,
    Offer,
    OfferItem,
    OrderItem,
    PaymentTerm,
    FinancialDocument,
    Payment,
    Allocation,
    Delivery,
    DeliveryLine,
    LinkedOrder,
    Attachment,
    AuditLog,
]

__all__ = [
    "ALL_MODELS",
    "ZERO",
    "Address",
    "Allocation",
    "Article",
    "Attachment",
    "AuditLog",
    "Barcode",
    "Client",
    "Delivery",
    "DeliveryKind",
    "DeliveryLine",
    "DocumentKind",
    "DocumentType",
    "FinancialDocument",
    "LinkKind",
    "LinkStatus",
    "LinkedOrder",
    "NumberSequence",
    "Offer",
    "OfferItem",
    "OfferLine",
    "OfferStatus",
    "Order",
    "OrderItem",
    "OrderStatus",
    "PayStatus",
    "Payment",
    "PaymentTerm",
    "SchemaVersion",
    "Tax",
]
