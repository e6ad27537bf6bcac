from django.conf import settings

from .abstract_models import AbstractLine, AbstractProduct

try:

    class Product(AbstractProduct):
        class Meta(AbstractProduct.Meta):
            verbose_name = "item"

except ImportError:

    class Product(AbstractProduct):  # the other branch: Django runs one of them
        extra = 1


if settings.DEBUG:
    pass
else:

    class Line(AbstractLine):
        pass


class Vendor(AbstractProduct):
    """A `class Meta` of its own that does not extend the parent's: nothing of it inherited."""

    class Meta:
        ordering = ["title"]


class Seller:
    """Not a model."""
