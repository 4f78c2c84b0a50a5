"""A seeded generator of hostile JSON values, packets and bodies.

Deterministic for a seed (``FUZZ_SEED``, default 13), so a failure is
replayed by running the same test again; bounded in time by the tests.
"""

import json
import os
import random

SEED = int(os.environ.get("FUZZ_SEED", "13"))
#: Seconds each fuzz test spends generating cases (after its server is up).
BUDGET = float(os.environ.get("FUZZ_SECONDS", "15"))

ATOMS_TEXT = ["NaN", "Infinity", "-Infinity", "1e400", "-1e309", "1" * 400, "2" * 20,
              "9223372036854775808", "-0", "0.0000001", "true", "null", '"\\ud800"',
              '"\\udfff"', '"a\\ud83d"', '"\\u0000"', '"fz\\n"', '"general"', '"demo.sine"',
              "1", "0", "-1", "4503599627370496", "9007199254740993"]
KEYS = ["room", "text", "to", "with", "stream", "task_id", "after_seq", "before_id", "after_id",
        "limit", "levels", "sources", "name", "client_id", "_placeholder", "num", "x", ""]
STRINGS = ["", "general", "fz\n", "a" * 70, "é", "\u202e", "x" * 3000, "demo.sine",
           "<script>", "../../etc/passwd", "*", "info", "task:1", "\t", "%s%s", "0"]


class Hostile:
    """Hostile values from one seeded ``random.Random``."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)

    def choice(self, items):
        return self.rng.choice(items)

    def json_text(self, depth: int = 0) -> str:
        """JSON-like text: valid, invalid, deep, huge, NaN or surrogate-laden."""
        roll = self.rng.random()
        if roll < 0.05:
            return "[" * self.rng.choice([40, 1000, 3000]) + "1" + "]" * self.rng.randint(0, 40)
        if roll < 0.1:
            return '{"a":' * self.rng.choice([33, 500]) + "1" + "}" * 33
        if depth > 3 or roll < 0.45:
            if self.rng.random() < 0.5:
                return self.choice(ATOMS_TEXT)
            return json.dumps(self.choice(STRINGS))
        if roll < 0.75:
            items = [self.json_text(depth + 1) for _ in range(self.rng.randint(0, 4))]
            return "[" + ",".join(items) + "]"
        pairs = [f"{json.dumps(self.choice(KEYS))}:{self.json_text(depth + 1)}"
                 for _ in range(self.rng.randint(0, 4))]
        return "{" + ",".join(pairs) + "}"

    def mutate(self, text: str) -> str:
        """``text`` with a few characters dropped, doubled, swapped or inserted."""
        chars = list(text)
        for _ in range(self.rng.randint(1, 4)):
            where = self.rng.randrange(len(chars) + 1)
            action = self.rng.random()
            if action < 0.3 and chars:
                del chars[min(where, len(chars) - 1)]
            elif action < 0.6:
                chars.insert(where, self.choice(list('[]{}",:0123456789-/\\\x1e\x00aN')))
            elif chars:
                chars[min(where, len(chars) - 1)] = self.choice(list("0123456789/,[{\"b-"))
        return "".join(chars)

    def socketio_packet(self, namespace: str, event: str, ack_id: int) -> str:
        """A Socket.IO text packet: mostly well-framed, sometimes mutated."""
        payload = self.json_text()
        good = f'2{namespace},{ack_id}[{json.dumps(event)},{payload}]'
        roll = self.rng.random()
        if roll < 0.6:
            return good
        if roll < 0.8:
            return self.mutate(good)
        return self.choice([
            f"5{self.rng.randint(0, 12)}-{namespace},{ack_id}[\"x\","
            f'{{"_placeholder":true,"num":{self.rng.randint(-1, 3)}}}]',
            f"{self.rng.randint(0, 9)}{namespace},{payload}",
            f"2{namespace},{'9' * self.rng.randint(14, 30)}[\"x\"]",
            f"4{namespace},{payload}", f"0{namespace},{payload}", self.mutate(payload),
        ])

    def body(self) -> bytes:
        """A request body: JSON-like text, sometimes raw bytes."""
        if self.rng.random() < 0.1:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 64)))
        return self.json_text().encode("utf-8", "surrogatepass")
