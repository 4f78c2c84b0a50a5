"""The alert state machine: ok → pending → firing → resolved, as pure functions.

Nothing here reads a clock, a stream or the database: the evaluator passes
the time and what it observed, and gets the next state and the transitions
to record. That keeps every timing rule unit-testable in microseconds.

* **Hysteresis in level.** The condition is a Schmitt trigger: it starts
  holding when a value crosses ``threshold`` and stops only when a value
  crosses back past ``clear`` (``above``: ``value > threshold`` to enter,
  ``value < clear`` to leave). A value between the two keeps what was.
* **Hysteresis in time.** ``for`` seconds of holding turn pending into
  firing; a pending alert whose condition stops is resolved without ever
  firing. A firing alert resolves once the condition has stopped holding
  for ``clear_for`` seconds; holding again meanwhile restarts that wait.
* **No new points** keep the level: the last value is still the value.
* **absent** holds once no point has been seen for more than
  :data:`ABSENT_GRACE_MS` (one missed second is jitter, not absence);
  ``for`` counts from the last point seen, and the next point clears it.
"""

from dataclasses import dataclass, replace

from .rules import Rule

ABSENT_GRACE_MS = 2_500

OK, PENDING, FIRING, RESOLVED = "ok", "pending", "firing", "resolved"


@dataclass(frozen=True)
class RuleState:
    """What the evaluator remembers about one rule between evaluations (times in ms).

    :param phase: ``ok``, ``pending`` or ``firing``.
    :param holding: the Schmitt trigger's output: the condition holds.
    :param since: when the condition began to hold (pending and firing).
    :param clear_since: when it stopped holding while firing, else None.
    """

    phase: str = OK
    holding: bool = False
    since: int | None = None
    clear_since: int | None = None


@dataclass(frozen=True)
class Observation:
    """What the evaluator saw since its last evaluation.

    :param value: the worst new value (the highest for ``above``, the lowest
        for ``below``), or None when no point arrived.
    :param last_seen: when (wall clock, ms) a point last arrived, or when
        watching began if none has; what ``absent`` measures from.
    """

    value: float | None
    last_seen: int


def worst(rule: Rule, values: list[float]) -> float | None:
    """The value of ``values`` that breaches ``rule`` most (None for none)."""
    if not values:
        return None
    return min(values) if rule.condition == "below" else max(values)


def holds(rule: Rule, was_holding: bool, observation: Observation, now: int) -> bool:
    """Whether the condition holds now, given whether it held before."""
    if rule.condition == "absent":
        return now - observation.last_seen > ABSENT_GRACE_MS
    value = observation.value
    if value is None:
        return was_holding
    if rule.condition == "above":
        return value >= rule.clear_level if was_holding else value > rule.threshold
    return value <= rule.clear_level if was_holding else value < rule.threshold


def step(rule: Rule, state: RuleState, observation: Observation,
         now: int) -> tuple[RuleState, list[str]]:
    """The next state and the transitions (``pending``, ``firing``, ``resolved``) it took.

    One step may take two transitions: with ``for = 0`` a rule goes straight
    through pending to firing.
    """
    holding = holds(rule, state.holding, observation, now)
    transitions: list[str] = []
    if state.phase == OK:
        if not holding:
            return RuleState(), []
        since = observation.last_seen if rule.condition == "absent" else now
        state = RuleState(PENDING, True, since)
        transitions.append(PENDING)
    if state.phase == PENDING:
        if not holding:
            return RuleState(), [*transitions, RESOLVED]
        if now - state.since >= rule.for_ * 1000:
            return replace(state, phase=FIRING, holding=True), [*transitions, FIRING]
        return replace(state, holding=True), transitions
    # firing
    if holding:
        return replace(state, holding=True, clear_since=None), transitions
    clear_since = state.clear_since if state.clear_since is not None else now
    if now - clear_since >= rule.clear_for * 1000:
        return RuleState(), [RESOLVED]
    return replace(state, holding=False, clear_since=clear_since), []


def resumed(phase: str, since: int) -> RuleState:
    """The state of a rule whose open alert another worker left (a takeover)."""
    return RuleState(phase, True, since)
