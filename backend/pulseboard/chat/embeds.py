"""Embeds: a chat message can carry a live chart of a stream or a run's log tail.

The embed names what it shows (``{"kind": "stream", "stream"}`` or
``{"kind": "run", "task_id"}``); the SPA subscribes to it through ``/charts``
or ``/logs`` while it is on screen. It is checked against what exists when
the message is sent, so a stored embed names a stream or run that existed
then (a published stream or a run may be gone later; the SPA says so).
"""

from ..wire import ApiError


class EmbedChecker:
    """Turns a message's ``embed`` payload into what is stored, or raises ``not_found``.

    :param services: the app's services namespace; the chart and task
        services are looked up on use, as chat starts before tasks.
    """

    def __init__(self, services):
        self.services = services

    def __call__(self, embed: dict | None) -> dict | None:
        """The embed to store (a plain dict) or None; ``not_found`` if its target is unknown."""
        if embed is None:
            return None
        if embed["kind"] == "stream":
            charts = getattr(self.services, "charts", None)
            if charts is None:
                raise ApiError("not_found", "charts are not served here")
            charts.lookup(embed["stream"])
            return {"kind": "stream", "stream": embed["stream"]}
        tasks = getattr(self.services, "tasks", None)
        if tasks is None:
            raise ApiError("not_found", "tasks are not served here")
        tasks.get(embed["task_id"])
        return {"kind": "run", "task_id": embed["task_id"]}


def summary(embed: dict | None) -> str:
    """A short text for an embed, for previews of a message that has no text."""
    if embed is None:
        return ""
    if embed["kind"] == "stream":
        return f"[chart {embed['stream']}]"
    return f"[run #{embed['task_id']}]"
