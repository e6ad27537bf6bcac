from django.db import models

from core.models import Named


class Category(Named):
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")

    class Meta:
        db_table = "catalog_categories"
        verbose_name = "商品分类"


class Tag(models.Model):
    label = models.SlugField(unique=True)


class Product(Named):
    PUBLISHED = "published"
    sku = models.CharField(max_length=32, unique=True, db_comment="库存单位")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = models.ManyToManyField(Tag, through="TagAssignment", related_name="products")
    related = models.ManyToManyField("self", blank=True)

    objects = models.Manager()


class TagAssignment(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    weight = models.PositiveSmallIntegerField(default=1)


class DigitalProduct(Product):
    download_url = models.URLField()


class CheapProduct(Product):
    class Meta:
        proxy = True
