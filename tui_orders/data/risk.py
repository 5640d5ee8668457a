"""Delays: when an order is *at risk*, and why, in sentences an operator reads.

An order that is not ready yet (new or in progress; a ready, closed or cancelled order is never
at risk) is at risk when:

* its deadline is near: within :data:`NEAR_DAYS` days from today (``deadline_near``), or it has
  passed (``deadline_passed``), with how much was delivered;
* a linked production or purchase order still to do (planned or in progress) is overdue: its
  expected date, else its own deadline, is before today (``link_overdue``);
* such a linked order expects a date after the order's deadline (``link_after_deadline``;
  not repeated when the same link is already overdue).

Each cause is a :class:`DelayCause`: a ``kind``, its ``params`` (plain values: numbers, ISO
dates, the link's number) and ``text``, the English sentence (``"purchase order PO-17 expected
2026-12-12, 5 days after the deadline"``). The sentence comes from a template chosen by
:func:`cause_template` (an English string, usable as a gettext message id) filled with the
params, so a screen renders the same cause in another language with
``render_cause(cause, gettext)``.

:func:`causes_for` is the pure rule; :func:`risk_of_orders` reads many orders at once (two
queries whatever their number), :func:`delay_causes` one order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .models import LinkedOrder, LinkKind, LinkStatus, Order, OrderStatus
from .money import normalized

#: "Near": the deadline is at most this many days away (today counts as 0).
NEAR_DAYS = 7

#: Order statuses that can be at risk (ready: everything was handed over already).
RISKY_STATUSES = (OrderStatus.NEW.value, OrderStatus.IN_PROGRESS.value)
#: Link statuses that still need doing.
PENDING_LINK_STATUSES = (LinkStatus.PLANNED.value, LinkStatus.IN_PROGRESS.value)


class CauseKind:
    DEADLINE_NEAR = "deadline_near"
    DEADLINE_PASSED = "deadline_passed"
    LINK_OVERDUE = "link_overdue"
    LINK_AFTER_DEADLINE = "link_after_deadline"


@dataclass(frozen=True, slots=True)
class DelayCause:
    """One reason an order is at risk: ``kind`` + ``params`` for a translated rendering,
    ``text`` the English sentence."""

    kind: str
    params: dict[str, Any] = field(hash=False)
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params), "text": self.text}


@dataclass(frozen=True, slots=True)
class LinkFact:
    kind: str
    number: str
    status: str
    deadline: dt.date | None
    expected: dt.date | None


@dataclass(frozen=True, slots=True)
class OrderRisk:
    order_id: int
    causes: tuple[DelayCause, ...]

    @property
    def at_risk(self) -> bool:
        return bool(self.causes)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.causes]


# --------------------------------------------------------------------------- sentences

_LINK_WHAT = {LinkKind.PRODUCTION.value: "production", LinkKind.PURCHASE.value: "purchase"}

#: English templates by (kind, link kind or "", plural form): gettext message ids.
TEMPLATES: dict[tuple[str, str, str], str] = {
    (CauseKind.DEADLINE_NEAR, "", "zero"): "deadline today, {delivered}% delivered",
    (CauseKind.DEADLINE_NEAR, "", "one"): "deadline tomorrow, {delivered}% delivered",
    (CauseKind.DEADLINE_NEAR, "", "other"): "deadline in {days} days, {delivered}% delivered",
    (CauseKind.DEADLINE_PASSED, "", "one"): "1 day past the deadline, {delivered}% delivered",
    (
        CauseKind.DEADLINE_PASSED,
        "",
        "other",
    ): "{days} days past the deadline, {delivered}% delivered",
    (CauseKind.LINK_OVERDUE, "production", "one"): "production order {number} is 1 day overdue",
    (
        CauseKind.LINK_OVERDUE,
        "production",
        "other",
    ): "production order {number} is {days} days overdue",
    (CauseKind.LINK_OVERDUE, "purchase", "one"): "purchase order {number} is 1 day overdue",
    (
        CauseKind.LINK_OVERDUE,
        "purchase",
        "other",
    ): "purchase order {number} is {days} days overdue",
    (
        CauseKind.LINK_AFTER_DEADLINE,
        "production",
        "one",
    ): "production order {number} expected {expected}, 1 day after the deadline",
    (
        CauseKind.LINK_AFTER_DEADLINE,
        "production",
        "other",
    ): "production order {number} expected {expected}, {days} days after the deadline",
    (
        CauseKind.LINK_AFTER_DEADLINE,
        "purchase",
        "one",
    ): "purchase order {number} expected {expected}, 1 day after the deadline",
    (
        CauseKind.LINK_AFTER_DEADLINE,
        "purchase",
        "other",
    ): "purchase order {number} expected {expected}, {days} days after the deadline",
}


def _plural(days: int) -> str:
    return "zero" if days == 0 else "one" if days == 1 else "other"


def cause_template(kind: str, params: dict[str, Any]) -> str:
    """The English template of a cause (a gettext message id)."""
    link = _LINK_WHAT.get(str(params.get("link_kind", "")), "")
    days = int(params.get("days", 0))
    form = _plural(days)
    template = TEMPLATES.get((kind, link, form)) or TEMPLATES.get((kind, link, "other"))
    if template is None:
        raise KeyError(f"no template for the delay cause {kind!r}")
    return template


def render_cause(cause: DelayCause, gettext: Callable[[str], str] | None = None) -> str:
    """The cause as a sentence, through ``gettext`` (e.g. ``tui_orders.i18n._``) if given."""
    template = cause_template(cause.kind, cause.params)
    if gettext is not None:
        template = gettext(template)
    return template.format(**cause.params)


def _cause(kind: str, **params: Any) -> DelayCause:
    return DelayCause(kind, params, cause_template(kind, params).format(**params))


# --------------------------------------------------------------------------- the rule


def causes_for(
    status: str,
    deadline: dt.date,
    delivered_pct: Decimal,
    links: Iterable[LinkFact],
    today: dt.date,
    near_days: int = NEAR_DAYS,
) -> list[DelayCause]:
    """Why one order is at risk (empty: it is not). Pure: see the module docstring."""
    if status not in RISKY_STATUSES:
        return []
    causes: list[DelayCause] = []
    delivered = normalized(Decimal(delivered_pct))
    left = (deadline - today).days
    if left < 0:
        causes.append(_cause(CauseKind.DEADLINE_PASSED, days=-left, delivered=delivered))
    elif left <= near_days:
        causes.append(_cause(CauseKind.DEADLINE_NEAR, days=left, delivered=delivered))
    for link in sorted(links, key=lambda x: (x.kind, x.number)):
        if link.status not in PENDING_LINK_STATUSES:
            continue
        due = link.expected or link.deadline
        if due is not None and due < today:
            causes.append(
                _cause(
                    CauseKind.LINK_OVERDUE,
                    link_kind=link.kind,
                    number=link.number,
                    days=(today - due).days,
                    date=due.isoformat(),
                )
            )
        elif link.expected is not None and link.expected > deadline:
            causes.append(
                _cause(
                    CauseKind.LINK_AFTER_DEADLINE,
                    link_kind=link.kind,
                    number=link.number,
                    expected=link.expected.isoformat(),
                    days=(link.expected - deadline).days,
                )
            )
    return causes


# --------------------------------------------------------------------------- reading


def pending_links(order_ids: Sequence[int]) -> dict[int, list[LinkFact]]:
    """The linked orders still to do of many orders, one query (by the order index)."""
    out: dict[int, list[LinkFact]] = defaultdict(list)
    ids = list(order_ids)
    for start in range(0, len(ids), 900):  # stay under SQLite's parameter limit
        chunk = ids[start : start + 900]
        for oid, kind, number, status, deadline, expected in (
            LinkedOrder.select(
                LinkedOrder.order,
                LinkedOrder.kind,
                LinkedOrder.number,
                LinkedOrder.status,
                LinkedOrder.deadline,
                LinkedOrder.expected,
            )
            .where(
                LinkedOrder.order.in_(chunk),
                LinkedOrder.status.in_(PENDING_LINK_STATUSES),
            )
            .tuples()
        ):
            out[oid].append(LinkFact(kind, number, status, deadline, expected))
    return out


def risk_of_orders(
    order_ids: Sequence[int], today: dt.date | None = None, near_days: int = NEAR_DAYS
) -> dict[int, OrderRisk]:
    """The risk of many orders (the monitor's, a report's): two queries per 900 orders."""
    day = today or dt.date.today()
    ids = list(order_ids)
    heads: dict[int, tuple[str, dt.date, Decimal]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for oid, status, deadline, pct in (
            Order.select(Order.id, Order.status, Order.deadline, Order.delivered_pct)
            .where(Order.id.in_(chunk))
            .tuples()
        ):
            heads[oid] = (status, deadline, pct)
    risky = [oid for oid, (status, _d, _p) in heads.items() if status in RISKY_STATUSES]
    links = pending_links(risky)
    return {
        oid: OrderRisk(
            oid,
            tuple(causes_for(status, deadline, pct, links.get(oid, ()), day, near_days)),
        )
        for oid, (status, deadline, pct) in heads.items()
    }


def order_risk(order_id: int, today: dt.date | None = None) -> OrderRisk:
    """One order's risk (an order that does not exist has none)."""
    return risk_of_orders([order_id], today).get(order_id, OrderRisk(order_id, ()))


def delay_causes(order_id: int, today: dt.date | None = None) -> list[str]:
    """The English sentences saying why order ``order_id`` is at risk (empty: it is not)."""
    return order_risk(order_id, today).texts


def is_at_risk(order_id: int, today: dt.date | None = None) -> bool:
    return order_risk(order_id, today).at_risk


__all__ = [
    "NEAR_DAYS",
    "CauseKind",
    "DelayCause",
    "LinkFact",
    "OrderRisk",
    "cause_template",
    "causes_for",
    "delay_causes",
    "is_at_risk",
    "order_risk",
    "pending_links",
    "render_cause",
    "risk_of_orders",
]
