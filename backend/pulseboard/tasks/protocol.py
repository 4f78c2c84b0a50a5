"""The task output line protocol and the step list it drives.

A task reports its state by printing directives on **stdout**, one per line
(see ``docs/tasks.md``)::

    ::step build        the step "build" starts; the running step is done
    ::step-done         the running step is done
    ::progress 40       progress is 40 % (a number 0-100, clamped)

Directive lines stay in the log like any other line. A line that looks like a
directive but is malformed (``::progress abc``) is just a line.
"""

import re

DIRECTIVE = re.compile(r"^::(step|step-done|progress)(?:[ \t]+(.*?))?[ \t]*$")
MAX_STEPS = 100
MAX_STEP_NAME = 64


def parse_directive(text: str) -> tuple[str, object] | None:
    """Return ``(kind, value)`` for a directive line, or None for any other line.

    ``("step", name)``, ``("step-done", None)`` or ``("progress", percent)``.
    """
    if not text.startswith("::"):
        return None
    match = DIRECTIVE.match(text)
    if match is None:
        return None
    kind, argument = match.group(1), (match.group(2) or "").strip()
    if kind == "step":
        return ("step", argument[:MAX_STEP_NAME]) if argument else None
    if kind == "step-done":
        return None if argument else ("step-done", None)
    try:
        value = float(argument)
    except ValueError:
        return None
    if value != value:  # NaN
        return None
    return "progress", round(min(100.0, max(0.0, value)))


class StepTracker:
    """The step list of one run, changed by directives and by the run's end.

    :param declared: step names known ahead from the definition (``pending``).
    """

    def __init__(self, declared=()):
        self.steps: list[dict] = [{"name": name, "status": "pending"} for name in declared]

    def snapshot(self) -> list[dict]:
        """A copy safe to serialize while the run goes on."""
        return [dict(step) for step in self.steps]

    def _running(self) -> dict | None:
        return next((s for s in self.steps if s["status"] == "running"), None)

    def start(self, name: str) -> bool:
        """Start step ``name`` (the running one is done); return True if changed."""
        current = self._running()
        if current is not None and current["name"] == name:
            return False
        if current is not None:
            current["status"] = "done"
        step = next((s for s in self.steps if s["name"] == name and s["status"] == "pending"), None)
        if step is None:
            if len(self.steps) >= MAX_STEPS:
                return current is not None
            step = {"name": name, "status": "pending"}
            self.steps.append(step)
        step["status"] = "running"
        return True

    def finish_current(self) -> bool:
        """Mark the running step done; return True if there was one."""
        current = self._running()
        if current is None:
            return False
        current["status"] = "done"
        return True

    def close(self, status: str) -> None:
        """Settle every step when the run ends with ``status``.

        The running step takes the run's outcome (done, failed or cancelled);
        steps that never started are skipped.
        """
        outcome = {"succeeded": "done", "failed": "failed", "cancelled": "cancelled"}[status]
        for step in self.steps:
            if step["status"] == "running":
                step["status"] = outcome
            elif step["status"] == "pending":
                step["status"] = "skipped"
