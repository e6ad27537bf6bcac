"""The glossary file: load it, add entries, save it — keeping every comment and the formatting.

The file is edited by people, so it is read and written round-trip with ruamel.yaml: an added
entry changes nothing else in the file. A mistake in it is reported with the file, line and column
(1-based, as editors show them), all at once, so one pass over the file fixes everything.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from lsp_server.errors import InputError
from lsp_server.files import UnreadableFile, decode_text, write_atomic
from lsp_server.glossary.index import TermIndex, term_key
from lsp_server.glossary.model import FIELDS, Entry, InvalidEntry

DEFAULT_FILENAME = "glossary.yml"
TERMS_KEY = "terms"


def glossary_path(root: Path, configured: str = "") -> Path:
    """Where a workspace's glossary lives: the configured path (relative to the root), or the default."""
    path = Path(configured).expanduser() if configured else Path(DEFAULT_FILENAME)
    return path if path.is_absolute() else root / path


@dataclass(frozen=True)
class Problem:
    """One mistake in the file; line and column are 1-based, 0 when the mistake has no place."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}" if self.line else self.message


class GlossaryError(InputError):
    """The glossary file cannot be read, used or written; `problems` lists every mistake found."""

    def __init__(self, path: Path, problems: list[Problem], hint: str = "") -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{path}:{first}{more}" if first.line else f"{path}: {first}{more}", hint)
        self.path = path
        self.problems = problems

    @property
    def line(self) -> int:
        return self.problems[0].line

    @property
    def column(self) -> int:
        return self.problems[0].column


def _yaml(text: str) -> YAML:
    """A round-trip YAML set up to write this text's own indentation back."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line someone wrote
    sequence, offset = None, None
    if text.strip():
        with contextlib.suppress(YAMLError):  # the parse that follows reports it with its place
            _, sequence, offset = load_yaml_guess_indent(text)
    if sequence is None or offset is None:
        sequence, offset = 4, 2  # `  - term: …`, the layout most YAML in the wild uses
    yaml.indent(mapping=_mapping_indent(text), sequence=sequence, offset=offset)
    return yaml


def _mapping_indent(text: str) -> int:
    """How far a nested mapping is indented, from the first `key:` line under a `key:` line."""
    previous = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "-")):
            previous = None if stripped.startswith("-") else previous
            continue
        indent = len(line) - len(line.lstrip(" "))
        if previous is not None and indent > previous[0] and previous[1].endswith(":"):
            return indent - previous[0]
        previous = (indent, stripped)
    return 2


