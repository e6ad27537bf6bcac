from django.conf import settings
from django.db import models


class AbstractOrder(models.Model):
    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    class Meta:
        abstract = True
        verbose_name = "order"


class AbstractLine(models.Model):
    order = models.ForeignKey("shop.Order", related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT)

    class Meta:
        abstract = True
        db_table = "shop_order_lines"
