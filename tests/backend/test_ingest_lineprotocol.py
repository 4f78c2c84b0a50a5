"""Fast unit tests: line protocol parsing, the naming rule, scrape selectors.

The end-to-end behaviour (a real server, real HTTP, live subscribers) is in
test_ingest_write.py and test_ingest_scrape.py.
"""

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from pulseboard.ingest.lineprotocol import parse_body
from pulseboard.ingest.naming import (
    NameRefused,
    cached_stream_name,
    fold,
    stream_name,
    tag_values,
)
from pulseboard.ingest.scraper import ScrapeFailed, select_points
from pulseboard.ingest.sources import load_sources, parse_selector, parse_source

FIXTURES = Path(__file__).parent / "fixtures" / "telegraf"
NOW = 1_700_000_000_000


def parse(text: str, precision: str = "ns"):
    return parse_body(text.encode(), precision, NOW)


# -- parsing -------------------------------------------------------------------------------


def test_telegraf_defaults_fixture_parses_whole():
    parsed = parse_body((FIXTURES / "defaults.lp").read_bytes(), "ns", NOW)
    assert parsed.errors == []
    assert [line.measurement for line in parsed.lines] == (
        ["cpu"] * 3 + ["disk"] * 2 + ["mem"] + ["system"] * 3)
    cpu0 = parsed.lines[0]
    assert cpu0.tags == {"cpu": "cpu0", "host": "pb-test-01"}
    assert cpu0.values["usage_idle"] == pytest.approx(96.38554216867433)
    assert cpu0.values["usage_nice"] == 0 and isinstance(cpu0.values["usage_nice"], float)
    assert cpu0.t_ms == 1764640800000  # ns -> ms
    mem = parsed.lines[5]
    assert mem.values["total"] == 8221491200 and isinstance(mem.values["total"], int)
    assert parsed.lines[8].values == {} and parsed.lines[8].skipped == 1  # uptime_format


def test_escaping_fixture_unescapes_names_and_joins_a_multiline_string():
    parsed = parse_body((FIXTURES / "escaping.lp").read_bytes(), "ns", NOW)
    assert parsed.errors == []
    assert [line.number for line in parsed.lines] == [1, 2, 3, 5]  # line 3 spans 3-4
    assert parsed.lines[0].measurement == "http response"
    assert parsed.lines[1].tags["job"] == "nightly build, stage=2"
    assert parsed.lines[1].values == {"duration s": 12.5, "exit": 0}
    assert parsed.lines[1].skipped == 1  # ok=true
    assert parsed.lines[2].values == {"rows": 42} and parsed.lines[2].skipped == 1


@pytest.mark.parametrize("precision, stamp, t_ms", [
    ("ns", "1700000000123456789", 1700000000123), ("n", "1700000000123456789", 1700000000123),
    ("us", "1700000000123456", 1700000000123), ("u", "1700000000123456", 1700000000123),
    ("ms", "1700000000123", 1700000000123), ("s", "1700000000", 1700000000000),
    ("ns", "-1500000", -2),  # before the epoch: floored, like every other unit
])
def test_precision_converts_to_milliseconds(precision, stamp, t_ms):
    (line,) = parse(f"m v=1 {stamp}", precision).lines
    assert line.t_ms == t_ms


def test_a_line_without_timestamp_takes_the_request_time():
    assert parse("m v=1").lines[0].t_ms == NOW


def test_timestamp_past_int64_nanoseconds_is_refused_per_line():
    parsed = parse("m v=1 9300000000\nm v=2 9200000000", "s")
    assert [e.number for e in parsed.errors] == [1]
    assert "out of range" in parsed.errors[0].message
    assert parsed.lines[0].t_ms == 9_200_000_000_000


def test_value_types_numbers_kept_strings_and_booleans_skipped():
    (line,) = parse('m f=1.5,i=-3i,u=7u,big=9007199254740993i,s="x",b=true,c=F').lines
    assert line.values == {"f": 1.5, "i": -3, "u": 7, "big": 9007199254740993.0}
    assert isinstance(line.values["big"], float)  # past 2**53: what JSON can hold
    assert line.skipped == 3