class Glossary:
    """A glossary file: the entries and the round-trip document they were read from."""

    entries: tuple[Entry, ...]

    def __init__(
        self, path: Path, text: str, *, on_disk: bytes | None = None, encoding: str = "utf-8"
    ) -> None:
        self.path = path
        self._on_disk = on_disk
        self._encoding = encoding  # the file's own (see `files.decode_text`): saving keeps it
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._load(text.replace("\r\n", "\n"))

    @classmethod
    def load(cls, path: Path, *, missing_ok: bool = True) -> Glossary:
        """Read the file; a missing one is an empty glossary unless `missing_ok` is false."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if missing_ok:
                return cls(path, "", on_disk=None)
            raise GlossaryError(path, [Problem(0, 0, "no such file")]) from None
        except OSError as exc:
            raise GlossaryError(path, [Problem(0, 0, f"cannot read it: {exc.strerror or exc}")]) from exc
        try:
            text, encoding = decode_text(data, path)
        except UnreadableFile as exc:
            line = data.count(b"\n", 0, exc.offset) + 1 if exc.offset is not None else 0
            raise GlossaryError(path, [Problem(line, 1 if line else 0, exc.reason)], exc.hint) from None
        return cls(path, text, on_disk=data, encoding=encoding)

    @classmethod
    def parse(cls, text: str, path: Path) -> Glossary:
        """A glossary from text, e.g. an editor's unsaved buffer of the file at `path`. Edits go back
        through `dumps()`; `save()` refuses to replace an existing file it did not read."""
        return cls(path, text, on_disk=None)

    def _load(self, text: str) -> None:
        self._yaml = _yaml(text)
        try:
            document = self._yaml.load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            problem = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
            raise GlossaryError(self.path, [Problem(line, column, problem)]) from None
        except YAMLError as exc:
            raise GlossaryError(self.path, [Problem(0, 0, f"invalid YAML: {exc}")]) from None
        self._text = text
        self._document = document
        self.entries = tuple(self._entries(document))
        self.__dict__.pop("index", None)  # the cached index belongs to the old entries

    def _entries(self, document: Any) -> list[Entry]:
        if document is None:
            return []
        if not isinstance(document, CommentedMap):
            line, column = _place(document)
            raise GlossaryError(
                self.path, [Problem(line, column, f"the file must be a mapping with a `{TERMS_KEY}` list")]
            )
        terms = document.get(TERMS_KEY)
        if terms is None:
            return []
        if not isinstance(terms, CommentedSeq):
            line, column = _at(document, TERMS_KEY, value=True)
            raise GlossaryError(
                self.path, [Problem(line, column, f"`{TERMS_KEY}` must be a list of entries")]
            )
        entries: list[Entry] = []
        problems: list[Problem] = []
        seen: dict[tuple[str, str], Entry] = {}
        for index, item in enumerate(terms):
            item_line, item_column = terms.lc.item(index)
            try:
                entry = Entry.from_mapping(item, line=item_line + 1)
            except InvalidEntry as exc:
                line, column = _problem_place(item, exc) or (item_line + 1, item_column + 1)
                problems.append(Problem(line, column, exc.message))
                continue
            key = (term_key(entry.term), entry.context)
            first = seen.get(key)
            if first is not None:
                line, column = _at(item, "term", value=True)
                in_context = f" in context {entry.context!r}" if entry.context else ""
                problems.append(
                    Problem(
                        line,
                        column,
                        f"term {entry.term!r}{in_context} is already defined at line {first.line}",
                    )
                )
                continue
            seen[key] = entry
            entries.append(entry)
        if problems:
            raise GlossaryError(self.path, problems)
        return entries

    @cached_property
    def index(self) -> TermIndex:
        return TermIndex(self.entries)

    def find(self, term: str, context: str | None = None) -> Entry | None:
        return self.index.by_term(term, context)

    def add(self, entry: Entry) -> Entry:
        """Append an entry, leaving the rest of the document as it was; returns it with its line.
        Raises GlossaryError if its term is already defined in its context."""
        existing = self.find(entry.term, entry.context)
        if existing is not None and existing.context == entry.context:
            raise GlossaryError(
                self.path, [Problem(existing.line, 1, f"term {entry.term!r} is already defined")]
            )
        terms = self._terms_for_append()
        _append(terms, _to_yaml(entry))
        self._load(self._dump())
        return self.entries[-1]

    def set_fields(self, entry: Entry, **values: str) -> Entry:
        """Set text fields of an entry already in the file (an empty value removes the field),
        leaving every other entry, comment and key as it was; returns the entry as it now reads."""
        terms = self._document.get(TERMS_KEY) if isinstance(self._document, CommentedMap) else None
        for item in terms or []:
            if term_key(str(item.get("term", ""))) != term_key(entry.term):
                continue
            if str(item.get("context") or "").strip() != entry.context:
                continue
            for key, value in values.items():
                if key not in FIELDS:
                    raise ValueError(f"not a glossary field: {key}")
                if not value:
                    item.pop(key, None)
                elif key in item:
                    item[key] = value
                else:
                    before = [k for k in item if k in FIELDS and FIELDS.index(k) < FIELDS.index(key)]
                    item.insert(len(before), key, value)
            self._load(self._dump())
            found = self.find(entry.term, entry.context)
            assert found is not None
            return found
        raise GlossaryError(self.path, [Problem(entry.line, 1, f"term {entry.term!r} is not in the file")])

    def _terms_for_append(self) -> CommentedSeq:
        if self._document is None:
            # Only comments (or nothing): parse them again with a list after them, so they stay.
            self._load(self._text.rstrip("\n") + ("\n" if self._text.strip() else "") + f"{TERMS_KEY}: []\n")
        terms = self._document.get(TERMS_KEY)
        if not isinstance(terms, CommentedSeq):
            terms = CommentedSeq()
            self._document[TERMS_KEY] = terms
        if terms.fa.flow_style():
            terms.fa.set_block_style()
        return terms

    def _dump(self) -> str:
        out = io.StringIO()
        self._yaml.dump(self._document, out)
        return out.getvalue()

    def dumps(self) -> str:
        """The file's text as it stands (for a WorkspaceEdit or a preview), in its own line endings."""
        text = self._text
        return text.replace("\n", "\r\n") if self._newline == "\r\n" else text

    def save(self) -> None:
        """Write the file atomically (a temporary file beside it, then a rename). Refuses when the
        file changed on disk since it was read, rather than overwrite someone's edit."""
        try:
            current = self.path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise GlossaryError(self.path, [Problem(0, 0, f"cannot read it: {exc.strerror or exc}")]) from exc
        if current != self._on_disk:
            raise GlossaryError(
                self.path,
                [Problem(0, 0, "changed on disk since it was read")],
                hint="load it again and retry",
            )
        data = self.dumps().encode(self._encoding)
        _write_atomic(self.path, data)
        self._on_disk = data


