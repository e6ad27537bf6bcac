# 退款：满减活动的优惠券不退，会员积分按比例扣回。
from shop.models import Coupon, Order

MAX_MEMBER_SCORES = 100


class CouponRedemption:
    def undo(self, coupon: Coupon, order: Order) -> None:
        coupon_use = None  # 优惠券核销记录
        self.sku_code = self.item_code = coupon_use
