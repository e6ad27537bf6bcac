from dataclasses import dataclass, field
from uuid import UUID

from shop.ordering.domain.model import Money


@dataclass
class Parcel:
    id: UUID
    weight_grams: int


@dataclass
class Shipment:
    id: UUID
    order_id: UUID
    parcels: list[Parcel] = field(default_factory=list)
    cost: Money | None = None
    carrier: str = ""
    tracking: str = ""

    def dispatch(self, carrier: str, tracking: str) -> None:
        self.carrier, self.tracking = carrier, tracking


class ShipmentRepository:
    def get(self, shipment_id: UUID) -> Shipment:
        raise NotImplementedError

    def add(self, shipment: Shipment) -> None:
        raise NotImplementedError
