"""Django models written the way reusable apps (django-oscar and the like) write them: guarded
concrete classes, abstract parents in other modules, AppConfig labels, inherited `Meta`,
swappable models (fixture: tests/data/er/django_reusable)."""

from __future__ import annotations

import pytest

from lsp_server.datamodel import ONE_TO_MANY, ERModel, Source, extract, extract_sources
from tests.unit.datamodel.conftest import DATA, rels


@pytest.fixture(scope="module")
def reusable() -> ERModel:
    return extract([DATA / "django_reusable"])


def test_models_defined_under_if_and_try_are_read(reusable):
    names = {e.name for e in reusable.entities}
    assert {"Order", "shop.Line", "Product", "catalog.Line"} <= names
    product = reusable.entity("Product")
    assert product is not None
    assert [a.name for a in product.attributes] == ["id", "title"]  # the first branch, once


def test_fields_come_from_abstract_parents_in_other_modules(reusable):
    order = reusable.entity("Order")
    assert order is not None
    assert [a.name for a in order.attributes] == ["id", "number", "customer"]
    # two abstract parents named AbstractLine: `*` and relative imports pick each app's own
    shop_line, catalog_line = reusable.entity("shop.Line"), reusable.entity("catalog.Line")
    assert shop_line is not None and catalog_line is not None
    assert [a.name for a in shop_line.attributes] == ["id", "order", "product"]
    assert [a.name for a in catalog_line.attributes] == ["id", "product", "quantity"]


def test_app_label_of_an_app_config_names_the_app(reusable):
    order = reusable.entity("Order")
    assert order is not None and order.namespace == "shop"  # folder shopapp, label shop
    found = rels(reusable)
    assert ("Order", ONE_TO_MANY, "shop.Line", "lines", "order", None) in found  # "shop.Order"
    assert ("Product", ONE_TO_MANY, "shop.Line", None, "product", None) in found  # "catalog.Product"
    assert not [w for w in reusable.warnings if w.code == "unresolved-reference"]


def test_meta_is_inherited_as_django_does(reusable):
    tables = {e.name: (e.table, e.description) for e in reusable.entities}
    assert tables["Order"] == ("shop_order", "order")  # no Meta: the abstract parent's
    assert tables["shop.Line"][0] == "shop_order_lines"
    assert tables["Product"] == ("catalog_products", "item")  # Meta(AbstractProduct.Meta)
    assert tables["Vendor"][0] == "catalog_vendor"  # a Meta of its own inherits nothing
    assert reusable.entity("AbstractOrder") is None  # `abstract` is never inherited: only itself


def test_swappable_user_model_is_a_stand_in_not_a_dropped_relation(reusable):
    user = reusable.entity("User")
    assert user is not None and user.namespace == "auth"
    assert "swappable" in user.evidence and "AUTH_USER_MODEL" in user.description
    customer = next(r for r in reusable.relationships if r.to_field == "customer")
    assert (customer.from_entity, customer.to_entity) == ("User", "Order")
    assert "swappable: settings.AUTH_USER_MODEL" in customer.evidence


def test_a_swapped_out_model_has_no_table(reusable):
    assert reusable.entity("Owner") is not None
    assert reusable.entity("DefaultOwner") is None  # CATALOG_OWNER_MODEL names catalog.Owner


def test_no_stand_in_when_the_user_model_was_read():
    model = extract_sources(
        [
            Source(
                "accounts/models.py",
                "from django.db import models\nclass Member(models.Model):\n    pass\n",
            ),
            Source("config/settings.py", "AUTH_USER_MODEL = 'accounts.Member'\n"),
            Source(
                "blog/models.py",
                "from django.db import models\nfrom django.contrib.auth import get_user_model\n"
                "class Post(models.Model):\n"
                "    author = models.ForeignKey(get_user_model(), on_delete=models.CASCADE)\n",
            ),
        ]
    )
    assert sorted(e.name for e in model.entities) == ["Member", "Post"]
    assert [(r.from_entity, r.to_entity) for r in model.relationships] == [("Member", "Post")]


def test_getattr_setting_default_names_the_model():
    model = extract_sources(
        [
            Source(
                "shop/models.py",
                "from django.conf import settings\nfrom django.db import models\n"
                "class Order(models.Model):\n"
                "    pass\n"
                "class Note(models.Model):\n"
                "    order = models.ForeignKey(getattr(settings, 'SHOP_ORDER_MODEL', 'shop.Order'),"
                " on_delete=models.CASCADE)\n",
            )
        ]
    )
    assert [(r.from_entity, r.to_entity) for r in model.relationships] == [("Order", "Note")]


def test_an_apps_own_name_for_a_swappable_setting_names_its_default():
    """django-oauth-toolkit: `oauth2_settings.APPLICATION_MODEL`, set in its settings module from
    `getattr(settings, "OAUTH2_PROVIDER_APPLICATION_MODEL", "oauth2_provider.Application")`."""
    settings = (
        "from django.conf import settings\n"
        "APPLICATION_MODEL = getattr(settings, 'OAUTH2_PROVIDER_APPLICATION_MODEL', 'oauth.Application')\n"
    )
    models = (
        "from django.db import models\nfrom .settings import oauth2_settings\n"
        "class Application(models.Model):\n"
        "    class Meta:\n        swappable = 'OAUTH2_PROVIDER_APPLICATION_MODEL'\n"
        "class Grant(models.Model):\n"
        "    application = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE)\n"
    )
    model = extract_sources([Source("oauth/settings.py", settings), Source("oauth/models.py", models)])
    assert [(r.from_entity, r.to_entity) for r in model.relationships] == [("Application", "Grant")]


def test_bases_given_through_with_metaclass_are_the_bases():
    """django-organizations: `class AbstractOrganization(with_metaclass(OrgMeta, Base))`."""
    source = (
        "from django.db import models\nfrom .base import with_metaclass, OrgMeta\n"
        "class Base(models.Model):\n"
        "    name = models.CharField(max_length=20)\n"
        "    class Meta:\n        abstract = True\n"
        "class AbstractOrganization(with_metaclass(OrgMeta, Base)):\n"
        "    slug = models.SlugField()\n"
        "    class Meta(Base.Meta):\n        abstract = True\n"
        "class Organization(AbstractOrganization):\n"
        "    class Meta(AbstractOrganization.Meta):\n        abstract = False\n"
    )
    model = extract_sources([Source("orgs/models.py", source)])
    assert [e.name for e in model.entities] == ["Organization"]
    assert [a.name for a in model.entities[0].attributes] == ["id", "name", "slug"]
