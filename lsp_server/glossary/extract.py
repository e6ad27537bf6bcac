"""Candidate terms proposed from the code, ranked; the glossary is only read, never written.

Domain concepts show up as class names, enum members, fields of data models, and (in Chinese-
speaking teams) Chinese phrases in comments and docstrings. A candidate scores by where it is
defined (a class name says more than an enum member) and by how many files use it.

Breadth alone ranks a framework's words first (`choices`, `help text`, `update`: every Django
project uses them), so the score is then weighed by evidence of a domain concept — a data model
with fields, the target of relationships, a word the docstrings and comments explain — and
discounted by how frequent the word is in the installed frameworks and libraries the project
imports, learned from their own source (`Vocabulary`), not from a hand-written list.
"""

from __future__ import annotations

import functools
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lsp_server.glossary.index import TermIndex, term_key
from lsp_server.glossary.naming import words_of
from lsp_server.glossary.scan import ClassInfo, Identifier, ScannedFile, TextBlock, scan_file
from lsp_server.glossary.workspace import (
    iter_python_files,
    library_files,
    library_location,
    library_paths,
    own_packages,
)

CandidateKind = Literal["class", "enum member", "field", "chinese"]
KIND_WEIGHTS: dict[CandidateKind, float] = {"class": 3.0, "field": 2.0, "chinese": 2.0, "enum member": 1.5}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Words that say what role a class plays in the program, not what it is in the domain.
_ROLE_WORDS = frozenset(
    _words(
        "abstract base mixin service services repository repo manager handler controller view views viewset "
        "serializer schema schemas model models dto dao factory impl helper helpers util utils client api "
        "admin form config settings test tests case error exception interface protocol adapter provider "
        "builder request response"
    )
)
_ENUM_BASES = frozenset(_words("Enum IntEnum StrEnum Flag IntFlag TextChoices IntegerChoices Choices"))
_MODEL_BASES = frozenset(
    _words("BaseModel Model Base DeclarativeBase SQLModel Schema TypedDict NamedTuple Document Struct")
)
_MODEL_DECORATORS = ("dataclass", "define", "frozen", "attr.s", "attrs", "mutable")
_FIELD_CALLS = ("Field", "Column", "mapped_column", "relationship", "ForeignKey")
# Calls whose first argument names another model: Django's, SQLAlchemy's, Wagtail's, MongoEngine's.
_RELATION_CALLS = frozenset(
    _words("ForeignKey OneToOneField ManyToManyField relationship ParentalKey ParentalManyToManyField")
    + _words("ReferenceField ListField")
)
_RELATION_TARGET = re.compile(r"\(\s*(?:to\s*=\s*)?[\"']?([\w.]+)")
# How much each piece of evidence multiplies a score: being a data model with fields, each of up to
# `_MAX_RELATIONS` relationships to it, being explained in the prose of at least two files.
_MODEL_BONUS = 1.0
_RELATION_BONUS = 0.25
_MAX_RELATIONS = 4
_PROSE_BONUS = 0.5
# A word used in this share of a library's files counts half as much (the discount grows with it).
_FRAMEWORK_SHARE = 0.01
_PRIOR_FILES = 50  # a small library's counts are weak evidence: shares are of files + this
# A library imported by this share of the project's files or more is one whose words it speaks
# throughout (a framework); one imported in a corner (a tree widget) discounts less.
_FRAMEWORK_REACH = 0.1
# A library reaching less than this (imported by under 2 % of the files) is not read at all: its
# words would barely count, and reading a big one (phone-number tables) takes seconds.
_MIN_REACH = 0.2
# Names every program has (fields of every model, the vocabulary of code itself); they name no
# concept of the domain, and would otherwise top the list in any project.
_GENERIC_NAMES = frozenset(
    words_of(name)
    for name in _words(
        "id pk uuid name names created_at updated_at deleted_at created updated objects model_config meta "
        "description type types data value values text path paths str int bool line lines start end "
        "key keys kind kinds file files message messages error errors item items default defaults parent "
        "children child source context config settings options option result results count size index "
        "offset length node nodes tree args kwargs params param label title url uri host port timeout "
        "status state flag flags level mode format version info log logger cache buffer obj object "
        "instance func callback handler request response client session payload content body header "
        "headers token tokens span position range column row col"
    )
)
# Chinese text is split into phrases at function words and at the verbs comments are made of
# ("return", "compute", "get" …), which are never domain terms.
_CHINESE_BREAKS = _words(
    "返回 计算 获取 用于 如果 判断 处理 检查 更新 创建 删除 设置 调用 根据 需要 可以 注意 这里 这个 一个 "
    "所有 当前 没有 是否 已经 进行 使用 通过 生成 保存 读取 查询 然后 因为 所以 但是 每个 每次 对应 表示 "
    "例如 比如 或者 以及 而且 其中 之后 之前 时候 还是 还有 "
    "的 了 和 与 及 或 吗 呢 啊 并 把 被 是 就 都 也 从 在 按 给 让 由 于 为"
)
_MAX_CHINESE = 6


