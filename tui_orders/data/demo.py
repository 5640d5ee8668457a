"""Realistic demo data: three years of orders with money, documents, deliveries and links.

:func:`generate` yields the data as :class:`~tui_orders.data.dataset.Dataset` chunks,
deterministically for a seed; :func:`run_demo` writes them: on SQLite, worker processes compute
the chunks (:func:`bulk.prepare_detached`'s trusted path: the generator's records are valid by
construction, every computed field is still computed) while this process inserts them, in one
transaction with the indexes built at the end; otherwise with :func:`bulk.load`, one
transaction per chunk. (Generating in a thread instead was tried: on a 2-core machine the GIL
made it +5% idle, -10% busy.)

The data is meant to look like a real business and to exercise every rule: every order and
financial status, proformas followed by invoices that duplicate them, partial, full, overpaid and
unallocated payments, overdue terms, terms and documents that do not cover the total, partial
and late deliveries, production and purchase orders late against the deadline, orders confirmed
from offers. Orders follow a seasonal pattern (busy spring and autumn, quiet August and
December) with growth year over year, so that a forecast has a real signal to find.

Speed matters (a million orders in a few minutes): amounts are worked out in integer cents and
turned into ``Decimal`` once, immutable values (dates, prices, quantities) are cached and
shared between records, and random choices use ``random()`` rather than ``randint``/``choice``.
The integer arithmetic is exactly :func:`compute.line_amount` and :func:`compute.tax_on` (the
tests check this), so the amounts of terms, documents and payments correlate exactly with the
totals the loader computes.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import math
import os
import pickle
import queue
import random
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .dataset import (
    AddressRec,
    AllocationRec,
    ArticleRec,
    ClientRec,
    Dataset,
    DeliveryLineRec,
    DeliveryRec,
    DocumentRec,
    ItemRec,
    LinkRec,
    OfferItemRec,
    OfferRec,
    OrderRec,
    PaymentRec,
    TaxRec,
    TermRec,
)

#: The taxes of the demo: name, rate in percent.
TAXES = (("ДДС 20%", 20), ("ДДС 9%", 9), ("VAT 0%", 0))
TAX_20, TAX_9, TAX_0 = (name for name, _rate in TAXES)
TAX_RATE = {name: rate for name, rate in TAXES}

#: Orders per calendar month relative to an average month (index 0 = January).
SEASON = (0.80, 0.90, 1.15, 1.25, 1.20, 1.05, 0.90, 0.55, 1.15, 1.25, 1.10, 0.70)
#: Orders per weekday relative to a working day (index 0 = Monday).
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 0.95, 0.15, 0.05)
#: Growth of the order volume per year.
GROWTH = 1.12
#: How many years of history the demo spans, ending today.
YEARS = 3

CANCEL_SHARE = 0.035
OFFER_SHARE = 0.15  # orders confirmed from an offer
LOST_OFFER_SHARE = 0.04  # offers that never became an order (per order)
FOREIGN_SHARE = 0.22

# --------------------------------------------------------------------------- helpers


def ean13_check_digit(body: str) -> str:
    """The check digit of a 12-digit EAN-13 body (weights 1, 3, 1, 3, ... from the left)."""
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"an EAN-13 body has 12 digits, not {body!r}")
    total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(body))
    return str((10 - total % 10) % 10)


def ean13(body: str) -> str:
    """A full EAN-13 from its 12-digit body."""
    return body + ean13_check_digit(body)


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == code[12]


def line_cents(qty_milli: int, price_units: int) -> int:
    """An item's amount in cents from its quantity in thousandths and price in 1/10000.

    The same as :func:`compute.line_amount` (qty x price, half-up to the cent) for the
    non-negative numbers the demo makes: the product has 7 decimals, 5 of them go.
    """
    return (qty_milli * price_units + 50_000) // 100_000


def tax_cents(subtotal_cents: int, rate: int | None) -> int:
    """The same as :func:`compute.tax_on` for a whole-percent rate and a non-negative subtotal."""
    if rate is None:
        return 0
    return (subtotal_cents * rate + 50) // 100


def share_cents(total_cents: int, percent: int) -> int:
    """``percent`` of an amount, half-up to the cent."""
    return (total_cents * percent + 50) // 100


def money(cents: int) -> Decimal:
    """Cents as an exact Decimal with 2 places."""
    return Decimal(cents).scaleb(-2)


# --------------------------------------------------------------------------- vocabulary

BG_PREFIXES = (
    "Техно", "Агро", "Метал", "Енерго", "Електро", "Строй", "Хидро", "Авто", "Пласт",
    "Транс", "Балкан", "Родопа", "Пирин", "Дунав", "Тракия", "Витоша", "Марица", "Рила",
    "Инокс", "Термо", "Вента", "Еко", "Про", "Нео", "Мега", "Интер", "Евро", "Бета",
    "Вега", "Орион", "Сириус", "Алфа", "Делта", "Бул", "Стил", "Кабел", "Машин", "Хим",
)  # fmt: skip
BG_SUFFIXES = (
    "маш", "инвест", "трейд", "импекс", "пром", "строй", "комерс", "систем", "монтаж",
    "сервиз", "логистик", "консулт", "тех", "лайн", "груп", "инженеринг", "проект",
)  # fmt: skip
BG_FORMS = ("ООД", "ЕООД", "АД", "ЕАД", "ЕТ")
BG_CITIES = (
    "София", "Пловдив", "Варна", "Бургас", "Русе", "Стара Загора", "Плевен", "Габрово",
    "Казанлък", "Шумен", "Велико Търново", "Благоевград", "Хасково", "Ямбол", "Сливен",
)  # fmt: skip
BG_STREETS = (
    "ул. Иван Вазов", "бул. България", "ул. Раковски", "бул. Христо Ботев", "ул. Индустриална",
    "ул. Васил Левски", "бул. Освобождение", "ул. Шипка", "ул. Цар Симеон", "бул. Марица",
)  # fmt: skip
BG_ADDRESS_LABELS = ("Централен офис", "Склад", "Цех", "Обект")
EN_ADDRESS_LABELS = ("Head office", "Warehouse", "Plant", "Site")

#: country: (surnames or brands, sectors, legal forms, currency, VAT prefix, VAT digits,
#: cities, street, country name)
FOREIGN = {
    "DE": (
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun"),
        ("Maschinenbau", "Metallbau", "Elektrotechnik", "Antriebstechnik", "Industriebedarf",
         "Logistik", "Stahlhandel", "Anlagenbau"),
        ("GmbH", "GmbH & Co. KG", "AG"),
        "EUR", "DE", 9,
        ("München", "Stuttgart", "Köln", "Hamburg", "Leipzig", "Nürnberg"),
        "Industriestraße", "Germany",
    ),
    "GR": (
        ("Papadopoulos", "Georgiou", "Nikolaidis", "Konstantinou", "Dimitriou", "Ioannou",
         "Vasileiou", "Christodoulou", "Oikonomou", "Makris"),
        ("Industrial", "Metal", "Trading", "Technical", "Steel", "Energy", "Hellas"),
        ("S.A.", "Ltd", "IKE"),
        "EUR", "EL", 9,
        ("Thessaloniki", "Athens", "Patras", "Larissa", "Kavala"),
        "Egnatia", "Greece",
    ),
    "RO": (
        ("Popescu", "Ionescu", "Dumitrescu", "Stan", "Gheorghe", "Constantin", "Marin",
         "Stoica", "Munteanu"),
        ("Industrial", "Construct", "Metal", "Trade", "Prod", "Tehnic", "Logistic"),
        ("SRL", "SA"),
        "EUR", "RO", 8,
        ("București", "Cluj-Napoca", "Timișoara", "Iași", "Constanța", "Craiova"),
        "Strada Industriei", "Romania",
    ),
    "US": (
        ("Acme", "Summit", "Pioneer", "Liberty", "Keystone", "Great Lakes", "Pacific",
         "Midwest", "Atlas", "Eagle", "Frontier", "Granite"),
        ("Tools", "Industrial Supply", "Manufacturing", "Machinery", "Components", "Steel",
         "Fabrication"),
        ("Inc.", "LLC", "Corp."),
        "USD", "", 0,
        ("Chicago", "Detroit", "Houston", "Cleveland", "Pittsburgh", "Milwaukee"),
        "Commerce Drive", "USA",
    ),
}  # fmt: skip
FOREIGN_COUNTRIES = ("DE", "DE", "DE", "GR", "GR", "RO", "RO", "US")
#: The first clients: a currency (Bulgarian) or a country (foreign) each.
FIRST_CLIENTS = ("BGN", "EUR", "DE", "GR", "RO", "US")

#: Article families: code, Bulgarian name, English name, unit kind, price range (whole units),
#: name parameters. Unit kinds: 0 = pieces, 1 = kilograms, 2 = metres.
FAMILIES = (
    ("BLT", "Болт М{a}x{b} DIN 933", "Hex bolt M{a}x{b} DIN 933", 0, (0.05, 3),
     (6, 8, 10, 12, 16, 20), (20, 30, 40, 50, 60, 80, 100)),
    ("NUT", "Гайка М{a} DIN 934", "Hex nut M{a} DIN 934", 0, (0.02, 1),
     (6, 8, 10, 12, 16, 20, 24), ("",)),
    ("SCR", "Винт самонарезен {a}x{b}", "Self-tapping screw {a}x{b}", 0, (0.02, 0.5),
     (3, 4, 5, 6), (16, 20, 25, 35, 45)),
    ("SHT", "Лист стоманен {a} мм", "Steel sheet {a} mm", 1, (1.5, 6),
     (1, 2, 3, 4, 5, 6, 8, 10), ("",)),
    ("TUB", "Тръба {a}x{b} мм", "Steel tube {a}x{b} mm", 2, (3, 60),
     (20, 25, 32, 40, 48, 60, 76), (2, 3, 4)),
    ("PRF", "Профил {a}x{a}x{b}", "Box profile {a}x{a}x{b}", 2, (4, 45),
     (20, 30, 40, 50, 60, 80, 100), (2, 3, 4, 5)),
    ("CBL", "Кабел СВТ {a}x{b} мм²", "Cable NYY {a}x{b} mm²", 2, (0.8, 40),
     (2, 3, 4, 5), ("1.5", "2.5", "4", "6", "10", "16")),
    ("BRG", "Лагер {a}{b}", "Ball bearing {a}{b}", 0, (3, 180),
     (60, 62, 63, 72), ("01", "02", "04", "05", "06", "08", "10", "12")),
    ("PNT", "Боя RAL {a}", "Paint RAL {a}", 1, (8, 40),
     (1013, 1015, 3000, 5010, 6005, 7016, 7035, 9005, 9010), ("",)),
    ("MOT", "Електродвигател {a} kW {b} об/мин", "Electric motor {a} kW {b} rpm", 0,
     (180, 4500), ("0.75", "1.5", "2.2", "4", "7.5", "11", "15", "22"), (1500, 3000)),
    ("PMP", "Помпа центробежна {a}-{b}", "Centrifugal pump {a}-{b}", 0, (350, 9000),
     ("CP", "CM", "NM"), (25, 32, 40, 50, 65)),
    ("GBX", "Редуктор червячен i={a}", "Worm gearbox i={a}", 0, (400, 6000),
     (10, 15, 20, 30, 40, 50, 60), ("",)),
    ("WIR", "Поцинкована тел {a} мм", "Galvanized wire {a} mm", 1, (2, 9),
     ("1.2", "1.6", "2", "2.5", "3", "4"), ("",)),
    ("VLV", "Сферичен кран {a}\"", "Ball valve {a}\"", 0, (6, 260),
     ("1/2", "3/4", "1", "1 1/4", "1 1/2", "2"), ("",)),
    ("FLG", "Фланец DN{a} PN{b}", "Flange DN{a} PN{b}", 0, (8, 150),
     (25, 32, 40, 50, 65, 80, 100, 150), (10, 16, 25)),
    ("CHN", "Верига ролкова {a}B", "Roller chain {a}B", 2, (6, 60),
     ("06", "08", "10", "12", "16"), ("",)),
    ("BLT2", "Анкерен болт {a}x{b}", "Anchor bolt {a}x{b}", 0, (0.4, 6),
     (8, 10, 12, 16), (80, 100, 120, 160)),
    ("PLT", "Палет дървен {a}x{b}", "Wooden pallet {a}x{b}", 0, (12, 45),
     (800, 1000, 1200), (1200,)),
)  # fmt: skip
UNITS_BG = ("бр", "кг", "м")
UNITS_EN = ("pcs", "kg", "m")

#: A payment scheme: (name, percent or None for the rest, due from 0 created / 1 deadline, days).
TermScheme = tuple[tuple[str, int | None, int, int], ...]
TERM_SCHEMES_BG: tuple[tuple[int, TermScheme], ...] = (
    # (weight, ((name, percent or None = the rest, due from: 0 created / 1 deadline, days), ...))
    (35, (("плащане", None, 1, 30),)),
    (30, (("аванс 30%", 30, 0, 5), ("остатък", None, 1, 20))),
    (15, (("аванс 50%", 50, 0, 7), ("остатък 50%", None, 1, 15))),
    (15, (("аванс 30%", 30, 0, 5), ("при доставка 60%", 60, 1, 0), ("остатък 10%", None, 1, 60))),
    (5, (("аванс 100%", None, 0, 3),)),
)
TERM_SCHEMES_EN: tuple[tuple[int, TermScheme], ...] = (
    (30, (("payment", None, 1, 30),)),
    (30, (("advance 30%", 30, 0, 5), ("balance", None, 1, 30))),
    (15, (("advance 50%", 50, 0, 7), ("balance 50%", None, 1, 30))),
    (20, (("advance 30%", 30, 0, 5), ("on delivery 60%", 60, 1, 0), ("balance 10%", None, 1, 60))),
    (5, (("prepayment 100%", None, 0, 3),)),
)
CANCEL_REASONS = (
    "Клиентът се отказа",
    "Дублирана поръчка",
    "Неприемлив срок на доставка",
    "Не е платен аванс",
    "Заменена с нова поръчка",
    "Client withdrew the order",
    "Price not accepted",
    "Duplicate order",
)
SPECS_BG = ("RAL 7035", "поцинковано", "по чертеж № {n}", "с сертификат 3.1", "опаковка по 50 бр")
SPECS_EN = ("RAL 9005", "hot-dip galvanized", "to drawing No. {n}", "with 3.1 certificate")
NOTES_BG = ("Спешно", "Доставка до склада на клиента", "Обадете се преди доставка", "")
NOTES_EN = ("Urgent", "Deliver to the warehouse", "Call before delivery", "")
PAY_NOTES_BG = ("банков превод", "банков превод", "в брой", "прихващане")
PAY_NOTES_EN = ("bank transfer", "bank transfer", "wire", "")


@dataclass(slots=True)
class _Client:
    name: str
    foreign: bool
    labels: tuple[str, ...]
    discount: int  # percent off the catalogue
    favourites: list[int]  # article indices


@dataclass(slots=True)
class _Article:
    code: str
    price: int  # in 1/10000
    quantum: int  # price rounding step in 1/10000 (100: 2 decimals)
    unit: int  # 0 pcs, 1 kg, 2 m


@dataclass(slots=True)
class _Term:
    name: str
    due: int  # day ordinal
    cents: int
    invoice: DocumentRec | None = None  # the proforma's invoice, issued on payment


@dataclass(slots=True)
class DemoStats:
    """What :func:`run_demo` wrote, and where the time went (seconds)."""

    orders: int = 0
    clients: int = 0
    articles: int = 0
    offers: int = 0
    chunks: int = 0
    #: rows inserted, all tables (the loads' figures added up)
    rows: int = 0
    #: rows inserted per table
    tables: dict[str, int] = field(default_factory=dict)
    #: time spent generating the chunks (with workers: waiting for them, while not inserting)
    generate_seconds: float = 0.0
    #: time spent in :func:`bulk.load` (with workers: inserting the rows they prepared)
    load_seconds: float = 0.0
    #: time spent building the indexes after the load (with workers)
    index_seconds: float = 0.0
    #: processes that generated and prepared the chunks (0: all in this process)
    workers: int = 0
    #: all of it, with the checks before and the number sequences after
    wall_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return self.wall_seconds

    def __str__(self) -> str:
        rate = f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds > 0 else ""
        if self.workers or self.index_seconds:
            split = (
                f"preparing {self.generate_seconds:.1f} s with {self.workers} worker "
                f"process(es), inserting {self.load_seconds:.1f} s, building the indexes "
                f"{self.index_seconds:.1f} s"
            )
        else:
            split = f"generating {self.generate_seconds:.1f} s, loading {self.load_seconds:.1f} s"
        return (
            f"{self.orders:,} orders, {self.clients:,} clients, {self.articles:,} articles, "
            f"{self.offers:,} offers: {self.rows:,} rows in {self.seconds:.1f} s{rate} "
            f"({split})"
        )


class DemoGenerator:
    """Generates the demo data; :attr:`sequences` holds the last number used per kind and year.

    ``sequences`` maps ``(kind, year)`` to the last sequence number the demo used, for the
    numbers in the app's own generated forms (``order``: ``2026-00042``, ``sale``:
    ``S-2026-00042``, ``shipment``: ``SH-2026-00042``), so the app's counters can be moved past
    them after loading.
    """

    def __init__(self, orders: int, seed: int = 1, today: dt.date | None = None) -> None:
        if orders < 0:
            raise ValueError("the number of orders cannot be negative")
        self.n_orders = orders
        self.rng = random.Random(seed)
        self.today = today or dt.date.today()
        self.today_ord = self.today.toordinal()
        try:
            first = self.today.replace(year=self.today.year - YEARS)
        except ValueError:  # 29 February
            first = self.today.replace(year=self.today.year - YEARS, day=28)
        self.first_ord = first.toordinal() + 1
        # every date the data can use, built once and shared
        dates = {
            o: dt.date.fromordinal(o) for o in range(self.first_ord - 400, self.today_ord + 400)
        }
        #: the date of a day ordinal (a dict look-up, no Python call)
        self._date: Callable[[int], dt.date] = dates.__getitem__
        self._qty: dict[int, Decimal] = {}
        self._price: dict[int, Decimal] = {}
        self.sequences: dict[tuple[str, int], int] = {}
        self._counters: dict[tuple[str, int], int] = {}
        self.n_clients = max(20, min(5000, orders // 100))
        self.n_articles = max(200, min(2000, orders // 50))
        self.offers = 0
        self._clients: list[_Client] = []
        self._articles: list[_Article] = []

    # ------------------------------------------------------------------ small tools

    def _qty_dec(self, milli: int) -> Decimal:
        d = self._qty.get(milli)
        if d is None:
            whole, frac = divmod(milli, 1000)
            d = Decimal(whole) if not frac else Decimal(milli).scaleb(-3).normalize()
            self._qty[milli] = d
        return d

    def _price_dec(self, units: int) -> Decimal:
        d = self._price.get(units)
        if d is None:
            d = self._price[units] = _price_decimal(units)
        return d

    def _next(self, kind: str, year: int) -> int:
        key = (kind, year)
        n = self._counters.get(key, 0) + 1
        self._counters[key] = n
        return n

    def _seq(self, kind: str, year: int) -> int:
        """A number in one of the app's own sequences (recorded in :attr:`sequences`)."""
        key = (kind, year)
        n = self.sequences.get(key, 0) + 1
        self.sequences[key] = n
        return n

    # ------------------------------------------------------------------ master data

    def _master(self) -> Dataset:
        rng = self.rng
        r = rng.random
        taxes = [TaxRec(name, Decimal(rate)) for name, rate in TAXES]
        # articles, most popular first
        articles: list[ArticleRec] = []
        for n in range(self.n_articles):
            fam = FAMILIES[int(r() * len(FAMILIES))]
            code_prefix, name_bg, name_en, unit, (lo, hi), params_a, params_b = fam
            a = params_a[int(r() * len(params_a))]
            b = params_b[int(r() * len(params_b))]
            english = r() < 0.35
            name = (name_en if english else name_bg).format(a=a, b=b)
            places = 2 if r() < 0.6 else (3 if r() < 0.6 else 4)
            quantum = 10 ** (4 - places)
            price = int(math.exp(math.log(lo) + r() * (math.log(hi) - math.log(lo))) * 10_000)
            price = max(quantum, (price + quantum // 2) // quantum * quantum)
            code = f"{code_prefix}-{n + 1:05d}"
            supplier = 1000 + int(r() * 9000)
            barcodes = [ean13(f"380{supplier:04d}{n + 1:05d}")]
            if r() < 0.3:  # a second barcode, from a German supplier
                barcodes.append(ean13(f"40{10_000 + int(r() * 89_999):05d}{n + 1:05d}"))
            units = UNITS_EN if english else UNITS_BG
            articles.append(
                ArticleRec(code, name, self._price_dec(price), units[unit], barcodes=barcodes)
            )
            self._articles.append(_Article(code, price, quantum, unit))
        self._article_cum = _cumulative([1 / (k + 8) ** 0.9 for k in range(self.n_articles)])

        clients: list[ClientRec] = []
        names: set[str] = set()
        for k in range(self.n_clients):
            # the first few cover every kind of client, however small the demo
            kind = FIRST_CLIENTS[k] if k < len(FIRST_CLIENTS) else ""
            foreign = len(kind) == 2 if kind else r() < FOREIGN_SHARE
            if foreign:
                rec, labels = self._foreign_client(names, kind or _pick(FOREIGN_COUNTRIES, r))
            else:
                rec, labels = self._bulgarian_client(names, kind)
            clients.append(rec)
            u = r()
            discount = 0 if u < 0.7 else 3 if u < 0.85 else 5 if u < 0.95 else 10
            favourites = [self._pick_article() for _ in range(5 + int(r() * 16))]
            self._clients.append(_Client(rec.name, foreign, labels, discount, favourites))
        self._client_cum = _cumulative([1 / (k + 3) for k in range(self.n_clients)])
        return Dataset(taxes=taxes, clients=clients, articles=articles)

    def _unique(self, names: set[str], make: Callable[[], str]) -> str:
        for _ in range(20):
            name = make()
            if name not in names:
                break
        n = 2
        base = name
        while name in names:
            name = f"{base} {n}"
            n += 1
        names.add(name)
        return name

    def _bulgarian_client(
        self, names: set[str], currency: str = ""
    ) -> tuple[ClientRec, tuple[str, ...]]:
        r = self.rng.random

        def make() -> str:
            root = _pick(BG_PREFIXES, r) + _pick(BG_SUFFIXES, r)
            if r() < 0.3:
                root += " - " + _pick(BG_CITIES, r)
            form = _pick(BG_FORMS, r)
            return f"ЕТ „{root}“" if form == "ЕТ" else f"{root} {form}"

        name = self._unique(names, make)
        currency = currency or ("BGN" if r() < 0.8 else "EUR")
        vat = "BG" + "".join(str(int(r() * 10)) for _ in range(9))
        n_addr = 1 + int(r() * r() * 3)
        labels = BG_ADDRESS_LABELS[:n_addr]
        addresses = []
        for k, label in enumerate(labels):
            city = _pick(BG_CITIES, r)
            text = f"гр. {city}, {_pick(BG_STREETS, r)} {1 + int(r() * 120)}"
            addresses.append(AddressRec(label, text, default=k == 0))
        return ClientRec(name, currency, vat, addresses), labels

    def _foreign_client(self, names: set[str], country: str) -> tuple[ClientRec, tuple[str, ...]]:
        r = self.rng.random
        who, sectors, forms, currency, vat_prefix, vat_digits, cities, street, land = FOREIGN[
            country
        ]

        def make() -> str:
            return f"{_pick(who, r)} {_pick(sectors, r)} {_pick(forms, r)}"

        name = self._unique(names, make)
        vat = ""
        if vat_prefix:
            vat = vat_prefix + "".join(str(int(r() * 10)) for _ in range(vat_digits))
        n_addr = 1 + int(r() * r() * 3)
        labels = EN_ADDRESS_LABELS[:n_addr]
        addresses = []
        for k, label in enumerate(labels):
            text = f"{street} {1 + int(r() * 200)}, {_pick(cities, r)}, {land}"
            addresses.append(AddressRec(label, text, default=k == 0))
        return ClientRec(name, currency, vat, addresses), labels

    def _pick_article(self) -> int:
        return bisect_right(self._article_cum, self.rng.random() * self._article_cum[-1])

    def _pick_client(self) -> int:
        return bisect_right(self._client_cum, self.rng.random() * self._client_cum[-1])

    # ------------------------------------------------------------------ orders

    def _day_counts(self) -> list[int]:
        """How many orders each day from the first to today gets (seasonal, growing)."""
        weights = []
        span = self.today_ord - self.first_ord
        for o in range(self.first_ord, self.today_ord + 1):
            d = self._date(o)
            growth = GROWTH ** ((o - self.first_ord) / 365.25)
            weights.append(SEASON[d.month - 1] * WEEKDAY[d.weekday()] * growth)
        cum = _cumulative(weights)
        counts = [0] * (span + 1)
        r = self.rng.random
        top = cum[-1]
        for _ in range(self.n_orders):
            counts[min(span, bisect_right(cum, r() * top))] += 1
        return counts

    def chunks(self, chunk: int = 10_000) -> Iterator[Dataset]:
        """The master data and the orders, ``chunk`` orders per Dataset, oldest first."""
        if chunk < 1:
            raise ValueError("a chunk holds at least one order")
        current = self._master()
        counts = self._day_counts()
        r = self.rng.random
        for offset, count in enumerate(counts):
            day = self.first_ord + offset
            for _ in range(count):
                self._order(day, current)
                if r() < LOST_OFFER_SHARE:
                    self._lost_offer(day, current)
                if len(current.orders) >= chunk:
                    # hand the chunk over without keeping a reference in this frame, so the
                    # consumer can free it while the generator is suspended
                    full, current = [current], Dataset()
                    yield full.pop()
        if current.orders or current.clients or current.offers:
            yield current

    def _items(
        self, client: _Client, created: int, english: bool
    ) -> tuple[list[ItemRec], list[tuple[int, int]], int]:
        """Items, (article index, qty in thousandths) per item, and the subtotal in cents."""
        r = self.rng.random
        u = r()
        n = (
            1
            if u < 0.3
            else 2
            if u < 0.55
            else 3
            if u < 0.73
            else 4
            if u < 0.85
            else (5 if u < 0.93 else 6)
        )
        years_back = (self.today_ord - created) // 365
        factor = (1000 - 50 * years_back) * (100 - client.discount)  # in 1/100000
        items: list[ItemRec] = []
        lines: list[tuple[int, int]] = []
        subtotal = 0
        favourites = client.favourites
        articles = self._articles
        for k in range(n):
            if k and r() < 0.07:  # the same article again (another size, another price)
                idx = lines[int(r() * k)][0]
            elif r() < 0.6:
                idx = favourites[int(r() * len(favourites))]
            else:
                idx = self._pick_article()
            art = articles[idx]
            # price: the catalogue's, older orders a bit cheaper, the client's discount
            q = art.quantum
            price = (art.price * factor // 100_000 + q // 2) // q * q
            if r() < 0.1:  # negotiated
                price = (price * (900 + int(r() * 150)) // 1000 + q // 2) // q * q
            price = max(q, price)
            # quantity: a line worth 20 .. 20000 in whole units
            value = math.exp(3.0 + r() * 6.9) * 10_000  # in 1/10000
            qty = value / price
            if art.unit == 0:
                whole = max(1, int(qty))
                if whole > 1000:
                    whole = whole // 50 * 50
                elif whole > 100:
                    whole = whole // 10 * 10
                elif whole > 20:
                    whole = whole // 5 * 5
                milli = whole * 1000
            elif art.unit == 1:
                u = r()
                if u < 0.4:
                    milli = max(1, int(qty)) * 1000
                elif u < 0.7:
                    milli = max(1, int(qty * 2)) * 500
                else:
                    milli = max(100, int(qty * 1000))
            else:
                milli = max(1, int(qty * 2)) * 500 if r() < 0.5 else max(1, int(qty)) * 1000
            specs = ""
            if r() < 0.08:
                pool = SPECS_EN if english else SPECS_BG
                specs = _pick(pool, r).format(n=1000 + int(r() * 9000))
            items.append(ItemRec(art.code, self._qty_dec(milli), self._price_dec(price), specs))
            lines.append((idx, milli))
            subtotal += line_cents(milli, price)
        return items, lines, subtotal

    def _lost_offer(self, day: int, out: Dataset) -> None:
        """An offer that never became an order."""
        r = self.rng.random
        c = self._clients[self._pick_client()]
        items, _lines, _sub = self._items(c, day, c.foreign)
        d = self._date(day)
        number = f"OF-{d.year}-{self._next('OF', d.year):05d}"
        out.offers.append(
            OfferRec(
                number,
                c.name,
                d,
                self._date(day + 30),
                [OfferItemRec(i.article, i.qty, i.price, i.specs) for i in items],
                None,
                note="" if r() < 0.7 else ("Не е потвърдена" if not c.foreign else "Not confirmed"),
            )
        )
        self.offers += 1

    def _order(self, created: int, out: Dataset) -> None:
        rng = self.rng
        r = rng.random
        today = self.today_ord
        D = self._date
        c = self._clients[self._pick_client()]
        en = c.foreign
        cdate = D(created)
        year = cdate.year
        number = f"{year}-{self._seq('order', year):05d}"
        lead = 2 + int(118 * r() ** 1.7)
        deadline = created + lead
        items, lines, subtotal = self._items(c, created, en)
        if en:
            tax = TAX_0 if r() < 0.9 else None
        else:
            u = r()
            tax = TAX_20 if u < 0.88 else TAX_9 if u < 0.92 else None
        rate = TAX_RATE[tax] if tax is not None else None
        total = subtotal + tax_cents(subtotal, rate)

        order = OrderRec(c.name, cdate, D(deadline), number=number, tax=tax, items=items)
        if len(c.labels) > 1 and r() < 0.35:
            order.address = c.labels[1 + int(r() * (len(c.labels) - 1))]
        u = r()
        if u < OFFER_SHARE:
            self._offer_for(order, c, created, items, out)
        elif u < 0.7:
            order.document_kind = "contract"
            order.document_ref = (
                f"Contract {year}/{1 + int(r() * 900)}"
                if en
                else f"Договор № {1 + int(r() * 900)}/{year}"
            )
        else:
            order.document_kind = "other"
            order.document_ref = _pick(
                ("email", "phone", "") if en else ("имейл", "телефон", ""), r
            )
        if r() < 0.1:
            order.note = _pick(NOTES_EN if en else NOTES_BG, r)

        if r() < CANCEL_SHARE:
            self._cancelled(order, c, created, deadline, total)
            out.orders.append(order)
            return

        # ---- linked production / purchase orders
        ready_after = 0  # the goods cannot leave before this day
        if r() < 0.35:
            ready_after = self._link(order, "production", "PR", created, lead, 0.4, 0.8)
        if r() < 0.2:
            ready_after = max(
                ready_after, self._link(order, "purchase", "PO", created, lead, 0.2, 0.9)
            )
        # ---- the operator's "start"
        start = created + 1 + int(r() * max(1, lead // 3))
        order.started = start <= today and r() < 0.6

        # ---- deliveries
        final = max(created + int(lead * (0.5 + r() * 0.7)), ready_after, created + 1)
        stuck = r() < 0.02  # the rest never leaves (an old order left in progress)
        split = stuck or r() < 0.25
        per_article: dict[int, int] = {}
        for idx, milli in lines:
            per_article[idx] = per_article.get(idx, 0) + milli
        shipment = r() < (0.8 if en else 0.3)
        delivered_all = False
        if split:
            first = created + max(1, (final - created) * 3 // 5)
            part: dict[int, int] = {}
            for idx, milli in per_article.items():
                part[idx] = self._part(idx, milli)
            if not any(part.values()):
                idx0 = next(iter(per_article))
                part[idx0] = per_article[idx0]
            if all(part[i] >= per_article[i] for i in per_article):
                stuck = False  # the first delivery happened to carry everything
                delivered_all = first <= today
            if first <= today:
                order.deliveries.append(self._delivery(shipment, first, part))
            rest = {i: per_article[i] - part[i] for i in per_article if per_article[i] > part[i]}
            if rest and not stuck and final <= today:
                order.deliveries.append(self._delivery(shipment, max(final, first), rest))
                delivered_all = True
        elif final <= today:
            if r() < 0.01:  # a sale entered by mistake, cancelled
                wrong = self._delivery(shipment, max(created, final - 2), per_article)
                wrong.cancelled = True
                order.deliveries.append(wrong)
            order.deliveries.append(self._delivery(shipment, final, per_article))
            delivered_all = True

        # ---- payment terms, documents, payments
        self._money(order, c, created, deadline, final, total, subtotal, delivered_all)
        out.orders.append(order)

    def _part(self, idx: int, milli: int) -> int:
        """What a first, partial delivery carries of an article."""
        r = self.rng.random
        u = r()
        if u < 0.25:
            return milli
        if u < 0.4:
            return 0
        if self._articles[idx].unit == 0:
            return milli // 2000 * 1000
        return milli * (30 + int(r() * 50)) // 100

    def _delivery(self, shipment: bool, day: int, qty: dict[int, int]) -> DeliveryRec:
        year = self._date(day).year
        if shipment:
            number = f"SH-{year}-{self._seq('shipment', year):05d}"
        else:
            number = f"S-{year}-{self._seq('sale', year):05d}"
        arts = self._articles
        return DeliveryRec(
            "shipment" if shipment else "sale",
            number,
            self._date(day),
            [DeliveryLineRec(arts[i].code, self._qty_dec(m)) for i, m in qty.items() if m > 0],
        )

    def _link(
        self, order: OrderRec, kind: str, prefix: str, created: int, lead: int, lo: float, hi: float
    ) -> int:
        """Link a production or purchase order; returns the day its goods are ready (0: never)."""
        r = self.rng.random
        begin = created + 1 + int(r() * 7)
        if begin > self.today_ord:
            return 0
        done = begin + max(1, int(lead * (lo + r() * hi)))  # sometimes after the deadline
        if r() < 0.03:
            status = "cancelled"
            done = 0
        elif done <= self.today_ord:
            status = "done"
        elif begin + (done - begin) // 3 <= self.today_ord:
            status = "in_progress"
        else:
            status = "planned"
        year = self._date(begin).year
        order.links.append(
            LinkRec(
                kind,
                f"{prefix}-{year}-{self._next(prefix, year):05d}",
                status,
                order.deadline,
                self._date(done) if done else None,
            )
        )
        return done

    def _offer_for(
        self, order: OrderRec, c: _Client, created: int, items: list[ItemRec], out: Dataset
    ) -> None:
        """The offer the order was confirmed from, with the same items."""
        r = self.rng.random
        day = created - 2 - int(r() * 28)
        d = self._date(day)
        number = f"OF-{d.year}-{self._next('OF', d.year):05d}"
        offer_items = [OfferItemRec(i.article, i.qty, i.price, i.specs) for i in items]
        out.offers.append(
            OfferRec(
                number, c.name, d, self._date(day + 30), offer_items, order.number, order.address
            )
        )
        self.offers += 1
        order.document_kind = "offer"
        order.document_ref = number

    def _cancelled(
        self, order: OrderRec, c: _Client, created: int, deadline: int, total: int
    ) -> None:
        r = self.rng.random
        order.cancelled = True
        order.cancel_reason = _pick(CANCEL_REASONS, r)
        if r() < 0.5 and total >= 100:
            pct = 30
            adv = share_cents(total, pct)
            name = "advance 30%" if c.foreign else "аванс 30%"
            order.payment_terms.append(TermRec(name, self._date(created + 5), money(adv)))
            order.payment_terms.append(
                TermRec(
                    "balance" if c.foreign else "остатък",
                    self._date(deadline + 20),
                    money(total - adv),
                )
            )
            issued = created + int(r() * 3)
            if issued <= self.today_ord:
                y = self._date(issued).year
                order.documents.append(
                    DocumentRec(
                        "proforma",
                        f"PF-{y}-{self._next('PF', y):06d}",
                        money(adv),
                        self._date(issued),
                        self._date(max(issued, created + 5)),
                        name,
                    )
                )
        if r() < 0.2:
            y = self._date(created).year
            order.links.append(
                LinkRec("production", f"PR-{y}-{self._next('PR', y):05d}", "cancelled",
                        order.deadline)
            )  # fmt: skip

    def _money(
        self,
        order: OrderRec,
        c: _Client,
        created: int,
        deadline: int,
        final: int,
        total: int,
        subtotal: int,
        delivered_all: bool,
    ) -> None:
        """Payment terms, proformas, invoices and payments of an open or finished order."""
        r = self.rng.random
        today = self.today_ord
        en = c.foreign
        D = self._date
        terms: list[_Term] = []
        u = r()
        if u < 0.04 or total < 100:
            pass  # no terms: invoiced on delivery
        else:
            base = total
            v = r()
            mismatch = v < 0.06
            if mismatch:
                if v < 0.03 and subtotal != total:
                    base = subtotal  # the tax was forgotten
                else:
                    base = max(100, total - (1 + int(r() * max(1, total // 10))))
            schemes = TERM_SCHEMES_EN if en else TERM_SCHEMES_BG
            w = r() * 100
            scheme = schemes[-1][1]
            for weight, candidate in schemes:
                w -= weight
                if w < 0:
                    scheme = candidate
                    break
            left = base
            for name, pct, anchor, days in scheme:
                cents = left if pct is None else share_cents(base, pct)
                left -= cents
                due = (created if anchor == 0 else deadline) + days
                terms.append(_Term(name, due, cents))
            if mismatch and len(terms) > 1 and r() < 0.3:
                terms.pop()  # the balance was never entered
        for t in terms:
            order.payment_terms.append(TermRec(t.name, D(t.due), money(t.cents)))

        payments: list[PaymentRec] = []
        notes = PAY_NOTES_EN if en else PAY_NOTES_BG
        inv_type, inv_prefix = ("foreign_invoice", "FI") if en else ("invoice", "INV")
        docs = order.documents
        for k, t in enumerate(terms):
            # ---- documents
            issued = created + int(r() * 3) if k == 0 else max(created, t.due - 7 - int(r() * 7))
            if issued > today:
                continue
            amount = money(t.cents)
            doc_amount = amount
            if r() < 0.02:  # a proforma rounded up to whole units: documents do not cover
                doc_amount = money((t.cents + 99) // 100 * 100 + 100)
            y = D(issued).year
            pair = r() < 0.65
            if pair:
                root = f"PF-{y}-{self._next('PF', y):06d}"
                docs.append(
                    DocumentRec("proforma", root, doc_amount, D(issued), D(max(t.due, issued)),
                                t.name)
                )  # fmt: skip
            else:
                root = f"{inv_prefix}-{y}-{self._next(inv_prefix, y):06d}"
                docs.append(
                    DocumentRec(inv_type, root, doc_amount, D(issued), D(max(t.due, issued)),
                                t.name)
                )  # fmt: skip
            # ---- when the money comes
            v = r()
            if v < 0.2:
                pay = t.due - int(r() * 10)
            elif v < 0.75:
                pay = t.due + int(r() * 15)
            elif v < 0.9:
                pay = t.due + 15 + int(r() * 45)
            elif v < 0.985:
                pay = t.due + 60 + int(r() * 120)
            else:
                continue  # never paid
            pay = max(pay, issued)
            if pay > today:
                continue
            if pair:  # the invoice follows the payment and duplicates the proforma
                inv_day = pay + int(r() * 4)
                if inv_day <= today:
                    iy = D(inv_day).year
                    docs.append(
                        DocumentRec(
                            inv_type,
                            f"{inv_prefix}-{iy}-{self._next(inv_prefix, iy):06d}",
                            doc_amount,
                            D(inv_day),
                            D(inv_day),
                            t.name,
                            duplicate_of=root,
                        )
                    )
                    t.invoice = docs[-1]
            note = _pick(notes, r)
            w = r()
            if w < 0.05:  # paid in two parts; the second, if any, against the invoice
                first = t.cents * (30 + int(r() * 50)) // 100
                if first > 0:
                    payments.append(
                        PaymentRec(D(pay), money(first), note, [AllocationRec(root, money(first))])
                    )
                second_day = pay + 10 + int(r() * 50)
                if second_day <= today and r() < 0.85:
                    target = t.invoice.number if t.invoice is not None else root
                    rest = money(t.cents - first)
                    payments.append(
                        PaymentRec(D(second_day), rest, note, [AllocationRec(target, rest)])
                    )
            elif w < 0.09:  # without basis: counts for the order, for no document yet
                payments.append(
                    PaymentRec(D(pay), amount, "без основание" if not en else "no reference")
                )
            elif w < 0.095:  # overpaid: the excess stays unallocated
                extra = max(100, t.cents * (1 + int(r() * 5)) // 100)
                payments.append(
                    PaymentRec(D(pay), money(t.cents + extra), note, [AllocationRec(root, amount)])
                )
            else:
                prev = payments[-1] if payments else None
                if (
                    prev is not None
                    and len(prev.allocations) == 1
                    and prev.allocations[0].amount == prev.amount
                    and 0 <= pay - prev.date.toordinal() <= 7
                    and r() < 0.5
                ):  # one transfer paying two terms
                    prev.amount = money(_cents(prev.amount) + t.cents)
                    prev.allocations.append(AllocationRec(root, amount))
                    prev.date = D(pay)
                else:
                    payments.append(PaymentRec(D(pay), amount, note, [AllocationRec(root, amount)]))

        covered = sum(t.cents for t in terms)
        if not terms and delivered_all:
            # invoiced on delivery, paid some weeks later
            issued = min(final, today)
            y = D(issued).year
            number = f"{inv_prefix}-{y}-{self._next(inv_prefix, y):06d}"
            docs.append(DocumentRec(inv_type, number, money(total), D(issued), D(issued + 30)))
            pay = issued + int(r() * 60)
            if pay <= today and r() < 0.95:
                allocs = [AllocationRec(number, money(total))] if r() < 0.8 else []
                payments.append(PaymentRec(D(pay), money(total), _pick(notes, r), allocs))
        elif terms and covered < total and delivered_all:
            # the client pays the difference the terms forgot, without basis
            pay = final + 20 + int(r() * 40)
            if pay <= today and r() < 0.85:
                payments.append(
                    PaymentRec(
                        D(pay),
                        money(total - covered),
                        "доплащане" if not en else "top-up",
                    )
                )
        order.payments = payments


def _cents(value: Decimal) -> int:
    return int(value.scaleb(2))


def _price_decimal(units: int) -> Decimal:
    """A price in 1/10000 as a Decimal with 2 to 4 places (``12.5`` -> ``12.50``)."""
    d = Decimal(units).scaleb(-4)
    if units % 100 == 0:
        return d.quantize(Decimal("0.01"))
    if units % 10 == 0:
        return d.quantize(Decimal("0.001"))
    return d


def _pick(seq: tuple[str, ...], r: Callable[[], float]) -> str:
    return seq[int(r() * len(seq))]


def _cumulative(weights: list[float]) -> list[float]:
    out = []
    acc = 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


# --------------------------------------------------------------------------- entry points


def generate(
    orders: int, seed: int = 1, today: dt.date | None = None, chunk: int = 10_000
) -> Iterator[Dataset]:
    """Demo data for ``orders`` orders over the three years ending ``today``, in chunks.

    The first chunk also carries the master data (taxes, clients, articles). Offers travel in
    the chunk of the order they became. The same seed and ``today`` give the same data.
    """
    return DemoGenerator(orders, seed, today).chunks(chunk)


def default_workers() -> int:
    """How many processes generate and prepare the demo's chunks while this one inserts them:
    1 on a machine with 2 or more CPUs, else 0 (this process does everything).

    Measured on the 2-core machine (100 000 orders, the collector paused, load average 1.1 to
    1.6 from other work): 1 worker 14.8-15.3 s, 0 workers 16.1-17.1 s, 2 workers 18.0 s
    (three busy processes on two cores). ``run_demo(..., workers=N)`` and ``bench_demo.py
    --workers N`` choose otherwise.
    """
    return 1 if (os.cpu_count() or 1) >= 2 else 0


def run_demo(
    orders: int,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
    chunk: int = 10_000,
    workers: int | None = None,
    checked: bool = False,
) -> DemoStats:
    """Generate the demo data and write it to the open database.

    The database must hold no clients, articles or orders yet (the demo's names and numbers
    would collide). ``progress(done, total)`` is called after each chunk. Afterwards the app's
    number sequences are moved past the numbers the demo used, so orders and deliveries
    created in the app get fresh numbers.

    On SQLite (unless ``checked``), ``workers`` processes (default :func:`default_workers`)
    generate and prepare the chunks with :func:`bulk.prepare_detached` (trusted: no per-field
    re-validation of the generator's own records, every computed field by
    :func:`bulk.compute_order_int`, :func:`compute.compute_order` in integers; tests compare
    the tables with the checked path's; chunk *n* by worker *n* mod
    ``workers``, each generating all the data from the same seed), while this process
    inserts every chunk; with 0 workers this process does it all. Either way in one
    transaction, with the indexes built at the end (:func:`bulk.deferred_indexes`): all of
    the demo, or nothing. Otherwise (PostgreSQL, or ``checked``) each chunk goes through
    :func:`bulk.load` in its own transaction. All write the same rows. The cyclic garbage
    collector is paused throughout (:func:`bulk.gc_paused`).
    """
    from .db import is_sqlite
    from .errors import ValidationError
    from .models import Article, Client, Order

    for model, what in ((Order, "orders"), (Client, "clients"), (Article, "articles")):
        if model.select().exists():
            raise ValidationError(
                f"the database already has {what}: demo data goes into an empty database"
            )
    if workers is None:
        workers = default_workers()
    today = today or dt.date.today()  # the same day for every worker
    if not checked and is_sqlite():
        return _run_workers(orders, seed, progress, today, chunk, workers)
    return _run_chunks(orders, seed, progress, today, chunk)


def _run_chunks(
    orders: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
    today: dt.date,
    chunk: int,
) -> DemoStats:
    """Generate and :func:`bulk.load` chunk after chunk, one transaction each."""
    from . import bulk
    from .bulk import LoadStats
    from .db import run_in_transaction

    started = time.perf_counter()
    gen = DemoGenerator(orders, seed, today)
    stats = DemoStats(clients=gen.n_clients, articles=gen.n_articles)
    loaded = LoadStats()
    chunks = gen.chunks(chunk)
    # A chunk is a few hundred thousand small objects without reference cycles, freed by
    # reference counting; the cyclic collector would walk them again and again (it took
    # 40% of the generation time). It runs once per chunk instead (:func:`_collect`).
    with bulk.gc_paused():
        while True:
            t0 = time.perf_counter()
            data = next(chunks, None)
            t1 = time.perf_counter()
            stats.generate_seconds += t1 - t0
            if data is None:
                break
            loaded.add(bulk.load(data, source="demo"))
            stats.orders += len(data.orders)
            del data
            _collect()
            stats.load_seconds += time.perf_counter() - t1
            stats.chunks += 1
            if progress is not None:
                progress(stats.orders, orders)

    run_in_transaction(lambda: _move_sequences(gen.sequences))
    stats.offers = gen.offers
    stats.rows = loaded.total_rows
    stats.tables = dict(loaded.rows)
    stats.wall_seconds = time.perf_counter() - started
    return stats


def _move_sequences(sequences: dict[tuple[str, int], int]) -> None:
    from .numbers import move_past

    for (kind, year), last in sorted(sequences.items()):
        move_past(kind, year, last)


def _run_workers(
    orders: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
    today: dt.date,
    chunk: int,
    workers: int,
) -> DemoStats:
    """Worker processes prepare the chunks, this one inserts them; one transaction."""
    from .bulk import gc_paused
    from .db import run_in_transaction

    started = time.perf_counter()
    with gc_paused():
        stats = run_in_transaction(
            lambda: _insert_from_workers(orders, seed, progress, today, chunk, workers)
        )
    stats.wall_seconds = time.perf_counter() - started
    return stats


def _insert_from_workers(
    orders: int,
    seed: int,
    progress: Callable[[int, int], None] | None,
    today: dt.date,
    chunk: int,
    workers: int,
) -> DemoStats:
    """Without workers, this process generates, prepares and inserts every chunk. With
    workers, chunk *n* is generated and prepared by worker *n* mod ``workers`` (each
    generates all the data from the same seed, to follow it and the keys) and this process
    only inserts the chunks, in order; the workers' last message carries the generator's
    sequences and offer count."""
    import multiprocessing

    from . import bulk

    gen = DemoGenerator(orders, seed, today)
    stats = DemoStats(clients=gen.n_clients, articles=gen.n_articles, workers=workers)
    loaded = bulk.LoadStats()
    catalog = bulk.Catalog.from_database()
    expected = dict(catalog.next_ids)
    # "spawn": a fresh interpreter, safe whatever threads this process runs (a progress bar)
    ctx = multiprocessing.get_context("spawn")
    conns: list[Any] = []
    procs: list[Any] = []

    def insert(prepared: bulk.Prepared, count: int, t1: float) -> None:
        bulk.insert_prepared(prepared, expected, loaded)
        stats.orders += count
        stats.chunks += 1
        stats.load_seconds += time.perf_counter() - t1
        if progress is not None:
            progress(stats.orders, orders)

    try:
        for index in range(workers):
            receiver, sender = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_worker,
                args=(sender, index, workers, orders, seed, today, chunk, catalog),
                name=f"tui-orders demo worker {index + 1}",
                daemon=True,
            )
            proc.start()
            sender.close()
            conns.append(receiver)
            procs.append(proc)
        with bulk.deferred_indexes():
            if not workers:
                for data in _timed_chunks(gen.chunks(chunk), stats):
                    t0 = time.perf_counter()
                    count = len(data.orders)
                    prepared = bulk.prepare_detached(data, catalog, source="demo", trusted=True)
                    del data
                    t1 = time.perf_counter()
                    stats.generate_seconds += t1 - t0
                    insert(prepared, count, t1)
                    del prepared
                    _collect()  # after the rows are gone: nothing big left to walk
                sequences, offers = gen.sequences, gen.offers
            else:
                done: dict[int, tuple[Any, ...]] = {}
                n = 0
                while len(done) < workers:
                    t0 = time.perf_counter()
                    turn = _owner(n, workers)
                    message = _receive(conns[turn])
                    t1 = time.perf_counter()
                    stats.generate_seconds += t1 - t0
                    if message[0] == "done":
                        # no chunk n, so none after it: the other workers are done too
                        done[turn] = message
                        n += 1
                        continue
                    if done:
                        raise RuntimeError("a demo worker made a chunk after the last one")
                    insert(message[2], message[1], t1)
                    del message
                    _collect()
                    n += 1
                sequences, offers = done[0][1], done[0][2]
            t_index = time.perf_counter()
        stats.index_seconds = time.perf_counter() - t_index
        stats.offers = offers
        _move_sequences(sequences)
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
    stats.rows = loaded.total_rows
    stats.tables = dict(loaded.rows)
    return stats


def _owner(n: int, workers: int) -> int:
    """The worker that prepares chunk ``n``.

    (This process taking one chunk in 3 or 4 itself, generating all of them to follow the
    keys, was measured: 14.9 and 14.6 s against 14.7 s for none, 100 000 orders; not kept.)
    """
    return n % workers


def _timed_chunks(chunks: Iterator[Dataset], stats: DemoStats) -> Iterator[Dataset]:
    """The chunks, the time generating them added to ``stats.generate_seconds``."""
    while True:
        t0 = time.perf_counter()
        data = next(chunks, None)
        stats.generate_seconds += time.perf_counter() - t0
        if data is None:
            return
        yield data
        del data


def _collect() -> None:
    """Between chunks (the cyclic collector being paused): collect whatever cycles the chunk
    made, then freeze what survived (the generator's and the catalog's state), so that the
    next collection walks only the next chunk's objects, not everything made so far."""
    gc.collect()
    gc.freeze()


def _receive(conn: Any) -> tuple[Any, ...]:
    """The next message of a worker; its error raised here."""
    from .errors import ValidationError

    try:
        message: tuple[Any, ...] = pickle.loads(conn.recv_bytes())
    except EOFError:
        raise RuntimeError("a demo worker process ended unexpectedly") from None
    if message[0] == "invalid":
        raise ValidationError(message[1], message[2])
    if message[0] == "error":
        raise RuntimeError(f"a demo worker failed:\n{message[1]}")
    return message


class _Outbox:
    """Sends a worker's messages from a thread, so the worker goes on with the next chunk
    while the main process is busy (a pipe holds only 64 KB)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self.failed = False
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if not self.failed:
                try:
                    self.conn.send_bytes(item)
                except OSError:  # the main process has gone
                    self.failed = True

    def send(self, message: tuple[Any, ...]) -> None:
        """Pickled without the memo ("fast" mode: rows hold no shared or cyclic objects),
        which halves the time pickling takes."""
        if self.failed:
            raise BrokenPipeError("the main process has gone")
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True
        pickler.dump(message)
        self.queue.put(buffer.getvalue())

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


def _worker(
    conn: Any,
    index: int,
    workers: int,
    orders: int,
    seed: int,
    today: dt.date,
    chunk: int,
    catalog: Any,
) -> None:
    """One demo worker process: generate every chunk, prepare its turns and send them."""
    import traceback

    from . import bulk
    from .errors import ValidationError

    outbox = _Outbox(conn)
    try:
        with bulk.gc_paused():  # as in _run_chunks: no reference cycles here
            gen = DemoGenerator(orders, seed, today)
            for n, data in enumerate(gen.chunks(chunk)):
                if _owner(n, workers) == index:
                    prepared = bulk.prepare_detached(data, catalog, source="demo", trusted=True)
                    outbox.send(("chunk", len(data.orders), prepared))
                    del prepared
                else:
                    catalog.skip(data)
                del data
                _collect()
        outbox.send(("done", gen.sequences, gen.offers))
    except ValidationError as exc:
        outbox.send(("invalid", exc.message, exc.path))
    except BrokenPipeError:
        pass  # the main process has gone (it failed, or was interrupted)
    except BaseException:
        outbox.send(("error", traceback.format_exc()))
    finally:
        outbox.close()
        conn.close()
