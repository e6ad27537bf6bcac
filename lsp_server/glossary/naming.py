"""Words and identifier forms: how phrases and identifiers split into words, and words join into names.

One splitter serves English phrases ("SKU code"), identifiers (`get_order_sn`, `OrderSN`) and comment
text, so matching compares like with like: two spellings name the same thing exactly when their
lower-case word sequences are equal. Identifier forms are derived from words by fixed rules, never
by a model, so the same `english` always gives the same names.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import inflect

Style = Literal["pascal", "snake", "camel", "upper"]

# Words are found on a string of character classes rather than on the text, so that any script
# works: U upper, L lower, D digit, O a letter without case (Chinese), space for separators.
_RUNS = re.compile(r"U+(?=UL)|U?L+|U+|D+|O+")
_APOSTROPHES = "'’"


def _class_of(text: str, i: int) -> str:
    ch = text[i]
    if ch.isupper():
        return "U"
    if ch.islower():
        return "L"
    if ch.isdecimal():
        return "D"
    if ch.isalpha():
        return "O"
    if ch in _APOSTROPHES and 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
        return "L"  # "customer's" stays one word
    return " "


@dataclass(frozen=True)
class Word:
    """A word of a text as written, with its offsets in that text."""

    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """The word as matching sees it: lower case, apostrophes dropped."""
        return "".join(ch for ch in self.text if ch not in _APOSTROPHES).lower()


def split_words(text: str) -> list[Word]:
    """Words of an identifier or phrase: `get_orderSN2` → get, order, SN, 2; `HTTPServer` → HTTP,
    Server; `SKUs` → SKUs (a plural acronym stays whole); `会员积分` → one word."""
    classes = "".join(_class_of(text, i) for i in range(len(text)))
    words: list[Word] = []
    for run in _RUNS.finditer(classes):
        start, end = run.span()
        last = words[-1] if words else None
        if (
            last is not None
            and last.end == start
            and end - start == 2
            and text[start].isupper()
            and text[start + 1] == "s"
            and last.text.isupper()
        ):
            words[-1] = Word(text[last.start : end], last.start, end)  # "ID" + "Ds" was "IDs"
            continue
        words.append(Word(text[start:end], start, end))
    return words


def words_of(text: str) -> tuple[str, ...]:
    """Lower-case words of a phrase or identifier: "SKU code" and `SkuCode` → ("sku", "code")."""
    return tuple(word.key for word in split_words(unicodedata.normalize("NFKC", text)))


def _glue_digits(words: tuple[str, ...] | list[str]) -> list[str]:
    """Digits join the word before them (`sha256_hash`, not `sha_256_hash`)."""
    parts: list[str] = []
    for word in words:
        if parts and word.isdecimal():
            parts[-1] += word
        else:
            parts.append(word)
    return parts


def render(words: tuple[str, ...] | list[str], style: Style) -> str:
    """Join lower-case words in one identifier style."""
    parts = _glue_digits([word.lower() for word in words])
    if style == "snake":
        return "_".join(parts)
    if style == "upper":
        return "_".join(parts).upper()
    capitalized = [part[:1].upper() + part[1:] for part in parts]
    if style == "camel" and parts:
        capitalized[0] = parts[0]
    return "".join(capitalized)


@dataclass(frozen=True)
class IdentifierForms:
    """The names one English phrase gives: types, names, and two spellings met in the wild."""

    pascal: str
    snake: str
    camel: str
    upper: str

    def style(self, style: Style) -> str:
        return getattr(self, style)

    def all(self) -> tuple[str, ...]:
        return (self.pascal, self.snake, self.camel, self.upper)


def identifier_forms(words: tuple[str, ...]) -> IdentifierForms:
    return IdentifierForms(*(render(words, style) for style in ("pascal", "snake", "camel", "upper")))


def style_of(name: str) -> Style:
    """The case style an identifier is written in; a single lower-case word counts as snake_case."""
    core = name.strip("_")
    if any(ch.isupper() for ch in core) and not any(ch.islower() for ch in core):
        return "upper"
    if "_" in core or not any(ch.isupper() for ch in core):
        return "snake"
    return "pascal" if core[:1].isupper() else "camel"


def singulars(word: str) -> tuple[str, ...]:
    """The word and the singulars it may be the plural of (`orders` → orders, order)."""
    found = [word]
    if len(word) > 4 and word.endswith("ies"):
        found.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("es"):
        found.append(word[:-2])
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        found.append(word[:-1])
    return tuple(found)


@functools.cache
def _inflector() -> inflect.engine:
    """Loaded on first use, not with the server: importing inflect takes about a second, spent by
    typeguard instrumenting it (jaraco/inflect#212)."""
    import inflect

    return inflect.engine()


def pluralize(word: str) -> str:
    """The English plural of a singular word, irregular ones included (person → people, category →
    categories, status → statuses), by inflect's rules: English has too many exceptions for
    suffix rules. A word without cased letters (Chinese, digits) gets a lower-case `s`, where
    inflect would take it for an acronym and write `S`."""
    if not word:
        return word
    plural = _inflector().plural_noun(word)
    return plural if word.lower() != word.upper() else plural.lower()


def abbreviates(short: str, full: str) -> bool:
    """Whether `short` reads as an abbreviation of `full`: same first letter, shorter, and its
    letters appear in `full` in order (num, nbr → number; pts → points; qty → quantity)."""
    if not (2 <= len(short) < len(full)) or not short.isalpha() or short[0] != full[0]:
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)


def same_word(a: str, b: str) -> bool:
    """Equal up to a plural ending: order / orders, box / boxes, company / companies."""
    return bool(set(singulars(a)) & set(singulars(b)))


def same_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return len(a) == len(b) and all(same_word(x, y) for x, y in zip(a, b, strict=True))


def similar_words(a: str, b: str) -> bool:
    """Two words that probably mean the same: equal up to a plural, one abbreviates the other, or
    a typo apart (long words only, where one wrong letter cannot make another word)."""
    if same_word(a, b):
        return True
    if abbreviates(a, b) or abbreviates(b, a):
        return True
    return min(len(a), len(b)) >= 5 and SequenceMatcher(None, a, b).ratio() >= 0.85
