"""Questions about the domain model ("which aggregate owns 收货地址?", "may `Basket` hold an `Order`?"),
answered only from the project's glossary, building blocks and code, each statement citing the
file and line it rests on. Nothing is asked of a model: the subjects are found by name (class
names, their words, and glossary terms with the class or field their English names), the answer
is read off the facts, and with no fact to cite the answer says so instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lsp_server.datamodel.from_text import language_of
from lsp_server.ddd.blocks import ROOT, VALUE
from lsp_server.ddd.code import FieldFact, Where
from lsp_server.ddd.model import DomainModel
from lsp_server.ddd.rules import check
from lsp_server.glossary.index import TermIndex
from lsp_server.glossary.model import Entry
from lsp_server.glossary.naming import render, same_words, words_of

_OWNERSHIP = re.compile(r"\b(own|owns|owner|belongs?|aggregate)\b|属于|归属|哪个聚合|聚合|拥有", re.I)
_HOLDING = re.compile(
    r"\b(may|can|could|should|hold|holds|contain|contains|reference|references|refer|have|has)\b"
    r"|能否|能不能|可以|可否|是否|持有|包含|引用",
    re.I,
)
_KIND_NAMES = {
    "en": {"aggregate_root": "an aggregate root", "entity": "an entity", "value_object": "a value object",
           "domain_event": "a domain event", "repository": "a repository",
           "domain_service": "a domain service"},
    "zh": {"aggregate_root": "聚合根", "entity": "实体", "value_object": "值对象", "domain_event": "领域事件",
           "repository": "仓储", "domain_service": "领域服务"},
}  # fmt: skip


@dataclass(frozen=True)
class Citation:
    """A fact and the line it rests on."""

    path: str
    line: int
    text: str  # what the cited line says, in words

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


@dataclass
class Answer:
    """The answer, and every fact it rests on."""

    question: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether the code had something to answer from (a glossary entry alone is not that)."""
        return bool(self.subjects)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "evidence": self.found,
            "subjects": self.subjects,
            "citations": [{"path": c.path, "line": c.line, "text": c.text} for c in self.citations],
        }

    def markdown(self) -> str:
        lines = [self.answer]
        if self.citations:
            lines += ["", *[f"- `{c.path}:{c.line}` {c.text}" for c in self.citations]]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Subject:
    """What the question names: a class, or a field the glossary's term names (with its class)."""

    name: str  # the class; for a field, its class
    field: FieldFact | None = None
    entry: Entry | None = None


def ask(question: str, model: DomainModel, glossary: Sequence[Entry] = (), glossary_path: str = "") -> Answer:
    language = language_of(question)
    zh = language == "zh"
    subjects, cited_terms = _subjects(question, model, glossary)
    citations = [
        Citation(
            glossary_path or "glossary.yml",
            e.line,
            f"{e.term} = {e.english}" + (f": {e.definition}" if e.definition else ""),
        )
        for e in cited_terms
    ]
    names = [s.name + (f".{s.field.name}" if s.field else "") for s in subjects]
    if not subjects:
        named = ", ".join(f"{e.term} ({e.english})" for e in cited_terms)
        if zh:
            which = f"与 {named} 对应的" if named else "问题所提到的"
            text = f"代码中没有{which}类或字段，无法依据证据回答；Ubiq 不做猜测。"
        else:
            which = f"matches {named}" if named else "is named in the question"
            text = (
                f"No class or field in the code {which}, so there is no evidence to answer from; "
                "Ubiq does not guess."
            )
        return Answer(question, text, citations, names)
    classes = [s for s in subjects if s.field is None]
    if len(classes) >= 2 and _HOLDING.search(question):
        text, cites = _may_hold(model, classes[0].name, classes[1].name, language)
    elif _OWNERSHIP.search(question):
        text, cites = _owner(model, subjects[0], language)
    else:
        text, cites = _about(model, subjects, language)
    return Answer(question, text, citations + cites, names)


