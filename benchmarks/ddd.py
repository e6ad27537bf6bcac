"""DDD modelling help measured on real projects nobody here wrote, fetched from PyPI into a cache
(`pip download`, once; the product itself never opens a socket).

(a) Building blocks. pretix's `pretix/base/models` (Django), hand-labelled before any run
(benchmarks/data/ddd/pretix_labels.json: 80 classes, aggregate roots, member entities with their
aggregate, a value object), and protean's own test domains (`tests/*/elements.py` of the sdist,
copied under a `domain` package), labelled by the base class their authors gave them
(BaseAggregate, BaseEntity, BaseValueObject, BaseEvent, BaseRepository) — an easy set, since Ubiq
reads such markers, reported apart. Precision and recall per kind over the labelled classes, and
for labelled member entities whether Ubiq puts them in the right aggregate.

(b) Rules. Mutations injected one at a time into the same code, each with the finding it must
produce: a value object made mutable (a method assigning an attribute), a reference by object
from one aggregate root to another, an ORM session imported into domain code, a repository for an
entity inside another aggregate. Recall per mutation, and the warnings on the unmutated code (every
one a false positive unless it is true of the code: they are listed).

(c) Context map. Eleven Tryton modules (one module, one context): the edges between contexts Ubiq
reads from imports and references, against each module's declared dependencies (`tryton.cfg`
`depends`), direct ones only: precision and recall.

(d) Requirement drafts. `ubiq ddd draft` writes its ER draft with `ubiq er --from-text`'s reader,
so its F1 is part (c) of benchmarks/er.py on the eight hand-annotated paragraphs of
benchmarks/data/er_text (four Chinese, four English); run here with `--parts d`.

    python benchmarks/ddd.py [--parts a b c d] [--model PACK] [--cache DIR] [--json]
"""

from __future__ import annotations

import argparse
import configparser
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lsp_server.ddd.model import DomainModel, load
from lsp_server.ddd.rules import Finding, check

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "ddd" / "pretix_labels.json"
PRETIX = "pretix==2026.8.0"
PROTEAN = "protean==0.18.0"
TRYTON = [
    "trytond-sale==8.2.0", "trytond-stock==8.2.1", "trytond-purchase==8.2.0", "trytond-product==8.2.0",
    "trytond-party==8.2.0", "trytond-company==8.2.0", "trytond-account==8.2.1",
    "trytond-account-invoice==8.2.0", "trytond-currency==8.2.0", "trytond-account-product==8.2.0",
    "trytond-stock-lot==8.2.0",
]  # fmt: skip
KINDS = ("aggregate_root", "entity", "value_object", "domain_event", "repository")
PROTEAN_BASES = {"BaseAggregate": "aggregate_root", "BaseEntity": "entity", "BaseValueObject": "value_object",
                 "BaseEvent": "domain_event", "BaseRepository": "repository"}  # fmt: skip


# -- sources --------------------------------------------------------------------------------------


def fetch(requirement: str, cache: Path, sdist: bool = False) -> Path:
    """The package's files, unpacked once into the cache."""
    name = requirement.replace("==", "-")
    folder = cache / (name + ("-sdist" if sdist else ""))
    if folder.exists():
        return folder
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(downloads), requirement]
    command += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    subprocess.run(command, check=True, capture_output=True)
    stem = requirement.split("==")[0].replace("-", "_").lower()
    version = requirement.split("==")[1]
    suffix = ".tar.gz" if sdist else ".whl"
    archive = next(
        p for p in downloads.iterdir()
        if p.name.lower().replace("-", "_").startswith(f"{stem}_{version}") and p.name.endswith(suffix)
    )  # fmt: skip
    staging = Path(tempfile.mkdtemp(dir=cache))
    if sdist:
        shutil.unpack_archive(archive, staging)
    else:
        with zipfile.ZipFile(archive) as wheel:
            wheel.extractall(staging)
    staging.rename(folder)
    return folder


def pretix_models(cache: Path) -> Path:
    return fetch(PRETIX, cache) / "pretix" / "base" / "models"


