"""Offers through the keyboard: create one (client, lines), edit it, confirm it into an order;
a second confirmation and an expired offer are refused with the service's words.

The app opens its database in this process, so the test reads and writes through the data
layer directly (another terminal, as far as the screens know).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from tui_orders.app import OrdersApp
from tui_orders.data import offers
from tui_orders.data.models import Offer, OfferItem, Order, OrderItem
from tui_orders.screens.offer_form import OfferForm, OfferLineForm
from tui_orders.screens.offers import OffersScreen
from tui_orders.screens.order import ConfirmModal, OrderScreen

from .conftest import settle

Seeded = tuple[str, dict[str, str]]
MakeApp = Callable[..., OrdersApp]


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot: Pilot[None], text: str) -> None:
    await press(pilot, *[{" ": "space"}.get(c, c) for c in text])


def notes(app: OrdersApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def open_offers(pilot: Pilot[None]) -> OffersScreen:
    await settle(pilot)
    await press(pilot, "f9")
    screen = pilot.app.screen
    assert isinstance(screen, OffersScreen)
    return screen


async def add_line(pilot: Pilot[None], article: str, qty: str, price: str = "") -> None:
    """Ctrl+N in the offer form, then the line: article (completion), quantity, price (empty:
    the catalogue price proposed), Enter through to the end, which saves the line."""
    await press(pilot, "ctrl+n")
    form = pilot.app.screen
    assert isinstance(form, OfferLineForm)
    await type_text(pilot, article)
    await press(pilot, "enter")  # take the completion
    await press(pilot, "enter")  # to the quantity
    await type_text(pilot, qty)
    await press(pilot, "enter")  # to the price: the article's price is filled in, selected
    if price:
        await type_text(pilot, price)
    await press(pilot, "enter", "enter")  # the specifics, then Enter in the last field saves
    assert pilot.app.screen is not form


async def create_offer_by_keyboard(
    pilot: Pilot[None], client: str, valid: str, note: str, lines: list[tuple[str, str, str]]
) -> Offer:
    """From the offers list: ``n``, the client by completion, the validity date, the note,
    the lines, Ctrl+S. Returns the new offer."""
    before = Offer.select().count()
    await press(pilot, "n")
    form = pilot.app.screen
    assert isinstance(form, OfferForm)
    await type_text(pilot, client)
    await press(pilot, "enter")  # take the completion
    await press(pilot, "enter", "tab")  # past the address (the client's default)
    await type_text(pilot, valid)
    await press(pilot, "enter")
    await type_text(pilot, note)
    await press(pilot, "enter")  # Enter in the note: on to the lines, not saved yet
    assert form.is_current  # still open
    assert form.focused is form.lines_table
    for article, qty, price in lines:
        await add_line(pilot, article, qty, price)
    await press(pilot, "ctrl+s")
    assert pilot.app.screen is not form
    assert Offer.select().count() == before + 1
    return Offer.select().order_by(Offer.id.desc()).first()


def row_of(screen: OffersScreen, number: str) -> list[Text]:
    table = screen.query_one("#offers-table", DataTable)
    for i in range(table.row_count):
        row = table.get_row_at(i)
        if str(row[0]) == number:
            return list(row)
    raise AssertionError(f"{number} not listed")


def lines_of(offer_id: int) -> list[tuple[str, Decimal, Decimal, str]]:
    return [
        (line.article.code, line.qty, line.price, line.specs)
        for line in OfferItem.select()
        .where(OfferItem.offer == offer_id)
        .order_by(OfferItem.position)
    ]


async def test_create_edit_confirm_offer_by_keyboard(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_offers(pilot)

        # ---- create: client by completion, two lines (the second at a price of our own)
        offer = await create_offer_by_keyboard(
            pilot,
            "техно",
            "+30",
            "rush",
            [("BLT-1", "100", ""), ("PMP-1", "2", "800")],
        )
        assert app.screen is screen
        assert offer.client.name == "Техномаш ООД"
        assert offer.address.label == "Офис"  # the client's default address
        assert offer.created == dt.date(2026, 11, 27)  # the app's today
        assert offer.valid_until == dt.date(2026, 12, 27)
        assert offer.note == "rush"
        assert offer.number.startswith("OF-2026-")
        assert lines_of(offer.id) == [
            ("BLT-1", Decimal("100"), Decimal("0.25"), ""),  # the catalogue price
            ("PMP-1", Decimal("2"), Decimal("800"), ""),
        ]
        row = row_of(screen, offer.number)
        assert [str(c) for c in row] == [
            offer.number,
            "Техномаш ООД",
            "2026-11-27",
            "2026-12-27",
            "2",
            "1,625.00 BGN",  # 100 x 0.25 + 2 x 800.00
            "open",
            "",
        ]

        # ---- edit: Enter opens it; the second line to 3, the first removed, CBL-1 added
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, OfferForm)
        assert form.field("client").value == "Техномаш ООД"
        assert form.field("valid_until").value == "2026-12-27"
        assert form.focused is form.field("valid_until")
        assert "Total: 1,625.00 BGN · lines: 2" in str(
            form.query_one("#offer-total", Static).content
        )
        await press(pilot, "tab", "tab")  # the note, the lines
        assert form.focused is form.lines_table
        await press(pilot, "down", "enter")
        line_form = app.screen
        assert isinstance(line_form, OfferLineForm)
        assert line_form.field("article").disabled  # a saved line keeps its article
        assert line_form.focused is line_form.field("qty")
        await type_text(pilot, "3")
        await press(pilot, "ctrl+s")
        assert app.screen is form
        await press(pilot, "up", "delete")
        assert [ln.code for ln in form.lines] == ["PMP-1"]
        await add_line(pilot, "CBL-1", "10")
        assert "Total: 2,425.00 BGN · lines: 2" in str(
            form.query_one("#offer-total", Static).content
        )
        version = Offer.get_by_id(offer.id).version
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        assert lines_of(offer.id) == [
            ("PMP-1", Decimal("3"), Decimal("800"), ""),
            ("CBL-1", Decimal("10"), Decimal("2.50"), ""),
        ]
        assert Offer.get_by_id(offer.id).version > version
        assert str(row_of(screen, offer.number)[5]) == "2,425.00 BGN"

        # ---- confirm: asked first; then the order exists, and the list names it
        await press(pilot, "c")
        assert isinstance(app.screen, ConfirmModal)
        assert offer.number in str(app.screen.question)
        await press(pilot, "y")
        assert isinstance(app.screen, ConfirmModal)  # "open the order now?"
        order = Order.get_by_id(Offer.get_by_id(offer.id).order_id)
        assert f"became order {order.number}" in str(app.screen.question)
        await press(pilot, "escape")  # not now
        assert app.screen is screen
        items = [
            (i.article.code, i.qty, i.price)
            for i in OrderItem.select()
            .where(OrderItem.order == order.id)
            .order_by(OrderItem.position)
        ]
        assert items == [
            ("PMP-1", Decimal("3"), Decimal("800")),
            ("CBL-1", Decimal("10"), Decimal("2.50")),
        ]
        assert (order.client.name, order.address.label) == ("Техномаш ООД", "Офис")
        assert (order.document_kind, order.document_ref) == ("offer", offer.number)
        assert order.total == Decimal("2425.00") and order.note == "rush"
        row = row_of(screen, offer.number)
        assert (str(row[6]), str(row[7])) == ("confirmed", order.number)

        # ---- a second confirmation: refused, in the service's words; nothing new
        orders_before = Order.select().count()
        await press(pilot, "c")
        assert app.screen is screen  # not asked: it cannot be confirmed
        assert f"already confirmed: it became order {order.number}" in notes(app)
        assert Order.select().count() == orders_before

        # ---- the confirmed offer opens read-only
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, OfferForm)
        assert form.read_only
        assert form.field("note").disabled and form.field("client").disabled
        assert f"became order {order.number}" in str(form.query_one("#offer-state", Static).content)
        await press(pilot, "ctrl+n", "ctrl+s")
        assert app.screen is form  # no line form, nothing saved
        await press(pilot, "escape")
        assert app.screen is screen

        # ---- o opens the order it became; the order names its offer
        await press(pilot, "o")
        order_screen = app.screen
        assert isinstance(order_screen, OrderScreen)
        header = str(order_screen.query_one("#order-header", Static).content)
        assert order.number in header and f"from offer {offer.number}" in header
        # ---- its Related tab lists the offer; Enter opens it (read-only: confirmed)
        await order_screen.action_show_tab("related")
        await settle(pilot)
        related = order_screen.query_one("#related-table", DataTable)
        keys = [
            related.coordinate_to_cell_key((n, 0)).row_key.value for n in range(related.row_count)
        ]
        related.move_cursor(row=keys.index(f"offer:{offer.id}"))
        await press(pilot, "enter")
        offer_form = app.screen
        assert isinstance(offer_form, OfferForm) and offer_form.read_only
        assert offer_form.offer_id == offer.id
        state = str(offer_form.query_one("#offer-state", Static).content)
        assert f"became order {order.number}" in state
        await press(pilot, "escape")
        assert app.screen is order_screen
        await press(pilot, "escape")
        assert app.screen is screen


async def test_expired_offer_is_shown_and_refused(seeded_sqlite: Seeded, make_app: MakeApp) -> None:
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        # two offers made elsewhere: one expired a week ago, one open
        expired = offers.create_offer(
            "Acme GmbH",
            "2026-11-20",
            created="2026-11-01",
            lines=[offers.OfferLineInput("CBL-1", "5")],
        )
        fresh = offers.create_offer(
            "[bold]Markup[/] & Co",
            "2026-12-31",
            created="2026-11-26",
            lines=[offers.OfferLineInput("PMP-1", "1")],
        )
        screen = await open_offers(pilot)
        row = row_of(screen, expired.number)
        assert str(row[6]) == "expired"
        assert "yellow" in str(row[6].style)  # the status stands out
        assert all("dim" in str(cell.style) or "dim" in str(cell.spans) for cell in row[:6])
        markup = row_of(screen, fresh.number)
        assert str(markup[1]) == "[bold]Markup[/] & Co" and not markup[1].spans
        assert str(markup[6]) == "open"

        # c on the expired offer: refused, the service says why; no order
        orders_before = Order.select().count()
        table = screen.query_one("#offers-table", DataTable)
        assert str(table.get_row_at(1)[0]) == expired.number  # newest first
        await press(pilot, "down")
        await press(pilot, "c")
        assert app.screen is screen
        assert f"offer {expired.number} expired on 2026-11-20" in notes(app)
        assert "extend its validity" in notes(app)
        assert Order.select().count() == orders_before
        assert Offer.get_by_id(expired.id).order_id is None
        # o: it has no order
        await press(pilot, "o")
        assert app.screen is screen

        # its form says it is expired (and lets the validity be extended)
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, OfferForm)
        assert "Expired on 2026-11-20" in str(form.query_one("#offer-state", Static).content)
        assert not form.read_only
        await press(pilot, "escape")

        # f: open offers only: the expired one is gone from the list
        await press(pilot, "f")
        numbers = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert fresh.number in numbers and expired.number not in numbers
        await press(pilot, "f")
        assert table.row_count == 2


async def test_stale_edit_is_a_conflict_and_saves_nothing(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    url, _roles = seeded_sqlite
    app = make_app(url)
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        offer = offers.create_offer(
            "Acme GmbH", None, created="2026-11-20", lines=[offers.OfferLineInput("CBL-1", "5")]
        )
        screen = await open_offers(pilot)
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, OfferForm)
        # another terminal changes the offer meanwhile
        offers.update_offer(offer.id, None, note="other terminal")
        form.field("note").focus()
        await type_text(pilot, "mine")
        await press(pilot, "ctrl+s")
        assert form.is_current  # still open, showing what was typed
        error = str(form.query_one("#form-error", Static).content)
        assert "changed in another terminal" in error and "nothing was saved" in error
        assert form.field("note").value == "mine"
        assert Offer.get_by_id(offer.id).note == "other terminal"
        await press(pilot, "ctrl+s")
        assert app.screen is form  # a stale form cannot save
        await press(pilot, "escape")
        assert app.screen is screen
        assert isinstance(app.screen.query_one("#offers-search", Input), Input)


async def test_palette_and_help_name_the_offers_screen(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    app = make_app(seeded_sqlite[0])
    async with app.run_test(size=(130, 45)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await pilot.press(*[{" ": "space"}.get(c, c) for c in "go to offers"])
        await pilot.pause(0.5)
        await press(pilot, "enter")
        assert isinstance(app.screen, OffersScreen)
        await press(pilot, "escape")
        assert not isinstance(app.screen, OffersScreen)
        await press(pilot, "f9")
        assert isinstance(app.screen, OffersScreen)
        await press(pilot, "question_mark")
        from tui_orders.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        descriptions = {k.description for k in app.screen.keys}
        assert {"New offer", "Confirm into an order", "Open the order", "Offers"} <= descriptions


async def test_offers_saved_elsewhere_show_up_by_themselves(
    seeded_sqlite: Seeded, make_app: MakeApp
) -> None:
    app = make_app(seeded_sqlite[0])  # polls every 0.5 s
    async with app.run_test(size=(130, 45)) as pilot:
        screen = await open_offers(pilot)
        table = screen.query_one("#offers-table", DataTable)
        assert table.row_count == 0
        # another terminal: a new offer, then its confirmation
        offer = offers.create_offer(
            "Acme GmbH", None, created="2026-11-20", lines=[offers.OfferLineInput("CBL-1", "5")]
        )
        await pilot.pause(1.2)
        await settle(pilot)
        assert str(row_of(screen, offer.number)[6]) == "open"
        order = offers.confirm_offer(offer.id, today=dt.date(2026, 11, 27))
        await pilot.pause(1.2)
        await settle(pilot)
        assert [str(c) for c in row_of(screen, offer.number)[6:]] == ["confirmed", order.number]