def _subjects(
    question: str, model: DomainModel, glossary: Sequence[Entry]
) -> tuple[list[_Subject], list[Entry]]:
    """The classes and fields the question names, in the order it names them, and the glossary
    entries it used to find them."""
    classes = model.code.classes
    found: list[tuple[int, _Subject]] = []
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", question):
        if match.group(0) in classes:
            found.append((match.start(), _Subject(match.group(0))))
    words = [(m.start(), m.group(0).lower()) for m in re.finditer(r"[A-Za-z]+", question)]
    for name in classes:  # "order line" for OrderLine; plurals allowed
        target = words_of(name)
        for i in range(len(words) - len(target) + 1):
            phrase = tuple(w for _, w in words[i : i + len(target)])
            if (len(target) > 1 or phrase[0] not in _STOP) and same_words(phrase, target):
                found.append((words[i][0], _Subject(name)))
    used: list[Entry] = []
    for match in TermIndex(glossary).find_in_text(question):
        entry = match.entry
        subject = _by_entry(model, entry)
        if entry not in used:
            used.append(entry)
        if subject is not None:
            found.append((match.start, subject))
    subjects: list[_Subject] = []
    for _, subject in sorted(found, key=lambda item: item[0]):
        if all((s.name, s.field) != (subject.name, subject.field) for s in subjects):
            subjects.append(subject)
    return subjects, used


# Words that name no class of the project even where one is called so: the question's own grammar,
# and DDD's vocabulary (a marker base named `Aggregate` is not what "which aggregate" asks about).
_STOP = {
    "a", "an", "the", "of", "is", "be", "in", "on", "to", "may", "can", "which", "what", "who", "own",
    "aggregate", "aggregates", "root", "entity", "value", "object", "event", "repository", "service",
    "domain", "context", "model",
}  # fmt: skip


def _by_entry(model: DomainModel, entry: Entry) -> _Subject | None:
    """The class the entry's English names (`OrderLine`), else a field named by it
    (`shipping_address`), the first in a domain class."""
    if entry.forms.pascal in model.code.classes:
        return _Subject(entry.forms.pascal, entry=entry)
    for name, cls in sorted(model.code.classes.items(), key=lambda item: not model.blocks[item[0]].kind):
        for fact in cls.fields:
            if same_words(words_of(fact.name), entry.words):
                return _Subject(name, fact, entry)
    return None


def _definition(entry: Entry) -> str:
    return f": {entry.definition}" if entry.definition else ""


def _cite(where: Where, text: str) -> Citation:
    return Citation(where.path, where.line, text)


def _kind(model: DomainModel, name: str, language: str) -> str:
    kind = model.blocks[name].kind
    return _KIND_NAMES[language].get(kind, "未分类" if language == "zh" else "unclassified")


def _class_fact(model: DomainModel, name: str, language: str) -> Citation:
    block = model.blocks[name]
    kind = _kind(model, name, language)
    evidence = "; ".join(block.evidence)
    context = f", context {block.context}" if block.context else ""
    return _cite(
        model.code.classes[name].where, f"{name}: {kind}{context}" + (f" ({evidence})" if evidence else "")
    )


def _ownership_edge(model: DomainModel, root: str, member: str) -> Citation | None:
    """The field of the root (or of a class inside its aggregate) that holds the member."""
    inside = [root, *model.aggregates[root].members] if root in model.aggregates else [root]
    for owner in inside:
        for fact in model.code.classes[owner].fields:
            if member in fact.refers:
                return _cite(fact.where, f"{owner}.{fact.name}: {fact.type_text}")
    return None


