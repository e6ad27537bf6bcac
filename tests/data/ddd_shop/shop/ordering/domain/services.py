from shop.ordering.domain.model import Money, Order


class PricingService:
    def total(self, order: Order) -> Money:
        prices = [line.price for line in order.lines]
        total = prices[0]
        for price in prices[1:]:
            total = total.add(price)
        return total
