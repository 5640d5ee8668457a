"""Prices at which an article was sold before: what an operator looks at when adding an item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .models import Client, Order, OrderItem


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One earlier sale of the article: on which order, when, to whom, how many, at what price."""

    order_number: str
    created: dt.date
    client_name: str
    qty: Decimal
    price: Decimal
    same_client: bool


def _rows(article_id: int, client_id: int | None, *, same: bool, limit: int) -> list[PriceRow]:
    query = (
        OrderItem.select(
            Order.number, Order.created, Client.name, OrderItem.qty, OrderItem.price, OrderItem.id
        )
        .join(Order, on=(OrderItem.order == Order.id))
        .join(Client, on=(Order.client == Client.id))
        .where(OrderItem.article == article_id, ~Order.cancelled)
    )
    if client_id is not None:
        query = query.where(Order.client == client_id if same else Order.client != client_id)
    query = query.order_by(Order.created.desc(), Order.id.desc(), OrderItem.id.desc()).limit(limit)
    return [
        PriceRow(
            order_number=row.order.number,
            created=row.order.created,
            client_name=row.order.client.name,
            qty=row.qty,
            price=row.price,
            same_client=same and client_id is not None,
        )
        for row in query
    ]


def price_history(article_id: int, client_id: int | None, limit: int = 20) -> list[PriceRow]:
    """Earlier sales of an article: this client's first, then other clients', newest first
    within each; at most ``limit`` rows (one query for each group)."""
    if client_id is None:
        return _rows(article_id, None, same=False, limit=limit)
    mine = _rows(article_id, client_id, same=True, limit=limit)
    if len(mine) >= limit:
        return mine
    return mine + _rows(article_id, client_id, same=False, limit=limit - len(mine))


__all__ = ["PriceRow", "price_history"]
