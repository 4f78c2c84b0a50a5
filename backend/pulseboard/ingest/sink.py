"""The one place ingest touches the charts: ``ChartService.publish``, its public method.

Points are grouped per stream and each stream is published in one call, in
time order. A stream the service refuses (a name it will not create, the
cap of published streams) is reported back instead of failing the rest.
Must run inside an app context: creating a stream stores its name.
"""

from ..wire import ApiError


class ChartSink:
    """Publish ``{stream: [[t_ms, value], ...]}`` batches into the charts.

    :param charts: the app's :class:`~pulseboard.charts.service.ChartService`.
    """

    def __init__(self, charts):
        self.charts = charts

    def publish(self, batches: dict[str, list]) -> dict[str, ApiError]:
        """Publish every batch; return the refused streams with the service's error."""
        refused = {}
        for name, points in batches.items():
            points.sort(key=lambda point: point[0])  # stable: equal times keep line order
            try:
                self.charts.publish(name, points)
            except ApiError as exc:
                refused[name] = exc
        return refused
