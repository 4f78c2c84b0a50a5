"""Alert rules parsing and the pure state machine: fast, no server."""

import pytest

from pulseboard.alerts.rules import RulesFileError, load_rules, parse_rules
from pulseboard.alerts.state import (
    ABSENT_GRACE_MS,
    FIRING,
    OK,
    PENDING,
    RESOLVED,
    Observation,
    RuleState,
    step,
    worst,
)
from pulseboard.config import PACKAGE_DATA


def rule(**table):
    base = {"stream": "app.latency", "condition": "above", "threshold": 10}
    return parse_rules({"rules": {"r": {**base, **table}}})["r"]


# -- the rules file ------------------------------------------------------------------


def test_the_shipped_demo_file_parses():
    rules = load_rules(str(PACKAGE_DATA / "alerts.toml"))
    assert {"demo-random-high", "host-cpu-busy"} <= set(rules)
    demo = rules["demo-random-high"]
    assert (demo.threshold, demo.clear_level, demo.for_, demo.chat_room) == (75, 65, 5, "alerts")


def test_no_file_means_no_rules():
    assert load_rules(None) == {}


def test_defaults_and_integers_are_numbers():
    r = rule(**{"for": 30})
    assert r.for_ == 30.0 and r.clear_level == 10.0 and r.severity == "warning" and r.debug
    assert r.as_dict()["summary"] == "app.latency above 10 for 30 s"


ABOVE = {"stream": "app.latency", "condition": "above", "threshold": 10}
ABSENT = {"stream": "app.latency", "condition": "absent"}


@pytest.mark.parametrize(("table", "says"), [
    ({"stream": "a.b", "condition": "above"}, "threshold: an 'above' rule needs a threshold"),
    ({**ABOVE, "condition": "sideways"}, "condition:"),
    ({**ABOVE, "for": "30"}, "for: Input should be a valid number"),
    ({**ABOVE, "for": -1}, "for: Input should be greater than or equal to 0"),
    ({**ABOVE, "clear": 12}, "clear: for 'above' it must be at most the threshold"),
    ({**ABOVE, "condition": "below", "clear": 8}, "clear: for 'below' it must be at least"),
    ({**ABSENT, "for": 5, "threshold": 1}, "threshold/clear: an 'absent' rule has no threshold"),
    (ABSENT, "for: an 'absent' rule needs for > 0"),
    ({**ABOVE, "severity": "loud"}, "severity:"),
    ({**ABOVE, "colour": "red"}, "colour: Extra inputs are not permitted"),
    ({**ABOVE, "stream": "system.nope"}, "stream: there is no built-in stream 'system.nope'"),
    ({**ABOVE, "stream": "Bad Name"}, "stream: names are"),
    ({**ABOVE, "chat_room": "No Spaces"}, "chat_room:"),
    ({**ABOVE, "debug": "yes"}, "debug: Input should be a valid boolean"),
    ({**ABOVE, "threshold": True}, "threshold:"),
    ({**ABOVE, "name": "other"}, "name: the table's name is the name"),
])
def test_a_wrong_key_is_named_with_its_rule(table, says):
    with pytest.raises(RulesFileError) as caught:
        parse_rules({"rules": {"slow-api": table}}, "alerts file x.toml")
    assert str(caught.value).startswith("alerts file x.toml: rule 'slow-api': ")
    assert says in str(caught.value)


def test_missing_threshold_is_named():
    with pytest.raises(RulesFileError, match="rule 'r': threshold: an 'above' rule needs"):
        parse_rules({"rules": {"r": {"stream": "a.b", "condition": "above"}}})


