"""pulseboard.transport.strict_json: what it refuses and what it keeps."""

import json

import pytest

from pulseboard.transport.strict_json import MAX_DEPTH, JSONRefused, loads, nesting_depth


@pytest.mark.parametrize("text", [
    "NaN", "[Infinity]", '{"x": -Infinity}', '"\\ud800"', '{"\\udc00": 1}', '["a\\udbff"]',
    "1e400", "-1e309", "1" * 400, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "[" * 5000, '{"a":' * 5000, "", "   ", "[1,]", "{'a': 1}", "1 2", b"\xff\xfe", '"\x00',
])
def test_refused(text):
    with pytest.raises(JSONRefused):
        loads(text)


@pytest.mark.parametrize("text", [
    '"NaN"', '"Infinity"', '"\\ud83d\\ude00"', '"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
    "[" * MAX_DEPTH + "]" * MAX_DEPTH, "1.5e308", "12345678901234567890", ' {"a": [1, 2.5]} ',
    '"\\\\ud800"', b'{"x": "caf\xc3\xa9"}',
])
def test_kept_as_json_reads_it(text):
    expected = json.loads(text)
    assert loads(text) == expected


def test_depth_ignores_brackets_in_strings():
    assert nesting_depth('[{"a": "[[[[{{{{"}, [1]]') == 2
