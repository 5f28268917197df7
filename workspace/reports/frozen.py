"""What a final report showed, kept as JSON so that its page, .docx and workbook never change.

InterimData is plain typed dataclasses; `dump` writes it as JSON values and `load` reads them
back by the same type hints (dates as ISO text, dicts as pairs because their keys may be ints).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime


def dump(value):
    if dataclasses.is_dataclass(value):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return [[dump(k), dump(v)] for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [dump(v) for v in value]
    return value


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def load(kind, value):
    if value is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return load(next(a for a in args if a is not type(None)), value)
    if dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                f.name: load(hints[f.name], value[f.name])
                for f in dataclasses.fields(kind)
                if f.init and f.name in value
            }
        )
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if origin is list:
        return [load(args[0], v) for v in value]
    if origin is tuple:
        return (
            tuple(load(a, v) for a, v in zip(args, value, strict=True))
            if args and args[-1] is not Ellipsis
            else tuple(load(args[0] if args else typing.Any, v) for v in value)
        )
    if kind is tuple:
        return _tuples(value)
    if origin is dict:
        return {load(args[0], k): load(args[1], v) for k, v in value}
    if kind is dict:
        return dict(value)
    return value
