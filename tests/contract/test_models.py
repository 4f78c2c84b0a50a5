"""The contract package is the one copy of the payload models; its limits agree with themselves."""

import json
import re

import pytest
from pydantic import BaseModel

from pulseboard.app import create_app  # noqa: F401 (imports every feature and its models)
from pulseboard.charts.namespace import ChartsNamespace
from pulseboard.chat.namespace import ChatNamespace
from pulseboard.contract import chat, debug
from pulseboard.contract.base import Reply
from pulseboard.contract.export import build_schema
from pulseboard.contract.registry import NAMESPACES, ROUTES, all_models
from pulseboard.debug.namespace import DebugNamespace
from pulseboard.tasks.namespace import TasksNamespace
from pulseboard.wire import ApiError, Payload, parse
from support.server import REPO

HANDLERS = {"/charts": ChartsNamespace, "/logs": TasksNamespace, "/debug": DebugNamespace,
            "/chat": ChatNamespace}
SCHEMA = build_schema()
DEFS = SCHEMA["$defs"]
LIMITS = {name: item["value"] for name, item in SCHEMA["x-limits"].items()}


def subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | subclasses(sub)
    return found


def test_every_payload_model_lives_in_the_contract_package():
    elsewhere = sorted(f"{m.__module__}.{m.__qualname__}" for m in subclasses(Payload)
                       if not m.__module__.startswith("pulseboard.contract."))
    assert elsewhere == []


def test_every_contract_model_is_in_the_registry():
    models = set(all_models())
    defined = {m for m in subclasses(BaseModel) if m.__module__.startswith("pulseboard.contract.")
               and m is not Reply and "[" not in m.__name__}  # bases, RootModel[...] generics
    # Building blocks reached only through another model are in the schema too.
    reached = {m for m in defined if m.__name__ in DEFS}
    assert defined - reached == set()
    assert models <= defined


@pytest.mark.parametrize("namespace", sorted(HANDLERS))
def test_every_handler_has_a_contract_entry_and_every_entry_a_handler(namespace):
    handlers = {name.removeprefix("on_") for name in dir(HANDLERS[namespace])
                if name.startswith("on_") and name not in ("on_connect", "on_disconnect",
                                                            "on_event")}
    assert handlers == set(NAMESPACES[namespace].requests)


def room_fields() -> list[dict]:
    return [schema["properties"]["room"] for name, schema in DEFS.items()
            if name in {m.__name__ for m in all_models() if issubclass(m, Payload)}
            and "room" in schema.get("properties", {})]


def test_a_room_name_is_one_rule_everywhere():
    fields = room_fields()
    assert len(fields) >= 4  # join/leave, message, history, resume
    for field in fields:
        assert field["pattern"] == LIMITS["ROOM_NAME_PATTERN"] == chat.ROOM_NAME_PATTERN
        # max_length was 64 while the pattern allowed 32: one number now.
        assert field["maxLength"] == LIMITS["MAX_ROOM_NAME"] == 32
    longest = re.fullmatch(r"\^\[[^]]+\]\[[^]]+\]\{0,(\d+)\}\$", chat.ROOM_NAME_PATTERN)
    assert int(longest.group(1)) + 1 == LIMITS["MAX_ROOM_NAME"]


@pytest.mark.parametrize("name, ok", [("a" * 32, True), ("a" * 33, False), ("general\n", False),
                                      ("-x", False), ("ops_1-b", True), ("Ops", False)])
def test_room_names_are_validated_as_the_schema_says(name, ok):
    pattern = re.compile(LIMITS["ROOM_NAME_PATTERN"])
    # fullmatch: what the validator does, and what RegExp.test does with this anchored pattern.
    assert bool(pattern.fullmatch(name)) is ok
    try:
        parse(chat.RoomRef, {"room": name})
        accepted = True
    except ApiError as exc:
        assert exc.code == "bad_request"
        accepted = False
    assert accepted is ok


def test_the_limits_the_spa_uses_are_the_servers():
    assert LIMITS["MAX_TEXT"] == chat.MAX_TEXT == 2000
    assert LIMITS["LEVELS"] == list(debug.LEVELS)
    assert DEFS["DebugMessage"]["properties"]["level"]["enum"] == LIMITS["LEVELS"]
    assert DEFS["PostMessage"]["properties"]["client_id"]["anyOf"][0]["maxLength"] == \
        LIMITS["MAX_CLIENT_ID"]
    assert DEFS["HistoryQuery"]["properties"]["limit"]["maximum"] == LIMITS["MAX_PAGE"]
    assert DEFS["HistoryQuery"]["properties"]["limit"]["default"] == LIMITS["DEFAULT_PAGE"]
    assert list(LIMITS["NAMESPACES"]) == list(NAMESPACES)


def test_the_drift_the_review_found_is_gone():
    assert {"steps", "timeout"} <= set(DEFS["TaskDefinition"]["required"])
    assert "first_ts" in DEFS["DebugMessage"]["required"]
    assert {"levels", "sources"} <= set(DEFS["DebugSubscribeAck"]["required"])
    assert {"limit"} <= set(DEFS["ResumeQuery"]["properties"])
    assert {"with", "limit", "before_id", "after_id"} <= set(
        DEFS["DirectHistoryQuery"]["properties"])
    assert "with" in DEFS["DirectHistoryAck"]["required"]


def test_the_spa_no_longer_retypes_the_limits():
    sources = {path: path.read_text() for path in (REPO / "frontend" / "src").rglob("*")
               if path.suffix in (".ts", ".vue") and ".gen." not in path.name}
    retyped = [str(path.relative_to(REPO)) for path, text in sources.items()
               if re.search(r"MAX_TEXT = \d|ROOM_NAME = /|LEVELS: \w+\[\] = \[|"
                            r"split\(/\(@\[A-Za-z", text)]
    assert retyped == []


def test_every_rest_body_and_reply_is_a_model():
    for call, route in ROUTES.items():
        assert route.reply.__name__ in DEFS, call
        assert route.body is None or route.body.__name__ in DEFS, call


def test_the_schema_is_plain_json():
    json.dumps(SCHEMA, allow_nan=False)
