"""The naming rule: how an outside metric becomes a chart stream name.

Stream names are 1-64 of ``a-z 0-9 . _ -`` starting with a letter or digit
(:data:`pulseboard.charts.streams.STREAM_NAME`), and the dot separates the
parts of a name. An outside metric is named from its parts, in this order::

    [prefix.]<measurement>.<field>[.<tag value>...]     line protocol
    <source>.<sample name>[.<label value>...]           Prometheus scrape

Each part is *folded*: lowercased, and every run of characters other than
``a-z 0-9 _ -`` (dots, slashes, spaces, non-ASCII letters) becomes one
``_``. Tag (label) values follow in the alphabetical order of their keys,
unless the writer names the keys to use (``?tags=`` / a source's
``labels``), in which case they follow in that order and the other tags are
left out. Keys themselves never appear: Telegraf's Graphite serializer
names series the same way (tag values, ordered by key).

So ``cpu,cpu=cpu-total,host=web1 usage_idle=97.5`` is ``cpu.usage_idle.cpu-total.web1``
and ``disk,path=/boot used_percent=41`` is ``disk.used_percent._boot``.
A name that comes out longer than 64 characters, does not start with a
letter or digit, or falls under a prefix the server produces itself
(``system.``, ``demo.``, ``file.``) is refused with a message saying why.
"""

import re
from functools import lru_cache

from ..charts.producers import PRODUCED_STREAM_PREFIXES
from ..charts.streams import STREAM_NAME

_FOLD = re.compile(r"[^a-z0-9_-]+")
#: A prefix or a Prometheus source name: one folded part, starting with a letter or digit.
PART_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_NAME = 64


class NameRefused(ValueError):
    """A stream name the rule cannot produce; ``code`` is the contract's error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def fold(part: str) -> str:
    """One part of a name: lowercased, each run of other characters made one ``_``."""
    return _FOLD.sub("_", part.lower())


def tag_values(tags: dict, keys: tuple[str, ...] | None) -> list[str]:
    """The tag values that name a series: all, by key, or those of ``keys`` in that order."""
    if keys is None:
        return [tags[key] for key in sorted(tags)]
    return [tags[key] for key in keys if key in tags]


def stream_name(parts: list[str]) -> str:
    """Fold and join ``parts`` into a stream name, or raise :class:`NameRefused`."""
    name = ".".join(fold(part) for part in parts)
    if len(name) > MAX_NAME:
        raise NameRefused("bad_request", f"stream name {name[:80]!r} is longer than {MAX_NAME} "
                                         "characters: name fewer tags (?tags=) or drop some")
    if not STREAM_NAME.fullmatch(name):
        raise NameRefused("bad_request", f"stream name {name!r} must start with a letter or "
                                         "digit")
    if name.startswith(PRODUCED_STREAM_PREFIXES):
        raise NameRefused("forbidden", f"stream name {name!r} is under a prefix the server "
                                       "produces itself (system., demo., file.): add ?prefix=")
    return name


@lru_cache(maxsize=16_384)
def _named(parts: tuple) -> tuple[str | None, NameRefused | None]:
    try:
        return stream_name(list(parts)), None
    except NameRefused as refused:
        return None, refused


def cached_stream_name(parts: tuple) -> str:
    """:func:`stream_name` remembered per ``parts``: a batch names the same series again and again.

    Folding was three quarters of a write's time (1,000 ``cpu`` lines of
    ten fields: 10,000 names from 30 distinct series).
    """
    name, refused = _named(parts)
    if refused is not None:
        raise NameRefused(refused.code, refused.message)
    return name
