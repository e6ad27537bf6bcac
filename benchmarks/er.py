"""ER models: extraction and suggestions measured on real model code nobody here wrote, and the
reading of requirement text on paragraphs annotated by hand.

(a) For each project under tests/data/er/real (Django's contrib models, Flask-AppBuilder's
SQLAlchemy models, pip's dataclasses, and the SQLite DDL Django generates for its contrib apps),
the static extractor's entities, attributes and relationships are compared with the ground truth
the libraries themselves produced (`expected.json`, written by the scripts in `oracles/`; for the
DDL, SQLite itself, which runs the file and reads back its tables and keys). A fact counts only
if every detail matches: an attribute with its key, nullability, uniqueness, foreign key and
column; a relationship with both ends, its cardinality and its field or columns.

(b) The same real schemas with every declared foreign key taken away (each key column left as the
plain integer column it would be without its declaration, every relationship removed): how many
of the keys the rule suggestions recover, with the right target, and how many suggestions are
wrong (recall and precision); likewise for the many-to-manys their association tables stood for.
The ground truth is the declared schema itself; Django's automatic many-to-many tables exist only
in the DDL, where Django names them `<table>_<field>`.

(c) Requirement text → ER model with the chosen model (`--model`, default the default pack) on the
paragraphs in benchmarks/data/er_text (half English, half Chinese), annotated before the system
ever ran on them: precision, recall and F1 of entities, attributes and relationships (strict: ends,
direction and cardinality; loose: the pair of ends). See that folder's README for the rules.

(d) Optional, with `--django-venv PATH` (a virtualenv holding Django, django-oscar,
django-allauth, django-oauth-toolkit and django-organizations, none of it committed here):
extensible third-party Django projects read from that venv's site-packages, against what
Django's own app registry says once the apps are installed
(tests/data/er/real/oracles/django_apps.py, run with that venv's Python): recall and
precision of concrete (non-proxy) models, by `app_label.Model`, and of their relations, by
(model, field, target). Entities of apps the oracle did not install are left out, and so are
the stand-ins for swappable models whose source was not read.

    python benchmarks/er.py [--parts a b c d] [--model PACK] [--django-venv PATH] [--json]
"""

from __future__ import annotations

import argparse
import copy
import json
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from lsp_server.datamodel import MANY_TO_MANY, ERModel, Relationship, extract, suggest
from lsp_server.datamodel.suggest import FOREIGN_KEY, JUNCTION
from lsp_server.glossary.naming import same_words, words_of

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "data" / "er" / "real"
TEXTS = Path(__file__).resolve().parent / "data" / "er_text"
KINDS = ("entities", "attributes", "relationships")
FOREIGN_KEY_TYPES = {"ForeignKey": "IntegerField", "OneToOneField": "IntegerField"}

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


# -- (b) suggestions recovering the foreign keys of a stripped schema --------------------------


def _target(model: ERModel, name: str) -> str | None:
    """The entity a declared key names, by entity name or by table."""
    if model.entity(name) is not None:
        return name
    return next((e.name for e in model.entities if e.table == name), None)


def declared_keys(model: ERModel) -> set[tuple[str, str, str]]:
    """(holder, key column, referenced entity) of every declared foreign key."""
    keys = set()
    for entity in model.entities:
        for attribute in entity.attributes:
            target = _target(model, attribute.fk.entity) if attribute.fk else None
            if target is not None:
                keys.add((entity.name, attribute.column_name, target))
    return keys


