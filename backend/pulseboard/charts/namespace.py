"""The ``/charts`` namespace: list, subscribe to and unsubscribe from streams, read history."""

from flask import current_app, request

from ..contract.annotations import AnnotationsQuery
from ..contract.base import NoPayload
from ..contract.charts import StreamHistoryQuery, StreamRef
from ..namespace import AuthNamespace
from ..wire import ok, parse
from . import history
from .service import ChartService
from .streams import NAMESPACE


class ChartsNamespace(AuthNamespace):
    """Live chart streams; see the ``/charts`` section of the contract."""

    def __init__(self, service: ChartService):
        super().__init__(NAMESPACE)
        self.service = service

    def disconnected(self, identity, sid):
        self.service.drop(sid)

    def on_streams(self, data):
        parse(NoPayload, data)
        return ok(streams=self.service.list_streams())

    def on_subscribe(self, data):
        name = parse(StreamRef, data).stream
        points = self.service.subscribe(request.sid, name)
        return ok(stream=name, points=points)

    def on_unsubscribe(self, data):
        name = parse(StreamRef, data).stream
        self.service.unsubscribe(request.sid, name)
        return ok()

    def on_history(self, data):
        return history.answer(self.service, parse(StreamHistoryQuery, data))

    def on_annotations(self, data):
        """Annotations in a time range (pulseboard.annotations); ``annotation`` events follow."""
        query = parse(AnnotationsQuery, data)
        service = current_app.extensions["pulseboard"].annotations
        return ok(**service.between(query.from_, query.to, query.stream))
