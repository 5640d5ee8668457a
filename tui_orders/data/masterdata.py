"""Clients with their addresses, articles with their barcodes, taxes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from . import audit
from .db import transactional
from .errors import NotFound, ValidationError
from .models import CURRENCIES, Address, Article, Barcode, Client, Tax
from .money import parse_price, parse_rate


@dataclass(frozen=True, slots=True)
class AddressInput:
    label: str
    text: str = ""
    default: bool = False


def _text(value: object, what: str, *, required: bool = True, max_len: int = 200) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be text, not {value!r}")
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationError(f"{what} is required")
    if len(cleaned) > max_len:
        raise ValidationError(f"{what} is longer than {max_len} characters")
    return cleaned


def check_currency(code: object) -> str:
    text = _text(code, "currency", max_len=3).upper()
    if len(text) != 3 or not text.isalpha():
        raise ValidationError(f"currency {code!r} must be a three-letter code such as BGN or EUR")
    return text


def _check_addresses(addresses: list[AddressInput]) -> list[AddressInput]:
    labels = [_text(a.label, "address label", max_len=100) for a in addresses]
    seen = set()
    for label in labels:
        if label.lower() in seen:
            raise ValidationError(f"address label {label!r} is used twice")
        seen.add(label.lower())
    defaults = [a for a in addresses if a.default]
    if len(defaults) > 1:
        raise ValidationError("only one address can be the default")
    if addresses and not defaults:  # one of them is always the default
        addresses = [AddressInput(addresses[0].label, addresses[0].text, True), *addresses[1:]]
    return [
        AddressInput(label, a.text or "", a.default)
        for label, a in zip(labels, addresses, strict=True)
    ]


@transactional
def create_client(
    name: str,
    currency: str,
    vat_id: str = "",
    addresses: Iterable[AddressInput] = (),
) -> Client:
    """A new client; the first address is the default unless another is marked so."""
    name = _text(name, "client name")
    currency = check_currency(currency)
    vat_id = _text(vat_id, "VAT id", required=False, max_len=40)
    if Client.select().where(Client.name == name).exists():
        raise ValidationError(f"a client named {name!r} already exists")
    checked = _check_addresses(list(addresses))
    client = Client.create(name=name, currency=currency, vat_id=vat_id)
    for a in checked:
        Address.create(client=client, label=a.label, text=a.text, is_default=a.default)
    audit.record(
        "create",
        "client",
        client.id,
        changes={"name": name, "currency": currency, "vat_id": vat_id},
    )
    return client


@transactional
def update_client(
    client_id: int,
    *,
    name: str | None = None,
    vat_id: str | None = None,
    currency: str | None = None,
) -> Client:
    """Change a client's name, VAT id or currency (existing orders keep their currency)."""
    client = get_client(client_id)
    changes: dict[str, tuple[object, object]] = {}
    if name is not None:
        name = _text(name, "client name")
        if name != client.name:
            if Client.select().where(Client.name == name, Client.id != client.id).exists():
                raise ValidationError(f"a client named {name!r} already exists")
            changes["name"] = (client.name, name)
            client.name = name
    if vat_id is not None:
        vat_id = _text(vat_id, "VAT id", required=False, max_len=40)
        if vat_id != client.vat_id:
            changes["vat_id"] = (client.vat_id, vat_id)
            client.vat_id = vat_id
    if currency is not None:
        currency = check_currency(currency)
        if currency != client.currency:
            changes["currency"] = (client.currency, currency)
            client.currency = currency
    if changes:
        client.save()
        audit.record("update", "client", client.id, changes=changes)
    return client


@transactional
def add_address(client_id: int, label: str, text: str = "", default: bool = False) -> Address:
    client = get_client(client_id)
    label = _text(label, "address label", max_len=100)
    if Address.select().where(Address.client == client.id, Address.label == label).exists():
        raise ValidationError(f"{client.name} already has an address labelled {label!r}")
    has_default = Address.select().where(Address.client == client.id, Address.is_default).exists()
    if default:
        Address.update(is_default=False).where(Address.client == client.id).execute()
    address = Address.create(
        client=client, label=label, text=text or "", is_default=default or not has_default
    )
    audit.record("create", "address", address.id, changes={"client": client.name, "label": label})
    return address


