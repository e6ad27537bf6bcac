"""Suggestions by rule (no model): undeclared foreign keys and many-to-manys, glossary renames;
they stay beside the model, never in it, and every rendering draws them apart from the facts."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lsp_server.datamodel import (
    MANY_TO_MANY,
    ONE_TO_MANY,
    ONE_TO_ONE,
    ERModel,
    Source,
    Suggestion,
    extract,
    extract_sources,
    render,
    suggest,
)
from lsp_server.datamodel.suggest import FOREIGN_KEY, JUNCTION, RENAME
from lsp_server.glossary.store import Glossary
from tests.oracle.roundtrip import roundtrip_problems
from tests.unit.datamodel.conftest import DATA, PROJECTS

GLOSSARY = """terms:
  - term: 客户
    english: customer
    avoid: [client, cust]
"""


def sql(text: str) -> ERModel:
    return extract_sources([Source("schema.sql", text)])


def keys(suggestions: list[Suggestion]) -> set[tuple]:
    """(kind, from, cardinality, to, to_columns, through) of each suggested relationship."""
    return {
        (s.kind, r.from_entity, r.cardinality, r.to_entity, tuple(r.to_columns), r.through)
        for s in suggestions
        if (r := s.relationship) is not None
    }


def test_an_integer_customer_id_beside_customer_is_a_suggested_foreign_key():
    model = extract([DATA / "sql" / "no_fk.sql"])
    before = copy.deepcopy(model.to_dict())
    found = suggest(model)
    assert keys(found) == {(FOREIGN_KEY, "customer", ONE_TO_MANY, "invoice", ("customer_id",), None)}
    (fk,) = found
    assert fk.evidence == (
        "column customer_id (integer) and entity customer (pk id integer): the name matches its entity name"
    )
    assert fk.relationship is not None and not fk.relationship.declared
    assert fk.relationship.from_columns == ["id"] and not fk.relationship.optional  # NOT NULL
    assert fk.location is not None and fk.location.path.endswith("no_fk.sql") and fk.location.line == 3
    assert fk.source == "rule" and fk.confidence == 1.0
    assert model.to_dict() == before  # the facts stay as extracted


@pytest.mark.parametrize(
    "column,how",
    [
        ("customer_id", "entity name"),
        ("customerId", "entity name"),
        ("CustomerID", "entity name"),
        ("cust_id", "entity name"),  # an abbreviation
        ("customer_uuid", "entity name"),
    ],
)
def test_spellings_of_a_key_column(column: str, how: str):
    model = sql(
        "CREATE TABLE customer (id INT PRIMARY KEY);"
        f'CREATE TABLE orders (id INT PRIMARY KEY, "{column}" INT);'
    )
    (found,) = suggest(model)
    assert found.relationship is not None and found.relationship.from_entity == "customer"
    assert found.relationship.to_columns == [column] and how in found.evidence


def test_an_abbreviation_counts_less_than_the_whole_name():
    model = sql(
        "CREATE TABLE customer (id INT PRIMARY KEY); CREATE TABLE o (id INT PRIMARY KEY, cust_id INT);"
    )
    whole = sql(
        "CREATE TABLE customer (id INT PRIMARY KEY); CREATE TABLE o (id INT PRIMARY KEY, customer_id INT);"
    )
    assert suggest(model)[0].confidence < suggest(whole)[0].confidence


def test_plural_tables_pascal_classes_and_shared_table_prefixes():
    model = sql(
        "CREATE TABLE app_customers (id INT PRIMARY KEY);"
        "CREATE TABLE app_orders (id INT PRIMARY KEY, customer_id INT);"
    )
    assert keys(suggest(model)) == {
        (FOREIGN_KEY, "app_customers", ONE_TO_MANY, "app_orders", ("customer_id",), None)
    }
    classes = extract_sources(
        [
            Source(
                "m.py",
                "from dataclasses import dataclass\n\n"
                "@dataclass\nclass OrderLine:\n    id: int\n\n"
                "@dataclass\nclass Shipment:\n    id: int\n    order_line_id: int\n",
            )
        ]
    )
    assert keys(suggest(classes)) == {
        (FOREIGN_KEY, "OrderLine", ONE_TO_MANY, "Shipment", ("order_line_id",), None)
    }


def test_a_unique_or_primary_key_column_is_one_to_one():
    model = sql(
        "CREATE TABLE users (id INT PRIMARY KEY);"
        "CREATE TABLE profile (id INT PRIMARY KEY, user_id INT UNIQUE);"
        "CREATE TABLE settings (user_id INT PRIMARY KEY, theme TEXT);"
    )
    assert {(k[2], k[3]) for k in keys(suggest(model))} == {(ONE_TO_ONE, "profile"), (ONE_TO_ONE, "settings")}


def test_types_must_fit_the_key():
    model = sql(
        "CREATE TABLE customer (id INT PRIMARY KEY); CREATE TABLE device (id UUID PRIMARY KEY);"
        "CREATE TABLE t (id INT PRIMARY KEY, customer_id VARCHAR(20), device_id UUID, customer_key DATE);"
    )
    assert keys(suggest(model)) == {(FOREIGN_KEY, "device", ONE_TO_MANY, "t", ("device_id",), None)}


def test_no_entity_no_suggestion_and_no_self_reference_by_accident():
    model = sql("CREATE TABLE customer (customer_id INT PRIMARY KEY, object_id INT, api_key VARCHAR(40));")
    assert suggest(model) == []


def test_parent_id_and_role_prefixes():
    model = sql(
        "CREATE TABLE address (id INT PRIMARY KEY);"
        "CREATE TABLE category (id INT PRIMARY KEY, parent_id INT, billing_address_id INT);"
    )
    assert keys(suggest(model)) == {
        (FOREIGN_KEY, "category", ONE_TO_MANY, "category", ("parent_id",), None),
        (FOREIGN_KEY, "address", ONE_TO_MANY, "category", ("billing_address_id",), None),
    }


def test_a_junction_table_is_a_suggested_many_to_many():
    model = sql(
        "CREATE TABLE student (id INT PRIMARY KEY); CREATE TABLE course (id INT PRIMARY KEY);"
        "CREATE TABLE student_course (student_id INT, course_id INT, grade TEXT,"
        " PRIMARY KEY (student_id, course_id));"
    )
    found = suggest(model)
    assert keys(found) == {
        (FOREIGN_KEY, "student", ONE_TO_MANY, "student_course", ("student_id",), None),
        (FOREIGN_KEY, "course", ONE_TO_MANY, "student_course", ("course_id",), None),
        (JUNCTION, "student", MANY_TO_MANY, "course", (), "student_course"),
    }
    junction = next(s for s in found if s.kind == JUNCTION)
    assert "besides grade" in junction.evidence


def test_a_table_with_more_of_its_own_is_no_junction():
    model = sql(
        "CREATE TABLE users (id INT PRIMARY KEY); CREATE TABLE sites (id INT PRIMARY KEY);"
        "CREATE TABLE visit (id INT PRIMARY KEY, user_id INT, site_id INT, at DATE, path TEXT, agent TEXT);"
    )
    assert {s.kind for s in suggest(model)} == {FOREIGN_KEY}


def test_a_tie_is_offered_with_its_alternatives():
    model = sql(
        "CREATE TABLE sales.customer (id INT PRIMARY KEY); CREATE TABLE crm.customer (id INT PRIMARY KEY);"
        "CREATE TABLE billing.invoice (id INT PRIMARY KEY, customer_id INT);"
    )
    (found,) = suggest(model)
    assert "which one is unclear" in found.message and found.confidence == 0.5
    assert {found.relationship.from_entity, *found.alternatives} == {"sales.customer", "crm.customer"}


def test_the_holders_namespace_breaks_a_tie():
    model = sql(
        "CREATE TABLE sales.customer (id INT PRIMARY KEY); CREATE TABLE crm.customer (id INT PRIMARY KEY);"
        "CREATE TABLE sales.invoice (id INT PRIMARY KEY, customer_id INT);"
    )
    (found,) = suggest(model)
    assert found.relationship.from_entity == "sales.customer" and found.alternatives == ["crm.customer"]


@pytest.mark.parametrize("project", [p for p in PROJECTS if p not in ("sql", "broken")])
def test_declared_keys_are_never_suggested_again(models: dict[str, ERModel], project: str):
    assert suggest(models[project]) == []


@pytest.mark.parametrize("project", ["django", "flask_appbuilder", "django_sqlite", "pip"])
def test_real_schemas_as_declared_get_no_suggestions(project: str):
    assert suggest(extract([DATA / "real" / project])) == []


def test_names_the_glossary_forbids_are_suggested_renames():
    index = Glossary.parse(GLOSSARY, Path("glossary.yml")).index
    model = extract_sources(
        [
            Source(
                "m.py",
                "from dataclasses import dataclass\n\n"
                "@dataclass\nclass Client:\n    id: int\n    cust_name: str\n",
            )
        ]
    )
    found = suggest(model, glossary=index)
    renames = {
        (s.rename.entity, s.rename.attribute, s.rename.old, s.rename.new) for s in found if s.kind == RENAME
    }
    assert renames == {
        ("Client", None, "Client", "Customer"),
        ("Client", "cust_name", "cust_name", "customer_name"),
    }
    assert all(s.rename.terms == ["客户"] and s.location is not None for s in found if s.kind == RENAME)
    assert suggest(model) == []  # no glossary, no renames
    tables = sql("CREATE TABLE client_info (id INT PRIMARY KEY);")
    (table,) = suggest(tables, glossary=index)
    assert table.rename.new == "customer_info"  # a table keeps its snake_case


def test_suggestions_round_trip_through_json():
    index = Glossary.parse(GLOSSARY, Path("glossary.yml")).index
    model = sql(
        "CREATE TABLE client (id INT PRIMARY KEY); CREATE TABLE b (id INT PRIMARY KEY); "
        "CREATE TABLE ab (client_id INT, b_id INT);"
    )
    found = suggest(model, glossary=index)
    assert {s.kind for s in found} == {FOREIGN_KEY, JUNCTION, RENAME}
    assert [Suggestion.from_dict(json.loads(json.dumps(s.to_dict()))) for s in found] == found


def with_suggested(model: ERModel, suggestions: list[Suggestion]) -> ERModel:
    """What a diagram with suggestions draws: the facts and the suggested foreign keys."""
    drawn = copy.deepcopy(model)
    drawn.relationships += [s.relationship for s in suggestions if s.kind == FOREIGN_KEY and s.relationship]
    return drawn


@pytest.mark.parametrize("fmt", ["mermaid", "plantuml", "dbml", "ddl"])
@pytest.mark.parametrize("where", [("sql", "no_fk.sql"), ("real", "django_sqlite")])
def test_renderings_with_suggestions_parse_and_keep_them_apart(fmt: str, where: tuple[str, str]):
    model = extract([DATA.joinpath(*where)])
    if where[1] == "django_sqlite":
        model = stripped(model)
    found = suggest(model)
    assert found
    text = render(model, fmt, suggestions=found)
    assert text.startswith(render(model, fmt).rstrip("\n").rsplit("\n@enduml", 1)[0])
    assert "Suggested by Ubiq" in text
    # Diagrams draw suggested keys as lines; schemas only mention them in comments.
    expected = with_suggested(model, found) if fmt in ("mermaid", "plantuml") else model
    assert roundtrip_problems(expected, fmt, text) == []


def test_suggested_lines_are_labelled_and_dashed():
    model = extract([DATA / "sql" / "no_fk.sql"])
    found = suggest(model)
    assert 'customer ||..o{ invoice : "suggested: customer_id"' in render(model, "mermaid", suggestions=found)
    dot = render(model, "dot", suggestions=found)
    assert 'label="suggested: customer_id", style=dashed' in dot
    assert '-- ALTER TABLE "invoice" ADD FOREIGN KEY ("customer_id") REFERENCES "customer" ("id");' in render(
        model, "ddl", suggestions=found
    )
    assert "// Ref: invoice.customer_id > customer.id" in render(model, "dbml", suggestions=found)


def test_json_lists_suggestions_beside_the_model():
    model = extract([DATA / "sql" / "no_fk.sql"])
    data = json.loads(render(model, "json", suggestions=suggest(model)))
    assert {k: v for k, v in data.items() if k != "suggestions"} == model.to_dict()
    assert [s["kind"] for s in data["suggestions"]] == [FOREIGN_KEY]
    assert json.loads(render(model, "json", suggestions=[]))["suggestions"] == []
    assert "suggestions" not in json.loads(render(model, "json"))


def test_mermaid_comments_are_read_as_mermaid_reads_them():
    assert roundtrip_problems(ERModel(), "mermaid", "erDiagram\n    %% a comment\n%% another\n") == []


def stripped(model: ERModel) -> ERModel:
    """The model with its declared foreign keys taken away (benchmark (b)'s starting point)."""
    bare = copy.deepcopy(model)
    for entity in bare.entities:
        for attribute in entity.attributes:
            attribute.fk = None
    bare.relationships = []
    return bare
