"""How much of a parked greenlet's C stack greenlet saves, measured in a child process.

A greenlet that switches away keeps a copy of the C stack between its start
and the switch for as long as it is parked: for a WebSocket's reader, the
connection's whole life. The child process parks 100 greenlets and reads from
tracemalloc what was allocated at eventlet's hub switch, per greenlet.
"""

import subprocess
import sys
import textwrap

MEASURE = """
import tracemalloc
import eventlet
{setup}
eventlet.sleep(0)
tracemalloc.start()
before = tracemalloc.take_snapshot()
parked = [{spawn} for _ in range(100)]
eventlet.sleep(0.1)
stats = tracemalloc.take_snapshot().compare_to(before, "filename")
print(sum(s.size_diff for s in stats if "hubs" in s.traceback[0].filename) // 100)
"""


def saved_stack_bytes(setup: str, spawn: str) -> int:
    """Bytes of C stack saved per greenlet parked by ``spawn`` (an expression) after ``setup``."""
    script = MEASURE.format(setup=textwrap.dedent(setup), spawn=spawn)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=True)
    return int(out.stdout.split()[-1])
