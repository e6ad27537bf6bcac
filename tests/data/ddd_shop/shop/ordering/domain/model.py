from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from shop.shared import AggregateRoot, DomainEvent


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def add(self, other: Money) -> Money:
        return Money(self.amount + other.amount, self.currency)


@dataclass
class OrderLine:
    id: UUID
    sku: str
    quantity: int
    price: Money


@dataclass
class Order(AggregateRoot):
    id: UUID
    customer_id: UUID
    lines: list[OrderLine] = field(default_factory=list)
    status: str = "new"

    def add_line(self, line: OrderLine) -> None:
        self.lines.append(line)

    def place(self) -> OrderPlaced:
        self.status = "placed"
        return OrderPlaced(self.id, self.customer_id)


@dataclass(frozen=True)
class OrderPlaced(DomainEvent):
    order_id: UUID
    customer_id: UUID


class OrderRepository:
    def get(self, order_id: UUID) -> Order:
        raise NotImplementedError

    def save(self, order: Order) -> None:
        raise NotImplementedError
