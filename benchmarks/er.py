"""ER model extraction: precision and recall on real model code nobody here wrote.

(a) For each project under tests/data/er/real (Django's contrib models, Flask-AppBuilder's
SQLAlchemy models, pip's dataclasses, and the SQLite DDL Django generates for its contrib apps),
the static extractor's entities, attributes and relationships are compared with the ground truth
the libraries themselves produced (`expected.json`, written by the scripts in `oracles/`; for the
DDL, SQLite itself, which runs the file and reads back its tables and keys). A fact counts only
if every detail matches: an attribute with its key, nullability, uniqueness, foreign key and
column; a relationship with both ends, its cardinality and its field or columns.

    python benchmarks/er.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from lsp_server.datamodel import ERModel, Relationship, extract

REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "er" / "real"
KINDS = ("entities", "attributes", "relationships")

# kind → (the ground truth's facts, the extractor's facts)
Facts = dict[str, tuple[set, set]]


def _truth(project: str) -> dict:
    return json.loads((REAL / project / "expected.json").read_text(encoding="utf-8"))


def _class_facts(
    project: str, model: ERModel, detail: Callable[[Relationship], object], key: Callable[..., tuple] = tuple
) -> Facts:
    """Entities with their tables; attributes with keys, nullability, uniqueness and columns;
    relationships as `key(end_a, cardinality, end_b, detail)`, the way the truth lists them."""
    truth = _truth(project)
    return {
        "entities": (
            {(n, e["table"]) for n, e in truth["entities"].items()},
            {(e.name, e.table) for e in model.entities},
        ),
        "attributes": (
            {
                (n, a, v["pk"], v["nullable"], v["unique"], v["fk"], v["column"])
                for n, e in truth["entities"].items()
                for a, v in e["attributes"].items()
            },
            {
                (e.name, a.name, a.pk, a.nullable, a.unique, a.fk.entity if a.fk else None, a.column_name)
                for e in model.entities
                for a in e.attributes
            },
        ),
        "relationships": (
            {key(r) for r in truth["relationships"]},
            {key((r.from_entity, r.cardinality, r.to_entity, detail(r))) for r in model.relationships},
        ),
    }


def django(model: ERModel) -> Facts:
    """Django's `_meta`: a relationship by its ends and the field that declares it."""
    return _class_facts("django", model, lambda r: r.from_field if r.cardinality == "N:M" else r.to_field)


def _sqlalchemy_key(relationship: tuple) -> tuple:
    end_a, cardinality, end_b, detail = relationship
    if cardinality == "N:M":  # SQLAlchemy lists a backref'd many-to-many from both sides
        return ("N:M", frozenset((end_a, end_b)), detail)
    return (end_a, cardinality, end_b, tuple(detail))


def flask_appbuilder(model: ERModel) -> Facts:
    """SQLAlchemy's mappers: a 1:N by its foreign key columns, an N:M by its association table."""
    return _class_facts(
        "flask_appbuilder",
        model,
        lambda r: r.through if r.cardinality == "N:M" else r.to_columns,
        _sqlalchemy_key,
    )


def pip(model: ERModel) -> Facts:
    """Dataclasses: attributes in order, and references from a field to another dataclass."""
    truth = _truth("pip")
    references = set()
    for r in model.relationships:
        if r.to_field:  # the field holding the reference is on the `to` side of a 1:N
            references.add((r.to_entity, r.to_field, r.from_entity))
        if r.from_field:
            references.add((r.from_entity, r.from_field, r.to_entity))
    return {
        "entities": (set(truth["entities"]), {e.name for e in model.entities}),
        "attributes": (
            {(n, i, a) for n, e in truth["entities"].items() for i, a in enumerate(e["attributes"])},
            {(e.name, i, a.name) for e in model.entities for i, a in enumerate(e.attributes)},
        ),
        "relationships": ({tuple(r) for r in truth["references"]}, references),
    }


