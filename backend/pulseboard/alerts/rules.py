"""Alert rules: what to watch and what to do, read strictly from the TOML rules file.

The file (``ALERTS_FILE``; ``pulseboard/data/alerts.toml`` ships as a demo)
has one table per rule under ``[rules]``; ``docs/alerts.md`` describes every
key. Unlike the tasks file, a rules file with any mistake stops the server at
start-up with a message naming the rule and the key: an alert that silently
never fires is worse than a server that refuses to start.
"""

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..charts.producers import BUILT_IN, PRODUCED_STREAM_PREFIXES
from ..charts.streams import STREAM_NAME
from ..config import SettingsError
from ..contract.auth import USERNAME_PATTERN
from ..contract.chat import ROOM_NAME_PATTERN

Condition = Literal["above", "below", "absent"]
Severity = Literal["info", "warning", "critical"]
RULE_NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
ROOM = ROOM_NAME_PATTERN  # the chat's room names
USER = USERNAME_PATTERN  # the chat's user names
TASK = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
MAX_RULES = 100
#: At most a day of waiting: longer is almost certainly a unit mistake (ms for s).
MAX_SECONDS = 86_400


class RulesFileError(SettingsError):
    """The rules file cannot be used; the message names the file, rule and key.

    A settings error: ``pulseboard serve`` refuses to start with it (exit 2).
    """


class Rule(BaseModel):
    """One alert rule; ``for_`` and ``clear_for`` are seconds.

    ``threshold`` is crossed to enter the condition; ``clear`` (default: the
    threshold) must be crossed back to leave it: that gap is the hysteresis.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    name: Annotated[str, Field(pattern=RULE_NAME)]
    stream: Annotated[str, Field(max_length=64)]
    condition: Condition
    threshold: float | None = None
    clear: float | None = None
    for_: Annotated[float, Field(alias="for", ge=0, le=MAX_SECONDS)] = 0
    clear_for: Annotated[float, Field(ge=0, le=MAX_SECONDS)] = 0
    severity: Severity = "warning"
    summary: Annotated[str, Field(max_length=200)] = ""
    debug: bool = True
    chat_room: Annotated[str, Field(pattern=ROOM)] | None = None
    chat_user: Annotated[str, Field(pattern=USER)] | None = None
    task: Annotated[str, Field(pattern=TASK)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _numbers_as_floats(cls, data):
        # Strict mode refuses an int for a float; TOML users write `for = 30`.
        if isinstance(data, dict):
            for key in ("threshold", "clear", "for", "clear_for"):
                if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
                    data = {**data, key: float(data[key])}
        return data

    @model_validator(mode="after")
    def _consistent(self):
        if not STREAM_NAME.match(self.stream):
            raise ValueError("stream: names are 1-64 of a-z, 0-9, '.', '_', '-'")
        if self.stream.startswith(PRODUCED_STREAM_PREFIXES) and self.stream not in BUILT_IN \
                and not self.stream.startswith("file."):
            raise ValueError(f"stream: there is no built-in stream {self.stream!r}")
        if self.condition == "absent":
            if self.threshold is not None or self.clear is not None:
                raise ValueError("threshold/clear: an 'absent' rule has no threshold")
            if self.for_ <= 0:
                raise ValueError("for: an 'absent' rule needs for > 0 (seconds without a point)")
            return self
        if self.threshold is None:
            raise ValueError(f"threshold: an {self.condition!r} rule needs a threshold")
        clear = self.clear_level
        if self.condition == "above" and clear > self.threshold:
            raise ValueError("clear: for 'above' it must be at most the threshold")
        if self.condition == "below" and clear < self.threshold:
            raise ValueError("clear: for 'below' it must be at least the threshold")
        return self

    @property
    def clear_level(self) -> float | None:
        """The level to cross back to leave the condition (the threshold if no ``clear``)."""
        return self.threshold if self.clear is None else self.clear

    def describe(self) -> str:
        """The condition in words, e.g. ``system.cpu above 90 for 30 s``."""
        if self.condition == "absent":
            return f"no point on {self.stream} for {self.for_:g} s"
        text = f"{self.stream} {self.condition} {self.threshold:g}"
        return text + (f" for {self.for_:g} s" if self.for_ else "")

    def as_dict(self) -> dict:
        """The contract's ``rule`` object (no actions: who is told is the server's business)."""
        return {"name": self.name, "stream": self.stream, "condition": self.condition,
                "threshold": self.threshold, "clear": self.clear_level, "for": self.for_,
                "clear_for": self.clear_for, "severity": self.severity,
                "summary": self.summary or self.describe()}


def _problem(error: dict) -> str:
    """One pydantic error as ``key: message`` (a cross-key check names its key itself)."""
    message = error["msg"].removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {message}" if where else message


def parse_rules(document: dict, source: str = "rules file") -> dict[str, Rule]:
    """Build every rule of a parsed TOML document; raise RulesFileError on the first mistake."""
    unknown = set(document) - {"rules"}
    if unknown:
        raise RulesFileError(f"{source}: unknown top-level keys {sorted(unknown)} "
                             "(rules go under [rules.<name>])")
    tables = document.get("rules", {})
    if not isinstance(tables, dict):
        raise RulesFileError(f"{source}: [rules] must be a table")
    if len(tables) > MAX_RULES:
        raise RulesFileError(f"{source}: at most {MAX_RULES} rules")
    rules = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise RulesFileError(f"{source}: rule {name!r}: must be a table")
        if "name" in table:
            raise RulesFileError(f"{source}: rule {name!r}: name: the table's name is the name")
        try:
            rules[name] = Rule.model_validate({**table, "name": name})
        except ValidationError as exc:
            problems = "; ".join(_problem(e) for e in exc.errors()[:3])
            raise RulesFileError(f"{source}: rule {name!r}: {problems}") from None
    return rules


def load_rules(path: str | None) -> dict[str, Rule]:
    """The rules of ``ALERTS_FILE`` (none when it is unset); RulesFileError if it is wrong."""
    if not path:
        return {}
    try:
        with Path(path).open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise RulesFileError(f"alerts file {path}: cannot be read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesFileError(f"alerts file {path}: not valid TOML: {exc}") from None
    return parse_rules(document, f"alerts file {path}")
