from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shopapp"
    label = "shop"  # not the folder's name: "shop.Order" must still resolve
