import attr
from attrs import define, field


@attr.s
class Warehouse:
    name = attr.ib(type=str)
    capacity = attr.ib(default=0)
    note: str = "not an attrs field without attr.ib"


@define
class Stock:
    warehouse: Warehouse
    sku: str
    quantity: int = field(default=0)


@attr.s(auto_attribs=True)
class Passport:
    number: str
    holder: "Person"


@define
class Person:
    name: str
    passport: Passport | None = None
