from django.db import models

CATALOG_OWNER_MODEL = "catalog.Owner"


class DefaultOwner(models.Model):
    """Swapped out: the setting names catalog.Owner instead."""

    class Meta:
        swappable = "CATALOG_OWNER_MODEL"
        app_label = "catalog"


class Owner(models.Model):
    class Meta:
        swappable = "CATALOG_OWNER_MODEL"
        app_label = "catalog"