def get_client(ref: int | str | Client) -> Client:
    """A client by id, instance or exact name."""
    if isinstance(ref, Client):
        return ref
    query = Client.select()
    client = (
        query.where(Client.id == ref).first()
        if isinstance(ref, int)
        else query.where(Client.name == ref).first()
    )
    if client is None:
        raise NotFound(f"no client {ref!r}")
    return client


def client_address(client: Client, label: str | None) -> Address | None:
    """One of the client's addresses by label; the default one when ``label`` is None."""
    query = Address.select().where(Address.client == client.id)
    if label is None:
        return query.where(Address.is_default).first() or query.order_by(Address.id).first()
    address = query.where(Address.label == label).first()
    if address is None:
        raise ValidationError(f"client {client.name!r} has no address labelled {label!r}")
    return address


@transactional
def create_article(
    code: str,
    name: str,
    price: Decimal | str,
    unit: str = "pcs",
    barcodes: Iterable[str] = (),
) -> Article:
    """A new catalogue article with its barcodes."""
    code = _text(code, "article code", max_len=60)
    name = _text(name, "article name", max_len=250)
    unit = _text(unit, "unit", max_len=20)
    value = parse_price(price)
    if Article.select().where(Article.code == code).exists():
        raise ValidationError(f"an article with code {code!r} already exists")
    article = Article.create(code=code, name=name, unit=unit, price=value)
    for barcode in barcodes:
        _add_barcode(article, barcode)
    audit.record(
        "create", "article", article.id, changes={"code": code, "name": name, "price": value}
    )
    return article


def _add_barcode(article: Article, code: str) -> Barcode:
    code = _text(code, "barcode", max_len=64)
    holder = Barcode.select(Barcode, Article).join(Article).where(Barcode.code == code).first()
    if holder is not None:
        raise ValidationError(f"barcode {code} already belongs to article {holder.article.code}")
    return Barcode.create(article=article, code=code)


@transactional
def add_barcode(article_id: int, code: str) -> Barcode:
    """Attach another barcode to an article (a barcode belongs to one article only)."""
    article = get_article(article_id)
    barcode = _add_barcode(article, code)
    audit.record("create", "barcode", barcode.id, changes={"article": article.code, "code": code})
    return barcode


def get_article(ref: int | str | Article) -> Article:
    """An article by id, instance or exact code."""
    if isinstance(ref, Article):
        return ref
    query = Article.select()
    article = (
        query.where(Article.id == ref).first()
        if isinstance(ref, int)
        else query.where(Article.code == ref).first()
    )
    if article is None:
        raise NotFound(f"no article {ref!r}")
    return article


def article_by_barcode(code: str) -> Article | None:
    """The article carrying ``code``, or None."""
    return Article.select().join(Barcode).where(Barcode.code == code.strip()).first()


@transactional
def create_tax(name: str, rate: Decimal | str) -> Tax:
    """A tax such as "ДДС 20%" with its rate in percent."""
    name = _text(name, "tax name", max_len=100)
    value = parse_rate(rate)
    if Tax.select().where(Tax.name == name).exists():
        raise ValidationError(f"a tax named {name!r} already exists")
    tax = Tax.create(name=name, rate=value)
    audit.record("create", "tax", tax.id, changes={"name": name, "rate": value})
    return tax


def get_tax(ref: int | str | Tax) -> Tax:
    if isinstance(ref, Tax):
        return ref
    query = Tax.select()
    tax = (
        query.where(Tax.id == ref).first()
        if isinstance(ref, int)
        else query.where(Tax.name == ref).first()
    )
    if tax is None:
        raise NotFound(f"no tax {ref!r}")
    return tax


__all__ = [
    "CURRENCIES",
    "AddressInput",
    "add_address",
    "add_barcode",
    "article_by_barcode",
    "check_currency",
    "client_address",
    "create_article",
    "create_client",
    "create_tax",
    "get_article",
    "get_client",
    "get_tax",
    "update_client",
]
