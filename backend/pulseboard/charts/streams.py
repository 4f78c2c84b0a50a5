"""Stream names and rooms: what the server and the outside emitter share.

Kept free of Flask and SQLAlchemy so that ``pulseboard.emitter`` (a cron job,
a batch script) imports in a fraction of the time the server does.
"""

import re

NAMESPACE = "/charts"
STREAM_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def stream_room(name: str) -> str:
    """The Socket.IO room of a stream's subscribers."""
    return f"stream:{name}"
