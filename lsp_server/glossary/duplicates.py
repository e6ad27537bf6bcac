"""Is a new term already in the glossary? Exact duplicates, and near ones a person should look at.

Run before drafting (the term alone) and after (with the drafted English), so a term is reported
instead of added twice under two spellings. Entries of another bounded context are not duplicates:
the same word may mean different things in two contexts; an entry without a context is shared.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from lsp_server.glossary.index import term_key
from lsp_server.glossary.model import Entry
from lsp_server.glossary.naming import same_words, similar_words, singulars, words_of

# Chinese terms often differ only by which word for "identifier" ends them: 订单号, 订单编号, 订单ID.
IDENTIFIER_SUFFIXES = ("标识符", "编号", "号码", "编码", "代码", "标识", "序号", "号", "码", "id")


@dataclass(frozen=True)
class Duplicate:
    """A glossary entry the new term may duplicate, and why it looks like one."""

    entry: Entry
    reason: str
    exact: bool
    """True: the same term or name; False: only close, worth a look."""


def _chinese_stem(term: str) -> str | None:
    """A Chinese term without its identifier suffix (订单编号 → 订单); None if it has none."""
    key = unicodedata.normalize("NFKC", term).casefold().replace(" ", "")
    for suffix in IDENTIFIER_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2 and not key.isascii():
            return key[: -len(suffix)]
    return None


def _close_words(new: tuple[str, ...], old: tuple[str, ...]) -> str | None:
    """Why two word sequences are close (None if they are not)."""
    if len(new) != len(old) or new == old:
        return None
    if sorted(map(_stem, new)) == sorted(map(_stem, old)):
        return "the same words in another order"
    differing = [(a, b) for a, b in zip(new, old, strict=True) if a != b]
    if len(differing) == 1 and len(new) > 1 and similar_words(*differing[0]):
        a, b = differing[0]
        return f"differs only in {a!r} / {b!r}"
    return None


def _stem(word: str) -> str:
    return min(singulars(word), key=len)


def _shares_context(entry: Entry, context: str) -> bool:
    return not entry.context or not context or entry.context == context


def find_duplicates(
    entries: Iterable[Entry], term: str, english: str = "", context: str = ""
) -> list[Duplicate]:
    """Entries that `term` (and, once drafted, its `english`) would duplicate; exact ones first."""
    term_words = words_of(term)
    english_words = words_of(english)
    new_names = {words for words in (term_words, english_words) if words}
    found: list[Duplicate] = []
    for entry in entries:
        if not _shares_context(entry, context):
            continue
        reason = _exact(entry, term, new_names)
        if reason is not None:
            found.append(Duplicate(entry, reason, True))
            continue
        reason = _near(entry, term, new_names)
        if reason is not None:
            found.append(Duplicate(entry, reason, False))
    return sorted(found, key=lambda d: not d.exact)


def _exact(entry: Entry, term: str, new_names: set[tuple[str, ...]]) -> str | None:
    if term_key(term) == term_key(entry.term):
        return f"the same term as {entry.term!r}"
    old_forms = entry.forms
    for words in new_names:
        if same_words(words, entry.words):
            return f"the same English name as {entry.term!r} ({entry.english})"
        if "".join(words) == "".join(entry.words):
            return f"the same identifiers as {entry.term!r} ({old_forms.pascal}, {old_forms.snake})"
        for alias in entry.aliases:
            if words == words_of(alias):
                return f"an alias of {entry.term!r} ({alias})"
        for avoid in entry.avoid:
            if words == words_of(avoid):
                return f"a synonym to avoid for {entry.term!r} ({avoid}); use {old_forms.snake}"
    return None


def _near(entry: Entry, term: str, new_names: set[tuple[str, ...]]) -> str | None:
    new_stem, old_stem = _chinese_stem(term), _chinese_stem(entry.term)
    if new_stem is not None and new_stem == old_stem:
        return f"the same as {entry.term!r} apart from the identifier suffix"
    for words in new_names:
        for old in (entry.words, words_of(entry.term)):
            why = _close_words(words, old)
            if why is not None:
                return f"close to {entry.term!r} ({entry.english}): {why}"
    return None
