"""Finding glossary phrases in identifiers and comment text, and entries by term.

Every spelling the glossary knows — the English name, the term, aliases, forbidden synonyms — is
indexed as a word sequence, so `get_order_sn`, `OrderSN` and "order sn" all meet an `avoid` item
`order_sn` the same way, while `void` and `oidc_token` never meet `oid`: words are compared, not
substrings. Chinese spellings are also searched as substrings of comments, where no spaces separate
words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lsp_server.glossary.model import Entry
from lsp_server.glossary.naming import Word, abbreviates, singulars, split_words, words_of
from lsp_server.lru import LRU

CACHED_MATCHES = 20_000  # identifiers and comments; identifiers repeat, comments mostly do not

MatchKind = Literal["english", "term", "alias", "avoid", "variant"]
# When one spelling means several things to one entry, the strongest kind names the match.
_RANK: dict[MatchKind, int] = {"english": 0, "term": 1, "alias": 2, "avoid": 3, "variant": 4}


def term_key(term: str) -> str:
    """A term as compared: NFKC (full-width letters become ASCII), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", term).casefold().split())


def _caseless(text: str) -> bool:
    """Whether the text has letters without case (Chinese, Japanese), written without spaces."""
    return any(ch.isalpha() and not ch.isupper() and not ch.islower() for ch in text)


@dataclass(frozen=True)
class TermMatch:
    """A glossary spelling found at [start, end) of an identifier or text."""

    entry: Entry
    kind: MatchKind
    phrase: str
    """The glossary's spelling that matched; for a variant, the entry's English name."""
    start: int
    end: int
    words: tuple[str, ...]
    """The words of the searched text that matched, lower case."""
    plural: bool = False
    """Matched with a plural ending on the last word (`order_sns` for `order sn`)."""

    @property
    def accepted(self) -> bool:
        """The code may use this spelling: the English name, the term or an alias."""
        return self.kind in ("english", "term", "alias")


@dataclass(frozen=True)
class _Phrase:
    entry: Entry
    kind: MatchKind
    text: str