@pytest.mark.parametrize("text", [
    "m", "m ", "m v", "m v=", "m v=1x", ",t=1 v=1", "m,t= v=1", "m,t v=1", "m v=nan",
    "m v=inf", "m v=1e400", "m v=9223372036854775808i", "m v=1 1.5", "m v=1 1 extra",
    "m,a=1,a=2 v=1", 'm v="open', "m v=-", "m\tv=1", "m v=+1", "m v=1,", "m v=0x10",
])
def test_malformed_lines_each_get_an_error(text):
    parsed = parse(f"ok v=1\n{text}\nok v=2")
    assert [e.number for e in parsed.errors] == [2], text
    assert parsed.errors[0].message.startswith("line protocol: ")
    assert [line.number for line in parsed.lines] == [1, 3]


def test_blank_lines_comments_crlf_and_bad_utf8():
    parsed = parse_body(b"# a comment\n\n   \r\nm v=1\r\n\xff\xfe v=2\n  # indented\nm v=3",
                        "ns", NOW)
    assert [line.number for line in parsed.lines] == [4, 7]
    assert [(e.number, e.message) for e in parsed.errors] == [(5, "not UTF-8 at byte 0")]


def test_unbalanced_quote_that_never_closes_stays_one_error():
    parsed = parse('m s="never closed\nm v=1\nm v=2')
    assert [e.number for e in parsed.errors] == [1]
    assert [line.number for line in parsed.lines] == [2, 3]


# -- naming --------------------------------------------------------------------------------


def test_fold_lowercases_and_collapses_other_characters():
    assert fold("CPU") == "cpu"
    assert fold("/boot/efi") == "_boot_efi"
    assert fold("nightly build, stage=2") == "nightly_build_stage_2"
    assert fold("web1.example.com") == "web1_example_com"
    assert fold("Größe") == "gr_e"
    assert fold("keep_-this") == "keep_-this"


def test_tag_values_in_key_order_or_as_chosen():
    tags = {"host": "web1", "cpu": "cpu0", "mode": "rw"}
    assert tag_values(tags, None) == ["cpu0", "web1", "rw"]
    assert tag_values(tags, ("mode", "cpu", "absent")) == ["rw", "cpu0"]
    assert tag_values(tags, ()) == []


def test_stream_name_rule_and_its_refusals():
    assert stream_name(["cpu", "usage_idle", "cpu-total", "web1"]) == \
        "cpu.usage_idle.cpu-total.web1"
    assert stream_name(["tg", "system", "load1"]) == "tg.system.load1"
    with pytest.raises(NameRefused) as refused:
        stream_name(["system", "load1"])
    assert refused.value.code == "forbidden" and "?prefix=" in refused.value.message
    with pytest.raises(NameRefused) as refused:
        stream_name(["_internal", "x"])
    assert refused.value.code == "bad_request" and "letter or digit" in refused.value.message
    with pytest.raises(NameRefused) as refused:
        stream_name(["m", "f" * 70])
    assert "longer than 64" in refused.value.message
    assert len(stream_name(["m", "f" * 62])) == 64


def test_cached_names_answer_as_the_rule_does_every_time():
    assert cached_stream_name(("cpu", "usage_idle", "web1")) == "cpu.usage_idle.web1"
    for _ in range(2):  # a refusal is remembered too, and raised afresh each time
        with pytest.raises(NameRefused) as refused:
            cached_stream_name(("demo", "x"))
        assert refused.value.code == "forbidden"


# -- scrape sources ------------------------------------------------------------------------


