"""The ``/charts`` namespace: list, subscribe to and unsubscribe from streams."""

from typing import Annotated

from flask import request
from pydantic import Field

from ..namespace import AuthNamespace
from ..wire import Payload, ok, parse
from .service import ChartService
from .streams import NAMESPACE

#: A stream name shaped like one; an unknown name that fits is ``not_found``.
StreamName = Annotated[str, Field(min_length=1, max_length=64)]


class StreamRef(Payload):
    stream: StreamName


class ChartsNamespace(AuthNamespace):
    """Live chart streams; see the ``/charts`` section of the contract."""

    def __init__(self, service: ChartService):
        super().__init__(NAMESPACE)
        self.service = service

    def disconnected(self, identity, sid):
        self.service.drop(sid)

    def on_streams(self, data):
        parse(Payload, data)  # takes no payload: anything but nothing or {} is bad_request
        return ok(streams=self.service.list_streams())

    def on_subscribe(self, data):
        name = parse(StreamRef, data).stream
        points = self.service.subscribe(request.sid, name)
        return ok(stream=name, points=points)

    def on_unsubscribe(self, data):
        name = parse(StreamRef, data).stream
        self.service.unsubscribe(request.sid, name)
        return ok()