class TermIndex:
    """The glossary's spellings, ready to be looked for."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = tuple(entries)
        self._phrases: dict[tuple[str, ...], dict[int, _Phrase]] = {}
        self._by_first: dict[str, set[tuple[str, ...]]] = {}
        self._concatenated: dict[str, list[Entry]] = {}
        self._by_initials: dict[tuple[str, ...], list[Entry]] = {}
        self._substrings: dict[str, dict[int, _Phrase]] = {}
        self._cache: LRU[tuple[str, bool], tuple[TermMatch, ...]] = LRU(CACHED_MATCHES)
        for number, entry in enumerate(self.entries):
            self._add(number, entry, "english", entry.english)
            self._add(number, entry, "term", entry.term)
            for alias in entry.aliases:
                self._add(number, entry, "alias", alias)
            for avoid in entry.avoid:
                self._add(number, entry, "avoid", avoid)
            if len(entry.words) > 1:
                self._concatenated.setdefault("".join(entry.words), []).append(entry)
                self._by_initials.setdefault(tuple(w[0] for w in entry.words), []).append(entry)

    def _add(self, number: int, entry: Entry, kind: MatchKind, text: str) -> None:
        phrase = _Phrase(entry, kind, text)
        words = words_of(text)
        if words:
            self._keep(self._phrases.setdefault(words, {}), number, phrase)
            self._by_first.setdefault(words[0], set()).add(words)
        if _caseless(text):
            self._keep(
                self._substrings.setdefault(unicodedata.normalize("NFKC", text).strip(), {}), number, phrase
            )

    @staticmethod
    def _keep(by_entry: dict[int, _Phrase], number: int, phrase: _Phrase) -> None:
        current = by_entry.get(number)
        if current is None or _RANK[phrase.kind] < _RANK[current.kind]:
            by_entry[number] = phrase

    def by_term(self, term: str, context: str | None = None) -> Entry | None:
        """The entry for a term (case, width and spacing ignored); in `context` when one is given."""
        key = term_key(term)
        for entry in self.entries:
            if term_key(entry.term) == key and (context is None or entry.context == context):
                return entry
        return None

    def lookup(self, name: str) -> TermMatch | None:
        """The entry an identifier or phrase names as a whole, in any of its spellings or forms
        (`OrderNumber`, `order_numbers`, `ORDER_SN`, "order number"); None if it names none."""
        words = split_words(name)
        if not words:
            return None
        for match in self.matches(name, variants=False):
            if match.start == words[0].start and match.end == words[-1].end:
                return match
        return None

    def matches(self, text: str, *, variants: bool = True) -> tuple[TermMatch, ...]:
        """Every glossary spelling in an identifier (or any text split into words), longest first
        and without overlaps, in order. With `variants`, also unknown forms of multi-word English
        names: run together (`ordernumber`) or abbreviated at the end (`get_order_num`)."""
        cached = self._cache.get((text, variants))
        if cached is not None:
            return cached
        words = split_words(text)
        keys = [word.key for word in words]
        found: list[TermMatch] = []
        covered = [False] * len(words)
        i = 0
        while i < len(words):
            hit = self._phrase_at(keys, i)
            if hit is None:
                i += 1
                continue
            phrase_words, plural = hit
            end = i + len(phrase_words)
            found.extend(self._found(self._phrases[phrase_words], words[i:end], plural))
            covered[i:end] = [True] * (end - i)
            i = end
        if variants:
            found.extend(self._variants(words, keys, covered))
        result = tuple(sorted(found, key=lambda m: (m.start, _RANK[m.kind])))
        self._cache[(text, variants)] = result
        return result

    def find_in_text(self, text: str) -> tuple[TermMatch, ...]:
        """Glossary spellings in comment or docstring text: word sequences ("order number"), and
        Chinese spellings as substrings (会员积分 inside 计算会员积分). Longest wins where they overlap."""
        found = list(self.matches(text, variants=False))
        for spelling, by_entry in self._substrings.items():
            start = text.find(spelling)
            while start >= 0:
                end = start + len(spelling)
                found.extend(
                    TermMatch(p.entry, p.kind, p.text, start, end, (spelling,)) for p in by_entry.values()
                )
                start = text.find(spelling, end)
        kept: list[TermMatch] = []
        for match in sorted(found, key=lambda m: (m.start - m.end, m.start, _RANK[m.kind])):
            same_place = [k for k in kept if (k.start, k.end) == (match.start, match.end)]
            overlapped = any(k.start < match.end and match.start < k.end for k in kept)
            if (overlapped and not same_place) or any(k.entry is match.entry for k in same_place):
                continue
            kept.append(match)
        return tuple(sorted(kept, key=lambda m: (m.start, _RANK[m.kind])))

    def _phrase_at(self, keys: list[str], i: int) -> tuple[tuple[str, ...], bool] | None:
        """The longest indexed phrase starting at word i; the last word may be a plural."""
        best: tuple[tuple[str, ...], bool] | None = None
        for first in singulars(keys[i]):
            for phrase in self._by_first.get(first, ()):
                end = i + len(phrase)
                if end > len(keys) or (first != keys[i] and len(phrase) > 1):
                    continue
                if list(phrase[:-1]) != keys[i : end - 1] or phrase[-1] not in singulars(keys[end - 1]):
                    continue
                plural = phrase[-1] != keys[end - 1]
                if best is None or (len(phrase), not plural) > (len(best[0]), not best[1]):
                    best = (phrase, plural)
        return best

    def _found(self, by_entry: dict[int, _Phrase], words: list[Word], plural: bool) -> list[TermMatch]:
        """One match per entry; a spelling some entry accepts is never reported as forbidden."""
        phrases = list(by_entry.values())
        if any(p.kind != "avoid" for p in phrases):
            phrases = [p for p in phrases if p.kind != "avoid"]
        keys = tuple(word.key for word in words)
        return [
            TermMatch(p.entry, p.kind, p.text, words[0].start, words[-1].end, keys, plural) for p in phrases
        ]

    def _variants(self, words: list[Word], keys: list[str], covered: list[bool]) -> list[TermMatch]:
        found: list[TermMatch] = []
        for i, key in enumerate(keys):
            if covered[i]:
                continue
            for singular in singulars(key):
                for entry in self._concatenated.get(singular, ()):
                    found.append(
                        TermMatch(
                            entry,
                            "variant",
                            entry.english,
                            words[i].start,
                            words[i].end,
                            (key,),
                            singular != key,
                        )
                    )
        # An abbreviation counts only at the end of an identifier, where the head noun sits:
        # `get_order_num` is an order number, `order_num_items` a number of items.
        for length in range(2, len(keys) + 1):
            start = len(keys) - length
            if any(covered[start:]):
                break
            window = keys[start:]
            for entry in self._by_initials.get(tuple(key[0] for key in window), ()):
                plural = _abbreviated(window, entry.words)
                if plural is not None:
                    found.append(
                        TermMatch(
                            entry,
                            "variant",
                            entry.english,
                            words[start].start,
                            words[-1].end,
                            tuple(window),
                            plural,
                        )
                    )
        return found


def _abbreviated(window: list[str], english: tuple[str, ...]) -> bool | None:
    """Whether the words spell the English name with some words abbreviated and at least one word
    whole (None if not); the bool says whether the last word was a plural."""
    whole = shortened = 0
    plural = False
    for position, (key, word) in enumerate(zip(window, english, strict=True)):
        last = position == len(english) - 1
        if key == word or (last and word in singulars(key)):
            whole += 1
            plural = last and key != word
        elif abbreviates(key, word):
            shortened += 1
        else:
            return None
    return plural if whole and shortened else None