def test_selectors_match_names_and_labels():
    selector = parse_selector('http_requests_total{code="200", method!="POST"}')
    assert selector.matches("http_requests_total", {"code": "200", "method": "GET"})
    assert not selector.matches("http_requests_total", {"code": "200", "method": "POST"})
    assert not selector.matches("http_requests_total", {"code": "500"})
    assert not selector.matches("http_requests_created", {"code": "200"})
    regex = parse_selector('queue_*{name=~"in.*",shard!~"9"}')
    assert regex.matches("queue_depth", {"name": "inbox", "shard": "1"})
    assert not regex.matches("queue_depth", {"name": "xinbox", "shard": "1"})  # whole value
    assert not regex.matches("queue_depth", {"name": "inbox", "shard": "9"})
    assert parse_selector('m{v="a \\"b\\""}').matchers[0][2] == 'a "b"'


@pytest.mark.parametrize("text", ["", "m{", 'm{a=b}', 'm{a="b"', 'm{a="b",,}', "m n",
                                  'm{a=~"("}', 'm{="b"}', 7])
def test_bad_selectors_say_what_is_wrong(text):
    with pytest.raises(ValueError):
        parse_selector(text)


def test_sources_file_keeps_good_sources_and_skips_bad_ones(tmp_path, caplog):
    path = tmp_path / "sources.toml"
    path.write_text("""
[sources.app]
url = "http://127.0.0.1:9/metrics"
interval = 5
select = ["up"]

[sources.system]
url = "http://127.0.0.1:9/metrics"
select = ["up"]

[sources.noselect]
url = "http://127.0.0.1:9/metrics"

[sources.slow]
url = "http://127.0.0.1:9/metrics"
interval = 2
timeout = 3
select = ["up"]

[sources.ftp]
url = "ftp://127.0.0.1/metrics"
select = ["up"]
""")
    sources = load_sources(path)
    assert [s.name for s in sources] == ["app"]
    assert sources[0].interval == 5 and sources[0].timeout == 5
    messages = " ".join(caplog.messages)
    for name in ("system", "noselect", "slow", "ftp"):
        assert f"source {name!r} skipped" in messages
    assert load_sources(tmp_path / "missing.toml") == []


def test_unknown_keys_are_refused():
    with pytest.raises(ValueError, match="unknown keys"):
        parse_source("app", {"url": "http://x/", "select": ["up"], "intervall": 5})


def exposition() -> str:
    registry = CollectorRegistry()
    requests_total = Counter("http_requests", "requests", ["code", "method"], registry=registry)
    requests_total.labels("200", "GET").inc(3)
    requests_total.labels("500", "GET").inc()
    Gauge("queue_depth", "depth", registry=registry).set(7)
    Histogram("latency_seconds", "latency", buckets=[0.1, 1], registry=registry).observe(0.5)
    Gauge("empty_nan", "nan", registry=registry).set(float("nan"))
    return generate_latest(registry).decode()


def test_select_points_from_real_exposition_text():
    source = parse_source("app", {"url": "http://x/", "select": [
        'http_requests_total{code="200"}', "queue_depth", "latency_seconds_bucket",
        "empty_nan"]})
    batches, refused = select_points(source, exposition(), NOW)
    assert refused == set()
    assert batches == {
        "app.http_requests_total.200.get": [[NOW, 3.0]],
        "app.queue_depth": [[NOW, 7.0]],
        "app.latency_seconds_bucket.0_1": [[NOW, 0.0]],
        "app.latency_seconds_bucket.1_0": [[NOW, 1.0]],
        "app.latency_seconds_bucket._inf": [[NOW, 1.0]],
    }
    only_code = parse_source("app", {"url": "http://x/", "labels": ["method"],
                                     "select": ["http_requests_total"]})
    batches, _ = select_points(only_code, exposition(), NOW)
    assert batches == {"app.http_requests_total.get": [[NOW, 3.0], [NOW, 1.0]]}


def test_select_points_refuses_text_that_is_not_the_format():
    source = parse_source("app", {"url": "http://x/", "select": ["*"]})
    with pytest.raises(ScrapeFailed, match="does not parse"):
        select_points(source, "this is { not exposition text\n", NOW)
