"""JSON in, strictly: what one client sends must never break another's parser.

Python's ``json`` accepts ``NaN``/``Infinity``, escaped lone surrogates
(``"\\ud800"``), numbers past a double's range (``1e400`` becomes ``inf``, a
400-digit integer stays a Python int) and nesting until the interpreter's
recursion limit, where it raises ``RecursionError`` rather than
``ValueError``. A browser's ``JSON.parse`` refuses most of what such a value
turns into on the way out. :func:`loads` refuses all of it at the door.

It stays cheap for ordinary payloads: the C decoder runs once, numbers go
through a small hook, and the depth and surrogate checks run only when a
C-speed scan of the text finds more brackets than :data:`MAX_DEPTH` or a
surrogate escape.
"""

import json
import math
import re
from itertools import accumulate

#: Deepest nesting of arrays and objects accepted.
MAX_DEPTH = 32

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JSONRefused(ValueError):
    """The text is not JSON, or holds a value Pulseboard does not accept."""


def _refuse_constant(name: str):
    raise JSONRefused(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused(f"number {text[:20]}... is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 308:  # past a double's range: no client can read it
        raise JSONRefused("integer out of range")
    return int(text)


# The hooks run per number (and per NaN/Infinity): strings, the bulk of chat
# traffic, stay on the C scanner's fast path.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant,
                            parse_float=_finite_float, parse_int=_bounded_int)


def nesting_depth(text: str) -> int:
    """The deepest array/object nesting of JSON ``text`` (strings ignored)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def loads(text: str | bytes) -> object:
    """Decode ``text`` as strict JSON or raise :class:`JSONRefused` saying why.

    Refused: invalid JSON or UTF-8, ``NaN``/``Infinity``, numbers a double
    cannot hold, lone surrogates, nesting deeper than :data:`MAX_DEPTH`.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONRefused("not valid UTF-8") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise JSONRefused(f"nested deeper than {MAX_DEPTH} levels")
    try:
        value, end = _DECODER.raw_decode(text, _skip_space(text, 0))
    except JSONRefused:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONRefused(f"not valid JSON: {str(exc)[:80]}") from None
    if _skip_space(text, end) != len(text):
        raise JSONRefused("not valid JSON: extra data after the value")
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        try:  # C speed: encoding fails on the first unpaired surrogate
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise JSONRefused("string holds a lone surrogate (invalid Unicode)") from None
    return value


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def dumps(value: object, **kwargs) -> str:
    """``json.dumps`` (the counterpart python-socketio's ``json`` option needs)."""
    return json.dumps(value, **kwargs)
