"""Reading an ER model from requirement text, without a model: sentences and their places, the
checks every answer goes through (entities the text names, attributes stated beside their entity,
relationships only among the entities found), identifiers by rule, and the merge with code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcInvalidParams

from lsp_server.cli.er import read_requirements
from lsp_server.datamodel import ERModel, Source, extract_sources, merge_into, read_text
from lsp_server.datamodel.from_text import language_of, mentions, split_sentences
from lsp_server.engine.backend import Backend, ChatMessage, Completion, CompletionRequest, ModelInfo
from lsp_server.errors import InputError, ModelError
from lsp_server.features.er_model import _requirements
from lsp_server.glossary.store import Glossary

ZH = "客户可以下多个订单，客户有姓名和电话。\n订单有订单编号和下单日期。"
EN = "Customers place orders. A customer has a name and an email.\nEach order has a date."


class Scripted(Backend):
    """Answers each step from a script: the entities, the attributes per entity, the relationships."""

    def __init__(
        self, entities: list[dict], attributes: dict[str, list[dict]], relationships: list[dict]
    ) -> None:
        self.entities, self.attributes, self.relationships = entities, attributes, relationships
        self.schemas: list[dict[str, Any]] = []
        self.prompts: list[str] = []

    def info(self) -> ModelInfo:
        return ModelInfo("scripted", "", "test", "none", 4096, None, False, 1, 1)

    def complete(self, request: CompletionRequest, cancel=None, on_text=None) -> Completion:
        raise NotImplementedError

    def chat(self, messages: Sequence[ChatMessage], *, json_schema=None, **_: Any) -> Completion:
        self.schemas.append(json_schema)
        prompt = messages[-1].content
        self.prompts.append(prompt)
        key = next(iter(json_schema["properties"]))
        if key == "entities":
            answer = self.entities
        elif key == "attributes":
            entity = prompt.split("Entity: ", 1)[1].split(" (", 1)[0]
            answer = self.attributes.get(entity, [])
        else:
            answer = self.relationships
        return Completion(json.dumps({key: answer}, ensure_ascii=False), "eos")

    def count_tokens(self, text: str) -> int:
        return len(text) // 3 + 1

    def close(self) -> None:
        pass


def entity(name: str, english: str, sentence: int = 1) -> dict:
    return {"name": name, "english": english, "description": f"a {english}", "sentence": sentence}


def attribute(name: str, english: str, kind: str = "string", sentence: int = 1) -> dict:
    return {"name": name, "english": english, "type": kind, "sentence": sentence}


def relationship(start: str, end: str, cardinality: str = "1:N", sentence: int = 1) -> dict:
    return {"from": start, "to": end, "cardinality": cardinality, "sentence": sentence}


def test_sentences_of_prose_lists_and_chinese():
    text = (
        "# Shop\n\nCustomers have a name. They buy\nmany things!\n"
        "- Orders have a date.\n1. 订单有编号。订单有日期。\n"
    )
    found = [(s.number, s.text, s.line, s.column) for s in split_sentences(text)]
    assert found == [
        (1, "Shop", 1, 3),
        (2, "Customers have a name.", 3, 1),
        (3, "They buy many things!", 3, 24),
        (4, "Orders have a date.", 5, 3),
        (5, "订单有编号。", 6, 4),
        (6, "订单有日期。", 6, 10),
    ]
    assert split_sentences("   \n\n") == []


def test_language_and_mentions():
    assert language_of(ZH) == "zh" and language_of(EN) == "en"
    assert mentions("Customers place orders.", "customer", ("customer",))
    assert mentions("客户有姓名和电话。", "姓名", ("name",))
    assert not mentions("A username is kept.", "name", ("name",))  # whole words only
    assert mentions("Each order line records the quantity.", "", ("order", "lines"))


class CutOff(Scripted):
    """Cuts the answers of the steps named in `cut` short by that many characters, as the token
    limit does."""

    def __init__(self, *script: Any, cut: dict[str, int]) -> None:
        super().__init__(*script)
        self.cut = cut

    def chat(self, messages: Sequence[ChatMessage], **options: Any) -> Completion:
        answer = super().chat(messages, **options)
        cut = self.cut.get(next(iter(options["json_schema"]["properties"])), 0)
        return Completion(answer.text[: len(answer.text) - cut], "length") if cut else answer


def test_an_answer_cut_off_keeps_its_whole_items():
    script = (
        [entity("customer", "customer"), entity("order", "order", 2), entity("date", "date", 2)],
        {"customer": [attribute("name", "name")]},
        [relationship("Customer", "Order")],
    )
    assert [e.name for e in read_text(Scripted(*script), EN).entities] == ["Customer", "Order", "Date"]
    model = read_text(CutOff(*script, cut={"entities": 8, "attributes": 1000}), EN)
    assert [e.name for e in model.entities] == ["Customer", "Order"]  # the date was cut off
    assert [r.from_entity for r in model.relationships] == ["Customer"]
    assert [e.attributes for e in model.entities] == [[], []]
    assert [w.code for w in model.warnings] == ["internal-error", "internal-error"]
    assert model.warnings[0].message.startswith(
        "attributes of Customer: the model's list of attributes is not complete JSON (length)"
    )
    with pytest.raises(ModelError, match="list of entities is not complete JSON"):
        read_text(CutOff(*script, cut={"entities": 1000}), EN)


def test_chinese_text_gets_english_identifiers_and_every_fact_is_a_suggestion():
    backend = Scripted(
        [entity("客户", "client"), entity("订单", "order", 2), entity("读者", "reader")],
        {
            "客户": [
                attribute("姓名", "full name"),
                attribute("电话", "phone"),
                attribute("订单编号", "order number"),
            ],
            "订单": [
                attribute("订单编号", "order number", sentence=2),
                attribute("下单日期", "order date", "date", 2),
            ],
        },
        [
            relationship("Customer", "Order"),
            relationship("Order", "Customer"),
            relationship("Order", "Order"),
        ],
    )
    glossary = Glossary.parse(
        "terms:\n  - term: 客户\n    english: customer\n    avoid: [client]\n", Path("g.yml")
    )
    model = read_text(backend, ZH, "needs.txt", glossary=glossary.index)
    # 客户 is the glossary's "customer" (not the model's "client"); 读者 is not in the text at all.
    assert [e.name for e in model.entities] == ["Customer", "Order"]
    customer, order = model.entities
    assert [(a.name, a.type, a.description) for a in customer.attributes] == [
        ("full_name", "string", "姓名"),
        ("phone", "string", "电话"),
    ]  # 订单编号 is never said of a customer
    assert [(a.name, a.type) for a in order.attributes] == [
        ("order_number", "string"),
        ("order_date", "date"),
    ]
    assert customer.kind == "text" and customer.description == "客户: a client"
    assert customer.evidence == "客户可以下多个订单，客户有姓名和电话。" and customer.location.line == 1
    assert (
        order.attributes[1].evidence == "订单有订单编号和下单日期。"
        and order.attributes[1].location.line == 2
    )
    # One relationship per pair (the first stated wins); an entity linked to itself is an echo.
    (rel,) = model.relationships
    assert (rel.from_entity, rel.cardinality, rel.to_entity) == ("Customer", "1:N", "Order")
    assert not rel.declared and rel.evidence.startswith("客户可以下多个订单")
    assert (rel.from_field, rel.to_field) == ("orders", "customer")
    # Step 3 could only name the entities found: the schema lists them.
    relationship_items = backend.schemas[-1]["properties"]["relationships"]["items"]["properties"]
    assert relationship_items["from"] == relationship_items["to"] == {"enum": ["Customer", "Order"]}


def test_navigation_names_are_english_plurals():
    """`Team.people`, not `Team.persons`: plurals come from an inflection library, not suffix rules."""
    backend = Scripted(
        [
            entity("team", "team"),
            entity("people", "person"),
            entity("addresses", "address"),
            entity("categories", "category", 2),
            entity("statuses", "status", 2),
        ],
        {},
        [
            relationship("Team", "Person"),
            relationship("Person", "Address"),
            relationship("Person", "Category", "N:M", 2),
            relationship("Category", "Status", "1:N", 2),
        ],
    )
    text = (
        "A team has many people, and each person has several addresses.\n"
        "People choose categories; each category has statuses."
    )
    model = read_text(backend, text, "needs.md")
    assert [(r.from_entity, r.to_entity, r.from_field, r.to_field) for r in model.relationships] == [
        ("Team", "Person", "people", "team"),
        ("Person", "Address", "addresses", "person"),
        ("Person", "Category", "categories", "people"),
        ("Category", "Status", "statuses", "category"),
    ]


def test_relationships_naming_no_entity_found_are_dropped_with_a_warning():
    backend = Scripted(
        [entity("customers", "customer"), entity("orders", "order")],
        {},
        [relationship("Customer", "Invoice"), relationship("Customer", "Order", "N:M")],
    )
    model = read_text(backend, EN, "needs.md")
    assert [(r.from_entity, r.cardinality, r.to_entity) for r in model.relationships] == [
        ("Customer", "N:M", "Order")
    ]
    assert [w.code for w in model.warnings] == ["unresolved-reference"]
    assert model.warnings[0].location.path == "needs.md"


def test_english_words_of_the_text_and_properties_that_are_not_entities():
    backend = Scripted(
        [
            entity("customers", "customer"),
            entity("customer name", "customer name"),
            entity("orders", "order"),
        ],
        {
            "customers": [
                attribute("name", "name"),
                attribute("email", "email address"),
                attribute("date", "date"),
            ]
        },
        [],
    )
    model = read_text(backend, EN, "needs.md")
    assert [e.name for e in model.entities] == ["Customer", "Order"]  # "customer name" is an attribute
    assert [a.name for a in model.entities[0].attributes] == [
        "name",
        "email",
    ]  # the text's word, not "email address"


def test_no_entities_is_a_model_error():
    with pytest.raises(ModelError, match="no entities"):
        read_text(Scripted([], {}, []), EN)
    assert read_text(Scripted([], {}, []), "  \n").warnings[0].message == "the text has no sentences"


def test_a_long_text_is_read_in_chunks_and_merged():
    text = " ".join(f"Customer number {i} places orders." for i in range(400))
    backend = Scripted(
        [entity("customer", "customer"), entity("orders", "order")], {}, [relationship("Customer", "Order")]
    )
    model = read_text(backend, text)
    entity_prompts = [
        p for p, s in zip(backend.prompts, backend.schemas, strict=True) if "entities" in s["properties"]
    ]
    assert len(entity_prompts) > 1
    assert [e.name for e in model.entities] == ["Customer", "Order"] and len(model.relationships) == 1


def test_text_facts_merge_into_the_code_model():
    code = extract_sources([Source("schema.sql", "CREATE TABLE customers (id INT PRIMARY KEY, name TEXT);")])
    backend = Scripted(
        [entity("customers", "customer"), entity("orders", "order")], {}, [relationship("Customer", "Order")]
    )
    merged = merge_into(code, read_text(backend, EN))
    assert [(e.name, e.kind) for e in merged.entities] == [("customers", "table"), ("Order", "text")]
    assert [(r.from_entity, r.to_entity, r.declared) for r in merged.relationships] == [
        ("customers", "Order", False)
    ]
    assert (
        code.entities[0].attributes[1].name == "name" and len(code.entities) == 1
    )  # the code's model is untouched
    assert isinstance(merged, ERModel)


def test_a_property_listed_as_an_entity_becomes_its_owners_attribute():
    text = "每个学生属于一个班级，学生有学号、姓名和出生日期。"
    backend = Scripted(
        [
            entity("学生", "student"),
            entity("班级", "class"),
            entity("学号", "student number"),
            entity("出生日期", "student birth date"),
            entity("班级", "class line"),  # "line" does not make a property
        ],
        {
            "学生": [
                attribute("姓名", "name"),
                attribute("学号", "student number"),  # the same attribute again
                attribute("班级", "student class"),  # a link to Class, not an attribute
                attribute("出生日期", "birth date"),
            ]
        },
        [],
    )
    model = read_text(backend, text)
    assert [e.name for e in model.entities] == ["Student", "Class", "ClassLine"]
    student = model.entities[0]
    assert [(a.name, a.type, a.description) for a in student.attributes] == [
        ("number", "string", "学号"),
        ("birth_date", "date", "出生日期"),
        ("name", "string", "姓名"),
    ]
    assert sum(1 for s in backend.schemas if "attributes" in s["properties"]) == 3  # none for the properties


def test_a_gbk_requirement_file_reads_the_same_on_the_command_line_and_in_the_editor(tmp_path):
    """Chinese teams write GBK: `ubiq er --from-text` and `ubiq.erModel` with "fromText" read the
    file the one way users' files are read (UTF-8, else GB18030), so it works in both."""
    path = tmp_path / "needs.txt"
    path.write_bytes(ZH.encode("gbk"))
    assert read_requirements(path) == _requirements(path, {}) == ZH
    backend = Scripted([entity("客户", "customer"), entity("订单", "order", 2)], {}, [])
    model = read_text(backend, read_requirements(path), str(path))
    assert [e.name for e in model.entities] == ["Customer", "Order"]
    assert model.entities[0].location.path == str(path)

    path.write_bytes("Café au lait\n".encode("latin-1"))  # neither: one clear error naming the file
    with pytest.raises(InputError, match="neither UTF-8 nor GB18030") as cli:
        read_requirements(path)
    with pytest.raises(JsonRpcInvalidParams) as editor:
        _requirements(path, {})
    assert str(path) in str(cli.value) and f"fromText: {cli.value}" in editor.value.message
