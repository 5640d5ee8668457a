"""The finance reports (tui_orders.data.reports), on hand-computed cases, on both backends.

Every amount below was worked out by hand from the records; the comments show the sums.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

import pytest
from peewee import Database

from tui_orders.data import bulk, reports
from tui_orders.data.dataset import (
    AllocationRec,
    ArticleRec,
    ClientRec,
    Dataset,
    DeliveryLineRec,
    DeliveryRec,
    DocumentRec,
    ItemRec,
    OrderRec,
    PaymentRec,
    TermRec,
)
from tui_orders.data.errors import ValidationError

D = Decimal
day = dt.date.fromisoformat


def _load(*orders: OrderRec) -> None:
    bulk.load(
        Dataset(
            clients=[
                ClientRec("Alpha Ltd", "EUR"),
                ClientRec("Beta OOD", "BGN"),
                ClientRec("Gamma AG", "EUR"),
            ],
            articles=[ArticleRec("A", "Thing", D("1.00"))],
            orders=list(orders),
        )
    )


def _order(
    client: str,
    total: str,
    *,
    created: str = "2026-01-05",
    deadline: str = "2026-06-30",
    number: str | None = None,
    **kwargs: object,
) -> OrderRec:
    """An order of one item worth ``total`` (no tax)."""
    return OrderRec(
        client,
        day(created),
        day(deadline),
        number=number,
        items=[ItemRec("A", D(total), D("1.00"))],
        **kwargs,  # type: ignore[arg-type]
    )


def _pay(date: str, amount: str, *allocations: tuple[str, str]) -> PaymentRec:
    return PaymentRec(day(date), D(amount), "", [AllocationRec(n, D(a)) for n, a in allocations])


AS_OF = day("2026-03-15")


def _money_case() -> None:
    _load(
        # 1, EUR: advance 300 due 03-01 (its proforma PF-1 and the invoice INV-1 duplicating
        # it: 100 paid against INV-1) and balance 700 due 04-10; 150 paid without basis.
        # Advance left 300 - 100 = 200, the 150 unallocated takes it to 50; balance 700.
        _order(
            "Alpha Ltd",
            "1000",
            number="2026-00001",
            payment_terms=[
                TermRec("advance", day("2026-03-01"), D("300")),
                TermRec("balance", day("2026-04-10"), D("700")),
            ],
            documents=[
                DocumentRec(
                    "proforma", "PF-1", D("300"), day("2026-01-05"), day("2026-03-01"), "advance"
                ),
                DocumentRec(
                    "invoice",
                    "INV-1",
                    D("300"),
                    day("2026-03-05"),
                    day("2026-03-05"),
                    "advance",
                    duplicate_of="PF-1",
                ),
            ],
            payments=[_pay("2026-03-05", "100", ("INV-1", "100")), _pay("2026-03-10", "150")],
        ),
        # 2, BGN: one term of 500 due 03-31, nothing paid.
        _order(
            "Beta OOD",
            "500",
            number="2026-00002",
            payment_terms=[TermRec("payment", day("2026-03-31"), D("500"))],
        ),
        # 3, EUR, cancelled: never counted.
        _order(
            "Alpha Ltd",
            "400",
            number="2026-00003",
            cancelled=True,
            cancel_reason="test",
            payment_terms=[TermRec("payment", day("2026-03-20"), D("400"))],
        ),
        # 4, EUR: no terms; invoice INV-4 of 200 due 02-28, 50 paid against it: 150 open.
        _order(
            "Alpha Ltd",
            "200",
            number="2026-00004",
            documents=[
                DocumentRec("invoice", "INV-4", D("200"), day("2026-02-01"), day("2026-02-28"))
            ],
            payments=[_pay("2026-02-20", "50", ("INV-4", "50"))],
        ),
        # 5, EUR: total 100 but terms of 80 + 80; 30 paid without basis. Never more than
        # total - paid = 70: 80 - 30 = 50 in May, then 70 - 50 = 20 in June.
        _order(
            "Gamma AG",
            "100",
            number="2026-00005",
            payment_terms=[
                TermRec("first", day("2026-05-01"), D("80")),
                TermRec("second", day("2026-06-01"), D("80")),
            ],
            payments=[_pay("2026-02-01", "30")],
        ),
        # 6, EUR: proforma PF-6 of 400 (no term) due 01-10, invoice INV-6 duplicating it;
        # 100 paid against INV-6: the pair is open for 300, listed once (as PF-6).
        _order(
            "Gamma AG",
            "400",
            number="2026-00006",
            documents=[
                DocumentRec("proforma", "PF-6", D("400"), day("2026-01-05"), day("2026-01-10")),
                DocumentRec(
                    "invoice",
                    "INV-6",
                    D("400"),
                    day("2026-01-20"),
                    day("2026-01-20"),
                    duplicate_of="PF-6",
                ),
            ],
            payments=[_pay("2026-01-25", "100", ("INV-6", "100"))],
        ),
    )


def _rows(rep: reports.ReceiptsReport) -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.period, r.currency): (str(r.expected), str(r.overdue)) for r in rep.rows}


# --------------------------------------------------------------------------- receipts


def test_receipts_by_month_hand_computed(db: Database) -> None:
    _money_case()
    rep = reports.receipts(day("2026-01-01"), day("2026-06-30"), "month", as_of=AS_OF)
    assert _rows(rep) == {
        # EUR: Jan PF-6 300 overdue; Feb INV-4 150 overdue; Mar advance 50 overdue;
        # Apr balance 700; May 50, Jun 20 (order 5, capped); the cancelled order nowhere
        ("2026-01", "EUR"): ("0.00", "300.00"),
        ("2026-02", "EUR"): ("0.00", "150.00"),
        ("2026-03", "EUR"): ("0.00", "50.00"),
        ("2026-04", "EUR"): ("700.00", "0.00"),
        ("2026-05", "EUR"): ("50.00", "0.00"),
        ("2026-06", "EUR"): ("20.00", "0.00"),
        # BGN apart, never added to EUR: 500 due 03-31, after the as-of date
        ("2026-01", "BGN"): ("0.00", "0.00"),
        ("2026-02", "BGN"): ("0.00", "0.00"),
        ("2026-03", "BGN"): ("500.00", "0.00"),
        ("2026-04", "BGN"): ("0.00", "0.00"),
        ("2026-05", "BGN"): ("0.00", "0.00"),
        ("2026-06", "BGN"): ("0.00", "0.00"),
    }
    assert [r.period for r in rep.rows][:2] == ["2026-01", "2026-01"]
    totals = rep.totals()
    assert totals["EUR"] == (D("770.00"), D("500.00"))
    assert all(isinstance(r.expected, Decimal) for r in rep.rows)


def test_receipts_filters_and_period_edges(db: Database) -> None:
    _money_case()
    # first and last day of the period both count: 03-01 (advance) and 03-31 (order 2)
    rep = reports.receipts(day("2026-03-01"), day("2026-03-31"), "day", as_of=AS_OF)
    got = {k: v for k, v in _rows(rep).items() if v != ("0.00", "0.00")}
    assert got == {
        ("2026-03-01", "EUR"): ("0.00", "50.00"),
        ("2026-03-31", "BGN"): ("500.00", "0.00"),
    }
    assert len(rep.rows) == 31 * 2  # every day of the range, for each currency with money
    rep = reports.receipts(day("2026-03-02"), day("2026-03-30"), "day", as_of=AS_OF)
    assert rep.rows == []
    # one currency, one client (name contains, any case)
    rep = reports.receipts(day("2026-01-01"), day("2026-06-30"), currency="bgn", as_of=AS_OF)
    assert {r.currency for r in rep.rows} == {"BGN"}
    rep = reports.receipts(day("2026-01-01"), day("2026-06-30"), client="gamma", as_of=AS_OF)
    assert {k: v for k, v in _rows(rep).items() if v != ("0.00", "0.00")} == {
        ("2026-01", "EUR"): ("0.00", "300.00"),
        ("2026-05", "EUR"): ("50.00", "0.00"),
        ("2026-06", "EUR"): ("20.00", "0.00"),
    }
    # due on the as-of date is not overdue yet
    rep = reports.receipts(day("2026-03-01"), day("2026-03-31"), as_of=day("2026-03-01"))
    assert _rows(rep)[("2026-03", "EUR")] == ("50.00", "0.00")
    with pytest.raises(ValidationError, match="no client name contains"):
        reports.receipts(day("2026-01-01"), day("2026-06-30"), client="nobody")
    with pytest.raises(ValidationError, match="before it starts"):
        reports.receipts(day("2026-06-30"), day("2026-01-01"))


def test_iso_weeks_across_the_year_end(db: Database) -> None:
    _load(
        _order(
            "Alpha Ltd",
            "60",
            created="2024-12-01",
            payment_terms=[
                TermRec("a", day("2024-12-29"), D("10")),  # Sunday: 2024-W52
                TermRec("b", day("2024-12-30"), D("20")),  # Monday: 2025-W01
                TermRec("c", day("2025-01-05"), D("30")),  # Sunday: still 2025-W01
            ],
        )
    )
    rep = reports.receipts(day("2024-12-29"), day("2025-01-05"), "week", as_of=day("2024-01-01"))
    assert _rows(rep) == {
        ("2024-W52", "EUR"): ("10.00", "0.00"),
        ("2025-W01", "EUR"): ("50.00", "0.00"),
    }
    assert reports.period_of(day("2026-12-31"), "week") == "2026-W53"
    assert reports.period_of(day("2027-01-04"), "week") == "2027-W01"
    assert reports.periods_between(day("2026-12-28"), day("2027-01-04"), "week") == [
        "2026-W53",
        "2027-W01",
    ]
    assert reports.periods_between(day("2026-01-31"), day("2026-03-01"), "month") == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]


# --------------------------------------------------------------------------- overdue


def test_overdue_hand_computed(db: Database) -> None:
    _money_case()
    rep = reports.overdue(AS_OF)
    got = [
        (r.order, r.client, r.kind, r.name, str(r.due), r.days_overdue, r.bucket, r.currency,
         str(r.remaining))
        for r in rep.rows
    ]  # fmt: skip
    assert got == [
        # by client, currency, due date; PF-6 and its duplicate once; the term with its
        # documents once (as the term); the cancelled order left out
        ("2026-00004", "Alpha Ltd", "document", "INV-4", "2026-02-28", 15, "1-30", "EUR",
         "150.00"),
        ("2026-00001", "Alpha Ltd", "term", "advance", "2026-03-01", 14, "1-30", "EUR",
         "50.00"),
        ("2026-00006", "Gamma AG", "document", "PF-6", "2026-01-10", 64, "61-90", "EUR",
         "300.00"),
    ]  # fmt: skip
    summary = {s.currency: s for s in rep.summary}
    assert summary["EUR"].not_yet_due == D("770.00")  # 700 + 50 + 20
    assert summary["EUR"].buckets == {
        "1-30": D("200.00"),
        "31-60": D("0.00"),
        "61-90": D("300.00"),
        "90+": D("0.00"),
    }
    assert summary["EUR"].overdue == D("500.00")
    assert summary["BGN"].not_yet_due == D("500.00") and summary["BGN"].overdue == 0
    # the overdue report and the receipts' overdue column agree
    receipts = reports.receipts(day("2020-01-01"), day("2030-12-31"), as_of=AS_OF)
    assert receipts.totals()["EUR"] == (D("770.00"), D("500.00"))
    assert [r.order for r in reports.overdue(AS_OF, client="beta").rows] == []


def test_ageing_bucket_edges(db: Database) -> None:
    as_of = day("2026-06-30")
    ages = [0, 1, 30, 31, 60, 61, 90, 91]
    _load(
        _order(
            "Alpha Ltd",
            str(len(ages)),
            payment_terms=[TermRec(f"age {a}", as_of - dt.timedelta(days=a), D("1")) for a in ages],
        )
    )
    rep = reports.overdue(as_of)
    assert [(r.name, r.days_overdue, r.bucket) for r in rep.rows] == [
        ("age 91", 91, "90+"),
        ("age 90", 90, "61-90"),
        ("age 61", 61, "61-90"),
        ("age 60", 60, "31-60"),
        ("age 31", 31, "31-60"),
        ("age 30", 30, "1-30"),
        ("age 1", 1, "1-30"),  # due yesterday
    ]
    assert rep.summary[0].not_yet_due == D("1.00")  # due today
    assert [reports.bucket_of(n) for n in (-5, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "not yet due", "not yet due", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+",
    ]  # fmt: skip


def test_overdue_leaves_out_orders_paid_in_full_and_keeps_the_items_order(db: Database) -> None:
    as_of = day("2026-03-15")
    _load(
        # paid in full without allocation: its term is unpaid but nothing is to come
        _order(
            "Alpha Ltd",
            "100",
            number="2026-00001",
            payment_terms=[TermRec("t", day("2026-03-01"), D("100"))],
            payments=[_pay("2026-02-01", "100")],
        ),
        # two documents of one number, due the same day: listed as the order takes them
        _order(
            "Alpha Ltd",
            "300",
            number="2026-00002",
            payment_terms=[TermRec("later", day("2026-04-01"), D("50"))],
            documents=[
                DocumentRec("proforma", "D-2", D("200"), day("2026-02-01"), day("2026-03-01")),
                DocumentRec("invoice", "D-2", D("50"), day("2026-02-01"), day("2026-03-01")),
            ],
        ),
    )
    rep = reports.overdue(as_of)
    assert [(r.order, r.kind, r.name, str(r.remaining)) for r in rep.rows] == [
        ("2026-00002", "document", "D-2", "200.00"),
        ("2026-00002", "document", "D-2", "50.00"),
    ]
    assert [(s.currency, s.not_yet_due, s.overdue) for s in rep.summary] == [
        ("EUR", D("50.00"), D("250.00"))
    ]
    assert reports.overdue(as_of, client="alpha", currency="EUR").rows == rep.rows


# --------------------------------------------------------------------------- book


def test_book_hand_computed(db: Database) -> None:
    as_of = day("2026-03-11")  # a Wednesday: week 03-09..03-15, month 03-01..03-31
    delivered = DeliveryRec("sale", "S-1", day("2026-03-02"), [DeliveryLineRec("A", D("100"))])
    _load(
        _order("Alpha Ltd", "100", deadline="2026-03-12"),  # new, unpaid, this week
        _order(  # in progress (started), 50 of 200 paid, deadline passed: late
            "Gamma AG",
            "200",
            deadline="2026-03-01",
            started=True,
            payments=[_pay("2026-02-01", "50")],
        ),
        _order("Beta OOD", "300", deadline="2026-03-25"),  # new, unpaid, BGN, this month
        _order("Alpha Ltd", "999", deadline="2026-03-12", cancelled=True, cancel_reason="x"),
        _order(  # new, overpaid: 120 of 100; nothing left to receive (not -20)
            "Alpha Ltd", "100", deadline="2026-04-20", payments=[_pay("2026-02-01", "120")]
        ),
        _order(  # ready (delivered), unpaid, deadline passed but ready is not late
            "Alpha Ltd", "100", deadline="2026-03-05", deliveries=[delivered]
        ),
    )
    rep = reports.book(as_of)
    got = [
        (r.status, r.financial_status, r.currency, r.orders, str(r.total), str(r.paid),
         str(r.remaining), r.deadline_this_week, r.deadline_this_month, r.late)
        for r in rep.rows
    ]  # fmt: skip
    assert got == [
        ("new", "unpaid", "BGN", 1, "300.00", "0.00", "300.00", 0, 1, 0),
        ("new", "unpaid", "EUR", 1, "100.00", "0.00", "100.00", 1, 1, 0),
        ("new", "paid", "EUR", 1, "100.00", "120.00", "0.00", 0, 0, 0),
        ("in_progress", "partially_paid", "EUR", 1, "200.00", "50.00", "150.00", 0, 1, 1),
        ("ready", "unpaid", "EUR", 1, "100.00", "0.00", "100.00", 0, 1, 0),
    ]
    assert rep.week == (day("2026-03-09"), day("2026-03-15"))
    assert rep.month == (day("2026-03-01"), day("2026-03-31"))
    assert [r.currency for r in reports.book(as_of, currency="BGN").rows] == ["BGN"]
    assert reports.book(as_of, created_from=day("2027-01-01")).rows == []


# --------------------------------------------------------------------------- forecast

SEASON = (0.80, 0.90, 1.15, 1.25, 1.20, 1.05, 0.90, 0.55, 1.15, 1.25, 1.10, 0.70)


def _seasonal_orders(
    first: dt.date, months: int, seed: int, currency_client: str = "Alpha Ltd"
) -> list[OrderRec]:
    """One order a month paid in full in that month: 10,000 x season x 12% growth a year x
    lognormal noise (sigma 0.08)."""
    rng = random.Random(seed)
    out = []
    for k in range(months):
        index = first.year * 12 + first.month - 1 + k
        created = dt.date(index // 12, index % 12 + 1, 1)
        amount = (
            10_000 * SEASON[created.month - 1] * 1.12 ** (k / 12) * math.exp(rng.gauss(0, 0.08))
        )
        cents = D(round(amount * 100)).scaleb(-2)
        out.append(
            OrderRec(
                currency_client,
                created,
                created + dt.timedelta(days=20),
                items=[ItemRec("A", cents, D("1.00"))],
                payments=[_pay((created + dt.timedelta(days=14)).isoformat(), str(cents))],
            )
        )
    return out


def test_forecast_beats_naive_on_a_generated_seasonal_data_set(db: Database) -> None:
    _load(*_seasonal_orders(day("2022-01-01"), 48, seed=7))
    rep = reports.forecast(day("2026-01-10"))
    bt = rep.backtest
    assert (bt.fitted_until, bt.test_from, bt.test_to) == ("2024-12", "2025-01", "2025-12")
    (eur,) = bt.currencies
    assert eur.currency == "EUR" and eur.beats_naive is True
    assert eur.method is not None and eur.naive is not None
    assert eur.method.mae < eur.naive.mae and eur.method.smape < eur.naive.smape
    assert [m.period for m in eur.months] == [f"2025-{n:02d}" for n in range(1, 13)]
    assert "beats the seasonal-naive forecast in EUR" in bt.verdict
    # 12 rows from the as-of month; nothing scheduled, all predicted; August the quietest
    assert [r.period for r in rep.rows] == [f"2026-{n:02d}" for n in range(1, 13)]
    assert all(r.scheduled == 0 and r.predicted > 0 for r in rep.rows)
    aug, oct_ = rep.rows[7].predicted, rep.rows[9].predicted
    assert oct_ > D("1.5") * aug
    # about 4 years of 12% growth on 10,000 x 1.25 in October: the right size
    assert D("17000") < oct_ < D("22000")


def test_method_beats_naive_on_generated_series() -> None:
    """The model alone on 40 generated series (no database): 3 years, the demo's season,
    growth drawn from -5% to +25% a year, 10% noise a month. Backtested on the third year,
    it must win most of them and be clearly better on average (it wins 84% of 200 such
    series, with 74% of naive's error on average; 69% and 90% with no growth at all)."""
    wins = 0
    ours = naive = 0.0
    for seed in range(40):
        rng = random.Random(seed)
        growth = 1 + rng.uniform(-0.05, 0.25)
        series = {
            24_000 + k: 1e6 * SEASON[k % 12] * growth ** (k / 12) * math.exp(rng.gauss(0, 0.1))
            for k in range(36)
        }
        raw = {m: round(v) for m, v in series.items()}
        result = reports._backtest_currency("EUR", raw, dict(series), 24_000 + 24)
        assert result.method is not None and result.naive is not None
        wins += bool(result.beats_naive)
        ours += float(result.method.mae)
        naive += float(result.naive.mae)
    assert wins >= 30, wins
    assert ours < 0.85 * naive, ours / naive


def test_forecast_scheduled_and_short_history(db: Database) -> None:
    _money_case()
    rep = reports.forecast(AS_OF, months=4)
    sched = {(r.period, r.currency): str(r.scheduled) for r in rep.rows}
    # from the as-of date on: March BGN 500 (EUR's March advance is overdue: not scheduled)
    assert sched == {
        ("2026-03", "BGN"): "500.00",
        ("2026-03", "EUR"): "0.00",
        ("2026-04", "BGN"): "0.00",
        ("2026-04", "EUR"): "700.00",
        ("2026-05", "BGN"): "0.00",
        ("2026-05", "EUR"): "50.00",
        ("2026-06", "BGN"): "0.00",
        ("2026-06", "EUR"): "20.00",
    }
    # two months of receipts cannot be backtested, and the report says so
    assert all(c.beats_naive is None for c in rep.backtest.currencies)
    assert "cannot be backtested" in rep.backtest.verdict
    with pytest.raises(ValidationError):
        reports.forecast(AS_OF, months=0)


def test_young_data_is_scaled_by_what_could_have_come_in() -> None:
    # coverage: 50% in the order's month, 80% a month later, all after two
    usable = reports.usable_series({100: 500, 101: 800, 102: 1000}, 100, [0.5, 0.8, 1.0])
    assert usable == {101: 1000.0, 102: 1000.0}  # month 100 (50% < 60%) is left out


def test_model_recovers_season_and_trend() -> None:
    series = {m: 1000 * SEASON[m % 12] * 1.1 ** (m / 12) for m in range(24_000, 24_036)}
    model = reports.fit_model(series)
    assert model is not None
    assert math.isclose(math.exp(model.slope * 12), 1.1, rel_tol=1e-9)
    assert math.isclose(model.predict(24_035), series[24_035], rel_tol=1e-9)
    assert reports.fit_model({1: 1.0}) is None


# --------------------------------------------------------------------------- SQL vs a reference
#
# The reports' SQL is shaped for speed (terms read off a partial index in running-sum order,
# the orders with an open document apart, the not-yet-due money from per-order totals, the
# receipts by currency from the payments' own currency less the cancelled orders'): checked
# here against the rules computed plainly in Python from the records, on a random data set
# with every kind of item, for several dates and filters.


def _random_case(seed: int) -> None:
    rnd = random.Random(seed)
    clients = ["Alpha Ltd", "Beta OOD", "Gamma AG"]
    orders = []
    for n in range(60):
        total = rnd.choice([100, 250, 400, 1000])
        terms = []
        start = day("2026-01-01") + dt.timedelta(days=rnd.randrange(0, 120))
        for k in range(rnd.choice([0, 1, 1, 2, 3])):
            due = start + dt.timedelta(days=rnd.choice([0, 0, 10, 30, 45]) * k)
            terms.append(TermRec(f"t{k}", due, D(rnd.choice([50, 100, 150, total // 2]))))
        documents = []
        payments = []
        if rnd.random() < 0.4:  # an invoice of no term, sometimes with a duplicate
            due = start + dt.timedelta(days=rnd.choice([-20, 0, 15, 60]))
            number = f"INV-{n}"
            issued = start - dt.timedelta(days=30)
            documents.append(DocumentRec("invoice", number, D(total // 2), issued, due))
            if rnd.random() < 0.5:
                documents.append(
                    DocumentRec("proforma", f"PF-{n}", D(total // 2), issued, due, None, number)
                )
            if rnd.random() < 0.5:
                payments.append(_pay(str(start), str(total // 5), (number, str(total // 5))))
        if terms and rnd.random() < 0.5:  # an invoice of a term
            documents.append(
                DocumentRec("invoice", f"TI-{n}", terms[0].amount, start, terms[0].due, "t0")
            )
            if rnd.random() < 0.5:
                payments.append(_pay(str(start), "20", (f"TI-{n}", "20")))
        for _ in range(rnd.choice([0, 0, 1, 2])):  # without basis
            paid_on = start + dt.timedelta(days=rnd.randrange(0, 90))
            payments.append(_pay(str(paid_on), str(rnd.choice([10, 60, 300]))))
        cancelled = rnd.random() < 0.1
        orders.append(
            _order(
                rnd.choice(clients),
                str(total),
                created=str(start - dt.timedelta(days=5)),
                payment_terms=terms,
                documents=documents,
                payments=payments,
                cancelled=cancelled,
                cancel_reason="x" if cancelled else "",
            )
        )
    _load(*orders)


def _reference_items(
    client: str | None = None, currency: str | None = None
) -> list[tuple[str, str, str, str, dt.date, str, int]]:
    """(order, client, kind, name, due, currency, effective cents) of every open item with
    money left, by the rules of the module docstring, computed item by item in Python."""
    from tui_orders.data.models import Client, FinancialDocument, Order, PaymentTerm

    out = []
    for o in Order.select().where(Order.cancelled == False):  # noqa: E712
        cname = Client.get_by_id(o.client_id).name
        if client is not None and client.lower() not in cname.lower():
            continue
        if currency is not None and o.currency != currency:
            continue
        items = [
            (t.due, 0, t.position, t.id, int((t.amount - t.paid) * 100), "term", t.name)
            for t in PaymentTerm.select().where(PaymentTerm.order == o.id)
            if t.paid < t.amount
        ]
        items += [
            (d.due or d.issued, 1, 0, d.id, int((d.amount - d.paid) * 100), "document", d.number)
            for d in FinancialDocument.select().where(FinancialDocument.order == o.id)
            if d.term_id is None and d.duplicate_of_id is None and d.paid < d.amount
        ]
        u = int(o.unallocated * 100)
        cap = max(int((o.total - o.paid) * 100), 0)

        def e(x: int, u: int = u, cap: int = cap) -> int:
            return min(max(x - u, 0), cap)

        cum = 0
        for due, _k, _p, _id, rem, kind, name in sorted(items):
            cum += rem
            eff = e(cum) - e(cum - rem)
            if eff > 0:
                out.append((o.number, cname, kind, name, due, o.currency, eff))
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_open_items_sql_matches_the_rules_item_by_item(db: Database, seed: int) -> None:
    _random_case(seed)
    for as_of in (day("2025-12-01"), day("2026-02-10"), day("2026-04-01"), day("2027-01-01")):
        for client, currency in ((None, None), ("alpha", None), (None, "EUR"), (None, "BGN")):
            ref = _reference_items(client, currency)
            rep = reports.overdue(as_of, client=client, currency=currency)
            late = sorted(
                (o, c, k, n, due, cur, D(cents).scaleb(-2))
                for o, c, k, n, due, cur, cents in ref
                if due < as_of
            )
            got = [
                (r.order, r.client, r.kind, r.name, r.due, r.currency, r.remaining)
                for r in rep.rows
            ]
            assert sorted(got) == late
            assert got == sorted(got, key=lambda r: (r[1], r[5], r[4], r[0], r[2], r[3]))
            for s in rep.summary:
                assert s.not_yet_due == sum(
                    (D(x[6]).scaleb(-2) for x in ref if x[5] == s.currency and x[4] >= as_of),
                    D("0.00"),
                )
                assert s.overdue == sum(
                    (D(x[6]).scaleb(-2) for x in ref if x[5] == s.currency and x[4] < as_of),
                    D("0.00"),
                )
            assert {s.currency for s in rep.summary} == {x[5] for x in ref}
            # receipts of a window: the items due in it
            start, end = as_of - dt.timedelta(days=40), as_of + dt.timedelta(days=40)
            rec = reports.receipts(start, end, "day", client=client, currency=currency, as_of=as_of)
            want: dict[tuple[str, str], list[int]] = {}
            for _o, _c, _k, _n, due, cur, cents in ref:
                if start <= due <= end:
                    want.setdefault((due.isoformat(), cur), [0, 0])[due < as_of] += cents
            got_rec = {
                (r.period, r.currency): [int(r.expected * 100), int(r.overdue * 100)]
                for r in rec.rows
                if r.expected or r.overdue
            }
            assert got_rec == want


def _reference_receipts(
    until: dt.date, client: str | None = None, currency: str | None = None
) -> dict[str, dict[int, int]]:
    from tui_orders.data.models import Client, Order, Payment

    out: dict[str, dict[int, int]] = {}
    last = until.year * 12 + until.month - 1
    for p in Payment.select():
        o = Order.get_by_id(p.order_id)
        if o.cancelled or (currency is not None and o.currency != currency):
            continue
        if client is not None and client not in Client.get_by_id(o.client_id).name.lower():
            continue
        m = p.date.year * 12 + p.date.month - 1
        if m > last:
            continue
        months = out.setdefault(o.currency, {})
        months[m] = months.get(m, 0) + (int(p.amount * 100) if p.date < until else 0)
    return out


def test_forecast_receipts_leave_out_cancelled_orders_and_later_payments(db: Database) -> None:
    _load(
        _order("Alpha Ltd", "500", payments=[_pay("2026-01-10", "100"), _pay("2026-03-20", "50")]),
        # cancelled: its payments count nowhere, even in a month only they have (February)
        _order(
            "Alpha Ltd",
            "300",
            cancelled=True,
            cancel_reason="x",
            payments=[_pay("2026-01-11", "70"), _pay("2026-02-05", "30")],
        ),
        # a currency only a cancelled order has: no series at all
        _order(
            "Beta OOD", "90", cancelled=True, cancel_reason="x", payments=[_pay("2026-01-02", "9")]
        ),
        _order("Gamma AG", "200", payments=[_pay("2026-03-01", "20"), _pay("2026-04-02", "5")]),
    )
    until = day("2026-03-15")
    assert reports._monthly_receipts(until, None, None) == {
        # January 100 (not the cancelled 70), no February, March 20 (the 50 of 03-20 is after
        # the date: its month is listed with what came before); April is after the month
        "EUR": {2026 * 12: 10000, 2026 * 12 + 2: 2000},
    }
    assert reports._monthly_receipts(until, None, None) == _reference_receipts(until)
    for client, currency in ((None, "EUR"), (None, "BGN"), ("alpha", None), ("beta", None)):
        ids = reports._client_ids(client)
        assert reports._monthly_receipts(until, ids, currency) == _reference_receipts(
            until, client, currency
        )


def test_payments_carry_their_order_currency(db: Database) -> None:
    from tui_orders.data import orders, recompute
    from tui_orders.data.models import Order, Payment

    _load(
        _order("Beta OOD", "100", number="2026-00001", payments=[_pay("2026-01-10", "10")]),
        _order("Alpha Ltd", "100", number="2026-00002"),
    )
    orders.record_payment("2026-00002", "2026-01-12", "25")
    assert {(p.order.number, p.currency) for p in Payment.select().join(Order)} == {
        ("2026-00001", "BGN"),
        ("2026-00002", "EUR"),
    }
    assert recompute.check() == []
    Payment.update(currency="USD").where(Payment.amount == D("25")).execute()
    found = recompute.check()
    assert [(d.order_number, d.field, d.stored, d.expected) for d in found] == [
        ("2026-00002", "currency", "USD", "EUR")
    ]
    recompute.check(repair=True)
    assert recompute.check() == []