def _owner(model: DomainModel, subject: _Subject, language: str) -> tuple[str, list[Citation]]:
    zh = language == "zh"
    name = subject.name
    cites: list[Citation] = []
    label = name
    if subject.field is not None:
        cites.append(_cite(subject.field.where, f"{name}.{subject.field.name}: {subject.field.type_text}"))
        label = f"{name}.{subject.field.name}"
    cites.append(_class_fact(model, name, language))
    block = model.blocks[name]
    root = block.aggregate or (name if block.kind == ROOT else "")
    if not root and subject.field is None:  # a value object: in the aggregate of what holds it
        for holder, fact in _holders(model, name):
            held_in = model.blocks[holder].aggregate or (holder if model.blocks[holder].kind == ROOT else "")
            if held_in:
                cites.append(_cite(fact.where, f"{holder}.{fact.name}: {fact.type_text}"))
                label, name, root = f"{name} ({holder}.{fact.name})", holder, held_in
                break
    if not root:
        text = (
            f"代码中 {name} 不属于任何聚合：规则没有找到持有它的聚合根。"
            if zh
            else f"The code puts {name} in no aggregate: no aggregate root holds it."
        )
        return text, cites
    if root != name:
        edge = _ownership_edge(model, root, name)
        cites += [c for c in (edge, _class_fact(model, root, language)) if c is not None]
    context = model.blocks[root].context
    if zh:
        where = f"（限界上下文 {context}）" if context else ""
        text = (
            f"{label} 属于以 {root} 为根的聚合{where}。" if label != root else f"{name} 自身是聚合根{where}。"
        )
    else:
        where = f" (context {context})" if context else ""
        text = (
            f"{label} belongs to the aggregate whose root is {root}{where}."
            if label != root
            else f"{name} is itself an aggregate root{where}."
        )
    return text, cites


def _holders(model: DomainModel, name: str) -> list[tuple[str, FieldFact]]:
    return [
        (holder, fact)
        for holder, cls in sorted(model.code.classes.items())
        for fact in cls.fields
        if name in fact.refers and holder != name
    ]


def _may_hold(model: DomainModel, holder: str, held: str, language: str) -> tuple[str, list[Citation]]:
    """Whether `holder` may hold `held` as an object, by the aggregate rules."""
    zh = language == "zh"
    cites = [_class_fact(model, holder, language), _class_fact(model, held, language)]
    a, b = model.blocks[holder], model.blocks[held]
    root_a = a.aggregate or (holder if a.kind == ROOT else "")
    root_b = b.aggregate or (held if b.kind == ROOT else "")
    for fact in model.code.classes[holder].fields:
        if held in fact.refers:
            cites.append(_cite(fact.where, f"{holder}.{fact.name}: {fact.type_text}"))
    findings = [f for f in check(model) if holder in f.message and held in f.message]
    cites += [Citation(f.path, f.line, f"{f.code}: {f.message}") for f in findings]
    if b.kind == VALUE:
        verdict = (
            f"可以：{held} 是值对象，可以作为 {holder} 的一部分被持有。"
            if zh
            else f"Yes: {held} is a value object, which an entity or another value object may hold."
        )
    elif root_b and root_b == root_a and held != root_a:
        verdict = (
            f"可以：{held} 属于以 {root_a} 为根的同一个聚合。"
            if zh
            else f"Yes: {held} is inside the same aggregate, whose root is {root_a}."
        )
    elif root_b and root_a and root_b != root_a:
        key = render(words_of(root_b), "snake") + "_id"
        verdict = (
            f"不应该：{holder} 与 {held} 属于不同的聚合（{root_a} 与 {root_b}）；"
            f"聚合之间只按标识引用，请持有 `{key}`。"
            if zh
            else f"No: {holder} and {held} are in different aggregates ({root_a} and {root_b}); aggregates "
            f"refer to each other by identity only, so hold `{key}` instead."
        )
    else:
        verdict = (
            f"代码没有给出足够的证据：{holder} 是{_kind(model, holder, language)}，"
            f"{held} 是{_kind(model, held, language)}。"
            if zh
            else f"The code does not settle it: {holder} is {_kind(model, holder, language)} and {held} is "
            f"{_kind(model, held, language)}."
        )
    return verdict, cites


def _about(model: DomainModel, subjects: list[_Subject], language: str) -> tuple[str, list[Citation]]:
    zh = language == "zh"
    cites: list[Citation] = []
    for subject in subjects:
        if subject.field is not None:
            cites.append(
                _cite(subject.field.where, f"{subject.name}.{subject.field.name}: {subject.field.type_text}")
            )
        cites.append(_class_fact(model, subject.name, language))
        root = model.blocks[subject.name].aggregate
        if root and root != subject.name:
            edge = _ownership_edge(model, root, subject.name)
            if edge is not None:
                cites.append(edge)
    names = ", ".join(s.name for s in subjects)
    text = f"项目中关于 {names} 的事实如下：" if zh else f"What the project says about {names}:"
    return text, list(dict.fromkeys(cites))
