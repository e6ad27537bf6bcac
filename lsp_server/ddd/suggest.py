"""The model's suggestion for a class the rules leave unclassified: which building block it is.

The rules decide wherever they have evidence; the model is asked only about the rest, and only
in a grammar (a kind, a line of the class, a reason). Its answer is a suggestion, kept only if it
cites a line of the class that is there and does not contradict what the code says (a value
object or an event does not carry an identity field). The user confirms it by recording it in the
glossary, where an approved entry's `kind` then decides (see `model.decisions`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_server.datamodel.pysource import last
from lsp_server.ddd.blocks import EVENT, KINDS, MARKER_BASE, VALUE, frozen_by, has_identity, in_domain_layer
from lsp_server.ddd.code import ClassFact
from lsp_server.ddd.model import DomainModel
from lsp_server.engine.backend import Backend, CancelToken, ChatMessage
from lsp_server.engine.chat_json import UnparsableAnswer, chat_json
from lsp_server.errors import InputError
from lsp_server.glossary.model import Entry
from lsp_server.glossary.naming import words_of
from lsp_server.glossary.store import Glossary
from lsp_server.prompts import render as render_prompt

NONE = "none"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kind": {"enum": [*KINDS, NONE]},
        "line": {"type": "integer"},
        "reason": {"type": "string", "maxLength": 160},
    },
    "required": ["kind", "line", "reason"],
}
MAX_SOURCE_LINES = 60
# Bases that make a class something other than a building block.
_NOT_BLOCKS = {"Exception", "Enum", "IntEnum", "StrEnum", "Protocol", "TypedDict", "ABC", "Error"}


@dataclass
class KindSuggestion:
    """What the model suggests, the line it cites, and the facts it was shown."""

    name: str
    kind: str
    path: str
    line: int
    quote: str
    reason: str
    facts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "path": self.path, "line": self.line,
                "quote": self.quote, "reason": self.reason, "facts": self.facts}  # fmt: skip


def ambiguous(model: DomainModel) -> list[str]:
    """Classes no rule classifies that look like domain classes (see `is_ambiguous`)."""
    return [name for name in sorted(model.code.classes) if is_ambiguous(model, name)]


def is_ambiguous(model: DomainModel, name: str) -> bool:
    """No rule classifies it, and it looks like a domain class: in a domain package or holding
    state, not an exception, enum, protocol, marker base or private helper."""
    cls, block = model.code.classes.get(name), model.blocks.get(name)
    if cls is None or block is None or block.kind or MARKER_BASE in block.evidence or name.startswith("_"):
        return False
    if any(last(b) in _NOT_BLOCKS or last(b).endswith(("Error", "Exception")) for b in cls.bases):
        return False
    return in_domain_layer(cls.module) or bool(cls.fields)


def facts_of(model: DomainModel, name: str) -> list[str]:
    """What the code says about a class, in words the model and the user can check."""
    cls = model.code.classes[name]
    facts = []
    identity = has_identity(cls)
    facts.append(identity or "no identity field (id, <name>_id, primary key)")
    frozen = frozen_by(cls)
    if frozen:
        facts.append(f"immutable: {frozen}")
    if cls.mutations:
        facts.append(
            "assigns " + ", ".join(sorted({m for m, _ in cls.mutations})[:5]) + " after construction"
        )
    holders = [
        f"{holder}.{fact.name}" for holder, other in model.code.classes.items() for fact in other.fields
        if name in fact.refers and holder != name
    ]  # fmt: skip
    if holders:
        facts.append("held by " + ", ".join(holders[:5]))
    methods = [m for m in cls.methods if not m.startswith("__")]
    facts.append("methods: " + ", ".join(methods[:8]) if methods else "no methods of its own")
    if cls.bases:
        facts.append("bases: " + ", ".join(cls.bases))
    return facts


def class_source(model: DomainModel, cls: ClassFact) -> list[tuple[int, str]]:
    """The class's lines with their numbers, up to the next top-level statement."""
    module = next((m for m in model.code.modules.values() if m.path == cls.where.path), None)
    lines = module.text.split("\n") if module is not None else []
    start = cls.where.line - 1
    while start > 0 and lines[start - 1].lstrip().startswith("@"):
        start -= 1  # its decorators
    out = []
    for number in range(start, len(lines)):
        text = lines[number]
        if number >= cls.where.line and text and not text[0].isspace() and not text.startswith(("#", ")")):
            break
        out.append((number + 1, text))
    while out and not out[-1][1].strip():
        out.pop()
    return out[:MAX_SOURCE_LINES]


def suggest_kind(
    backend: Backend,
    model: DomainModel,
    name: str,
    *,
    prompts_dir: str = "",
    project_root: Path | None = None,
    cancel: CancelToken | None = None,
) -> KindSuggestion | None:
    """The model's kind for the class, or None: it said none, or its answer failed a check."""
    cls = model.code.classes[name]
    source = class_source(model, cls)
    facts = facts_of(model, name)
    variables = {
        "name": name,
        "source": "\n".join(f"{number}: {text}" for number, text in source),
        "facts": "\n".join(f"- {fact}" for fact in facts),
    }
    messages = [ChatMessage("user", render_prompt("ddd_kind.txt", variables, prompts_dir, project_root))]
    try:
        answer = chat_json(backend, messages, SCHEMA, max_tokens=120, cancel=cancel, what="building block")
    except UnparsableAnswer:
        return None
    kind, line = answer.get("kind"), answer.get("line")
    quoted = dict(source).get(line, "").strip() if isinstance(line, int) else ""
    if kind not in KINDS or not quoted:
        return None  # "none", or a line the class does not have
    if kind in (VALUE, EVENT) and has_identity(cls):
        return None  # contradicts the code: an identity field
    reason = re.sub(r"\s+", " ", str(answer.get("reason", ""))).strip()
    return KindSuggestion(name, kind, cls.where.path, line, quoted, reason, facts)


class AlreadyDecided(InputError):
    """The glossary's approved entry for the class already says what it is."""


def record(glossary: Glossary, name: str, kind: str, *, confirmed: bool, source: str = "") -> Entry:
    """Write the kind for class `name` into the glossary: on the entry whose English names the
    class, else on a new one (its English from the class name). `confirmed` (the user accepted the
    suggestion) approves a new entry, so the kind decides at once; otherwise a new entry is a
    draft, and an approved entry — the team's decision — is not changed."""
    existing = next((e for e in glossary.entries if e.forms.pascal == name), None)
    if existing is None:
        english = " ".join(words_of(name))
        status = "approved" if confirmed else "draft"
        return glossary.add(Entry(term=english, english=english, kind=kind, status=status, source=source))
    if existing.approved and not confirmed:
        raise AlreadyDecided(
            f"{glossary.path.name}:{existing.line}: {existing.term} is approved"
            + (f" as {existing.kind}" if existing.kind else ""),
            "change its kind there, or confirm the suggestion in the editor",
        )
    return glossary.set_fields(existing, kind=kind)
