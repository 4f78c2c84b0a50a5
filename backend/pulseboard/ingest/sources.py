"""Prometheus scrape sources, read from the TOML ``SOURCES_FILE``.

One table per source (docs/ingest.md has an example)::

    [sources.app]                           # the name: the first part of its streams
    url = "http://127.0.0.1:8000/metrics"   # http or https
    interval = 15                           # seconds between scrapes (>= 1; 15)
    timeout = 5                             # seconds per scrape (<= interval; 10 or interval)
    select = ["process_cpu_seconds_total", 'http_requests_total{code="200"}', "queue_*"]
    labels = ["code"]                       # optional: the labels that name a stream

``select`` is required: a list of Prometheus-style selectors, a sample name
(shell-style ``*``/``?`` wildcards allowed) and optional matchers
``{label="v", label!="v", label=~"re", label!~"re"}`` (regexes match whole
values, as in Prometheus). A source that is wrong is logged and skipped;
the file is read when the server starts.
"""

import fnmatch
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .naming import PART_NAME, NameRefused, stream_name

log = logging.getLogger(__name__)

KNOWN_KEYS = {"url", "interval", "timeout", "select", "labels"}
MAX_SELECTORS = 64
DEFAULT_INTERVAL = 15.0
DEFAULT_TIMEOUT = 10.0
_SELECTOR = re.compile(r"\s*([A-Za-z0-9_:*?\[\]!-]+)\s*(?:\{(.*)\})?\s*")
_MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Selector:
    """A sample name pattern and label matchers ``(label, op, value)``."""

    pattern: str
    matchers: tuple = ()

    def matches(self, name: str, labels: dict) -> bool:
        """Whether a sample called ``name`` with ``labels`` is selected."""
        if not fnmatch.fnmatchcase(name, self.pattern):
            return False
        for label, op, value in self.matchers:
            actual = labels.get(label, "")
            if (op == "=" and actual != value) or (op == "!=" and actual == value):
                return False
            if op in ("=~", "!~") and (value.fullmatch(actual) is None) == (op == "=~"):
                return False
        return True


def parse_selector(text: str) -> Selector:
    """Parse ``name{label="v",...}``; raise ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError("select must hold strings")
    whole = _SELECTOR.fullmatch(text)
    if whole is None:
        raise ValueError(f"selector {text!r} is not name{{label=\"value\",...}}")
    matchers, body, position = [], whole.group(2) or "", 0
    while position < len(body):
        found = _MATCHER.match(body, position)
        if found is None or found.end() == position:
            raise ValueError(f"selector {text!r}: cannot read the matchers at {body[position:]!r}")
        label, op, raw, _ = found.groups()
        value = _ESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), raw)
        if op in ("=~", "!~"):
            try:
                value = re.compile(value)
            except re.error as exc:
                raise ValueError(f"selector {text!r}: bad regex {raw!r}: {exc}") from None
        matchers.append((label, op, value))
        position = found.end()
    return Selector(whole.group(1), tuple(matchers))


@dataclass(frozen=True)
class Source:
    """One scrape source."""

    name: str
    url: str
    interval: float
    timeout: float
    select: tuple
    labels: tuple | None = None

    def wanted(self, name: str, labels: dict) -> bool:
        """Whether any selector picks this sample."""
        return any(selector.matches(name, labels) for selector in self.select)


def _seconds(table: dict, key: str, default: float, low: float, high: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{key} must be a number of seconds from {low:g} to {high:g}")
    return float(value)


def parse_source(name: str, table: dict) -> Source:
    """Build one source from its TOML table; raise ValueError if it is wrong."""
    if not PART_NAME.fullmatch(name):
        raise ValueError("names are 1-32 of a-z 0-9 _ -, starting with a letter or digit")
    try:
        stream_name([name, "x"])
    except NameRefused as exc:
        raise ValueError(exc.message) from None
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    url = table.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("url must be an http:// or https:// URL")
    interval = _seconds(table, "interval", DEFAULT_INTERVAL, 1, 86_400)
    timeout = _seconds(table, "timeout", min(DEFAULT_TIMEOUT, interval), 0.1, interval)
    select = table.get("select")
    if not isinstance(select, list) or not 1 <= len(select) <= MAX_SELECTORS:
        raise ValueError(f"select must list 1-{MAX_SELECTORS} selectors")
    labels = table.get("labels")
    if labels is not None and (not isinstance(labels, list)
                               or not all(isinstance(label, str) for label in labels)):
        raise ValueError("labels must be a list of label names")
    return Source(name, url, interval, timeout, tuple(parse_selector(s) for s in select),
                  tuple(labels) if labels is not None else None)


def load_sources(path: str | Path) -> list[Source]:
    """Every valid source of ``path``; a bad one is logged and skipped, as is an unreadable file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        log.error("sources file %s could not be read: %s", path, exc)
        return []
    tables = document.get("sources", {})
    if not isinstance(tables, dict) or set(document) - {"sources"}:
        log.error("sources file %s: expected only [sources.<name>] tables", path)
        return []
    sources = []
    for name, table in tables.items():
        try:
            sources.append(parse_source(name, table))
        except ValueError as exc:
            log.warning("sources file %s: source %r skipped: %s", path, name, exc)
    return sources