def declared_junctions(project: str, model: ERModel) -> set[tuple[str, frozenset[str]]]:
    """(association entity, its two ends) of every many-to-many that has one."""
    if project == "django_sqlite":  # the DDL's truth: the tables Django made for its many-to-manys
        django = extract([REAL / "django"])
        found = set()
        for rel in django.relationships:
            owner, other = django.entity(rel.from_entity), django.entity(rel.to_entity)
            if rel.cardinality == MANY_TO_MANY and owner and other and owner.table and other.table:
                found.add((f"{owner.table}_{rel.from_field}", frozenset((owner.table, other.table))))
        return found
    return {
        (rel.through, frozenset((rel.from_entity, rel.to_entity)))
        for rel in model.relationships
        if rel.cardinality == MANY_TO_MANY and rel.through and model.entity(rel.through) is not None
    }


def strip_foreign_keys(model: ERModel) -> ERModel:
    """The schema as if nobody had declared a key: a key column stays a plain column (a Django
    `ForeignKey` field `user` becomes `user_id = IntegerField()`), and no relationship is left."""
    bare = copy.deepcopy(model)
    for entity in bare.entities:
        for attribute in entity.attributes:
            if attribute.fk is None:
                continue
            attribute.fk = None
            if attribute.type in FOREIGN_KEY_TYPES:
                attribute.name, attribute.column = attribute.column_name, None
                attribute.type = FOREIGN_KEY_TYPES[attribute.type]
    bare.relationships = []
    return bare


def recovery(projects: Iterable[str]) -> list[dict]:
    """Part (b): per project, the declared keys and many-to-manys the suggestions recover."""
    results = []
    for name in projects:
        model = extract([REAL / name])
        start = time.monotonic()
        found = suggest(strip_foreign_keys(model))
        seconds = time.monotonic() - start
        keys = {
            (s.relationship.to_entity, s.relationship.to_columns[0], s.relationship.from_entity)
            for s in found
            if s.kind == FOREIGN_KEY and s.relationship is not None
        }
        junctions = {
            (s.relationship.through, frozenset((s.relationship.from_entity, s.relationship.to_entity)))
            for s in found
            if s.kind == JUNCTION and s.relationship is not None
        }
        results.append(
            {
                "project": name,
                "seconds": round(seconds, 3),
                "scores": {
                    "foreign keys": score(declared_keys(model), keys),
                    "many-to-many": score(declared_junctions(name, model), junctions),
                },
                "as declared": len(suggest(model)),  # suggestions on the untouched schema: false alarms
            }
        )
    return results


# -- (c) requirement text → ER model, against the hand-annotated gold -------------------------


def _names(item: dict) -> list[tuple[str, ...]]:
    return [words_of(n) for n in [item["name"], *item.get("aliases", [])]]


def _matches(name: str, item: dict) -> bool:
    return any(same_words(words_of(name), words) for words in _names(item))


def text_scores(gold: dict, model: ERModel) -> dict[str, dict]:
    """Entities, attributes and relationships of one paragraph. A gold fact marked optional counts
    as correct when found and is not missed when absent."""
    mapping: dict[str, str] = {}  # system entity → gold entity
    for entity in model.entities:
        hit = next((g["name"] for g in gold["entities"] if _matches(entity.name, g)), None)
        if hit is not None and hit not in mapping.values():
            mapping[entity.name] = hit
    results = {}

    def tally(kind: str, required: set, optional: set, found: set, correct: set) -> None:
        truth = required | (optional & correct)
        results[kind] = {"truth": len(truth), "found": len(found), "correct": len(correct & truth)}
        results[kind]["missing"] = sorted(map(str, required - correct))
        results[kind]["extra"] = sorted(map(str, found - correct))

    tally(
        "entities",
        {g["name"] for g in gold["entities"] if not g.get("optional")},
        {g["name"] for g in gold["entities"] if g.get("optional")},
        {mapping.get(e.name, e.name) for e in model.entities},
        set(mapping.values()),
    )
    found_attributes, correct_attributes = set(), set()
    for entity in model.entities:
        for attribute in entity.attributes:
            owner = mapping.get(entity.name, entity.name)
            hit = next(
                (a for a in gold["attributes"] if a["entity"] == owner and _matches(attribute.name, a)), None
            )
            fact = (owner, hit["name"] if hit else attribute.name)
            found_attributes.add(fact)
            if hit is not None:
                correct_attributes.add(fact)
    tally(
        "attributes",
        {(a["entity"], a["name"]) for a in gold["attributes"] if not a.get("optional")},
        {(a["entity"], a["name"]) for a in gold["attributes"] if a.get("optional")},
        found_attributes,
        correct_attributes,
    )
    for kind, key in (("relationships", _strict), ("pairs", _loose)):
        gold_keys = {
            key(r["from"], r["cardinality"], r["to"]): r.get("optional", False) for r in gold["relationships"]
        }
        found = {
            key(
                mapping.get(r.from_entity, r.from_entity),
                r.cardinality,
                mapping.get(r.to_entity, r.to_entity),
            )
            for r in model.relationships
        }
        tally(
            kind,
            {k for k, optional in gold_keys.items() if not optional},
            {k for k, optional in gold_keys.items() if optional},
            found,
            found & set(gold_keys),
        )
    return results


