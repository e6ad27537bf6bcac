"""Typed arguments for Ubiq's `workspace/executeCommand` commands.

pygls 2 structures a command's positional arguments by their annotations, but it needs every one
of them: a client that leaves out an optional argument gets "Expected 1 arguments, got 0". Ubiq's
commands take one optional options object (`generateTests` a URI and an optional name), so the
commands are typed here instead: one attrs class per command, structured by pygls' own converter
(camelCase keys, as lsprotocol's types), the class's defaults standing for what the client left
out, and strict scalar types so that `"tasks": "5"` or `"force": "yes"` is refused, not guessed.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import default_converter

T = TypeVar("T")
log = logging.getLogger(__name__)


def _strict(kind: type, name: str) -> Any:
    def structure(value: Any, _: type) -> Any:
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise TypeError(f"must be {name}, not {value!r}")
        return value

    return structure


_converter = default_converter()
_SCALARS = ((str, "a string"), (int, "a whole number"), (bool, "true or false"), (float, "a number"))
for _kind, _name in _SCALARS:
    _converter.register_structure_hook(_kind, _strict(_kind, _name))


def _list_of(kind: type) -> Any:
    """A list stays a list: cattrs alone would read "abc" as ["a", "b", "c"]."""
    (inner,) = get_args(kind)

    def structure(value: Any, _: type) -> list[Any]:
        if not isinstance(value, list):
            raise TypeError(f"must be a list, not {value!r}")
        items = []
        for index, item in enumerate(value):
            try:
                items.append(_converter.structure(item, inner))
            except Exception as exc:
                raise TypeError(f"item {index} {exc}") from None
        return items

    return structure


_converter.register_structure_hook_factory(lambda kind: get_origin(kind) is list, _list_of)


def _field_errors(error: BaseException, path: str = "") -> list[str]:
    """The nested validation errors of cattrs as "key must be …" lines, with camelCase keys."""
    if not isinstance(error, cattrs.ClassValidationError | cattrs.IterableValidationError):
        if isinstance(error, KeyError):
            return [f"{path or 'a field'} is required"]
        return [f"{path} {error}".strip()]
    lines = []
    for inner in error.exceptions:
        where = path
        for note in getattr(inner, "__notes__", []):
            if isinstance(note, cattrs.AttributeValidationNote):
                where = f"{path}.{_camel(note.name)}" if path else _camel(note.name)
            elif isinstance(note, cattrs.IterableValidationNote):
                where = f"{path}[{note.index}]"
        lines += _field_errors(inner, where)
    return lines


def within(low: int, high: int) -> Any:
    """An attrs validator for a count the user chose: the message names the option and the range."""

    def check(_: Any, attribute: attrs.Attribute, value: int) -> None:
        if not low <= value <= high:
            raise ValueError(f"{_camel(attribute.name)} must be from {low} to {high}, not {value}")

    return check


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def options(command: str, args: tuple[Any, ...], kind: type[T], positional: tuple[str, ...] = ()) -> T:
    """The command's arguments as `kind`: one optional object, or (for `positional` names) the
    values in that order. Anything else is InvalidParams naming the command and the field."""
    if not args or (len(args) == 1 and args[0] is None):
        value: dict[str, Any] = {}
    elif positional and not isinstance(args[0], dict) and len(args) <= len(positional):
        value = {_camel(name): arg for name, arg in zip(positional, args, strict=False) if arg is not None}
    elif len(args) == 1 and isinstance(args[0], dict):
        value = args[0]
    else:
        fields = ", ".join(_camel(f.name) for f in attrs.fields(kind))  # type: ignore[misc]
        raise JsonRpcInvalidParams(message=f"{command}: expects one optional argument, {{{fields}}}")
    unknown = set(value) - {_camel(f.name) for f in attrs.fields(kind)}  # type: ignore[misc]
    if unknown:  # a newer client's option: the rest still works
        log.info("%s: ignoring unknown option(s) %s", command, ", ".join(sorted(unknown)))
    try:
        return _converter.structure(value, kind)
    except Exception as exc:
        raise JsonRpcInvalidParams(message=f"{command}: {'; '.join(_field_errors(exc))}") from None
