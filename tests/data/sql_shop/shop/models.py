from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(db_index=True)
    referrer = models.ForeignKey("self", null=True, on_delete=models.SET_NULL)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.TextField(null=True)
