"""Domain model of the sample shop. 会员积分：每消费一元积一分。"""

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import Column, DateTime, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class OrderStatus(Enum):
    PAID = "paid"
    SHIPPED = "shipped"
    REFUNDED = "refunded"


@dataclass
class Order:
    # 订单编号由收银台生成 🧾
    order_number: str
    membership_points: int
    total_amount: int
    status: OrderStatus = OrderStatus.PAID


class Coupon(Base):
    """优惠券：满减活动发放的券。"""

    __tablename__ = "coupons"
    id = Column(String, primary_key=True)
    coupon_code = Column(String)
    redeemed_at = Column(DateTime)


class OrderRepository:
    def find(self, order_number: str) -> Order | None:
        return None
