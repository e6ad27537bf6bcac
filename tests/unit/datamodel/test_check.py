"""The read-back parsers: they accept the formats' documented examples and reject broken text."""

from __future__ import annotations

import pytest

from tests.oracle.dbml import parse_dbml
from tests.oracle.diagram import ONE, ONE_OR_MORE, ZERO_OR_MORE, ZERO_OR_ONE, DiagramSyntaxError
from tests.oracle.mermaid import parse_mermaid
from tests.oracle.plantuml import parse_plantuml
from tests.oracle.roundtrip import relationship_key


def test_mermaid_documented_example():
    diagram = parse_mermaid("""erDiagram
    direction LR
    CUSTOMER ||--o{ ORDER : places
    ORDER ||--|{ LINE-ITEM : contains
    CUSTOMER }|..|{ DELIVERY-ADDRESS : uses
    CAR {
        string registrationNumber PK
        string make
        int year
        string[] parts
        string model "the model, not the make"
        string driver_id FK, UK
    }
    p[Person] {
        string firstName
    }
""")
    assert list(diagram.entities) == ["CUSTOMER", "ORDER", "LINE-ITEM", "DELIVERY-ADDRESS", "CAR", "p"]
    car = diagram.entities["CAR"]
    assert (car[0].name, car[0].keys) == ("registrationNumber", ("PK",))
    assert car[4].comment == "the model, not the make"
    assert car[5].keys == ("FK", "UK")
    rel = diagram.relationships[1]
    assert (rel.left, rel.left_cardinality, rel.right_cardinality, rel.right) == (
        "ORDER",
        ONE,
        ONE_OR_MORE,
        "LINE-ITEM",
    )
    assert relationship_key(diagram.relationships[0]) == ("1:N", "CUSTOMER", "ORDER")


@pytest.mark.parametrize(
    "text",
    [
        "erdiagrm\n A\n",  # no header
        "erDiagram\n    A ||--o{ B\n",  # a relationship needs a label
        "erDiagram\n    A {\n        string\n    }\n",  # an attribute needs a name
        'erDiagram\n    Onetime ||--o{ B : "x"\n',  # `one…` lexes as a cardinality
        "erDiagram\n    A {\n        int pk\n    }\n",  # `pk` lexes as a key marker
        "erDiagram\n    A {\n        int id\n",  # unclosed block
        'erDiagram\n    "" ||--o{ B : "x"\n',  # an empty quoted name
    ],
)
def test_mermaid_rejects(text):
    with pytest.raises(DiagramSyntaxError):
        parse_mermaid(text)


def test_dbml_documented_example():
    """Read by pydbml, which takes one statement a line and resolves every reference, so the
    referenced tables are declared too."""
    diagram = parse_dbml("""
Project shop { database_type: 'PostgreSQL' }
Enum status {
  active
  inactive [note: 'gone']
}
Table users as U {
  id integer [pk, increment] // auto-increment
  "full name" varchar(100) [not null, note: 'it\\'s a name']
  country_code int [ref: > countries.code]
  Note: 'Stores users'
}
Table countries {
  code int [pk]
}
Table merchant_periods {
  merchant_id int
  country_code int
  start timestamp
  indexes {
    (merchant_id, country_code) [pk]
    start
  }
}
Table merchants {
  id int
  country_code int
}
Table posts {
  user_id int
}
Table tags {
  id int
}
Table profiles {
  user_id int
}
Ref fk_name: merchant_periods.(merchant_id, country_code) > merchants.(id, country_code)
Ref { users.id < posts.user_id [delete: cascade] }
Ref: users.id <> tags.id
Ref: profiles.user_id - users.id
""")
    assert list(diagram.entities) == [
        "users",
        "countries",
        "merchant_periods",
        "merchants",
        "posts",
        "tags",
        "profiles",
    ]
    users = diagram.entities["users"]
    assert (users[1].name, users[1].nullable, users[1].comment) == ("full name", False, "it's a name")
    assert [a.keys for a in diagram.entities["merchant_periods"]] == [("PK",), ("PK",), ()]
    assert diagram.notes["users"] == "Stores users"
    keys = [relationship_key(r) for r in diagram.relationships]
    assert keys == [
        ("1:N", "countries", "users"),
        ("1:N", "merchants", "merchant_periods"),
        ("1:N", "users", "posts"),
        ("N:M", "tags", "users"),
        ("1:1", "profiles", "users"),
    ]
    assert diagram.relationships[1].right_columns == ("merchant_id", "country_code")


@pytest.mark.parametrize(
    "text",
    [
        "Table users {\n  id int [pk\n}\n",  # unclosed settings
        "Table users {\n  id\n}\n",  # a column needs a type
        "Tabel users {\n}\n",  # unknown statement
        "Ref: users > posts.id\n",  # an endpoint needs a column
        "Table t {\n  id int [pk] extra\n}\n",  # junk after the settings
        "Table users {\n  id int [pk]\n}\nRef: users.id < posts.user_id\n",  # an undeclared table
        "Table users {\n  id int [pk]\n}\nRef: users.id < users.parent_id\n",  # an undeclared column
    ],
)
def test_dbml_rejects(text):
    with pytest.raises(DiagramSyntaxError):
        parse_dbml(text)


def test_plantuml_reads_entities_and_crows_feet():
    diagram = parse_plantuml("""@startuml
hide circle
entity "Order Line" as OL {
  * id : int <<PK>>
  --
  * order_id : int <<FK>>
  note : text -- a remark
}
entity Order {
  * id : int <<PK>>
}
Order ||..|{ OL : lines
@enduml
""")
    assert list(diagram.entities) == ["Order Line", "Order"]
    line = diagram.entities["Order Line"]
    assert [(a.name, a.keys, a.nullable) for a in line] == [
        ("id", ("PK",), False),
        ("order_id", ("FK",), False),
        ("note", (), True),
    ]
    assert line[2].comment == "a remark"
    rel = diagram.relationships[0]
    assert (rel.left, rel.right, rel.left_cardinality, rel.right_cardinality, rel.label) == (
        "Order",
        "Order Line",
        ONE,
        ONE_OR_MORE,
        "lines",
    )


@pytest.mark.parametrize(
    "text",
    [
        "entity A {\n}\n@enduml\n",  # no @startuml
        "@startuml\nentity A {\n  id : int\n",  # unclosed, no @enduml
        "@startuml\nA ||--o{ B\n@enduml\n",  # undeclared entities
        "@startuml\nentity A {\n  just words\n}\n@enduml\n",  # not an attribute line
    ],
)
def test_plantuml_rejects(text):
    with pytest.raises(DiagramSyntaxError):
        parse_plantuml(text)


def test_relationship_keys_do_not_depend_on_the_writing_order():
    a = parse_mermaid('erDiagram\n    A }o--|| B : "x"\n').relationships[0]
    b = parse_mermaid('erDiagram\n    B ||--o{ A : "x"\n').relationships[0]
    assert relationship_key(a) == relationship_key(b) == ("1:N", "B", "A")
    assert (a.left_cardinality, a.right_cardinality) == (ZERO_OR_MORE, ONE)
    assert parse_mermaid('erDiagram\n    A |o--o| B : "x"\n').relationships[0].left_cardinality == ZERO_OR_ONE
