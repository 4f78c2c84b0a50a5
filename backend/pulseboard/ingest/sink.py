"""The one place ingest touches the charts: ``ChartService.publish_many``, its public method.

Points are grouped per stream and the streams of one write or scrape are
published in one call, each in time order. A stream the service refuses (a
name it will not create, the cap of published streams) is reported back
instead of failing the rest. Must run inside an app context: creating a
stream stores its name.
"""

from operator import itemgetter

from ..wire import ApiError

_TIME = itemgetter(0)


class ChartSink:
    """Publish ``{stream: [[t_ms, value], ...]}`` batches into the charts.

    :param charts: the app's :class:`~pulseboard.charts.service.ChartService`.
    """

    def __init__(self, charts):
        self.charts = charts

    def publish(self, batches: dict[str, list]) -> dict[str, ApiError]:
        """Publish every batch; return the refused streams with the service's error."""
        for points in batches.values():
            points.sort(key=_TIME)  # stable: equal times keep line order
        return self.charts.publish_many(batches)
