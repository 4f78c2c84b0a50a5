"""Samplers for the built-in streams, and the stream names the server keeps to itself.

A sampler is a callable class: ``sampler()`` returns the next value, or None
when there is nothing new to report, and its ``interval`` attribute says how
many seconds apart it is called (``warmup = True``: wait one interval before
the first call). :data:`BUILT_IN` maps each built-in stream's name to its
:class:`StreamInfo` and its sampler class; each data-file key gets a
:class:`FileKeySampler`. The service runs them (:mod:`.service`).
"""

import math
import random
import time
from dataclasses import dataclass

import psutil

from .datafile import DataFile


@dataclass(frozen=True)
class StreamInfo:
    """What ``streams`` lists for one stream."""

    name: str
    label: str
    unit: str
    #: How many points the live window keeps.
    window_points: int = 600
    #: A built-in producer's sampling interval; None for a published stream.
    interval_ms: int | None = None

    def as_dict(self) -> dict:
        """The contract's stream object."""
        return {"name": self.name, "label": self.label, "unit": self.unit,
                "window_points": self.window_points, "interval_ms": self.interval_ms}


def prime_cpu() -> None:
    """Start psutil's CPU accounting: its first ``cpu_percent`` reading is a meaningless 0."""
    psutil.cpu_percent(interval=None)


class CpuSampler:
    """Whole-host CPU utilisation in percent, averaged since the last call.

    ``warmup``: the producer waits one interval before the first sample, so
    that it averages over a whole second instead of the instant since the
    sampler was made (which read 0 % on every subscribe).
    """

    interval = 1.0
    warmup = True

    def __init__(self):
        prime_cpu()

    def __call__(self) -> float:
        return psutil.cpu_percent(interval=None)


class MemorySampler:
    """Host memory in use, in percent."""

    interval = 1.0

    def __call__(self) -> float:
        return psutil.virtual_memory().percent


class SineSampler:
    """A 10-second sine between 10 and 90, sampled ten times a second."""

    interval = 0.1

    def __call__(self) -> float:
        return round(50 + 40 * math.sin(2 * math.pi * time.time() / 10), 3)


class RandomWalkSampler:
    """A bounded random walk between 0 and 100, five times a second."""

    interval = 0.2

    def __init__(self):
        self.value = 50.0

    def __call__(self) -> float:
        self.value = min(100.0, max(0.0, self.value + random.uniform(-5, 5)))
        return round(self.value, 3)


class FileKeySampler:
    """One key of the data file: a value each time the file changes."""

    interval = 0.5

    def __init__(self, data_file: DataFile, key: str):
        self.data_file = data_file
        self.key = key
        self._seen_version = -1

    def __call__(self) -> float | None:
        values = self.data_file.values()
        if self.data_file.version == self._seen_version or self.key not in values:
            return None
        self._seen_version = self.data_file.version
        return values[self.key]


def _ms(sampler) -> int:
    return int(sampler.interval * 1000)


BUILT_IN = {
    name: (StreamInfo(name, label, unit, interval_ms=_ms(sampler)), sampler)
    for name, label, unit, sampler in (
        ("system.cpu", "Host CPU", "%", CpuSampler),
        ("system.memory", "Host memory", "%", MemorySampler),
        ("demo.sine", "Demo sine", "", SineSampler),
        ("demo.random", "Demo random walk", "", RandomWalkSampler),
    )
}
FILE_INTERVAL_MS = _ms(FileKeySampler)

#: Stream-name prefixes of the streams the server produces itself (built-in
#: samplers and data-file keys): nobody may publish into them.
PRODUCED_STREAM_PREFIXES = ("system.", "demo.", "file.")
