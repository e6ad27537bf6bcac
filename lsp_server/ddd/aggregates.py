"""Aggregates from ownership: which entities live inside which root.

Ownership is read, never guessed: a root holds its members by composition (`lines: list[OrderLine]`,
SQLAlchemy `relationship(cascade="all, delete-orphan")`), or a member's foreign key deletes with its
owner (Django `on_delete=CASCADE`). An entity reachable from one owner only is that owner's member;
one that nothing owns, or that two aggregates hold, is a root of its own. A class already shown to
be a root (a marker, a repository) is never made a member: holding it is a reference across
aggregates, which `rules.py` reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lsp_server.ddd.blocks import ENTITY, REPOSITORY, ROOT, Block, repository_target
from lsp_server.ddd.code import DomainCode


@dataclass
class Aggregate:
    """A root, the entities inside it, and the ownership edges that put them there."""

    root: str
    members: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def assign(code: DomainCode, blocks: dict[str, Block], contexts: dict[str, str]) -> dict[str, Aggregate]:
    """Root name → its aggregate; each block's `aggregate` is set, and entities nothing owns become
    roots. Of several owners, the one in the entity's own context (bounded context) owns it."""
    entities = {name for name, block in blocks.items() if block.kind in (ENTITY, ROOT)}
    owners: dict[str, dict[str, str]] = defaultdict(dict)  # member → owner → evidence
    for name in sorted(entities):
        for fact in code.classes[name].fields:
            for target in fact.refers:
                if target not in entities or target == name:
                    continue
                if fact.foreign_key:  # a key on the member pointing at its owner
                    if fact.on_delete == "CASCADE" and blocks[name].kind != ROOT:
                        owners[name][target] = f"{name}.{fact.name} deletes with {target} (on_delete=CASCADE)"
                elif blocks[target].kind != ROOT:  # composition: the owner holds the member
                    how = "a collection of" if fact.many else "one"
                    owners[target][name] = f"{name}.{fact.name} holds {how} {target} ({fact.where})"

    def context(name: str) -> str:
        return contexts.get(code.classes[name].module, "")

    for name, held_by in owners.items():
        if len(held_by) > 1:
            home = {o: e for o, e in held_by.items() if context(o) == context(name)}
            if len(home) == 1:
                owners[name] = home
    stored_by = {
        repository_target(code.classes[name], code): name
        for name, block in blocks.items()
        if block.kind == REPOSITORY
    }
    aggregates: dict[str, Aggregate] = {}
    for name in sorted(entities):
        held_by = owners.get(name, {})
        if len(held_by) == 1:
            continue
        block = blocks[name]
        if block.kind != ROOT:
            block.kind = ROOT
            block.evidence.append(
                "owned by no other entity" if not held_by else f"held by {', '.join(held_by)}"
            )
        if name in stored_by:
            block.evidence.append(f"the repository {stored_by[name]} stores it")
        aggregates[name] = Aggregate(name)
    for name in sorted(entities):
        root, chain, seen = name, [], set()
        while root not in aggregates and root not in seen:
            seen.add(root)
            ((owner, evidence),) = owners[root].items()
            chain.append(evidence)
            root = owner
        if root not in aggregates:  # an ownership cycle: the first of it stands as root
            aggregates[name] = Aggregate(name)
            root = name
        blocks[name].aggregate = root
        if root != name:
            aggregates[root].members.append(name)
            aggregates[root].evidence += [e for e in chain if e not in aggregates[root].evidence]
            blocks[name].evidence.append(f"inside the aggregate of {root}")
    return aggregates