def protean_domains(cache: Path, work: Path) -> tuple[Path, dict[str, dict]]:
    """Protean's test domains, each `tests/<topic>/elements.py` as `<topic>/domain/elements.py`
    (a context with a domain layer; tests/ folders are not read), and the kind each class's base
    class gives it — read here by pattern, not by Ubiq."""
    source = next(fetch(PROTEAN, cache, sdist=True).glob("protean-*")) / "tests"
    root = work / "protean_domains"
    labels: dict[str, dict] = {}
    seen: set[str] = set()
    for path in sorted(source.glob("*/elements.py")):
        text = path.read_text(encoding="utf-8")
        names = re.findall(r"^class (\w+)(?:\((\w+)\))?", text, re.M)
        if any(name in seen for name, _ in names):
            continue  # Ubiq keys classes by name: keep each name to one domain
        seen.update(name for name, _ in names)
        target = root / path.parent.name / "domain" / "elements.py"
        target.parent.mkdir(parents=True)
        (target.parent.parent / "__init__.py").write_text("")
        (target.parent / "__init__.py").write_text("")
        target.write_text(text, encoding="utf-8")
        labels.update({name: {"kind": PROTEAN_BASES[base]} for name, base in names if base in PROTEAN_BASES})
        for name, base in names:  # an aggregate's HasMany/HasOne entities are its members
            if PROTEAN_BASES.get(base) == "aggregate_root":
                start = re.search(rf"^class {name}\b", text, re.M).start()
                body = text[start : _class_body_end(text, name)]
                for member in re.findall(r"Has(?:Many|One)\(\s*[\"']?(\w+)", body):
                    if labels.get(member, {}).get("kind") == "entity":
                        labels[member]["aggregate"] = name
    return root, labels


# -- (a) building blocks --------------------------------------------------------------------------


