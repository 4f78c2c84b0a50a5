"""The mention rule is one rule: the server's pattern against the table the SPA is tested with.

frontend/src/lib/mentions.test.ts checks the SPA's highlighting against the
same tests/contract/mention_cases.json, with the pattern the schema exports.
"""

import json
from pathlib import Path

import pytest

from pulseboard.chat.mentions import MAX_MENTIONS, MENTION, mentioned_names
from pulseboard.contract.chat import MENTION_PATTERN
from pulseboard.contract.export import build_schema

CASES = json.loads((Path(__file__).parent / "mention_cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_the_server_finds_the_mentions_of_the_shared_table(case):
    assert [m.group(1) for m in MENTION.finditer(case["text"])] == case["names"]
    assert mentioned_names(case["text"]) == list(dict.fromkeys(case["names"]))


def test_the_spa_gets_the_servers_pattern():
    assert MENTION.pattern == MENTION_PATTERN
    assert build_schema()["x-limits"]["MENTION_PATTERN"]["value"] == MENTION_PATTERN


def test_one_message_notifies_at_most_ten_names():
    text = " ".join(f"@user{i:02d}" for i in range(MAX_MENTIONS + 5))
    assert mentioned_names(text) == [f"user{i:02d}" for i in range(MAX_MENTIONS)]
