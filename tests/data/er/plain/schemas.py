from typing import Optional

from pydantic import BaseModel, Field

from .library import Shelf


class Address(BaseModel):
    street: str
    city: str = Field(..., description="城市")


class Customer(BaseModel):
    """A customer of the shop."""

    id: int
    email: str = Field(description="Login e-mail")
    address: Optional[Address] = None
    shelf: Shelf
    orders: list["Order"] = []


class Order(BaseModel):
    id: int
    customer: "Customer"
    total: float = 0.0
    lines: dict[str, "OrderLine"] = {}


class OrderLine(BaseModel):
    sku: str
    qty: int = 1


class VipCustomer(Customer):
    level: int = 1
