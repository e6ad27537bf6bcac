from django.db import models


class AbstractProduct(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        abstract = True
        db_table = "catalog_products"


class AbstractLine(models.Model):
    """Same name as shopapp's: the relative import says which one is meant."""

    product = models.ForeignKey("catalog.Product", related_name="catalog_lines", on_delete=models.CASCADE)
    quantity = models.IntegerField()

    class Meta:
        abstract = True
