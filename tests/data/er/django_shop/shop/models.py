from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped


class Customer(TimeStamped):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    vip = models.BooleanField(_("VIP"), default=False)


class Order(TimeStamped):
    code = models.CharField(max_length=20, primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    shipping_address = models.TextField(null=True)
    history = HistoricalRecords()


class OrderItem(models.Model):
    order = models.ForeignKey("shop.Order", on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    coupon = models.ForeignKey("promotions.Coupon", null=True, on_delete=models.SET_NULL)

    class Meta:
        unique_together = [("order", "product")]
