"""The command line of issue 5: ``offer list|show|confirm`` and ``order show --json`` with
``at_risk`` and ``delay_causes``."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner, Result
from peewee import Database

from tui_orders.cli import cli
from tui_orders.data import interchange, masterdata, offers, orders
from tui_orders.data.offers import OfferLineInput as Line


@pytest.fixture
def md(db: Database) -> SimpleNamespace:
    today = dt.date.today()
    masterdata.create_client("Acme Ltd", "EUR")
    masterdata.create_article("A", "Widget", "10.00")
    good = offers.create_offer(
        "Acme Ltd", today + dt.timedelta(days=10), created=today, lines=[Line("A", "3")]
    )
    old = offers.create_offer(
        "Acme Ltd",
        today - dt.timedelta(days=1),
        created=today - dt.timedelta(days=20),
        lines=[Line("A", "1", "8.00")],
    )
    return SimpleNamespace(good=good, old=old, today=today)


def invoke(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db_url, *args])


def ok(db_url: str, *args: str) -> str:
    result = invoke(db_url, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_offer_list_and_show(md: SimpleNamespace, db_url: str) -> None:
    rows = [json.loads(line) for line in ok(db_url, "offer", "list", "--json").splitlines()]
    assert [(r["number"], r["status"], r["total"]) for r in rows] == [
        (md.good.number, "open", "30.00"),
        (md.old.number, "expired", "8.00"),
    ]
    fresh = ok(db_url, "offer", "list", "--json", "--no-expired").splitlines()
    assert [json.loads(line)["number"] for line in fresh] == [md.good.number]
    assert md.old.number in ok(db_url, "offer", "list")
    shown = json.loads(ok(db_url, "offer", "show", md.good.number, "--json"))
    assert shown["lines"] == [
        {
            "article": "A",
            "name": "Widget",
            "qty": "3",
            "price": "10.00",
            "amount": "30.00",
            "specs": "",
        }
    ]
    assert shown["status"] == "open" and shown["order"] is None and shown["version"] == 1
    text = ok(db_url, "offer", "show", md.good.number)
    assert "Total: 30.00 EUR" in text


def test_offer_confirm(md: SimpleNamespace, db_url: str) -> None:
    deadline = (md.today + dt.timedelta(days=60)).isoformat()
    result = invoke(db_url, "offer", "confirm", md.good.number, "--deadline", deadline)
    assert result.exit_code == 0, result.output
    number = result.stdout.strip()
    assert number == f"{md.today.year}-00001"
    order = orders.get_order(number)
    assert (order.document_kind, order.document_ref) == ("offer", md.good.number)
    assert order.deadline.isoformat() == deadline
    again = invoke(db_url, "offer", "confirm", md.good.number)
    assert again.exit_code == 1
    assert f"already confirmed: it became order {number}" in again.output
    expired = invoke(db_url, "offer", "confirm", md.old.number)
    assert expired.exit_code == 1
    assert "expired on" in expired.output and "Traceback" not in expired.output
    stale = invoke(db_url, "offer", "confirm", md.old.number, "--version", "7")
    assert stale.exit_code == 1
    missing = invoke(db_url, "offer", "show", "OF-1999-00001")
    assert missing.exit_code == 1 and "no offer" in missing.output


def test_order_show_json_names_the_delay(md: SimpleNamespace, db_url: str) -> None:
    today = md.today
    order = orders.create_order(
        "Acme Ltd", today + dt.timedelta(days=3), created=today - dt.timedelta(days=10)
    )
    orders.add_item(order, "A", "5")
    orders.add_delivery(order, "sale", today, [orders.DeliveryLineInput("A", "2")])
    orders.create_linked(order, "purchase", "PO-17", expected=today + dt.timedelta(days=8))
    data = json.loads(ok(db_url, "order", "show", order.number, "--json"))
    expected = (today + dt.timedelta(days=8)).isoformat()
    assert data["at_risk"] is True
    assert data["delay_causes"] == [
        "deadline in 3 days, 40% delivered",
        f"purchase order PO-17 expected {expected}, 5 days after the deadline",
    ]
    assert "At risk: deadline in 3 days" in ok(db_url, "order", "show", order.number)
    calm = orders.create_order("Acme Ltd", today + dt.timedelta(days=90), created=today)
    data = json.loads(ok(db_url, "order", "show", calm.number, "--json"))
    assert (data["at_risk"], data["delay_causes"]) == (False, [])
    # the extra keys do not stop the JSON from being read back as interchange
    parsed = interchange.parse({"orders": [data]})
    assert parsed.orders[0].number == calm.number
