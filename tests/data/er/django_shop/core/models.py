from django.db import models


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Named(TimeStamped):
    name = models.CharField("名称", max_length=100, help_text="Shown to customers")

    class Meta(TimeStamped.Meta):
        abstract = True
