"""Clients with their addresses, articles with their barcodes, taxes.

Clients, articles and taxes carry a ``version``, as orders do: every change of one (for a
client its addresses too, for an article its barcodes) bumps it in the same transaction, and
a change given the ``expected_version`` it was read at fails with :class:`ConflictError`,
nothing written, when another terminal changed the record meanwhile. ``None`` (the command
line, scripts) changes without the check (and still bumps the version, so that a form open
elsewhere learns of the change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..i18n import _
from . import audit
from .db import transactional
from .errors import ConflictError, NotFound, ValidationError
from .models import CURRENCIES, Address, Article, Barcode, Client, Tax
from .money import parse_price, parse_rate


@dataclass(frozen=True, slots=True)
class AddressInput:
    label: str
    text: str = ""
    default: bool = False


def _text(value: object, what: str, *, required: bool = True, max_len: int = 200) -> str:
    """``value`` stripped; ``what`` names the field in a message: an English msgid (its
    translation is in ``locale/*/data.po``), orders.py and offers.py use this too."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(
            _("{what} must be text, not {value!r}").format(what=_(what), value=value)
        )
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationError(_("{what} is required").format(what=_(what)))
    if len(cleaned) > max_len:
        raise ValidationError(
            _("{what} is longer than {max_len} characters").format(what=_(what), max_len=max_len)
        )
    return cleaned


def check_currency(code: object) -> str:
    """A currency code in upper case. Its messages are in the current language, as every
    message of the data layer; the import (bulk.py) puts the path in the file before them, and
    runs from the command line, in English."""
    text = _text(code, "currency", max_len=3).upper()
    if len(text) != 3 or not text.isalpha():
        raise ValidationError(
            _("currency {code!r} must be a three-letter code such as BGN or EUR").format(code=code)
        )
    return text


def _check_addresses(addresses: list[AddressInput]) -> list[AddressInput]:
    labels = [_text(a.label, "address label", max_len=100) for a in addresses]
    seen = set()
    for label in labels:
        if label.lower() in seen:
            raise ValidationError(_("address label {label!r} is used twice").format(label=label))
        seen.add(label.lower())
    defaults = [a for a in addresses if a.default]
    if len(defaults) > 1:
        raise ValidationError(_("only one address can be the default"))
    if addresses and not defaults:  # one of them is always the default
        addresses = [AddressInput(addresses[0].label, addresses[0].text, True), *addresses[1:]]
    return [
        AddressInput(label, a.text or "", a.default)
        for label, a in zip(labels, addresses, strict=True)
    ]


#: model -> (what it is called in a message: an English msgid, the field naming one)
_NAMED_BY: dict[Any, tuple[str, str]] = {
    Client: ("client", "name"),
    Article: ("article", "code"),
    Tax: ("tax", "name"),
}


def _claim(model: Any, row_id: int, expected_version: int | None) -> Any:
    """Claim a client, article or tax for a change (in the caller's transaction): version + 1,
    or :class:`ConflictError` when ``expected_version`` is given and the record moved on."""
    what, key = _NAMED_BY[model]
    query = model.update(version=model.version + 1).where(model.id == row_id)
    if expected_version is not None:
        query = query.where(model.version == expected_version)
    if query.execute() == 0:
        row = model.get_or_none(model.id == row_id)
        if row is None:
            raise NotFound(_("no {what} with id {id}").format(what=_(what), id=row_id))
        raise ConflictError(
            _(
                "{what} {name!r} was changed in another terminal since you opened it; nothing "
                "was saved: reload it and make your change again"
            ).format(what=_(what), name=getattr(row, key))
        )
    return model.get_by_id(row_id)


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
        raise ValidationError(_("a client named {name!r} already exists").format(name=name))
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
    expected_version: int | None = None,
) -> Client:
    """Change a client's name, VAT id or currency (existing orders keep their currency).

    ``expected_version``: the version the change was made from (None: no check)."""
    client = _claim(Client, get_client(client_id).id, expected_version)
    changes: dict[str, tuple[object, object]] = {}
    if name is not None:
        name = _text(name, "client name")
        if name != client.name:
            if Client.select().where(Client.name == name, Client.id != client.id).exists():
                raise ValidationError(_("a client named {name!r} already exists").format(name=name))
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
def add_address(
    client_id: int,
    label: str,
    text: str = "",
    default: bool = False,
    *,
    expected_version: int | None = None,
) -> Address:
    """Give a client another address (a change of the client: its version moves on)."""
    client = _claim(Client, get_client(client_id).id, expected_version)
    return _add_address(client, label, text, default)


def _add_address(client: Client, label: str, text: str, default: bool) -> Address:
    label = _text(label, "address label", max_len=100)
    if Address.select().where(Address.client == client.id, Address.label == label).exists():
        raise ValidationError(
            _("{client} already has an address labelled {label!r}").format(
                client=client.name, label=label
            )
        )
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
        raise NotFound(_("no client {ref!r}").format(ref=ref))
    return client


def client_address(client: Client, label: str | None) -> Address | None:
    """One of the client's addresses by label; the default one when ``label`` is None."""
    query = Address.select().where(Address.client == client.id)
    if label is None:
        return query.where(Address.is_default).first() or query.order_by(Address.id).first()
    address = query.where(Address.label == label).first()
    if address is None:
        raise ValidationError(
            _("client {name!r} has no address labelled {label!r}").format(
                name=client.name, label=label
            )
        )
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
        raise ValidationError(_("an article with code {code!r} already exists").format(code=code))
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
        raise ValidationError(
            _("barcode {code} already belongs to article {article}").format(
                code=code, article=holder.article.code
            )
        )
    return Barcode.create(article=article, code=code)


@transactional
def add_barcode(article_id: int, code: str, *, expected_version: int | None = None) -> Barcode:
    """Attach another barcode to an article (a barcode belongs to one article only; a change
    of the article: its version moves on)."""
    article = _claim(Article, get_article(article_id).id, expected_version)
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
        raise NotFound(_("no article {ref!r}").format(ref=ref))
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
        raise ValidationError(_("a tax named {name!r} already exists").format(name=name))
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
        raise NotFound(_("no tax {ref!r}").format(ref=ref))
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


# ---------------------------------------------------------------- editing (master-data screens)


@dataclass(frozen=True, slots=True)
class AddressEdit:
    """One address row of the client form: ``id`` None for a new address."""

    id: int | None
    label: str
    text: str = ""
    default: bool = False


@dataclass(frozen=True, slots=True)
class ClientView:
    """A row of the client list."""

    id: int
    name: str
    vat_id: str
    currency: str
    address: str  # label of the default address
    addresses: int


@dataclass(frozen=True, slots=True)
class ArticleView:
    """A row of the article list."""

    id: int
    code: str
    name: str
    unit: str
    price: Decimal
    barcodes: tuple[str, ...]


def _matches(needle: str, *values: str) -> bool:
    return any(needle in (v or "").casefold() for v in values)


def list_clients(text: str = "", limit: int = 1000) -> list[ClientView]:
    """Clients by name whose name or VAT id contains ``text`` in any case and script."""
    needle = text.casefold().strip()
    defaults: dict[int, str] = {}
    counts: dict[int, int] = {}
    for cid, label, is_default in (
        Address.select(Address.client, Address.label, Address.is_default)
        .order_by(Address.id)
        .tuples()
    ):
        counts[cid] = counts.get(cid, 0) + 1
        if is_default or cid not in defaults:
            defaults[cid] = label
    rows = []
    for cid, name, vat_id, currency in (
        Client.select(Client.id, Client.name, Client.vat_id, Client.currency)
        .order_by(Client.name)
        .tuples()
        .iterator()
    ):
        if needle and not _matches(needle, name, vat_id):
            continue
        rows.append(
            ClientView(cid, name, vat_id, currency, defaults.get(cid, ""), counts.get(cid, 0))
        )
        if len(rows) >= limit:
            break
    return rows


def client_addresses(client_id: int) -> list[Address]:
    """The client's addresses in the order they were added."""
    return list(Address.select().where(Address.client == client_id).order_by(Address.id))


@transactional
def update_address(
    address_id: int,
    *,
    label: str | None = None,
    text: str | None = None,
    default: bool | None = None,
    expected_version: int | None = None,
) -> Address:
    """Change an address; ``default=True`` makes it the client's default one.
    ``expected_version`` is its client's (the client's version moves on)."""
    address = Address.get_or_none(Address.id == address_id)
    if address is None:
        raise NotFound(_("no address {id}").format(id=address_id))
    _claim(Client, address.client_id, expected_version)
    return _update_address(address, label=label, text=text, default=default)


def _update_address(
    address: Address, *, label: str | None, text: str | None, default: bool | None
) -> Address:
    changes: dict[str, tuple[object, object]] = {}
    if label is not None:
        label = _text(label, "address label", max_len=100)
        if label != address.label:
            taken = Address.select().where(
                Address.client == address.client_id,
                Address.label == label,
                Address.id != address.id,
            )
            if taken.exists():
                raise ValidationError(
                    _("the client already has an address labelled {label!r}").format(label=label)
                )
            changes["label"] = (address.label, label)
            address.label = label
    if text is not None and text != address.text:
        changes["text"] = (address.text, text)
        address.text = text
    if default and not address.is_default:
        Address.update(is_default=False).where(Address.client == address.client_id).execute()
        changes["default"] = (False, True)
        address.is_default = True
    if changes:
        address.save()
        audit.record("update", "address", address.id, changes=changes)
    return address


@transactional
def remove_address(address_id: int, *, expected_version: int | None = None) -> None:
    """Remove an address no order uses; another one becomes the default if needed.
    ``expected_version`` is its client's (the client's version moves on)."""
    address = Address.get_or_none(Address.id == address_id)
    if address is None:
        raise NotFound(_("no address {id}").format(id=address_id))
    _claim(Client, address.client_id, expected_version)
    _remove_address(address)


def _remove_address(address: Address) -> None:
    from .models import Order

    address_id = address.id
    used = Order.select().where(Order.address == address.id).count()
    if used:
        raise ValidationError(
            _("address {label!r} is used by {count} order(s)").format(
                label=address.label, count=used
            )
        )
    client_id = address.client_id
    was_default = address.is_default
    address.delete_instance()
    if was_default:
        first = Address.select().where(Address.client == client_id).order_by(Address.id).first()
        if first is not None:
            first.is_default = True
            first.save()
    audit.record("delete", "address", address_id, changes={"label": address.label})


@transactional
def save_client(
    client_id: int | None,
    *,
    name: str,
    currency: str,
    vat_id: str = "",
    addresses: Iterable[AddressEdit] = (),
    expected_version: int | None = None,
) -> Client:
    """Create or update a client with its whole address list, in one transaction.

    Addresses with an ``id`` are updated, those without are added, and the client's other
    addresses are removed (refused when an order uses them). ``expected_version``: the
    client's version the form was filled from (None: no check); the whole edit moves the
    version on by one.
    """
    rows = list(addresses)
    _check_addresses([AddressInput(a.label, a.text, a.default) for a in rows])
    if not any(a.default for a in rows) and rows:
        first = rows[0]
        rows[0] = AddressEdit(first.id, first.label, first.text, True)
    if client_id is None:
        return create_client(
            name,
            currency,
            vat_id=vat_id,
            addresses=[AddressInput(a.label, a.text, a.default) for a in rows],
        )
    client = update_client(
        client_id, name=name, vat_id=vat_id, currency=currency, expected_version=expected_version
    )
    kept = {a.id for a in rows if a.id is not None}
    for old in client_addresses(client.id):
        if old.id not in kept:
            _remove_address(old)
    old_labels = {a.id: a.label for a in client_addresses(client.id)}
    # free every label first so that two addresses can swap labels
    for a in rows:
        if a.id is not None:
            Address.update(label=f"\u2063#{a.id}").where(
                Address.id == a.id, Address.client == client.id
            ).execute()
    for a in rows:
        if a.id is not None:
            Address.update(label=a.label.strip()).where(Address.id == a.id).execute()
            if old_labels.get(a.id) != a.label.strip():
                changes = {"label": (old_labels.get(a.id), a.label.strip())}
                audit.record("update", "address", a.id, changes=changes)
    for a in rows:
        if a.id is None:
            _add_address(client, a.label, a.text, a.default)
        else:
            address = Address.get_or_none(Address.id == a.id, Address.client == client.id)
            if address is None:
                raise NotFound(
                    _("client {name!r} has no address {id}").format(name=client.name, id=a.id)
                )
            _update_address(address, label=None, text=a.text, default=a.default)
    return client


def list_articles(text: str = "", limit: int = 1000) -> list[ArticleView]:
    """Articles by code whose code, name or barcode contains ``text`` in any case."""
    needle = text.casefold().strip()
    barcodes: dict[int, list[str]] = {}
    for aid, code in Barcode.select(Barcode.article, Barcode.code).order_by(Barcode.id).tuples():
        barcodes.setdefault(aid, []).append(code)
    rows = []
    for aid, code, name, unit, price in (
        Article.select(Article.id, Article.code, Article.name, Article.unit, Article.price)
        .order_by(Article.code)
        .tuples()
        .iterator()
    ):
        codes = barcodes.get(aid, [])
        if needle and not _matches(needle, code, name, *codes):
            continue
        rows.append(ArticleView(aid, code, name, unit, price, tuple(codes)))
        if len(rows) >= limit:
            break
    return rows


@transactional
def update_article(
    article_id: int,
    *,
    code: str | None = None,
    name: str | None = None,
    unit: str | None = None,
    price: Decimal | str | None = None,
    expected_version: int | None = None,
) -> Article:
    """Change an article of the catalogue (orders keep the prices they were given).

    ``expected_version``: the version the change was made from (None: no check)."""
    article = _claim(Article, get_article(article_id).id, expected_version)
    changes: dict[str, tuple[object, object]] = {}
    if code is not None:
        code = _text(code, "article code", max_len=60)
        if code != article.code:
            taken = Article.select().where(Article.code == code, Article.id != article.id)
            if taken.exists():
                raise ValidationError(
                    _("an article with code {code!r} already exists").format(code=code)
                )
            changes["code"] = (article.code, code)
            article.code = code
    if name is not None:
        name = _text(name, "article name", max_len=250)
        if name != article.name:
            changes["name"] = (article.name, name)
            article.name = name
    if unit is not None:
        unit = _text(unit, "unit", max_len=20)
        if unit != article.unit:
            changes["unit"] = (article.unit, unit)
            article.unit = unit
    if price is not None:
        value = parse_price(price)
        if value != article.price:
            changes["price"] = (article.price, value)
            article.price = value
    if changes:
        article.save()
        audit.record("update", "article", article.id, changes=changes)
    return article


@transactional
def remove_barcode(article_id: int, code: str, *, expected_version: int | None = None) -> None:
    """Detach a barcode from its article (the article's version moves on)."""
    article = _claim(Article, get_article(article_id).id, expected_version)
    _remove_barcode(article, code)


def _remove_barcode(article: Article, code: str) -> None:
    barcode = Barcode.get_or_none(Barcode.article == article.id, Barcode.code == code)
    if barcode is None:
        raise NotFound(
            _("article {article} has no barcode {code}").format(article=article.code, code=code)
        )
    barcode.delete_instance()
    audit.record("delete", "barcode", barcode.id, changes={"article": article.code, "code": code})


@transactional
def save_article(
    article_id: int | None,
    *,
    code: str,
    name: str,
    unit: str,
    price: Decimal | str,
    barcodes: Iterable[str] = (),
    expected_version: int | None = None,
) -> Article:
    """Create or update an article with its whole barcode list, in one transaction.

    ``expected_version``: the article's version the form was filled from (None: no check);
    the whole edit moves the version on by one."""
    wanted = [b.strip() for b in barcodes if b and b.strip()]
    if len({b for b in wanted}) != len(wanted):
        raise ValidationError(_("a barcode is listed twice"), "barcodes")
    if article_id is None:
        return create_article(code, name, price, unit=unit, barcodes=wanted)
    article = update_article(
        article_id,
        code=code,
        name=name,
        unit=unit,
        price=price,
        expected_version=expected_version,
    )
    current = [b.code for b in Barcode.select().where(Barcode.article == article.id)]
    for old in current:
        if old not in wanted:
            _remove_barcode(article, old)
    for new in wanted:
        if new not in current:
            barcode = _add_barcode(article, new)
            audit.record(
                "create", "barcode", barcode.id, changes={"article": article.code, "code": new}
            )
    return article


def list_taxes(text: str = "") -> list[Tax]:
    """Taxes by name, those whose name contains ``text`` in any case."""
    needle = text.casefold().strip()
    return [t for t in Tax.select().order_by(Tax.name) if not needle or needle in t.name.casefold()]


@transactional
def save_tax(
    tax_id: int | None,
    *,
    name: str,
    rate: Decimal | str,
    expected_version: int | None = None,
) -> Tax:
    """Create a tax or change its name and rate (orders keep their computed amounts)."""
    if tax_id is None:
        return create_tax(name, rate)
    return update_tax(tax_id, name=name, rate=rate, expected_version=expected_version)


@transactional
def update_tax(
    tax_id: int,
    *,
    name: str | None = None,
    rate: Decimal | str | None = None,
    expected_version: int | None = None,
) -> Tax:
    """Change a tax's name or rate; the rate only while no order uses the tax.

    ``expected_version``: the version the change was made from (None: no check)."""
    tax = _claim(Tax, get_tax(tax_id).id, expected_version)
    changes: dict[str, tuple[object, object]] = {}
    if name is not None:
        name = _text(name, "tax name", max_len=100)
        if name != tax.name:
            if Tax.select().where(Tax.name == name, Tax.id != tax.id).exists():
                raise ValidationError(_("a tax named {name!r} already exists").format(name=name))
            changes["name"] = (tax.name, name)
            tax.name = name
    value = tax.rate if rate is None else parse_rate(rate)
    if value != tax.rate:
        from .models import Order

        # totals are recomputed from the tax's rate: changing it would change old orders
        used = Order.select().where(Order.tax == tax.id).count()
        if used:
            raise ValidationError(
                _("the rate of a tax used by {count} order(s) cannot change; add a new tax").format(
                    count=used
                ),
                "rate",
            )
        changes["rate"] = (tax.rate, value)
        tax.rate = value
    if changes:
        tax.save()
        audit.record("update", "tax", tax.id, changes=changes)
    return tax


__all__ += [
    "AddressEdit",
    "ArticleView",
    "ClientView",
    "client_addresses",
    "list_articles",
    "list_clients",
    "list_taxes",
    "remove_address",
    "remove_barcode",
    "save_article",
    "save_client",
    "save_tax",
    "update_address",
    "update_article",
    "update_tax",
]
