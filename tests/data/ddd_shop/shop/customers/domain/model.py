from dataclasses import dataclass
from uuid import UUID


class Address:
    """A postal address: a value object, equal to any other with the same parts."""

    def __init__(self, street: str, city: str, postcode: str) -> None:
        self.street, self.city, self.postcode = street, city, postcode

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Address) and self._parts() == other._parts()

    def __hash__(self) -> int:
        return hash(self._parts())

    def _parts(self) -> tuple[str, str, str]:
        return (self.street, self.city, self.postcode)


@dataclass
class Customer:
    id: UUID
    name: str
    email: str
    address: Address

    def move_to(self, address: Address) -> None:
        self.address = address


class CustomerRepository:
    def get(self, customer_id: UUID) -> Customer:
        raise NotImplementedError

    def save(self, customer: Customer) -> None:
        raise NotImplementedError
