"""DDD building blocks and rules read from code: the sample project's classes get the kinds their
evidence shows, its clean code gets no warning, and each injected mutation is found at its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lsp_server.ddd.model import load
from lsp_server.ddd.rules import check
from tests.conftest import REPO

SHOP = REPO / "tests" / "data" / "ddd_shop"


def test_building_blocks_aggregates_and_contexts_come_from_evidence():
    model = load([SHOP])
    kinds = {name: block.kind for name, block in model.blocks.items() if block.kind}
    assert kinds == {
        "Order": "aggregate_root", "OrderLine": "entity", "Money": "value_object",
        "OrderPlaced": "domain_event", "OrderRepository": "repository", "PricingService": "domain_service",
        "Customer": "aggregate_root",
        "Address": "value_object", "CustomerRepository": "repository", "Shipment": "aggregate_root",
        "Parcel": "entity", "ShipmentRepository": "repository", "SqlShipmentRepository": "repository",
    }  # fmt: skip
    assert model.blocks["OrderLine"].aggregate == "Order" and model.blocks["Parcel"].aggregate == "Shipment"
    assert "@dataclass(frozen=True)" in model.blocks["Money"].evidence
    assert "the repository CustomerRepository stores it" in model.blocks["Customer"].evidence
    assert {
        (b.name, b.context) for b in model.blocks.values() if b.name in ("Order", "Customer", "Parcel")
    } == {("Order", "ordering"), ("Customer", "customers"), ("Parcel", "shipping")}
    edges = {(r.source, r.target, r.kind) for r in model.relations}
    assert edges == {
        ("ordering", "customers", "depends on"),
        ("shipping", "ordering", "depends on"),
        ("shipping", "ordering", "references"),
    }
    assert all(r.evidence for r in model.relations)


def test_the_clean_project_gets_only_information():
    assert [(f.code, f.severity) for f in check(load([SHOP]))] == [("anemic-entity", "information")]


MUTATIONS = {
    "mutable-value-object": (
        "ordering/domain/model.py",
        "@dataclass(frozen=True)\nclass Money:",
        "@dataclass\nclass Money:",
    ),
    "reference-by-object": (
        "shipping/domain/model.py",
        "    order_id: UUID\n",
        "    order_id: UUID\n    order: Order | None = None\n",
    ),
    "domain-imports-infrastructure": (
        "shipping/domain/model.py",
        "from uuid import UUID\n",
        "from uuid import UUID\n\nfrom sqlalchemy.orm import Session\n",
    ),
    "repository-for-non-root": (
        "ordering/domain/model.py",
        "class OrderRepository:",
        "class OrderLineRepository:\n    def get(self, line_id: UUID) -> OrderLine:\n"
        "        raise NotImplementedError\n\n\nclass OrderRepository:",
    ),
    "two-aggregates-one-transaction": (
        "ordering/application/place_order.py",
        "    orders.save(order)\n",
        "    orders.save(order)\n    customer = customers.get(order.customer_id)\n"
        "    customers.save(customer)\n",
    ),
    "value-object-refers-entity": (
        "ordering/domain/model.py",
        "    currency: str\n",
        "    currency: str\n    line: OrderLine | None = None\n",
    ),
    "entity-outside-aggregate": (
        "shipping/domain/model.py",
        "    weight_grams: int\n",
        "    weight_grams: int\n    line: OrderLine | None = None\n",
    ),
}


@pytest.mark.parametrize("code", sorted(MUTATIONS))
def test_each_injected_mutation_is_found_at_its_line(code: str, tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(SHOP, project)
    relative, old, new = MUTATIONS[code]
    path = project / "shop" / relative
    text = path.read_text()
    assert old in text
    extra_import = (
        "\nfrom shop.ordering.domain.model import Order, OrderLine\n"
        if "Order" in new and relative.startswith("shipping")
        else ""
    )
    path.write_text(text.replace(old, new, 1) + extra_import)
    found = [f for f in check(load([project])) if f.severity == "warning"]
    assert [f.code for f in found] == [code], [str(f) for f in found]
    line = path.read_text().splitlines()[found[0].line - 1]
    assert (
        any(part.strip() and part.strip() in line for part in new.splitlines())
        or "class" in line
        or "def" in line
    )


def test_cli_map_in_each_format_and_check(tmp_path: Path):
    from tests.cli.test_cli import ubiq

    mermaid = ubiq("ddd", "map", str(SHOP), cwd=tmp_path)
    assert mermaid.returncode == 0, mermaid.stderr
    assert (
        mermaid.stdout.startswith("flowchart LR")
        and 'shipping -->|"references: 1 edge"| ordering' in mermaid.stdout
    )
    out = tmp_path / "map" / "context.cml"
    cml = ubiq("ddd", "map", str(SHOP), "--format", "cml", "--out", str(out), cwd=tmp_path)
    assert cml.returncode == 0 and cml.stdout == ""
    assert (
        "ordering [D]<-[U] customers" in out.read_text()
        and "Entity Order { aggregateRoot }" in out.read_text()
    )
    data = json.loads(ubiq("ddd", "map", str(SHOP), "--format", "json", cwd=tmp_path).stdout)
    ordering = next(c for c in data["contexts"] if c["name"] == "ordering")
    assert {"root": "Order", "members": ["OrderLine"]}.items() <= ordering["aggregates"][0].items()
    assert {c["name"]: c["kind"] for c in ordering["classes"]}["OrderPlaced"] == "domain_event"
    assert set(data["relations"][0]) == {"from", "to", "kind", "evidence"}
    checked = ubiq("ddd", "check", str(SHOP), "--json", cwd=tmp_path)
    assert checked.returncode == 1
    (only,) = json.loads(checked.stdout)
    assert (
        only["code"] == "anemic-entity"
        and only["line"] == 20
        and set(only) == {"path", "line", "column", "code", "message"}
    )
    missing = ubiq("ddd", "check", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


def test_a_reference_by_object_gets_a_fix_only_where_it_is_safe(tmp_path: Path):
    project = tmp_path / "project"
    shutil.copytree(SHOP, project)
    path = project / "shop" / "shipping" / "domain" / "model.py"
    original = path.read_text().replace("import Money\n", "import Money, Order\n")
    path.write_text(
        original.replace("    order_id: UUID\n", "    order_id: UUID\n    buyer: Order | None = None\n")
    )
    (finding,) = [f for f in check(load([project])) if f.code == "reference-by-object"]
    assert finding.replacement == "    buyer_id: UUID | None = None"
    # the field is used elsewhere: rewriting its declaration would break that use
    (project / "shop" / "shipping" / "domain" / "report.py").write_text(
        "def who(shipment):\n    return shipment.buyer\n"
    )
    (finding,) = [f for f in check(load([project])) if f.code == "reference-by-object"]
    assert finding.replacement is None
    # `order_id` is taken already: no fix for `order: Order`
    path.write_text(
        original.replace("    order_id: UUID\n", "    order_id: UUID\n    order: Order | None = None\n")
    )
    (finding,) = [f for f in check(load([project])) if f.code == "reference-by-object"]
    assert finding.replacement is None


def test_a_kind_approved_in_the_glossary_decides_and_a_draft_does_not(tmp_path: Path):
    from lsp_server.glossary.store import Glossary

    text = (
        "terms:\n"
        "  - term: 订单行\n    english: order line\n    kind: value_object\n    status: approved\n"
        "  - term: 包裹\n    english: parcel\n    kind: value_object\n"
    )
    glossary = Glossary.parse(text, tmp_path / "glossary.yml")
    model = load([SHOP], glossary=glossary.entries)
    assert model.blocks["OrderLine"].kind == "value_object"
    assert model.blocks["OrderLine"].evidence == ["approved as value object in glossary line 2 (订单行)"]
    assert model.blocks["Parcel"].kind == "entity"  # a draft proposes; only an approved entry decides


def test_the_glossary_refuses_an_unknown_kind(tmp_path: Path):
    from lsp_server.glossary.store import Glossary, GlossaryError

    with pytest.raises(GlossaryError, match="kind must be one of"):
        Glossary.parse("terms:\n  - term: x\n    english: thing\n    kind: gadget\n", tmp_path / "g.yml")


def test_modules_are_named_as_python_names_them_so_absolute_imports_resolve(tmp_path: Path):
    modules = tmp_path / "trytond" / "modules"
    for package in (tmp_path / "trytond", modules, modules / "sale", modules / "stock"):
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
    (modules / "stock" / "move.py").write_text("class Move:\n    id: int\n")
    (modules / "sale" / "sale.py").write_text(
        "from trytond.modules.stock.move import Move\n\n\nclass Sale:\n    id: int\n\n    def ship(self):\n"
        "        return Move()\n"
    )
    model = load([modules])
    assert {(r.source, r.target) for r in model.relations} == {("sale", "stock")}


def test_a_many_to_many_field_refers_by_identity(tmp_path: Path):
    domain = tmp_path / "shop" / "domain"
    domain.mkdir(parents=True)
    (domain / "models.py").write_text(
        "from django.db import models\n\n\nclass Tag(models.Model):\n    name = models.CharField()\n\n"
        "    def rename(self, name):\n        self.name = name\n\n\n"
        "class Product(models.Model):\n    tags = models.ManyToManyField(Tag)\n\n"
        "    def tag(self, tag):\n        self.tags.add(tag)\n"
    )
    assert [f.code for f in check(load([tmp_path])) if f.code == "reference-by-object"] == []


def test_an_approved_context_in_the_glossary_places_the_class(tmp_path: Path):
    from lsp_server.glossary.store import Glossary

    text = "terms:\n  - term: 包裹\n    english: parcel\n    context: logistics\n    status: approved\n"
    model = load([SHOP], glossary=Glossary.parse(text, tmp_path / "glossary.yml").entries)
    assert model.blocks["Parcel"].context == "logistics" and model.context_of("Parcel") == "logistics"
    assert "context logistics in the glossary" in model.blocks["Parcel"].evidence
    assert model.blocks["Parcel"].kind == "entity"  # the kind still comes from the code
    contexts = {c["name"]: c for c in model.to_dict()["contexts"]}
    assert [c["name"] for c in contexts["logistics"]["classes"]] == ["Parcel"]