def _place(node: Any) -> tuple[int, int]:
    if isinstance(node, CommentedBase):
        return node.lc.line + 1, node.lc.col + 1
    return 1, 1


def _at(mapping: CommentedMap, key: str, *, value: bool) -> tuple[int, int]:
    """1-based place of a key (or its value) in a mapping."""
    line, column = mapping.lc.value(key) if value else mapping.lc.key(key)
    return line + 1, column + 1


def _problem_place(item: Any, problem: InvalidEntry) -> tuple[int, int] | None:
    if not isinstance(item, CommentedMap) or problem.key is None or problem.key not in item:
        return None
    value = item[problem.key]
    if problem.index is not None and isinstance(value, CommentedSeq):
        line, column = value.lc.item(problem.index)
        return line + 1, column + 1
    return _at(item, problem.key, value=not problem.on_key)


def _to_yaml(entry: Entry) -> CommentedMap:
    mapping = CommentedMap()
    for key, value in entry.to_mapping().items():
        if isinstance(value, list):
            mapping[key] = CommentedSeq(value)
        else:
            mapping[key] = LiteralScalarString(value + "\n") if "\n" in value else value
    return mapping


# ruamel keeps a comment (and the blank lines) that follow a node in a token after the node's last
# scalar. Appending after the last entry would leave the file's closing comments above the new
# entry, so they are moved below it, and the new entry is spaced like the ones before it.


def _tail_slot(node: Any) -> tuple[Any, Any, int] | None:
    """Where the comment token after a node's last scalar lives: (container, key, slot)."""
    if isinstance(node, (CommentedMap, CommentedSeq)) and node:
        key: Any = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        value = node[key]
        if isinstance(value, (CommentedMap, CommentedSeq)) and value and not value.fa.flow_style():
            inner = _tail_slot(value)
            if inner is not None:
                return inner
        return node, key, 2 if isinstance(node, CommentedMap) else 0
    return None


def _tail(node: Any) -> str:
    slot = _tail_slot(node)
    if slot is None:
        return ""
    container, key, index = slot
    tokens = container.ca.items.get(key)
    token = tokens[index] if tokens and len(tokens) > index else None
    return token.value if isinstance(token, CommentToken) else ""


def _set_tail(node: Any, value: str) -> None:
    slot = _tail_slot(node)
    if slot is None:
        return
    container, key, index = slot
    tokens = container.ca.items.setdefault(key, [None, None, None, None])
    if not value.strip(" "):
        tokens[index] = None
    elif isinstance(tokens[index], CommentToken):
        tokens[index].value = value  # keeps the column the comment was written at
    else:
        tokens[index] = CommentToken(value, CommentMark(0), None)


def _append(terms: CommentedSeq, mapping: CommentedMap) -> None:
    if not terms:
        terms.append(mapping)
        return
    last = terms[-1]
    eol, _, rest = _tail(last).partition("\n")
    # Entries are spaced like the last two; a blank line when there is only one to go by.
    separator = "\n" if len(terms) == 1 or _tail(terms[-2]).partition("\n")[2].startswith("\n") else ""
    # Comments indented less than the entry's keys close the list or the file: they move down.
    key_column = last.lc.col if isinstance(last, CommentedMap) else 0
    lines = rest.splitlines(keepends=True)
    cut = next((i for i, line in enumerate(lines) if line.strip() and _indent(line) < key_column), len(lines))
    while cut > 0 and not lines[cut - 1].strip():
        cut -= 1
    stays = "".join(lines[:cut])
    _set_tail(last, eol + "\n" + stays + separator if eol or stays or separator else "")
    terms.append(mapping)
    moved = "".join(lines[cut:])
    if moved:
        _set_tail(mapping, "\n" + moved)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        write_atomic(path, data)
    except OSError as exc:
        raise GlossaryError(path, [Problem(0, 0, f"cannot write it: {exc.strerror or exc}")]) from exc
