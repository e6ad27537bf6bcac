"""Bounded contexts and layers from the package structure, and the relationships between contexts
from the edges that cross them: imports, foreign keys and typed references, each cited.

A context is the first package below what all modules share that is not a layer name: both
`shop/ordering/domain/order.py` (context first) and `domain/ordering/order.py` (layer first) put
`Order` in `ordering`; a Django app is such a package. A layer is the first part of a module's
name that is a layer name (`domain`, `infrastructure`, …).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from lsp_server.ddd.blocks import DOMAIN_PACKAGES, Block
from lsp_server.ddd.code import DomainCode

DOMAIN_LAYERS = DOMAIN_PACKAGES
INFRASTRUCTURE_LAYERS = {"infrastructure", "infra", "adapters", "persistence", "repositories", "db", "orm"}
LAYERS = DOMAIN_LAYERS | INFRASTRUCTURE_LAYERS | {
    "application", "app", "services", "service", "use_cases", "usecases", "api", "web", "interfaces", "ui",
    "views", "models", "tests", "migrations", "management", "commands",
}  # fmt: skip


@dataclass
class Relation:
    """An edge between two contexts, with the import or reference lines it rests on."""

    source: str
    target: str
    kind: str  # "depends on" (imports), "references" (typed or foreign-key references)
    evidence: list[str] = field(default_factory=list)


def context_of_modules(code: DomainCode) -> dict[str, str]:
    """Module name → its context ("" for a module outside any, like a top-level script)."""
    packages = {m: _package(m, fact.path) for m, fact in code.modules.items()}
    prefix = _common_prefix([p for p in packages.values() if p])
    found = {}
    for module, package in packages.items():
        inside = [p for p in package[len(prefix) :] if p not in LAYERS]
        found[module] = inside[0] if inside and package[: len(prefix)] == prefix else ""
    if prefix and not any(found.values()):  # a project of one context: its package is the context
        found = {module: prefix[-1] if packages[module][: len(prefix)] == prefix else "" for module in found}
    return found


def _package(module: str, path: str) -> list[str]:
    """The package parts of a module: all of them for a package's `__init__.py`."""
    parts = module.split(".")
    return parts if path.replace("\\", "/").endswith("/__init__.py") else parts[:-1]


def _common_prefix(names: list[list[str]]) -> list[str]:
    """What all packages share; with one context alone, all but its last part."""
    if not names:
        return []
    prefix = []
    for parts in zip(*names, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    if len(prefix) == max(len(n) for n in names):  # one package holds everything: it is the context
        prefix = prefix[:-1]
    return prefix


def layer_of(module: str) -> str:
    """The layer a module's packages name ("" when none does); its file name does not count."""
    for part in module.split(".")[:-1]:
        if part in DOMAIN_LAYERS:
            return "domain"
        if part in INFRASTRUCTURE_LAYERS:
            return "infrastructure"
        if part in LAYERS:
            return part
    return ""


def relations(code: DomainCode, blocks: dict[str, Block], contexts: dict[str, str]) -> list[Relation]:
    """Edges between contexts: imports of one context's modules by another's, and fields of one
    context's classes that name another's classes."""
    found: dict[tuple[str, str, str], Relation] = {}

    def add(source: str, target: str, kind: str, evidence: str) -> None:
        if not source or not target or source == target:
            return
        relation = found.setdefault((source, target, kind), Relation(source, target, kind))
        if evidence not in relation.evidence:
            relation.evidence.append(evidence)

    module_names = set(code.modules)
    for module, fact in code.modules.items():
        for qualified, where in fact.imports.values():
            imported = _module_of(qualified, module_names)
            if imported is not None:
                add(contexts[module], contexts[imported], "depends on", f"{where}: import {qualified}")
    for name, cls in code.classes.items():
        for fact in cls.fields:
            for target in fact.refers:
                if target in code.classes and target != name:
                    how = "foreign key" if fact.foreign_key else "field"
                    add(
                        contexts.get(cls.module, ""),
                        contexts.get(code.classes[target].module, ""),
                        "references",
                        f"{fact.where}: {how} {name}.{fact.name} → {target}",
                    )
    return sorted(found.values(), key=lambda r: (r.source, r.target, r.kind))


def _module_of(qualified: str, modules: set[str]) -> str | None:
    """The project module an import names: `shop.ordering.order.Order` → `shop.ordering.order`
    (also when the modules were read from inside `shop/`, and are named `ordering.order`)."""
    parts = qualified.split(".")
    for start in (0, 1):  # the package the files were read from may be the import's first part
        for end in range(len(parts), start + 1 if start else start, -1):
            candidate = ".".join(parts[start:end])
            if candidate in modules and (start == 0 or parts[0] not in sys.stdlib_module_names):
                return candidate
    return None