def django_sqlite(model: ERModel) -> Facts:
    """SQLite is the ground truth: run the DDL, then read its tables, columns and keys back."""
    connection = sqlite3.connect(":memory:")
    connection.executescript((REAL / "django_sqlite" / "schema.sql").read_text(encoding="utf-8"))
    tables = [
        t
        for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if t != "sqlite_sequence"
    ]
    return {
        "entities": (set(tables), {e.name for e in model.entities}),
        "attributes": (
            {
                (t, r[1], bool(r[5]), not r[3])
                for t in tables
                for r in connection.execute(f'PRAGMA table_info("{t}")')
            },
            {(e.name, a.name, a.pk, a.nullable) for e in model.entities for a in e.attributes},
        ),
        "relationships": (
            {
                (t, r[2], r[3], r[4])
                for t in tables
                for r in connection.execute(f'PRAGMA foreign_key_list("{t}")')
            },
            {
                (r.to_entity, r.from_entity, column, referenced)
                for r in model.relationships
                for column, referenced in zip(r.to_columns, r.from_columns, strict=True)
            },
        ),
    }


PROJECTS: dict[str, Callable[[ERModel], Facts]] = {
    "django": django,
    "flask_appbuilder": flask_appbuilder,
    "pip": pip,
    "django_sqlite": django_sqlite,
}


def score(truth: set, found: set) -> dict:
    hits = len(truth & found)
    return {
        "truth": len(truth),
        "found": len(found),
        "correct": hits,
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
        "missing": sorted(map(str, truth - found)),
        "extra": sorted(map(str, found - truth)),
    }


def extraction(projects: Iterable[str]) -> list[dict]:
    """Part (a): per project, the precision and recall of each kind of fact, and any warnings."""
    results = []
    for name in projects:
        start = time.monotonic()
        model = extract([REAL / name])
        seconds = time.monotonic() - start
        results.append(
            {
                "project": name,
                "seconds": round(seconds, 3),
                "scores": {
                    kind: score(truth, found) for kind, (truth, found) in PROJECTS[name](model).items()
                },
                "warnings": [str(w) for w in model.warnings],
            }
        )
    return results


def totals(results: list[dict]) -> dict[str, dict]:
    """Micro-averaged over the projects: every fact weighs the same."""
    out = {}
    for kind in KINDS:
        truth, found, correct = (
            sum(r["scores"][kind][k] for r in results) for k in ("truth", "found", "correct")
        )
        out[kind] = {
            "truth": truth,
            "found": found,
            "correct": correct,
            "precision": correct / found if found else 1.0,
            "recall": correct / truth if truth else 1.0,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", nargs="+", choices=list(PROJECTS), default=list(PROJECTS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = extraction(args.projects)
    summary = totals(results)
    if args.json:
        print(json.dumps({"extraction": results, "totals": summary}, indent=2, ensure_ascii=False))
        return
    print("(a) extraction on real code: precision and recall against the libraries' own ground truth")
    print(
        f"{'project':18} {'kind':14} {'truth':>6} {'found':>6} {'correct':>7} {'precision':>9} {'recall':>7}"
    )
    rows = [(r["project"], kind, s) for r in results for kind, s in r["scores"].items()]
    for project, kind, s in [*rows, *(("all", kind, s) for kind, s in summary.items())]:
        print(
            f"{project:18} {kind:14} {s['truth']:>6} {s['found']:>6} {s['correct']:>7} "
            f"{s['precision']:>9.1%} {s['recall']:>7.1%}"
        )
    for project, kind, s in rows:
        for label in ("missing", "extra"):
            for fact in s[label]:
                print(f"  {project} {kind} {label}: {fact}")
    for r in results:
        for warning in r["warnings"]:
            print(f"  {r['project']} warning: {warning}")
    print("extraction time: " + ", ".join(f"{r['project']} {r['seconds'] * 1000:.0f} ms" for r in results))


if __name__ == "__main__":
    main()
