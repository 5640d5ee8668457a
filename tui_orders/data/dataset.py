"""The interchange data in memory: what an import file holds and what the demo generates.

These plain records mirror the JSON interchange format (docs/interchange.md) one to one:
references are by name, code or number, never by database id. Values are already typed and
exact (``Decimal``, ``datetime.date``); :mod:`tui_orders.data.interchange` turns JSON into them
(and says which record and field is wrong), :mod:`tui_orders.data.bulk` writes them to the
database in bulk, computing every computed field with :func:`compute.compute_order`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(slots=True)
class TaxRec:
    name: str
    rate: Decimal  # percent


@dataclass(slots=True)
class AddressRec:
    label: str
    text: str = ""
    default: bool = False


@dataclass(slots=True)
class ClientRec:
    name: str
    currency: str
    vat_id: str = ""
    addresses: list[AddressRec] = field(default_factory=list)


@dataclass(slots=True)
class ArticleRec:
    code: str
    name: str
    price: Decimal
    unit: str = "pcs"
    barcodes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ItemRec:
    article: str  # article code
    qty: Decimal
    price: Decimal
    specs: str = ""


@dataclass(slots=True)
class TermRec:
    name: str
    due: dt.date
    amount: Decimal


@dataclass(slots=True)
class DocumentRec:
    type: str  # proforma | invoice | foreign_invoice
    number: str
    amount: Decimal
    issued: dt.date
    due: dt.date | None = None
    term: str | None = None  # payment term name
    duplicate_of: str | None = None  # number of a document of the same order


@dataclass(slots=True)
class AllocationRec:
    document: str  # document number
    amount: Decimal


@dataclass(slots=True)
class PaymentRec:
    date: dt.date
    amount: Decimal
    note: str = ""
    allocations: list[AllocationRec] = field(default_factory=list)


@dataclass(slots=True)
class DeliveryLineRec:
    article: str  # article code
    qty: Decimal


@dataclass(slots=True)
class DeliveryRec:
    kind: str  # sale | shipment
    number: str
    date: dt.date
    lines: list[DeliveryLineRec] = field(default_factory=list)
    cancelled: bool = False


@dataclass(slots=True)
class LinkRec:
    kind: str  # production | purchase
    number: str
    status: str = "planned"  # planned | in_progress | done | cancelled
    deadline: dt.date | None = None
    expected: dt.date | None = None


@dataclass(slots=True)
class AttachmentRec:
    name: str
    content: bytes
    added: dt.datetime | None = None  # None: the time of the import
    user: str = ""
    note: str = ""
    #: what the file says the content is (checked when given)
    size: int | None = None
    sha256: str | None = None


@dataclass(slots=True)
class OrderRec:
    client: str  # client name
    created: dt.date
    deadline: dt.date
    number: str | None = None  # None: generated from the created year's sequence
    address: str | None = None  # label of one of the client's addresses; None: the default
    document_kind: str = "contract"  # contract | offer | other
    document_ref: str = ""
    tax: str | None = None  # tax name
    note: str = ""
    started: bool = False
    cancelled: bool = False
    cancel_reason: str = ""
    items: list[ItemRec] = field(default_factory=list)
    payment_terms: list[TermRec] = field(default_factory=list)
    documents: list[DocumentRec] = field(default_factory=list)
    payments: list[PaymentRec] = field(default_factory=list)
    deliveries: list[DeliveryRec] = field(default_factory=list)
    links: list[LinkRec] = field(default_factory=list)
    attachments: list[AttachmentRec] = field(default_factory=list)


@dataclass(slots=True)
class OfferItemRec:
    article: str
    qty: Decimal
    price: Decimal
    specs: str = ""


@dataclass(slots=True)
class OfferRec:
    number: str
    client: str
    created: dt.date
    valid_until: dt.date | None = None
    items: list[OfferItemRec] = field(default_factory=list)
    order: str | None = None  # number of the order it became
    address: str | None = None
    note: str = ""


@dataclass(slots=True)
class Dataset:
    """One import file, or one chunk of demo data."""

    taxes: list[TaxRec] = field(default_factory=list)
    clients: list[ClientRec] = field(default_factory=list)
    articles: list[ArticleRec] = field(default_factory=list)
    offers: list[OfferRec] = field(default_factory=list)
    orders: list[OrderRec] = field(default_factory=list)
