"""Models of a small Django-like shop, for term extraction (never imported)."""

from django.db import models
from fakeframework.fields import Choices

from .helpers import display


class Product(models.Model):
    """A product the shop sells; every basket line holds one product."""

    title = models.CharField(max_length=100, help_text="shown in the catalogue")
    kind = Choices()


class Basket(models.Model):
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE)
    owner = models.ForeignKey("self", on_delete=models.CASCADE)


class ProductForm(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)


class Widget:
    choices = Choices(help_text=display)