def score(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Precision and recall per kind from (labelled, found) pairs."""
    out = {}
    for kind in KINDS:
        found = sum(1 for _, f in pairs if f == kind)
        truth = sum(1 for t, _ in pairs if t == kind)
        hit = sum(1 for t, f in pairs if t == f == kind)
        if truth or found:
            out[kind] = {
                "labelled": truth, "found": found, "correct": hit,
                "precision": hit / found if found else 0.0, "recall": hit / truth if truth else 0.0,
            }  # fmt: skip
    return out


def building_blocks(model: DomainModel, labels: dict[str, dict]) -> dict:
    pairs, wrong, members = [], [], [0, 0]
    for name, label in sorted(labels.items()):
        block = model.blocks.get(name)
        found = block.kind if block is not None else "(not read)"
        pairs.append((label["kind"], found))
        if found != label["kind"]:
            wrong.append(f"{name}: labelled {label['kind']}, found {found or '(unclassified)'}")
        if label.get("aggregate"):
            members[1] += 1
            members[0] += bool(block is not None and block.aggregate == label["aggregate"])
    return {
        "per_kind": score(pairs), "aggregate_members": {"correct": members[0], "labelled": members[1]},
        "accuracy": sum(t == f for t, f in pairs) / len(pairs), "classes": len(pairs), "wrong": wrong,
    }  # fmt: skip


# -- (b) rules ------------------------------------------------------------------------------------


@dataclass
class Mutation:
    """One injected defect: where, how, and the finding that must report it."""

    kind: str
    path: Path
    apply: Callable[[str], str]
    expect: str  # the finding's code
    names: tuple[str, ...]  # the classes its message must name


def _class_body_end(text: str, name: str) -> int | None:
    """Offset just after the last line of class `name`'s body (top-level classes only)."""
    match = re.search(rf"^class {name}\b.*?:\s*$", text, re.M)
    if match is None:
        return None
    end = re.search(r"^\S", text[match.end() :], re.M)
    return match.end() + end.start() if end else len(text)


def _insert_in_class(name: str, lines: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        at = _class_body_end(text, name)
        assert at is not None, name
        body = text[:at].rstrip("\n") + "\n"
        return body + lines + "\n\n" + text[at:]

    return apply


def mutations(
    corpus: Path, labels: dict[str, dict], rng: random.Random, per_kind: int = 10
) -> list[Mutation]:
    """Mutation instances for classes labelled in `corpus` (the file each class is defined in)."""
    where = {}
    for path in sorted(corpus.rglob("*.py")):
        for name in re.findall(r"^class (\w+)\b", path.read_text(encoding="utf-8"), re.M):
            where.setdefault(name, path)
    labelled = {n: label for n, label in labels.items() if n in where}
    roots = [n for n, label in labelled.items() if label["kind"] == "aggregate_root"]
    values = [n for n, label in labelled.items() if label["kind"] == "value_object"]
    members = [n for n, label in labelled.items() if label["kind"] == "entity" and label.get("aggregate")]
    found: list[Mutation] = []
    for name in rng.sample(values, min(per_kind, len(values))):
        method = "    def mutate_for_benchmark(self, value):\n        self.mutated_for_benchmark = value\n"
        found.append(Mutation("value object made mutable", where[name], _insert_in_class(name, method),
                              "mutable-value-object", (name,)))  # fmt: skip
    pairs = [(a, b) for a in roots for b in roots if a != b]
    for a, b in rng.sample(pairs, min(per_kind, len(pairs))):
        line = f"    held_for_benchmark: {b} | None = None\n"
        found.append(Mutation("reference by object between aggregates", where[a], _insert_in_class(a, line),
                              "reference-by-object", (a, b)))  # fmt: skip
    domain = sorted({where[n] for n in labelled if "domain" in where[n].parts})
    for path in rng.sample(domain, min(per_kind, len(domain))):
        found.append(Mutation("ORM session imported into domain code", path,
                              lambda text: "from sqlalchemy.orm import Session\n" + text,
                              "domain-imports-infrastructure", ()))  # fmt: skip
    for name in rng.sample(members, min(per_kind, len(members))):
        repository = (
            f"\n\nclass {name}Repository:\n    def get(self, identity) -> {name}:\n"
            "        raise NotImplementedError\n"
        )
        found.append(Mutation("repository for an entity inside an aggregate", where[name],
                              lambda text, r=repository: text.rstrip("\n") + "\n" + r,
                              "repository-for-non-root", (name,)))  # fmt: skip
    return found


def warnings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "warning"]


def rules(corpus: Path, labels: dict[str, dict], seed: int = 7) -> dict:
    baseline = warnings(check(load([corpus])))
    before = {str(f) for f in baseline}
    results: dict[str, list[int]] = {}
    missed = []
    for mutation in mutations(corpus, labels, random.Random(seed)):
        original = mutation.path.read_text(encoding="utf-8")
        try:
            mutation.path.write_text(mutation.apply(original), encoding="utf-8")
            after = [f for f in warnings(check(load([corpus]))) if str(f) not in before]
        finally:
            mutation.path.write_text(original, encoding="utf-8")
        hit = any(
            f.code == mutation.expect
            and Path(f.path) == mutation.path
            and all(n in f.message for n in mutation.names)
            for f in after
        )
        tally = results.setdefault(mutation.kind, [0, 0])
        tally[0] += hit
        tally[1] += 1
        if not hit:
            missed.append(f"{mutation.kind}: {', '.join(mutation.names) or mutation.path.name}")
    return {
        "recall": {kind: {"found": hit, "injected": total} for kind, (hit, total) in results.items()},
        "unmutated_warnings": [str(f) for f in baseline],
        "missed": missed,
    }


# -- (c) context map ------------------------------------------------------------------------------


def tryton_modules(cache: Path, work: Path) -> Path:
    """The modules side by side as `trytond/modules/<name>/`, as an installation lays them out."""
    root = work / "tryton"
    for requirement in TRYTON:
        source = fetch(requirement, cache) / "trytond" / "modules"
        for module in source.iterdir():
            if module.is_dir():
                shutil.copytree(module, root / "trytond" / "modules" / module.name, dirs_exist_ok=True)
    (root / "trytond" / "__init__.py").write_text("")
    (root / "trytond" / "modules" / "__init__.py").write_text("")
    return root


def declared_edges(modules: Path) -> set[tuple[str, str]]:
    names = {p.name for p in modules.iterdir() if (p / "tryton.cfg").exists()}
    edges = set()
    for name in names:
        config = configparser.ConfigParser()
        config.read(modules / name / "tryton.cfg")
        depends = config.get("tryton", "depends", fallback="").split()
        edges |= {(name, d) for d in depends if d in names and d != name}
    return edges


def context_map(root: Path) -> dict:
    modules = root / "trytond" / "modules"
    truth = declared_edges(modules)
    model = load([modules])
    found = {(r.source, r.target) for r in model.relations if r.source != r.target}
    hit = truth & found
    return {
        "contexts": sorted({c for c in model.contexts.values() if c}),
        "declared": len(truth),
        "found": len(found),
        "correct": len(hit),
        "precision": len(hit) / len(found) if found else 0.0,
        "recall": len(hit) / len(truth) if truth else 0.0,
        "not_declared": sorted(f"{a} → {b}" for a, b in found - truth),
        "missed": sorted(f"{a} → {b}" for a, b in truth - found),
    }


# -- report ---------------------------------------------------------------------------------------


def _print_blocks(title: str, result: dict) -> None:
    print(f"\n{title}: {result['classes']} labelled classes, accuracy {result['accuracy']:.0%}")
    print(f"  {'kind':<16}{'labelled':>9}{'found':>7}{'correct':>9}{'precision':>11}{'recall':>8}")
    for kind, s in result["per_kind"].items():
        counts = f"{s['labelled']:>9}{s['found']:>7}{s['correct']:>9}"
        print(f"  {kind:<16}{counts}{s['precision']:>11.0%}{s['recall']:>8.0%}")
    members = result["aggregate_members"]
    if members["labelled"]:
        print(f"  member entities in the labelled aggregate: {members['correct']}/{members['labelled']}")
    for line in result["wrong"][:40]:
        print(f"    {line}")


def _print_rules(title: str, result: dict) -> None:
    print(f"\n{title}")
    for kind, tally in result["recall"].items():
        print(f"  {kind:<48} {tally['found']}/{tally['injected']}")
    print(f"  warnings on the unmutated code: {len(result['unmutated_warnings'])}")
    for line in result["unmutated_warnings"][:15]:
        print(f"    {line}")
    for line in result["missed"]:
        print(f"    missed: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", choices=("a", "b", "c", "d"), default=["a", "b", "c"])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="for (d): a model pack or GGUF file")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "ubiq-benchmarks")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        pretix_labels = json.loads(LABELS.read_text(encoding="utf-8"))["classes"]
        if {"a", "b"} & set(args.parts):
            pretix = work / "pretix_models" / "models"
            shutil.copytree(pretix_models(args.cache), pretix)
            protean, protean_labels = protean_domains(args.cache, work)
        if "a" in args.parts:
            report["blocks"] = {
                "pretix": building_blocks(load([pretix]), pretix_labels),
                "protean": building_blocks(load([protean]), protean_labels),
            }
        if "b" in args.parts:
            report["rules"] = {
                "pretix": rules(pretix, pretix_labels),
                "protean": rules(protean, protean_labels),
            }
        if "c" in args.parts:
            report["context_map"] = context_map(tryton_modules(args.cache, work))
        if "d" in args.parts:
            sys.path.insert(0, str(HERE))
            from er import text_to_er  # a sibling script, loaded only for (d)

            report["drafts"] = text_to_er(args.model)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if "blocks" in report:
        _print_blocks("(a) building blocks, pretix base models (hand labels)", report["blocks"]["pretix"])
        _print_blocks(
            "(a) building blocks, protean test domains (authors' base classes)", report["blocks"]["protean"]
        )
    if "rules" in report:
        _print_rules("(b) rules, mutations injected into pretix", report["rules"]["pretix"])
        _print_rules("(b) rules, mutations injected into protean's test domains", report["rules"]["protean"])
    if "context_map" in report:
        result = report["context_map"]
        print(
            f"\n(c) context map, {len(result['contexts'])} Tryton modules: {result['correct']} of "
            f"{result['found']} edges found are declared dependencies (precision {result['precision']:.0%}), "
            f"{result['correct']} of {result['declared']} declared found (recall {result['recall']:.0%})"
        )
        print(f"  not declared: {', '.join(result['not_declared']) or '-'}")
        print(f"  missed: {', '.join(result['missed']) or '-'}")
    if "drafts" in report:
        from er import _print_text

        print("\n(d) requirement drafts: the ER draft's reader, as benchmarks/er.py part (c) measures it")
        _print_text(report["drafts"])


if __name__ == "__main__":
    main()
