"""Numeric values read from the JSON data file (``DATA_FILE``).

Each numeric leaf becomes a stream ``file.<key>`` (nested objects join their
keys with dots). The file is re-read only when its mtime or size changes, so
every ``file.*`` producer can poll it cheaply; polling is used rather than
inotify because it behaves the same under eventlet, gevent and threads.
"""

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def numeric_leaves(data: object, prefix: str = "") -> dict[str, float]:
    """Flatten a JSON object into ``{"a.b": number}`` for its numeric leaves."""
    values: dict[str, float] = {}
    if not isinstance(data, dict):
        return values
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            values.update(numeric_leaves(value, f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            values[name] = float(value)
    return values


class DataFile:
    """A cached view of the data file's numeric values."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._values: dict[str, float] = {}
        self.version = 0

    def values(self) -> dict[str, float]:
        """The current numeric values, re-reading the file if it changed."""
        try:
            stat = self.path.stat()
        except OSError:
            return self._values
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            self._reload()
        return self._values

    def _reload(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            # A half-written file is normal while an editor saves: keep the last values.
            log.warning("data file %s unreadable, keeping last values: %s", self.path, exc)
            return
        self._values = numeric_leaves(data)
        self.version += 1
