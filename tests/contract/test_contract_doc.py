"""docs/contract.md names exactly the events of the schema, namespace by namespace.

The doc stays prose; its event tables are read here: in each ``## `/ns` ``
section, the table under "Events (client → server ...)" lists the requests
and the one under "Events (server → client)" the pushed events.
"""

import json
import re

import pytest

from support.server import REPO

DOC = (REPO / "docs" / "contract.md").read_text()
SCHEMA = json.loads((REPO / "docs" / "contract.schema.json").read_text())


def sections(text: str) -> dict[str, str]:
    """``{namespace: section text}`` for every ``## `/name` `` heading."""
    found = {}
    parts = re.split(r"^## ", text, flags=re.M)
    for part in parts[1:]:
        heading, _, body = part.partition("\n")
        match = re.fullmatch(r"`(/[a-z]+)`", heading.strip())
        if match:
            found[match.group(1)] = body
    return found


def table_events(section: str, direction: str) -> list[str]:
    """The first-column event names of the table under the ``### Events (<direction>`` heading."""
    match = re.search(rf"^### Events \({direction}[^\n]*\n(.*?)(?=^#|\Z)", section,
                      flags=re.M | re.S)
    if match is None:
        return []
    rows = [line for line in match.group(1).splitlines() if line.startswith("| `")]
    return [re.match(r"\| `([a-z_]+)`", row).group(1) for row in rows]


DOCUMENTED = sections(DOC)
NAMESPACES = SCHEMA["properties"]["namespaces"]["properties"]


def test_the_doc_has_a_section_for_every_namespace_and_no_other():
    assert sorted(DOCUMENTED) == sorted(NAMESPACES)


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_the_doc_lists_exactly_the_requests_of_the_schema(namespace):
    documented = table_events(DOCUMENTED.get(namespace, ""), "client → server")
    schema = NAMESPACES[namespace]["properties"]["requests"]["properties"]
    assert sorted(documented) == sorted(schema)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_the_doc_lists_exactly_the_events_of_the_schema(namespace):
    documented = table_events(DOCUMENTED.get(namespace, ""), "server → client")
    schema = NAMESPACES[namespace]["properties"]["events"]["properties"]
    assert sorted(documented) == sorted(schema)


def test_resync_is_documented_for_every_namespace():
    assert re.search(r"^### `resync` \(server → client, every namespace\)", DOC, flags=re.M)
    assert all("resync" in ns["properties"]["events"]["properties"] for ns in NAMESPACES.values())


def test_the_parser_sees_a_table_the_doc_really_has():
    # Guard against a parser that finds nothing and so compares nothing.
    assert table_events(DOCUMENTED["/chat"], "client → server")[:3] == ["rooms", "join", "leave"]
