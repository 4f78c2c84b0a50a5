"""Merging what several load-generator processes measured."""


def merge_latency(summaries: list[dict]) -> dict:
    """Merge latency summaries that carry sparse histograms into one summary.

    Each summary is what ``Histogram.summary()`` in bench/load/common.mjs
    prints: counts per 0.1 ms bucket, so quantiles of the union are exact to
    the bucket. The histogram itself is left out of the merged result.
    """
    summaries = [s for s in summaries if s and s.get("count")]
    if not summaries:
        return {"count": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None,
                "max_ms": None, "mean_ms": None}
    resolution = summaries[0]["histogram"]["resolution_ms"]
    counts: dict[int, int] = {}
    for summary in summaries:
        for index, count in summary["histogram"]["buckets"]:
            counts[index] = counts.get(index, 0) + count
    total = sum(counts.values())
    peak = max(s["max_ms"] for s in summaries)

    def quantile(q: float) -> float:
        rank = max(1, -(-q * total // 1))
        seen = 0
        for index in sorted(counts):
            seen += counts[index]
            if seen >= rank:
                return round(min((index + 1) * resolution, peak), 2)
        return peak

    mean = sum(s["mean_ms"] * s["count"] for s in summaries) / total
    return {"count": total, "p50_ms": quantile(0.5), "p90_ms": quantile(0.9),
            "p99_ms": quantile(0.99), "max_ms": peak, "mean_ms": round(mean, 2)}


def without_histograms(value):
    """A copy of a result with the bulky ``histogram`` entries removed."""
    if isinstance(value, dict):
        return {k: without_histograms(v) for k, v in value.items() if k != "histogram"}
    if isinstance(value, list):
        return [without_histograms(v) for v in value]
    return value


def sum_counts(results: list[dict], *keys: str) -> dict:
    """Sum numeric ``keys`` over several generator results."""
    return {key: sum(r.get(key) or 0 for r in results) for key in keys}


def sum_tallies(tallies: list[dict]) -> dict:
    """Add up ``{reason: count}`` tallies (connect failures, disconnect reasons)."""
    total: dict = {}
    for tally in tallies:
        for reason, count in tally.items():
            total[reason] = total.get(reason, 0) + count
    return total
