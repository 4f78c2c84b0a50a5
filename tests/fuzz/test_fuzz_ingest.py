"""Fuzz ``POST /api/write`` and ``/api/v2/write`` with mutated Telegraf line protocol.

Rules asserted: never a 5xx; every reply is strict JSON with the contract's
shape; a 2xx/400 per-line reply counts each line once (``accepted_lines`` +
``refused_lines`` is at most the body's line count, ``errors`` name lines of
the body, in order); 202 only without errors, 207 only with some.
"""

import gzip
import json
import time
from pathlib import Path

import requests

from .generators import BUDGET, Hostile

FIXTURES = Path(__file__).resolve().parents[1] / "backend" / "fixtures" / "telegraf"
CODES = {"bad_request", "unauthorized", "forbidden", "too_large"}
PIECES = ["\\", "\\ ", "\\,", "\\=", '"', '\\"', ",", "=", " ", "\n", "\r", "\t", "i", "u",
          "#", "1e400", "-", "9223372036854775808", "é", "\u202e", "\x00", "t", "NaN", ".."]
QUERIES = ["", "?precision=s", "?precision=ms", "?precision=h", "?prefix=fz", "?prefix=FZ",
           "?tags=host", "?tags=", "?tags=" + ",".join("k" * 70 for _ in range(3)),
           "?org=o&bucket=b", "?precision=s&precision=ns", "?db=x&rp=y", "?x=1"]


def mutated_body(fuzz: Hostile, lines: list[str]) -> bytes:
    picked = [fuzz.choice(lines) for _ in range(fuzz.rng.randint(1, 40))]
    for index in range(len(picked)):
        if fuzz.rng.random() < 0.4:
            text = list(picked[index])
            for _ in range(fuzz.rng.randint(1, 5)):
                where = fuzz.rng.randrange(len(text) + 1)
                text.insert(where, fuzz.choice(PIECES))
            picked[index] = "".join(text)
    body = "\n".join(picked).encode("utf-8", "surrogatepass")
    if fuzz.rng.random() < 0.1:
        cut = fuzz.rng.randrange(len(body) + 1)
        body = body[:cut] + bytes([fuzz.rng.randrange(256)]) + body[cut:]
    return body


def check_reply(case, response, body: bytes):
    assert response.status_code < 500, (case, response.text[:300])
    reply = json.loads(response.text, parse_constant=lambda name: (_ for _ in ()).throw(
        AssertionError(f"{name} in a response")))
    if "accepted_lines" not in reply:
        assert reply["ok"] is False and reply["error"]["code"] in CODES, (case, reply)
        return
    lines = body.count(b"\n") + 1
    assert reply["accepted_lines"] + reply["refused_lines"] <= lines, case
    numbers = [error["line"] for error in reply.get("errors", [])]
    assert numbers == sorted(numbers) and all(1 <= n <= lines for n in numbers), case
    assert all(error["code"] in CODES for error in reply.get("errors", [])), case
    if response.status_code == 202:
        assert reply["ok"] is True and not numbers, case
    else:
        assert response.status_code in (207, 400) and reply["ok"] is False and numbers, case


def test_line_protocol_writes_never_fail_the_server(fuzz_server):
    fuzz = Hostile(seed=1606)
    lines = [line for name in ("defaults.lp", "escaping.lp")
             for line in (FIXTURES / name).read_text().split("\n") if line]
    lines = [f"fz{line}" for line in lines]  # streams of their own, never `system.`
    cases = 0
    deadline = time.monotonic() + BUDGET
    while time.monotonic() < deadline:
        body = mutated_body(fuzz, lines)
        path = fuzz.choice(["/api/write", "/api/v2/write"])
        query = fuzz.choice(QUERIES)
        headers = {"Authorization": fuzz.choice([f"Bearer {fuzz_server.token}",
                                                 f"Token {fuzz_server.token}", "Token x"])}
        data = body
        if fuzz.rng.random() < 0.2:
            headers["Content-Encoding"] = "gzip"
            data = gzip.compress(body)
            if fuzz.rng.random() < 0.3:
                data = data[:fuzz.rng.randrange(len(data))]
        response = requests.post(f"{fuzz_server.url}{path}{query}", data=data, headers=headers,
                                 timeout=20)
        check_reply((path, query, headers, body[:300]), response, body)
        cases += 1
    assert cases > 10