def _strict(start: str, cardinality: str, end: str) -> tuple:
    """Ends, direction and cardinality; a 1:1 or N:M reads the same both ways."""
    if cardinality == "1:N":
        return (start, "1:N", end)
    return (cardinality, frozenset((start, end)))


def _loose(start: str, cardinality: str, end: str) -> tuple:
    return ("linked", frozenset((start, end)))


def text_to_er(model_name: str, only: list[str] | None = None) -> dict:
    """Part (c): every annotated paragraph read by the model, scored against its gold."""
    from lsp_server.config import Settings
    from lsp_server.datamodel import read_text
    from lsp_server.engine import load_backend

    settings = Settings()
    settings.model.path = model_name
    rows = []
    with load_backend(settings) as backend:
        info = backend.info()
        for path in sorted(TEXTS.glob("*.txt")):
            name = path.name.removesuffix(".txt")
            if only and name not in only:
                continue
            gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            start = time.monotonic()
            model = read_text(backend, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
            seconds = time.monotonic() - start
            rows.append(
                {
                    "paragraph": name,
                    "language": name.rsplit(".", 1)[-1],
                    "seconds": round(seconds, 1),
                    "scores": text_scores(gold, model),
                    "entities": [e.name for e in model.entities],
                }
            )
    return {"model": info.name, "paragraphs": rows}


def f1(s: dict) -> dict:
    precision = s["correct"] / s["found"] if s["found"] else 1.0
    recall = s["correct"] / s["truth"] if s["truth"] else 1.0
    both = precision + recall
    return {
        **s,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / both if both else 0.0,
    }


def text_totals(rows: list[dict]) -> dict[str, dict[str, dict]]:
    """Micro-averaged per language and overall."""
    out: dict[str, dict[str, dict]] = {}
    for group in ("en", "zh", "all"):
        chosen = [r for r in rows if group in ("all", r["language"])]
        if not chosen:
            continue
        out[group] = {
            kind: f1({k: sum(r["scores"][kind][k] for r in chosen) for k in ("truth", "found", "correct")})
            for kind in ("entities", "attributes", "relationships", "pairs")
        }
    return out


HEADER = (
    f"{'':18} {'kind':14} {'truth':>6} {'found':>6} {'correct':>7} {'precision':>9} {'recall':>7} {'F1':>6}"
)


def _table(rows: Iterable[tuple[str, str, dict]]) -> None:
    """One line per (name, kind, counts): the counts, precision, recall and F1."""
    print(HEADER)
    for name, kind, counts in rows:
        s = f1(counts)
        print(
            f"{name:18} {kind:14} {s['truth']:>6} {s['found']:>6} {s['correct']:>7} "
            f"{s['precision']:>9.1%} {s['recall']:>7.1%} {s['f1']:>6.2f}"
        )


def _differences(rows: Iterable[tuple[str, str, dict]]) -> None:
    for name, kind, s in rows:
        for label in ("missing", "extra"):
            for fact in s[label]:
                print(f"  {name} {kind} {label}: {fact}")


def _print_extraction(results: list[dict]) -> None:
    print("(a) extraction on real code: precision and recall against the libraries' own ground truth")
    rows = [(r["project"], kind, s) for r in results for kind, s in r["scores"].items()]
    _table([*rows, *(("all", kind, s) for kind, s in totals(results).items())])
    _differences(rows)
    for r in results:
        for warning in r["warnings"]:
            print(f"  {r['project']} warning: {warning}")
    print("extraction time: " + ", ".join(f"{r['project']} {r['seconds'] * 1000:.0f} ms" for r in results))


def _print_recovery(results: list[dict]) -> None:
    print()
    print("(b) declared foreign keys stripped from the real schemas: what the rule suggestions recover")
    kinds = ("foreign keys", "many-to-many")
    rows = [(r["project"], kind, r["scores"][kind]) for r in results for kind in kinds]
    overall = [
        ("all", kind, {k: sum(r["scores"][kind][k] for r in results) for k in ("truth", "found", "correct")})
        for kind in kinds
    ]
    _table([*rows, *overall])
    _differences(rows)
    alarms = sum(r["as declared"] for r in results)
    print(f"suggestions on the schemas as declared (false alarms): {alarms}")


def _print_text(result: dict) -> None:
    print()
    print(f"(c) requirement text → ER model with {result['model']}, against hand-annotated gold")
    kinds = ("entities", "attributes", "relationships", "pairs")
    print(f"{'paragraph':18} " + " ".join(f"{k:>13}" for k in kinds) + f" {'seconds':>8}")
    for r in result["paragraphs"]:
        cells = " ".join(f"{f1(r['scores'][k])['f1']:>13.2f}" for k in kinds)
        print(f"{r['paragraph']:18} {cells} {r['seconds']:>8}")
    _table(
        (group, kind, counts)
        for group, by_kind in text_totals(result["paragraphs"]).items()
        for kind, counts in by_kind.items()
    )
    for r in result["paragraphs"]:
        print(f"  {r['paragraph']} entities: {', '.join(r['entities'])}")
        _differences((r["paragraph"], kind, s) for kind, s in r["scores"].items())


# (d): project → (package, folder read under site-packages, the oracle's arguments)
DJANGO_PROJECTS: dict[str, tuple[str, str, list[str]]] = {
    "django-oscar": (
        "oscar",
        "oscar/apps",
        ["--defaults", "oscar.defaults", "--installed-from", "oscar.INSTALLED_APPS"],
    ),
    "django-allauth": (
        "allauth",
        "allauth",
        [
            "--set",
            'MIDDLEWARE=["allauth.account.middleware.AccountMiddleware"]',
            *("django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sites"),
            *("allauth", "allauth.account", "allauth.socialaccount", "allauth.mfa"),
            *("allauth.usersessions", "allauth.idp.oidc"),
        ],
    ),
    # Added 2026-12-06, never read while tuning: swappable concrete models over abstract parents
    # (`Meta.swappable = "OAUTH2_PROVIDER_…_MODEL"`; abstract models in `abstract.py` whose relations a
    # metaclass adds (`OrgMeta`)).
    "django-oauth-toolkit": (
        "oauth2_provider",
        "oauth2_provider",
        ["django.contrib.auth", "django.contrib.contenttypes", "oauth2_provider"],
    ),
    "django-organizations": (
        "organizations",
        "organizations",
        ["django.contrib.auth", "django.contrib.contenttypes", "organizations"],
    ),
}


def _django_truth(venv: Path, package: str, arguments: list[str]) -> dict:
    oracle = REAL / "oracles" / "django_apps.py"
    output = subprocess.run(
        [str(venv / "bin" / "python"), str(oracle), package, *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    return json.loads(output.stdout)


def _django_facts(model: ERModel, apps: set[str]) -> tuple[set[str], set[tuple[str, str | None, str]]]:
    """`app.Model` of each Django entity of those apps (stand-ins left out), and each relation as
    (holder, field, target)."""
    names = {
        e.name: f"{e.namespace}.{e.name.rsplit('.', 1)[-1]}" for e in model.entities if e.kind == "django"
    }
    stand_ins = {e.name for e in model.entities if e.evidence.startswith("swappable")}
    entities = {v for k, v in names.items() if k not in stand_ins and v.split(".")[0] in apps}
    relations = set()
    for r in model.relationships:
        if r.from_entity in names and r.to_entity in names:
            if r.cardinality == MANY_TO_MANY:
                relations.add((names[r.from_entity], r.from_field, names[r.to_entity]))
            else:
                relations.add((names[r.to_entity], r.to_field, names[r.from_entity]))
    return entities, {r for r in relations if r[0].split(".")[0] in apps}


def django_projects(venv: Path) -> list[dict]:
    """Part (d): the hold-out Django projects, against their app registry."""
    site = next(venv.glob("lib/python3*/site-packages"))
    results = []
    for project, (package, folder, arguments) in DJANGO_PROJECTS.items():
        truth = _django_truth(venv, package, arguments)
        start = time.monotonic()
        model = extract([site / folder])
        seconds = time.monotonic() - start
        true_entities = {n for n, e in truth["entities"].items() if not e["proxy"]}
        true_relations = {(a, f, b) for a, f, _, b, _ in truth["relationships"] if a in true_entities}
        entities, relations = _django_facts(model, {n.split(".")[0] for n in truth["entities"]})
        results.append(
            {
                "project": project,
                "seconds": round(seconds, 3),
                "scores": {
                    "entities": score(true_entities, entities),
                    "relationships": score(true_relations, relations),
                },
            }
        )
    return results


def _print_django(results: list[dict]) -> None:
    print("\n(d) extensible Django projects, against apps.get_models()")
    for result in results:
        for kind, s in result["scores"].items():
            print(
                f"  {result['project']:16} {kind:14} {s['correct']:4}/{s['truth']:<4} "
                f"recall {s['recall']:.3f}  precision {s['precision']:.3f}  ({result['seconds']}s)"
            )
            for item in s["missing"]:
                print(f"      missing {item}")
            for item in s["extra"]:
                print(f"      invented {item}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", nargs="+", choices=("a", "b", "c", "d"), default=["a", "b", "c"])
    parser.add_argument("--projects", nargs="+", choices=list(PROJECTS), default=list(PROJECTS))
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="for (c): a model pack or GGUF file")
    parser.add_argument("--paragraphs", nargs="+", metavar="NAME", help="for (c): only these, e.g. shop.en")
    parser.add_argument("--django-venv", type=Path, help="for (d): a venv with django-oscar, django-allauth")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.django_venv is not None and "d" not in args.parts:
        args.parts.append("d")
    report: dict = {}
    if "a" in args.parts:
        results = extraction(args.projects)
        report["extraction"], report["totals"] = results, totals(results)
    if "b" in args.parts:
        report["recovery"] = recovery(args.projects)
    if "c" in args.parts:
        text = text_to_er(args.model, args.paragraphs)
        report["text"] = {**text, "totals": text_totals(text["paragraphs"])}
    if "d" in args.parts:
        if args.django_venv is None:
            parser.error("part (d) needs --django-venv PATH")
        report["django"] = django_projects(args.django_venv)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, default=sorted))
        return
    if "extraction" in report:
        _print_extraction(report["extraction"])
    if "recovery" in report:
        _print_recovery(report["recovery"])
    if "text" in report:
        _print_text(report["text"])
    if "django" in report:
        _print_django(report["django"])


if __name__ == "__main__":
    main()
