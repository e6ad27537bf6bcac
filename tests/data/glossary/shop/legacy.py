"""旧的订单接口：这里的名字还没有统一（例如 order_sn）。"""

from shop.models import Order


class OrderSn:
    pass


def get_order_sn(oid):
    order_sn = Order(oid, 0, 0)
    return order_sn


def 打印(标签="😀", trade_no=0):
    return 标签, trade_no


def avoid_void(void, oidc_token, order_snapshot, reason):
    return void, oidc_token, order_snapshot, reason


def get_order_num(order_num_items):
    ordernumber = order_num_items
    return ordernumber
