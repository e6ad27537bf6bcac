from uuid import UUID

from sqlalchemy.orm import Session

from shop.shipping.domain.model import Shipment, ShipmentRepository


class SqlShipmentRepository(ShipmentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, shipment_id: UUID) -> Shipment:
        return self.session.get(Shipment, shipment_id)

    def add(self, shipment: Shipment) -> None:
        self.session.add(shipment)
