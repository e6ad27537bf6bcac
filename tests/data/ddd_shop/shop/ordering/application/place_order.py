from uuid import UUID

from shop.customers.domain.model import CustomerRepository
from shop.ordering.domain.model import OrderRepository


def place_order(orders: OrderRepository, customers: CustomerRepository, order_id: UUID) -> None:
    order = orders.get(order_id)
    order.place()
    orders.save(order)
