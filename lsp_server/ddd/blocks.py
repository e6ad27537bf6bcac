"""Building blocks from evidence in the code: which classes are entities, value objects, aggregate
roots, domain events, repositories and domain services, and why.

Each rule reads one kind of evidence and says so in words the user can check ("frozen=True",
"an `id` field", "the repository OrderRepository names it"). Explicit markers (a project's base
classes or decorators, pyddd's, protean's, eventsourcing's) beat conventions; a class no rule
speaks for stays unclassified rather than guessed. Aggregates come from ownership (`aggregates.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lsp_server.datamodel.pysource import last
from lsp_server.ddd.code import ClassFact, DomainCode

ENTITY, VALUE, ROOT, EVENT, REPOSITORY, SERVICE = (
    "entity", "value_object", "aggregate_root", "domain_event", "repository", "domain_service",
)  # fmt: skip
KINDS = (ROOT, ENTITY, VALUE, EVENT, REPOSITORY, SERVICE)
# Marker names (bases or decorators, matched on their last part, case-insensitive) → kind.
MARKERS = {
    "aggregateroot": ROOT, "aggregate": ROOT, "baseaggregate": ROOT, "rootentity": ROOT,
    "entity": ENTITY, "baseentity": ENTITY,
    "valueobject": VALUE, "basevalueobject": VALUE, "value_object": VALUE, "value": VALUE,
    "domainevent": EVENT, "event": EVENT, "baseevent": EVENT, "domain_event": EVENT,
    "repository": REPOSITORY, "baserepository": REPOSITORY, "abstractrepository": REPOSITORY,
    "domainservice": SERVICE, "domain_service": SERVICE, "service": SERVICE,
}  # fmt: skip
DOMAIN_PACKAGES = {"domain", "model", "core", "entities"}  # where a project keeps its domain model
MARKER_BASE = "a base class that marks building blocks"
_ORM_BASES = {"Model", "DeclarativeBase", "Base", "SQLModel", "Document"}
_IMMUTABLE_BASES = {"NamedTuple", "Enum", "IntEnum", "StrEnum"}
_IDENTITY = re.compile(r"^(id|uuid|pk|key|identity|\w+_id|\w+_uuid|\w+_key)$")
_IRREGULAR_PAST = {
    "Paid",
    "Sent",
    "Built",
    "Made",
    "Held",
    "Sold",
    "Lost",
    "Won",
    "Left",
    "Bought",
    "Taken",
    "Given",
    "Written",
    "Done",
    "Begun",
    "Chosen",
    "Drawn",
    "Known",
    "Set",
    "Put",
    "Cut",
    "Shut",
}
_NOT_PAST = {"Feed", "Seed", "Need", "Speed", "Breed", "Embed", "Bed", "Red", "Shed", "Weed", "Deed", "Bleed"}
_REPOSITORY_NAME = re.compile(r"^(\w+?)(Repository|Repo|Store|Dao|DAO)$")


@dataclass
class Block:
    """One classified class: its kind (or "" when no rule speaks for it) and the evidence."""

    name: str
    kind: str
    evidence: list[str] = field(default_factory=list)
    aggregate: str = ""  # the root of the aggregate it belongs to
    context: str = ""


@dataclass(frozen=True)
class Decision:
    """A kind the team decided for a class (an approved glossary entry's `kind`), and where it is
    written; it beats every rule, since it is what the team confirmed."""

    kind: str  # "" when the entry says only the context
    evidence: str
    context: str = ""


def classify(code: DomainCode, decisions: dict[str, Decision] | None = None) -> dict[str, Block]:
    blocks = {name: _classify(cls) for name, cls in code.classes.items()}
    for name, decision in (decisions or {}).items():
        if name in blocks and decision.kind in KINDS:  # a context alone is placed by model.build
            blocks[name] = Block(name, decision.kind, [decision.evidence])
    changed = True
    while changed:  # a subclass of a project class is what its base is, unless it says otherwise
        changed = False
        for name, cls in code.classes.items():
            if blocks[name].kind:
                continue
            for base in cls.bases:
                parent = blocks.get(last(re.split(r"[\[(]", base)[0]))
                if parent is not None and parent.kind and parent.name != name:
                    blocks[name].kind = parent.kind
                    blocks[name].evidence.append(f"a subclass of {parent.name}")
                    changed = True
                    break
    _values_by_use(code, blocks)
    return blocks


def _values_by_use(code: DomainCode, blocks: dict[str, Block]) -> None:
    """A dataclass with no identity that an entity holds, in a domain package, is a value: equal by
    value, part of the entity's state; a mutable one is then reported, not missed."""
    holders: dict[str, str] = {}
    for name, cls in code.classes.items():
        if blocks[name].kind not in (ENTITY, ROOT, VALUE):
            continue
        for fact in cls.fields:
            for target in fact.refers:
                holders.setdefault(target, f"{name}.{fact.name}")
    for name, cls in code.classes.items():
        block = blocks[name]
        dataclass_ = any(
            last(d.split("(")[0]) in ("dataclass", "define", "attrs", "s") for d in cls.decorators
        )
        if block.kind or block.evidence or not dataclass_ or has_identity(cls) or name not in holders:
            continue
        if not in_domain_layer(cls.module):  # elsewhere a mutable dataclass is just a record
            continue
        block.kind = VALUE
        block.evidence.append(f"a dataclass with no identity (equal by value), held by {holders[name]}")


def _classify(cls: ClassFact) -> Block:
    block = Block(cls.name, "")
    if cls.name.lower() in MARKERS or cls.name.lower().removeprefix("abstract") in MARKERS:
        return Block(cls.name, "", [MARKER_BASE])
    for marker in [*cls.bases, *cls.decorators]:
        bare = last(re.split(r"[\[(]", marker)[0])
        kind = MARKERS.get(bare.lower())
        if kind is not None:
            block.kind = kind
            block.evidence.append(f"marked {bare}")
            return block
    if _REPOSITORY_NAME.match(cls.name):
        return Block(cls.name, REPOSITORY, [f"named {cls.name}"])
    frozen = frozen_by(cls)
    if past_tense(cls.name) and (frozen or not has_identity(cls)) and cls.fields:
        return Block(cls.name, EVENT, [f"a past-tense name ({cls.name})", *([frozen] if frozen else [])])
    if cls.name.endswith("Service") and not cls.fields:
        return Block(cls.name, SERVICE, [f"named {cls.name}, holds no state"])
    if frozen:
        return Block(cls.name, VALUE, [frozen])
    identity = has_identity(cls)
    if identity:
        return Block(cls.name, ENTITY, [identity])
    if "__eq__" in cls.methods and "__hash__" in cls.methods and not cls.mutations:
        return Block(cls.name, VALUE, ["equality by value (__eq__ and __hash__)"])
    return block


def in_domain_layer(module: str) -> bool:
    """Inside a package named like a domain layer (`…/domain/…`); a file named `model.py` alone is not."""
    return any(part in DOMAIN_PACKAGES for part in module.split(".")[:-1])


def past_tense(name: str) -> bool:
    """`OrderPlaced`, `PaymentReceived`, `InvoicePaid`: the name's last word is a past participle."""
    words = re.findall(r"[A-Z][a-z0-9]*", name)
    last_word = words[-1] if words else ""
    if last_word in _IRREGULAR_PAST:
        return len(words) > 1
    return len(words) > 1 and last_word.endswith("ed") and len(last_word) > 3 and last_word not in _NOT_PAST


def frozen_by(cls: ClassFact) -> str:
    """The evidence that instances cannot change, or ""."""
    for decorator in cls.decorators:
        if "frozen=True" in decorator.replace(" ", ""):
            return f"@{last(decorator.split('(')[0])}(frozen=True)"
    for base in cls.bases:
        if last(base) in _IMMUTABLE_BASES:
            return f"a {last(base)}"
    model_config = cls.field("model_config")
    if model_config is not None and "frozen=True" in model_config.type_text.replace(" ", ""):
        return "pydantic frozen=True"
    config = cls.field("Config")
    if config is not None and "frozen=True" in config.type_text.replace(" ", ""):
        return "pydantic frozen=True"
    return ""


def has_identity(cls: ClassFact) -> str:
    """The evidence of an identity, or "": an ORM model (its primary key), or an identity field."""
    if any(last(b) in _ORM_BASES for b in cls.bases):
        return f"an ORM model ({last(next(b for b in cls.bases if last(b) in _ORM_BASES))})"
    own = f"{_snake(cls.name)}_id"
    for fact in cls.fields:
        if "primary_key=True" in fact.type_text.replace(" ", ""):
            return f"an identity field `{fact.name}`"
        if fact.name in ("id", "uuid", "pk", "identity", own) and fact.type_text not in (
            "bool",
            "str|None",
            "None",
        ):
            return f"an identity field `{fact.name}`"
    return ""


def repository_target(cls: ClassFact, code: DomainCode) -> str:
    """The class a repository stores: named in its name (`OrderRepository`), or the one class its
    methods' fields or generic base name (`Repository[Order]`)."""
    match = _REPOSITORY_NAME.match(cls.name)
    if match and match.group(1) in code.classes:
        return match.group(1)
    for base in cls.bases:
        inner = re.search(r"\[(\w+)\]", base)
        if inner and inner.group(1) in code.classes:
            return inner.group(1)
    return ""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
