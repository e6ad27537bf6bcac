"""Schema-constrained chat: one call, one failure policy, for every feature that asks the model for JSON.

The schema becomes a grammar, so the answer should parse; when it does not (cut off by the token
limit, or a remote server that ignores the schema), `UnparsableAnswer` carries the raw text and what
can be salvaged of it, and each caller decides in one line whether that is an error, a partial
result, or nothing this round. The parsing and salvage rules live here, once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from lsp_server.config import prompt_log_path
from lsp_server.engine.backend import Backend, CancelToken, ChatMessage, Completion, Priority
from lsp_server.errors import Cancelled, ModelError

log = logging.getLogger(__name__)

RETRY_HINT = "try again, or a larger model (--model large)"


class UnparsableAnswer(ModelError):
    """The model's answer is not a complete JSON object. `partial` is what was written whole
    (see `salvage`), or None when nothing was; a caller that can use part of an answer uses it."""

    def __init__(self, message: str, *, text: str, stop_reason: str, partial: dict[str, Any] | None) -> None:
        super().__init__(message, RETRY_HINT)
        self.text = text
        self.stop_reason = stop_reason
        self.partial = partial


def chat_json(
    backend: Backend,
    messages: Sequence[ChatMessage],
    schema: dict[str, Any],
    *,
    max_tokens: int,
    temperature: float = 0.0,
    priority: Priority = Priority.BATCH,
    cancel: CancelToken | None = None,
    what: str = "answer",
    seed: int | None = None,
) -> dict[str, Any]:
    """The JSON object the model answers with. Raises Cancelled when the caller stopped wanting it
    (before the call, or during it: a late answer is not wanted either), and UnparsableAnswer when
    the answer is not a complete object; `what` names the answer in that error's message."""
    if cancel is not None:
        cancel.check()
    result = backend.chat(
        messages,
        json_schema=schema,
        max_tokens=max_tokens,
        temperature=temperature,
        priority=priority,
        cancel=cancel,
        **({"seed": seed} if seed is not None else {}),
    )
    if result.stop_reason == "cancelled":
        raise Cancelled()
    if cancel is not None:
        cancel.check()
    partial = None
    try:
        data = json.loads(result.text)
    except ValueError:
        problem = f"the model's {what} is not complete JSON ({result.stop_reason})"
        partial = salvage(result.text)
    else:
        problem = "" if isinstance(data, dict) else f"the model's {what} is not a JSON object"
    _record(what, result, parsed=not problem)
    if problem:
        raise UnparsableAnswer(problem, text=result.text, stop_reason=result.stop_reason, partial=partial)
    return data


def _record(what: str, result: Completion, *, parsed: bool) -> None:
    """With UBIQ_PROMPT_LOG set (debugging and benchmarks), append what the model answered: the
    engine logs the prompt's tokens, not the text."""
    path = prompt_log_path()
    if not path:
        return
    entry = {
        "kind": "chat_json",
        "what": what,
        "stop_reason": result.stop_reason,
        "parsed": parsed,
        "text": result.text,
        "stats": result.stats.to_dict(),
    }
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    except OSError as error:  # a debugging aid must not fail the feature
        log.warning("cannot write the prompt log %s: %s", path, error)


# -- salvage --------------------------------------------------------------------------------------

_NOTHING = object()  # a cut-off value with nothing worth keeping
_SPACE = " \t\r\n"


class _Cut(Exception):
    """The text ended, or stopped being JSON, inside a value; `kept` is that value's usable part."""

    def __init__(self, kept: Any = _NOTHING) -> None:
        super().__init__()
        self.kept = kept


def salvage(text: str) -> dict[str, Any] | None:
    """What a cut-off answer wrote whole: the JSON object in `text` (prose before it is skipped),
    keeping its complete members, and of a list that is one of its members, the items written
    whole. Anything else cut off is dropped — half a record is worse than none. None when no object
    even began."""
    start = next((i for i, ch in enumerate(text) if ch in "{["), -1)
    if start < 0 or text[start] == "[":
        return None  # a list is not the object the schema asked for, whatever it holds
    try:
        value, _ = _value(text, start, json.JSONDecoder(), 0)
    except _Cut as cut:
        value = cut.kept
    except RecursionError:
        return None
    return value if isinstance(value, dict) else None


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def _value(text: str, position: int, decoder: json.JSONDecoder, depth: int) -> tuple[Any, int]:
    position = _skip(text, position)
    opening = text[position : position + 1]
    if opening == "{":
        return _object(text, position, decoder, depth)
    if opening == "[":
        return _array(text, position, decoder, depth)
    try:
        value, end = decoder.raw_decode(text, position)
    except ValueError:
        raise _Cut() from None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and end == len(text):
        raise _Cut()  # "12" at the very end may be the start of "125"
    return value, end


def _object(text: str, position: int, decoder: json.JSONDecoder, depth: int) -> tuple[Any, int]:
    members: dict[str, Any] = {}
    kept = members if depth == 0 else _NOTHING
    position = _skip(text, position + 1)
    if text[position : position + 1] == "}":
        return members, position + 1
    while True:
        try:
            key, position = decoder.raw_decode(text, _skip(text, position))
        except ValueError:
            raise _Cut(kept) from None
        position = _skip(text, position)
        if not isinstance(key, str) or text[position : position + 1] != ":":
            raise _Cut(kept)
        try:
            value, position = _value(text, position + 1, decoder, depth + 1)
        except _Cut as cut:
            if depth == 0 and cut.kept is not _NOTHING:
                members[key] = cut.kept
            raise _Cut(kept) from None
        members[key] = value
        position = _skip(text, position)
        separator = text[position : position + 1]
        if separator == "}":
            return members, position + 1
        if separator != ",":
            raise _Cut(kept)
        position += 1


def _array(text: str, position: int, decoder: json.JSONDecoder, depth: int) -> tuple[Any, int]:
    items: list[Any] = []
    kept = items if depth == 1 else _NOTHING
    position = _skip(text, position + 1)
    if text[position : position + 1] == "]":
        return items, position + 1
    while True:
        try:
            value, position = _value(text, position, decoder, depth + 1)
        except _Cut:
            raise _Cut(kept) from None
        items.append(value)
        position = _skip(text, position)
        separator = text[position : position + 1]
        if separator == "]":
            return items, position + 1
        if separator != ",":
            raise _Cut(kept)
        position += 1
