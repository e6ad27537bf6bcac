"""Django extraction: fields, relations, abstract bases and inheritance, app labels, settings."""

from __future__ import annotations

from lsp_server.datamodel import MANY_TO_MANY, ONE_TO_MANY, ONE_TO_ONE, Source, extract_sources
from tests.unit.datamodel.conftest import attrs, rels


def test_fields_and_implicit_primary_key(models):
    model = models["django_shop"]
    product = attrs(model, "Product")
    assert list(product) == ["id", "created", "updated", "name", "sku", "price", "category"]
    assert product["id"][:4] == ("BigAutoField", True, False, True)  # DEFAULT_AUTO_FIELD in settings
    assert product["name"] == ("CharField(100)", False, False, False, None, "名称; Shown to customers")
    assert product["sku"] == ("CharField(32)", False, False, True, None, "库存单位")
    assert product["price"][0] == "DecimalField(10,2)"
    assert product["category"][4] == "Category.id"
    assert model.entity("Product").attribute("category").column == "category_id"
    assert model.entity("Product").table == "catalog_product"
    assert model.entity("Product").namespace == "catalog"


def test_meta_and_explicit_primary_key(models):
    model = models["django_shop"]
    assert model.entity("Category").table == "catalog_categories"
    assert model.entity("Category").description == "商品分类"
    order = attrs(model, "Order")
    assert "id" not in order and order["code"][1] is True
    assert order["shipping_address"][2] is True
    assert attrs(model, "OrderItem")["order"][4] == "Order.code"  # references the explicit key
    assert model.entity("TimeStamped") is None and model.entity("Named") is None  # abstract
    assert model.entity("CheapProduct") is None  # a proxy has no table of its own


def test_relationships(models):
    found = rels(models["django_shop"])
    assert ("Category", ONE_TO_MANY, "Category", "children", "parent", None) in found  # "self"
    assert ("Category", ONE_TO_MANY, "Product", "products", "category", None) in found
    assert ("User", ONE_TO_ONE, "Customer", None, "user", None) in found  # settings.AUTH_USER_MODEL
    assert ("Customer", ONE_TO_MANY, "Order", "orders", "customer", None) in found
    assert ("Order", ONE_TO_MANY, "OrderItem", "items", "order", None) in found  # "shop.Order"
    assert ("Product", ONE_TO_MANY, "OrderItem", None, "product", None) in found  # related_name="+"
    assert ("Product", MANY_TO_MANY, "Tag", "tags", "products", "TagAssignment") in found
    assert ("Product", MANY_TO_MANY, "Product", "related", None, None) in found
    assert ("Product", ONE_TO_ONE, "DigitalProduct", "digitalproduct", "product_ptr", None) in found


def test_multi_table_inheritance(models):
    digital = attrs(models["django_shop"], "DigitalProduct")
    assert list(digital) == ["product_ptr", "download_url"]
    assert digital["product_ptr"][1:5] == (True, False, True, "Product.id")


def test_warnings_say_what_was_not_understood(models):
    warnings = {
        (w.code, w.location.path.rsplit("/", 2)[-2], w.location.line) for w in models["django_shop"].warnings
    }
    assert warnings == {
        ("unresolved-reference", "accounts", 5),  # AbstractUser's fields: its source was not read
        ("unknown-type", "shop", 17),  # HistoricalRecords()
        ("unresolved-reference", "shop", 24),  # "promotions.Coupon"
    }


def test_default_user_model_and_app_config():
    model = extract_sources(
        [
            Source(
                "auth/models.py",
                "from django.db import models\nclass User(models.Model):\n    name = models.TextField()\n",
            ),
            Source(
                "auth/apps.py",
                "from django.apps import AppConfig\nclass AuthConfig(AppConfig):\n"
                "    default_auto_field = 'django.db.models.AutoField'\n    name = 'django.contrib.auth'\n"
                "    label = 'auth'\n",
            ),
            Source(
                "blog/models.py",
                "from django.conf import settings\nfrom django.db import models\n"
                "class Post(models.Model):\n    author = models.ForeignKey(settings.AUTH_USER_MODEL,"
                " on_delete=models.CASCADE, related_name='%(class)s_posts')\n",
            ),
        ]
    )
    assert attrs(model, "User")["id"][0] == "AutoField"  # the app's AppConfig
    assert attrs(model, "Post")["id"][0] == "AutoField"  # Django's default
    assert ("User", ONE_TO_MANY, "Post", "post_posts", "author", None) in rels(model)
    assert not model.warnings


def test_same_model_name_in_two_apps():
    model = extract_sources(
        [
            Source(
                "shop/models.py",
                "from django.db import models\nclass Item(models.Model):\n    pass\n"
                "class Cart(models.Model):\n    item = models.ForeignKey('Item', on_delete=models.CASCADE)\n",
            ),
            Source("blog/models.py", "from django.db import models\nclass Item(models.Model):\n    pass\n"),
        ]
    )
    assert sorted(e.name for e in model.entities) == ["Cart", "blog.Item", "shop.Item"]
    assert ("shop.Item", ONE_TO_MANY, "Cart", None, "item", None) in rels(model)
