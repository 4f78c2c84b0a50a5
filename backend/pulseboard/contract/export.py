"""Export the contract as one JSON Schema document: ``python -m pulseboard.contract.export``.

Writes ``docs/contract.schema.json`` (or the path given; ``-`` for stdout).
The document has

* ``$defs``: every payload, ack, event and REST body model of
  :mod:`.registry`, by class name;
* ``properties.namespaces``: per namespace, ``requests`` (each
  ``{payload, reply}``) and ``events``, as ``$ref`` s into ``$defs`` (the
  SPA's ``Namespaces`` type is generated from it);
* ``properties.rest``: per REST call, ``{body?, reply}``;
* ``properties.failure``: the failure ack (and REST error body) any of them may get;
* ``x-limits``: the named limits and patterns the SPA needs as values
  (``frontend/scripts/gen-contract.mjs`` turns them into constants).

The output is deterministic: exporting twice gives the same bytes, so a
test can compare a fresh export with the committed file.
"""

import argparse
import json
import sys
from pathlib import Path

from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from . import annotations, auth, chat, debug
from .base import MAX_ID, ErrorBody, Failure
from .registry import NAMESPACES, ROUTES, all_models

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "docs" / "contract.schema.json"


class ContractSchema(GenerateJsonSchema):
    """pydantic's generator without a ``title`` on every field.

    json-schema-to-typescript turns every titled schema into a named type:
    field titles ("Room", "Id") would become dozens of colliding aliases.
    Models keep their titles (the class names the types are named by).
    """

    def field_title_should_be_set(self, schema) -> bool:
        return False


def limits() -> dict:
    """The constants the SPA needs, each ``{value, description}``."""
    def item(value, description: str) -> dict:
        return {"value": value, "description": description}

    return {
        "ERROR_CODES": item(list(ErrorBody.model_fields["code"].annotation.__args__),
                            "the codes a failure ack or REST error body carries"),
        "NAMESPACES": item(list(NAMESPACES), "every namespace with events"),
        "USERNAME_PATTERN": item(auth.USERNAME_PATTERN, f"a username: {auth.USERNAME_RULE}"),
        "PASSWORD_MIN": item(auth.PASSWORD_MIN, "a new password's shortest length"),
        "PASSWORD_MAX": item(auth.PASSWORD_MAX, "a new password's longest length"),
        "ROOM_NAME_PATTERN": item(chat.ROOM_NAME_PATTERN, f"a room name: {chat.ROOM_NAME_RULE}"),
        "MAX_ROOM_NAME": item(chat.MAX_ROOM_NAME, "a room name's longest length"),
        "DEFAULT_ROOM": item(chat.DEFAULT_ROOM, "the room always listed"),
        "MAX_TEXT": item(chat.MAX_TEXT, "a chat message's longest text, once stripped"),
        "MAX_CLIENT_ID": item(chat.MAX_CLIENT_ID, "a client_id's longest length"),
        "DEFAULT_PAGE": item(chat.DEFAULT_PAGE, "history and dm_history's default limit"),
        "MAX_PAGE": item(chat.MAX_PAGE, "the largest limit of history, resume, dm_history"),
        "MENTION_PATTERN": item(chat.MENTION_PATTERN,
                                "an @name mention (group 1: the name); use with the g flag"),
        "MAX_MENTIONS": item(chat.MAX_MENTIONS, "users one room message notifies at most"),
        "LEVELS": item(list(debug.LEVELS), "the debug levels, in order"),
        "MAX_SOURCES": item(debug.MAX_SOURCES, "source patterns one debug subscribe takes"),
        "MAX_ID": item(MAX_ID, "the largest id or sequence number (task_id, after_seq, "
                               "before_id, ...) an event or route takes"),
        "MAX_ANNOTATION_RANGE_MS": item(annotations.MAX_RANGE_MS,
                                        "the widest range one annotations query takes (ms)"),
    }


def build_schema() -> dict:
    """The contract as one JSON Schema document (a dict)."""
    refs, definitions = models_json_schema([(m, "validation") for m in all_models()],
                                           ref_template="#/$defs/{model}",
                                           schema_generator=ContractSchema)

    def ref(model) -> dict:
        return refs[(model, "validation")]

    def closed(properties: dict, title: str | None = None) -> dict:
        schema = {"type": "object", "properties": properties,
                  "required": list(properties), "additionalProperties": False}
        return {"title": title, **schema} if title else schema

    namespaces = {
        name: closed({
            "requests": closed({event: closed({"payload": ref(r.payload), "reply": ref(r.ack)})
                                for event, r in ns.requests.items()}),
            "events": closed({event: ref(model) for event, model in ns.events.items()}),
        })
        for name, ns in NAMESPACES.items()
    }
    rest = {
        call: closed({**({"body": ref(r.body)} if r.body else {}), "reply": ref(r.reply)})
        for call, r in ROUTES.items()
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Contract",
        "description": "The Pulseboard wire contract (docs/contract.md), exported from "
                       "pulseboard.contract. Generated: do not edit.",
        "type": "object",
        "properties": {"namespaces": closed(namespaces, "Namespaces"),
                       "rest": closed(rest, "Rest"),
                       "failure": ref(Failure)},
        "required": ["namespaces", "rest", "failure"],
        "additionalProperties": False,
        "$defs": dict(sorted(definitions["$defs"].items())),
        "x-limits": limits(),
    }


def render(schema: dict) -> str:
    """The document as the committed file's text."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the schema to ``docs/contract.schema.json``, the given path, or stdout (``-``)."""
    parser = argparse.ArgumentParser(prog="python -m pulseboard.contract.export",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(DEFAULT_OUT),
                        help="where to write (default: %(default)s; - for stdout)")
    args = parser.parse_args(argv)
    text = render(build_schema())
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
