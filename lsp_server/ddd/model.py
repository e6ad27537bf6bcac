"""The domain model of a project, read from its code: building blocks, aggregates, contexts and the
relationships between contexts; the one object `ddd map`, `ddd check` and the editor read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_server.ddd import aggregates as aggregates_
from lsp_server.ddd import blocks as blocks_
from lsp_server.ddd import contexts as contexts_
from lsp_server.ddd.code import SKIPPED, DomainCode, read
from lsp_server.glossary.model import Entry


@dataclass
class DomainModel:
    """Facts, blocks, aggregates, contexts and the relations between contexts of one project."""

    code: DomainCode
    blocks: dict[str, blocks_.Block]
    aggregates: dict[str, aggregates_.Aggregate]
    contexts: dict[str, str]  # module → context
    relations: list[contexts_.Relation] = field(default_factory=list)
    class_contexts: dict[str, str] = field(default_factory=dict)  # the glossary's, by class

    def context_of(self, name: str) -> str:
        if name in self.class_contexts:
            return self.class_contexts[name]
        cls = self.code.classes.get(name)
        return self.contexts.get(cls.module, "") if cls is not None else ""

    def to_dict(self) -> dict[str, Any]:
        """`{contexts: [{name, path, aggregates: [{root, members, evidence}], classes: [{name, kind,
        path, line, evidence}]}], relations: [{from, to, kind, evidence}]}`."""
        contexts: dict[str, dict[str, Any]] = {}
        for module, context in sorted(self.contexts.items()):
            if not context:
                continue
            entry = contexts.setdefault(
                context, {"name": context, "path": "", "aggregates": [], "classes": []}
            )
            if not entry["path"]:
                entry["path"] = _context_path(self.code.modules[module].path, module, context)
        for context in sorted(set(self.class_contexts.values()) - set(contexts)):
            contexts[context] = {"name": context, "path": "", "aggregates": [], "classes": []}
        for name, block in sorted(self.blocks.items()):
            context = self.context_of(name)
            if not block.kind or context not in contexts:
                continue
            cls = self.code.classes[name]
            contexts[context]["classes"].append(
                {"name": name, "kind": block.kind, "path": cls.where.path, "line": cls.where.line,
                 "aggregate": block.aggregate, "evidence": block.evidence}
            )  # fmt: skip
        for root, aggregate in sorted(self.aggregates.items()):
            context = self.context_of(root)
            if context in contexts:
                contexts[context]["aggregates"].append(
                    {"root": root, "members": sorted(aggregate.members), "evidence": aggregate.evidence}
                )
        return {
            "contexts": [c for c in contexts.values() if c["classes"] or c["aggregates"]],
            "relations": [
                {"from": r.source, "to": r.target, "kind": r.kind, "evidence": r.evidence}
                for r in self.relations
            ],
        }


def _context_path(path: str, module: str, context: str) -> str:
    """The folder of the context's package, from one of its modules' files."""
    folder = Path(path).parent
    depth = len(module.split(".")) - 1 - module.split(".").index(context) - 1
    for _ in range(max(depth, 0)):
        folder = folder.parent
    return str(folder)


def build(code: DomainCode, decisions: dict[str, blocks_.Decision] | None = None) -> DomainModel:
    blocks = blocks_.classify(code, decisions)
    contexts = contexts_.context_of_modules(code)
    aggregates = aggregates_.assign(code, blocks, contexts)
    placed = {name: d.context for name, d in (decisions or {}).items() if d.context and name in blocks}
    for name, block in blocks.items():
        block.context = placed.get(name) or contexts.get(code.classes[name].module, "")
        if name in placed and placed[name] != contexts.get(code.classes[name].module, ""):
            block.evidence.append(f"context {placed[name]} in the glossary")
    relations = contexts_.relations(code, blocks, contexts)
    return DomainModel(code, blocks, aggregates, contexts, relations, placed)


def load(
    paths: Sequence[Path],
    overrides: dict[str, str] | None = None,
    glossary: Iterable[Entry] = (),
) -> DomainModel:
    """The model of the code at `paths` (`overrides`: unsaved text by path), with the kinds the
    team approved in its glossary deciding for the classes they name."""
    return build(read(paths, overrides), decisions(glossary))


def decisions(entries: Iterable[Entry]) -> dict[str, blocks_.Decision]:
    """Approved entries with a building-block `kind` or a `context`, by the class name their
    English gives (`order line` → `OrderLine`). A draft is a proposal, not a decision."""
    found = {}
    for entry in entries:
        kind = entry.kind if entry.kind in blocks_.KINDS else ""
        if entry.approved and (kind or entry.context):
            place = f"glossary line {entry.line}" if entry.line else "the glossary"
            evidence = f"approved as {kind.replace('_', ' ')} in {place} ({entry.term})" if kind else ""
            found[entry.forms.pascal] = blocks_.Decision(kind, evidence, entry.context)
    return found


# Not the project's own domain: installed code, build output, and what `code.read` leaves out.
_NOT_LOOKED_INTO = {"node_modules", "venv", "site-packages", "__pycache__", "build", "dist", *SKIPPED}


def has_domain_package(root: Path, depth: int = 5) -> bool:
    """A folder named like a domain layer (`domain`, `domains`) within `depth` levels of `root`,
    found from folder names alone; virtualenvs, caches and hidden folders are not looked into."""
    for folder, subfolders, _files in os.walk(root):
        subfolders[:] = [s for s in subfolders if not s.startswith(".") and s not in _NOT_LOOKED_INTO]
        if any(s in ("domain", "domains") for s in subfolders):
            return True
        if len(Path(folder).relative_to(root).parts) >= depth:
            subfolders[:] = []
    return False
