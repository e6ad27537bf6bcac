"""Candidate terms proposed from the code, ranked; the glossary is only read, never written.

Domain concepts show up as class names, enum members, fields of data models, and (in Chinese-
speaking teams) Chinese phrases in comments and docstrings. A candidate scores by where it is
defined (a class name says more than an enum member) and by how many files use it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lsp_server.glossary.index import TermIndex, term_key
from lsp_server.glossary.naming import words_of
from lsp_server.glossary.scan import ClassInfo, Identifier, ScannedFile, TextBlock, scan_file
from lsp_server.glossary.workspace import iter_python_files

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


def extract_candidates(
    scans: Iterable[ScannedFile], index: TermIndex | None = None, limit: int = 50
) -> list[Candidate]:
    """Candidate terms from scanned files, best first; terms the glossary already has are left out.

    Score: the kind weight of each definition (a Chinese phrase: of each time it is written, half
    when it only appears inside longer text), plus one for each further file defining or using it.
    """
    known = _known_to(index)
    tallies: defaultdict[str, _Tally] = defaultdict(_Tally)
    mentions: defaultdict[tuple[str, ...], set[Path | None]] = defaultdict(set)
    chinese = _ChinesePhrases()
    for scanned in scans:
        for name in {identifier.name for identifier in scanned.identifiers}:
            words = words_of(name)
            for size in range(1, min(len(words), 4) + 1):
                for start in range(len(words) - size + 1):
                    mentions[words[start : start + size]].add(scanned.path)
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
        files = tally.files | mentions.get(words_of(term), set())
        kinds = tuple(sorted(tally.kinds, key=lambda kind: -KIND_WEIGHTS[kind]))
        score = tally.score + len(files) - 1
        candidates.append(Candidate(term, kinds, score, len(files), tuple(tally.occurrences[:5])))
    candidates.sort(key=lambda c: (-c.score, c.term))
    return candidates[:limit]


def extract_workspace(root: Path, index: TermIndex | None = None, limit: int = 50) -> list[Candidate]:
    """Candidates from every Python file of a project."""
    return extract_candidates(
        (scanned for path in iter_python_files(root) if (scanned := scan_file(path)) is not None),
        index,
        limit,
    )