@dataclass(frozen=True)
class Occurrence:
    """One place where a candidate is defined or mentioned."""

    path: Path | None
    line: int
    col: int
    kind: CandidateKind
    text: str
    """The code that names it: `class OrderStatus`, `OrderStatus.PAID`, a phrase of a comment."""


@dataclass(frozen=True)
class Candidate:
    """A term the glossary may be missing."""

    term: str
    """English words ("order status") or a Chinese phrase (满减活动)."""
    kinds: tuple[CandidateKind, ...]
    score: float
    files: int
    """How many files define or mention it."""
    occurrences: tuple[Occurrence, ...]
    """Where it is defined (the first few)."""


def _is_chinese(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _domain_words(name: str) -> tuple[str, ...]:
    """The words of a name without role words around it: `OrderStatusSerializer` → order, status."""
    words = list(words_of(name))
    while words and words[-1] in _ROLE_WORDS:
        words.pop()
    while words and words[0] in _ROLE_WORDS:
        words.pop(0)
    return tuple(words)


def _last_part(dotted: str) -> str:
    return dotted.split("(")[0].split("[")[0].rsplit(".", 1)[-1].strip()


def _is_enum(info: ClassInfo) -> bool:
    return any(_last_part(base) in _ENUM_BASES or _last_part(base).endswith("Enum") for base in info.bases)


def _is_model(info: ClassInfo) -> bool:
    return (
        any(_last_part(base) in _MODEL_BASES for base in info.bases)
        or any(_last_part(decorator) in _MODEL_DECORATORS for decorator in info.decorators)
        or any(_last_part(f.value).endswith(_FIELD_CALLS) for f in info.fields)
    )


def _definitions(scanned: ScannedFile) -> Iterable[tuple[tuple[str, ...], Identifier, CandidateKind, str]]:
    """(words, where, kind, as written) for each name the code defines that may be a term."""
    for info in scanned.classes:
        name = info.name.name
        if name.startswith("_") or name.startswith("Test"):
            continue
        yield _domain_words(name), info.name, "class", f"class {name}"
        enum, model = _is_enum(info), _is_model(info)
        if not (enum or model):
            continue
        kind: CandidateKind = "enum member" if enum else "field"
        for assigned in info.fields:
            if not assigned.name.name.startswith("_"):
                yield words_of(assigned.name.name), assigned.name, kind, f"{name}.{assigned.name.name}"


def _is_data_model(info: ClassInfo) -> bool:
    """A model with fields, not a form or serializer of one (those end in a role word)."""
    words = words_of(info.name.name)
    return bool(words) and words[-1] not in _ROLE_WORDS and _is_model(info) and bool(info.fields)


def _relation_targets(scanned: ScannedFile) -> Iterable[tuple[str, ...]]:
    """The models the code's relationships point to: `ForeignKey("catalogue.Product")` → product.
    Only class names (capitalised): `ForeignKey("accounts.guid")` names a column, "self" no model."""
    for info in scanned.classes:
        for assigned in info.fields:
            if _last_part(assigned.value) not in _RELATION_CALLS:
                continue
            found = _RELATION_TARGET.search(assigned.value)
            target = found.group(1).rsplit(".", 1)[-1] if found else ""
            if target[:1].isupper() and not target.isupper():
                yield _domain_words(target)


def _word_sequences(words: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """Every run of one to four consecutive words: a name mentions each of the terms they spell."""
    for size in range(1, min(len(words), 4) + 1):
        for start in range(len(words) - size + 1):
            yield words[start : start + size]


def _mentioned(scanned: ScannedFile) -> set[tuple[str, ...]]:
    """The word sequences the identifiers of a file spell."""
    return {run for name in {i.name for i in scanned.identifiers} for run in _word_sequences(words_of(name))}


def _prose(scanned: ScannedFile) -> set[tuple[str, ...]]:
    """The word sequences its docstrings and comments spell: a term explained in prose."""
    return {run for block in scanned.texts for run in _word_sequences(words_of(block.text))}


@dataclass(frozen=True)
class Vocabulary:
    """A library's words: in how many of its files each identifier is written whole (`exact`) and
    each word sequence is spelled by some identifier (`mentions`)."""

    files: int
    exact: Counter[tuple[str, ...]]
    mentions: Counter[tuple[str, ...]]

    @classmethod
    def of(cls, scans: Iterable[ScannedFile]) -> Vocabulary:
        files, exact, mentions = 0, Counter[tuple[str, ...]](), Counter[tuple[str, ...]]()
        for scanned in scans:
            files += 1
            exact.update({words_of(identifier.name) for identifier in scanned.identifiers})
            mentions.update(_mentioned(scanned))
        return cls(files, exact, mentions)

    def share(self, words: tuple[str, ...]) -> float:
        """How much of the library uses a term: a whole name counts fully, a part of a longer name
        an eighth (`order` in `order_by`). Seen in fewer than two files, not at all."""
        exact, mentions = self.exact.get(words, 0), self.mentions.get(words, 0)
        if mentions < 2:
            return 0.0
        return (exact + mentions / 8) / (self.files + _PRIOR_FILES)


@functools.lru_cache(maxsize=128)
def _vocabulary_at(location: Path, stamp: float) -> Vocabulary:
    """Read once per installed package (and again when it changes: `stamp` is its mtime)."""
    del stamp
    return Vocabulary.of(scanned for path in library_files(location) if (scanned := scan_file(path)))


# A library's vocabulary, and how much of the project speaks it (the share of its files importing
# it, relative to `_FRAMEWORK_REACH`, at most 1).
Libraries = Sequence[tuple[Vocabulary, float]]


def library_vocabularies(
    scans: Sequence[ScannedFile], own: Collection[str], paths: Sequence[Path]
) -> Libraries:
    """The installed packages the scanned files import, but the project's own and the standard
    library's (small modules on every subject: a word of `logging` is no framework's), with their
    reach; in a stable order. Those not installed are skipped."""
    importers = Counter(name for scanned in scans for name in set(scanned.imports))
    found = []
    for name, count in sorted(importers.items()):
        if name in own or name in sys.stdlib_module_names:
            continue
        reach = min(1.0, count / max(1.0, _FRAMEWORK_REACH * len(scans)))
        location = library_location(name, paths) if reach >= _MIN_REACH else None
        if location is not None:
            found.append((_vocabulary_at(location, location.stat().st_mtime), reach))
    return found


def _framework_factor(words: tuple[str, ...], libraries: Libraries) -> float:
    """1 for a word no library uses, less the more one does (half at `_FRAMEWORK_SHARE`)."""
    share = max((vocabulary.share(words) * reach for vocabulary, reach in libraries), default=0.0)
    return 1 / (1 + share / _FRAMEWORK_SHARE)


def _chinese_segments(text: str) -> list[tuple[str, int]]:
    """Runs of Chinese characters in a text, cut at function words and comment verbs; with offsets."""
    segments: list[tuple[str, int]] = []
    start = None
    for index, ch in enumerate(text + " "):
        if _is_chinese(ch) and start is None:
            start = index
        elif not _is_chinese(ch) and start is not None:
            segments.extend(_cut(text[start:index], start))
            start = None
    return segments


def _cut(run: str, offset: int) -> list[tuple[str, int]]:
    pieces = [(run, offset)]
    for word in _CHINESE_BREAKS:
        cut: list[tuple[str, int]] = []
        for piece, at in pieces:
            position = 0
            for part in piece.split(word):
                if part:
                    cut.append((part, at + position))
                position += len(part) + len(word)
        pieces = cut
    return [(piece, at) for piece, at in pieces if len(piece) >= 2]


@dataclass
class _Tally:
    kinds: set[CandidateKind] = field(default_factory=set)
    score: float = 0.0
    files: set[Path | None] = field(default_factory=set)
    occurrences: list[Occurrence] = field(default_factory=list)

    def add(
        self, kind: CandidateKind, score: float, files: set[Path | None], found: list[Occurrence]
    ) -> None:
        self.kinds.add(kind)
        self.score += score
        self.files |= files
        self.occurrences.extend(found)


class _ChinesePhrases:
    """Every Chinese phrase of 2 to 6 characters in comments and docstrings, counted, to find the
    words of text written without spaces."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.files: dict[str, set[Path | None]] = defaultdict(set)
        self.places: dict[str, list[Occurrence]] = defaultdict(list)
        self.whole: set[str] = set()  # short segments that stand alone somewhere

    def add(self, block: TextBlock, path: Path | None) -> None:
        for segment, offset in _chinese_segments(block.text):
            if len(segment) <= _MAX_CHINESE:
                self.whole.add(segment)
            for size in range(2, min(len(segment), _MAX_CHINESE) + 1):
                for start in range(len(segment) - size + 1):
                    phrase = segment[start : start + size]
                    self.counts[phrase] += 1
                    self.files[phrase].add(path)
                    if len(self.places[phrase]) < 5:
                        line, col = block.position(offset + start)
                        self.places[phrase].append(Occurrence(path, line, col, "chinese", segment))

    def terms(self) -> list[str]:
        """Phrases that stand alone, or recur without always sitting inside one longer phrase."""
        in_longer: dict[str, int] = {}
        for phrase, count in self.counts.items():
            for part in (phrase[:-1], phrase[1:]):
                in_longer[part] = max(in_longer.get(part, 0), count)
        return [
            phrase
            for phrase, count in self.counts.items()
            if phrase in self.whole or (count >= 2 and in_longer.get(phrase, 0) < count)
        ]


def _known_to(index: TermIndex | None) -> Callable[[str], bool]:
    """Whether the glossary has a term already, in any spelling, forbidden synonyms included."""
    if index is None:
        return lambda term: False
    spellings = {term_key(s) for e in index.entries for s in (e.term, e.english, *e.aliases, *e.avoid)}
    return lambda term: term_key(term) in spellings or index.lookup(term) is not None


@dataclass
class _Evidence:
    """What the project as a whole says about each term, beyond where it is defined."""

    mentions: defaultdict[tuple[str, ...], set[Path | None]] = field(default_factory=lambda: defaultdict(set))
    prose: Counter[tuple[str, ...]] = field(default_factory=Counter)
    models: set[tuple[str, ...]] = field(default_factory=set)
    relations: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def add(self, scanned: ScannedFile) -> None:
        for run in _mentioned(scanned):
            self.mentions[run].add(scanned.path)
        self.prose.update(_prose(scanned))
        self.models.update(_domain_words(info.name.name) for info in scanned.classes if _is_data_model(info))
        self.relations.update(_relation_targets(scanned))

    def weight(self, words: tuple[str, ...]) -> float:
        """How much more than its breadth a term's evidence counts (1: none)."""
        return (
            1
            + _MODEL_BONUS * (words in self.models)
            + _RELATION_BONUS * min(self.relations[words], _MAX_RELATIONS)
            + _PROSE_BONUS * (self.prose[words] >= 2)
        )


def extract_candidates(
    scans: Iterable[ScannedFile],
    index: TermIndex | None = None,
    limit: int = 50,
    libraries: Libraries = (),
) -> list[Candidate]:
    """Candidate terms from scanned files, best first; terms the glossary already has are left out.

    Score: the kind weight of each definition (a Chinese phrase: of each time it is written, half
    when it only appears inside longer text), plus one for each further file defining or using it;
    times the evidence of a domain concept (`_Evidence.weight`), and discounted by the share of
    the `libraries`' files that use it (`_framework_factor`).
    """
    known = _known_to(index)
    tallies: defaultdict[str, _Tally] = defaultdict(_Tally)
    evidence = _Evidence()
    chinese = _ChinesePhrases()
    for scanned in scans:
        evidence.add(scanned)
        for words, where, kind, written in _definitions(scanned):
            term = " ".join(words)
            if words and words not in _GENERIC_NAMES and not known(term):
                found = Occurrence(scanned.path, where.line, where.col, kind, written)
                tallies[term].add(kind, KIND_WEIGHTS[kind], {scanned.path}, [found])
        for block in scanned.texts:
            chinese.add(block, scanned.path)
    for phrase in chinese.terms():
        if not known(phrase):
            weight = KIND_WEIGHTS["chinese"] * (1 if phrase in chinese.whole else 0.5)
            count = chinese.counts[phrase]
            tallies[phrase].add("chinese", weight * count, chinese.files[phrase], chinese.places[phrase])
    candidates = []
    for term, tally in tallies.items():
        words = words_of(term)
        files = tally.files | evidence.mentions.get(words, set())
        kinds = tuple(sorted(tally.kinds, key=lambda kind: -KIND_WEIGHTS[kind]))
        breadth = tally.score + len(files) - 1
        score = breadth * evidence.weight(words) * _framework_factor(words, libraries)
        candidates.append(Candidate(term, kinds, round(score, 2), len(files), tuple(tally.occurrences[:5])))
    candidates.sort(key=lambda c: (-c.score, c.term))
    return candidates[:limit]


def extract_workspace(
    root: Path,
    index: TermIndex | None = None,
    limit: int = 50,
    search_paths: Sequence[Path] | None = None,
) -> list[Candidate]:
    """Candidates from the handwritten Python files of a project (no tests, no migrations), with
    the vocabulary of the packages it imports discounted; they are looked for in `search_paths`
    (default: `workspace.library_paths`), read and never imported."""
    root = Path(root)
    scans = [
        scanned for path in iter_python_files(root, handwritten_only=True) if (scanned := scan_file(path))
    ]
    paths = library_paths(root) if search_paths is None else search_paths
    libraries = library_vocabularies(scans, own_packages(root), paths)
    project = words_of(root.stem)  # the product's name is in every file, and no term of its domain
    candidates = extract_candidates(scans, index, limit + 1, libraries)
    return [candidate for candidate in candidates if words_of(candidate.term) != project][:limit]
