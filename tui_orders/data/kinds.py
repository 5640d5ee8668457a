"""The fixed words the data layer stores (statuses, kinds, types), as enums.

Kept apart from the models (peewee) so that what only needs the words, such as the start-up
read of the order list (:mod:`tui_orders.data.quickstart`), does not import the ORM.
:mod:`tui_orders.data.models` exports them too.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PayStatus(StrEnum):
    """Financial status of an order, a payment term or a financial document."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class DocumentKind(StrEnum):
    """What the order was created from."""

    CONTRACT = "contract"
    OFFER = "offer"
    OTHER = "other"


class DocumentType(StrEnum):
    PROFORMA = "proforma"
    INVOICE = "invoice"
    FOREIGN_INVOICE = "foreign_invoice"


class DeliveryKind(StrEnum):
    SALE = "sale"
    SHIPMENT = "shipment"


class LinkKind(StrEnum):
    PRODUCTION = "production"
    PURCHASE = "purchase"


class LinkStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


__all__ = [
    "DeliveryKind",
    "DocumentKind",
    "DocumentType",
    "LinkKind",
    "LinkStatus",
    "OrderStatus",
    "PayStatus",
]
