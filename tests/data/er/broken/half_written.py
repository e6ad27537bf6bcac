from django.db import models


class Ticket(models.Model):
    title = models.CharField(max_length=200)
    owner = models.ForeignKey("Person", on_delete=models.CASCADE


class Person(models.Model):
    name = models.CharField(max_length=100)