@pytest.mark.parametrize(("text", "says"), [
    ("[rules.x\n", "not valid TOML"),
    ("[alerts.x]\nstream = 'a'\n", "unknown top-level keys ['alerts']"),
    ("rules = 3\n", "[rules] must be a table"),
    ("[rules]\nx = 3\n", "rule 'x': must be a table"),
    ("[rules.Bad]\nstream='a.b'\ncondition='absent'\nfor=3\n", "rule 'Bad': name:"),
])
def test_a_broken_file_is_a_clear_error(tmp_path, text, says):
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    with pytest.raises(RulesFileError) as caught:
        load_rules(str(path))
    assert str(caught.value).startswith(f"alerts file {path}: ")
    assert says in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulesFileError, match="cannot be read"):
        load_rules(str(tmp_path / "nope.toml"))


# -- the state machine -----------------------------------------------------------------


def run(r, observations, state=None):
    """Step through ``[(now_ms, value), ...]``; the transitions and the final state."""
    state = state or RuleState()
    seen = []
    for now, value in observations:
        state, transitions = step(r, state, Observation(value, now if value is not None
                                                         else 0), now)
        seen += [(now, kind) for kind in transitions]
    return seen, state


def test_pending_then_firing_after_for_seconds():
    r = rule(**{"for": 3})
    seen, state = run(r, [(0, 5), (1000, 11), (2000, 12), (3999, 12), (4000, 11)])
    assert seen == [(1000, PENDING), (4000, FIRING)]
    assert state.phase == FIRING


def test_for_zero_goes_straight_through_pending_to_firing():
    seen, _ = run(rule(), [(0, 11)])
    assert seen == [(0, PENDING), (0, FIRING)]


def test_pending_that_clears_resolves_without_firing():
    seen, state = run(rule(**{"for": 5}), [(0, 11), (1000, 9), (9000, 9)])
    assert seen == [(0, PENDING), (1000, RESOLVED)]
    assert state.phase == OK


def test_hysteresis_in_level_keeps_firing_between_clear_and_threshold():
    r = rule(clear=7)
    seen, state = run(r, [(0, 11), (1000, 9), (2000, 7), (3000, 6.9)])
    assert seen == [(0, PENDING), (0, FIRING), (3000, RESOLVED)]
    # and it takes the threshold, not the clear level, to start again
    seen, _ = run(r, [(4000, 9.5), (5000, 10.5)], state)
    assert seen == [(5000, PENDING), (5000, FIRING)]


def test_hysteresis_in_time_needs_clear_for_seconds_below():
    r = rule(clear_for=2)
    seen, _ = run(r, [(0, 11), (1000, 5), (2000, 11), (3000, 5), (4000, 5), (5000, 5)])
    assert seen == [(0, PENDING), (0, FIRING), (5000, RESOLVED)]


def test_no_new_point_keeps_the_level():
    seen, state = run(rule(**{"for": 2}), [(0, 11), (1000, None), (2000, None)])
    assert seen == [(0, PENDING), (2000, FIRING)] and state.holding


def test_below_mirrors_above():
    r = rule(condition="below", threshold=10, clear=12)
    seen, _ = run(r, [(0, 11), (1000, 9), (2000, 11), (3000, 12.5)])
    assert seen == [(1000, PENDING), (1000, FIRING), (3000, RESOLVED)]


def test_absent_counts_from_the_last_point_and_clears_on_the_next():
    r = parse_rules({"rules": {"r": {"stream": "a.b", "condition": "absent", "for": 10}}})["r"]
    state, seen = RuleState(), []
    for now, last_seen in [(1000, 1000), (1000 + ABSENT_GRACE_MS, 1000),
                           (1001 + ABSENT_GRACE_MS, 1000), (10_999, 1000), (11_000, 1000),
                           (12_000, 12_000)]:
        state, transitions = step(r, state, Observation(None, last_seen), now)
        seen += [(now, kind) for kind in transitions]
    assert seen == [(1001 + ABSENT_GRACE_MS, PENDING), (11_000, FIRING), (12_000, RESOLVED)]


def test_worst_is_the_extreme_in_the_rule_s_direction():
    assert worst(rule(), [3, 12, 5]) == 12
    assert worst(rule(condition="below", clear=None), [3, 12, 5]) == 3
    assert worst(rule(), []) is None
