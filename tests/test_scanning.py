"""Scanning into an order: known codes add or raise a row, misreads and unknown codes are
refused, an unknown code gets an article (new or existing), conflicts are detected."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from peewee import Database

from tui_orders.data import masterdata, orders
from tui_orders.data.errors import ConflictError, NotFound, OrdersError, ValidationError
from tui_orders.data.models import Article, AuditLog, Barcode, Order, OrderItem
from tui_orders.data.scanning import (
    Misread,
    ScanError,
    UnknownBarcode,
    attach_barcode,
    create_article_for_barcode,
    scan_into_order,
)

BOLT = "4006381333931"  # a valid EAN-13
PUMP = "5901234123457"
FREE = "9780201379624"  # valid, on no article
CODE128 = "BOX-42/A"


def _order() -> Order:
    masterdata.create_client("Acme", "EUR")
    masterdata.create_article("BLT-1", "Болт M8", "0.25", unit="бр", barcodes=[BOLT, CODE128])
    masterdata.create_article("PMP-1", "Pump [red]X[/]", "835.00", barcodes=[PUMP])
    return orders.create_order("Acme", "2026-12-31", created="2026-11-01")


def _items(order: Order) -> list[tuple[str, D]]:
    rows = (
        OrderItem.select(OrderItem, Article)
        .join(Article)
        .where(OrderItem.order == order.id)
        .order_by(OrderItem.position)
    )
    return [(row.article.code, row.qty) for row in rows]


def test_known_code_adds_then_raises_the_row(db: Database) -> None:
    order = _order()
    first = scan_into_order(order.id, BOLT)
    assert first.new and first.qty == D(1) and first.added == D(1)
    assert (first.article_code, first.article_name, first.unit) == ("BLT-1", "Болт M8", "бр")
    assert first.version == Order.get_by_id(order.id).version
    second = scan_into_order(order.id, f"  {BOLT}\n", expected_version=first.version)
    assert not second.new and second.item_id == first.item_id and second.qty == D(2)
    assert second.version == first.version + 1
    five = scan_into_order(order.id, PUMP, D(5), second.version)
    assert five.new and five.qty == D(5)
    assert _items(order) == [("BLT-1", D(2)), ("PMP-1", D(5))]
    refreshed = Order.get_by_id(order.id)
    assert refreshed.subtotal == D("4175.50")  # 2 x 0.25 + 5 x 835.00, recomputed
    item = OrderItem.get_by_id(five.item_id)
    assert item.price == D("835.00")  # the catalogue price
    # every scan is audited like an edit
    actions = [a.action for a in AuditLog.select().where(AuditLog.order == order.id)]
    assert actions.count("add") == 2 and actions.count("update") == 1


def test_non_gtin_codes_and_fractional_quantities(db: Database) -> None:
    order = _order()
    assert scan_into_order(order.id, CODE128, "2,5").qty == D("2.5")
    assert scan_into_order(order.id, BOLT, "0.5").qty == D(3)
    with pytest.raises(ValidationError):
        scan_into_order(order.id, BOLT, "0")
    with pytest.raises(ValidationError, match="required"):
        scan_into_order(order.id, "   ")


def test_the_last_row_of_the_article_is_raised(db: Database) -> None:
    order = _order()
    orders.add_item(order, "BLT-1", "10", specs="zinc")
    orders.add_item(order, "PMP-1", "1")
    orders.add_item(order, "BLT-1", "3", specs="steel")
    result = scan_into_order(order.id, BOLT)
    assert not result.new and result.qty == D(4)
    assert _items(order) == [("BLT-1", D(10)), ("PMP-1", D(1)), ("BLT-1", D(4))]


def test_a_wrong_check_digit_is_a_misread_never_looked_up(db: Database) -> None:
    order = _order()
    wrong = BOLT[:-1] + "2"
    Barcode.create(article=Article.get(Article.code == "PMP-1"), code=wrong)  # even if stored
    version = Order.get_by_id(order.id).version
    with pytest.raises(Misread) as caught:
        scan_into_order(order.id, wrong)
    assert caught.value.code == wrong and isinstance(caught.value, ScanError)
    assert isinstance(caught.value, OrdersError)
    for short in ("96385075", "036000291453"):  # EAN-8 and UPC-A with a wrong last digit
        with pytest.raises(Misread):
            scan_into_order(order.id, short)
    assert _items(order) == []
    assert Order.get_by_id(order.id).version == version  # nothing written


def test_unknown_code(db: Database) -> None:
    order = _order()
    with pytest.raises(UnknownBarcode) as caught:
        scan_into_order(order.id, f" {FREE} ")
    assert caught.value.code == FREE
    assert FREE in str(caught.value)
    assert _items(order) == []


def test_unknown_code_gets_a_new_article(db: Database) -> None:
    order = _order()
    article = create_article_for_barcode(FREE, "BK-1", "Book", "12.40", "бр")
    assert masterdata.article_by_barcode(FREE) == article
    result = scan_into_order(order.id, FREE, D(2))
    assert result.new and result.article_code == "BK-1" and result.qty == D(2)
    with pytest.raises(ValidationError, match="already exists"):
        create_article_for_barcode("9780306406157", "BK-1", "Other", "1", "бр")
    assert masterdata.article_by_barcode("9780306406157") is None  # nothing half-made
    with pytest.raises(ValidationError, match="already belongs"):
        create_article_for_barcode(BOLT, "BLT-2", "Bolt", "1", "бр")
    with pytest.raises(Misread):
        create_article_for_barcode(FREE[:-1] + "0", "BK-2", "Book", "1", "бр")


def test_unknown_code_attached_to_an_existing_article(db: Database) -> None:
    order = _order()
    attach_barcode("PMP-1", FREE)
    result = scan_into_order(order.id, FREE)
    assert result.article_code == "PMP-1"
    # by id too; a barcode belongs to one article only
    cable = masterdata.create_article("CBL-1", "Cable", "2.50", unit="m")
    attach_barcode(cable.id, "CBL-ROLL")
    assert masterdata.article_by_barcode("CBL-ROLL") == cable
    with pytest.raises(ValidationError, match="already belongs"):
        attach_barcode(cable.id, FREE)
    with pytest.raises(NotFound):
        attach_barcode("NOPE", "X-1")
    with pytest.raises(Misread):
        attach_barcode(cable.id, PUMP[:-1] + "0")


def test_a_stale_version_is_a_conflict_and_writes_nothing(db: Database) -> None:
    order = _order()
    first = scan_into_order(order.id, BOLT)
    orders.add_item(order, "PMP-1", "1")  # another terminal
    with pytest.raises(ConflictError):
        scan_into_order(order.id, BOLT, expected_version=first.version)
    with pytest.raises(ConflictError):  # a new row too
        scan_into_order(order.id, PUMP, expected_version=first.version)
    assert _items(order) == [("BLT-1", D(1)), ("PMP-1", D(1))]
    now = Order.get_by_id(order.id).version
    assert scan_into_order(order.id, BOLT, expected_version=now).qty == D(2)


def test_an_order_that_takes_no_items_refuses_scans_as_add_item_does(db: Database) -> None:
    """Scanning gives exactly what adding an item by hand gives (same error, or success)."""
    _order()
    by_hand = orders.create_order("Acme", "2026-12-31", created="2026-11-01")
    scanned = orders.create_order("Acme", "2026-12-31", created="2026-11-01")
    for order in (by_hand, scanned):
        orders.cancel_order(order, "client withdrew")

    def outcome(run: object) -> tuple[str, str]:
        try:
            run()  # type: ignore[operator]
        except OrdersError as exc:
            return type(exc).__name__, str(exc).replace(by_hand.number, "N").replace(
                scanned.number, "N"
            )
        return "ok", ""

    hand = outcome(lambda: orders.add_item(by_hand, "BLT-1", "1"))
    scan = outcome(lambda: scan_into_order(scanned.id, BOLT))
    assert scan == hand
    assert len(_items(scanned)) == len(_items(by_hand))


def test_no_order(db: Database) -> None:
    _order()
    with pytest.raises(NotFound):
        scan_into_order(999_999, BOLT)
