"""The ``/debug`` namespace: subscribe to debug messages with filters."""

from flask import request

from ..contract.base import NoPayload
from ..contract.debug import DebugSubscribe
from ..namespace import AuthNamespace
from ..wire import ok, parse
from .debughub import NAMESPACE
from .filters import DebugFilter
from .service import DebugService


class DebugNamespace(AuthNamespace):
    """Debug messages; see the ``/debug`` section of the contract.

    A socket has one filter at a time; subscribing again replaces it.
    """

    def __init__(self, service: DebugService):
        super().__init__(NAMESPACE)
        self.service = service

    def disconnected(self, identity, sid):
        self.service.drop(sid)

    def on_subscribe(self, data):
        req = parse(DebugSubscribe, data)
        flt = DebugFilter.of(req.levels, req.sources)
        messages = self.service.subscribe(request.sid, flt)
        return ok(messages=messages, levels=list(flt.levels), sources=list(flt.sources))

    def on_unsubscribe(self, data):
        parse(NoPayload, data)
        self.service.unsubscribe(request.sid)
        return ok()
