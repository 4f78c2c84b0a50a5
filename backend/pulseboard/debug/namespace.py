"""The ``/debug`` namespace: subscribe to debug messages with filters."""

from typing import Annotated

from flask import request
from pydantic import Field

from ..namespace import AuthNamespace
from ..wire import Payload, full_match, ok, parse
from .debughub import NAMESPACE
from .filters import DebugFilter
from .models import Level
from .service import MAX_SOURCE, DebugService

#: An exact source or a prefix ending in `*` (see filters.py); no control characters.
SourcePattern = Annotated[str, Field(min_length=1, max_length=MAX_SOURCE),
                          full_match(r"[A-Za-z0-9_.:/@*-]+", "letters, digits and _ . : / @ - *")]


class Subscribe(Payload):
    levels: Annotated[list[Level], Field(max_length=5)] | None = None
    sources: Annotated[list[SourcePattern], Field(max_length=20)] | None = None


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
        req = parse(Subscribe, data)
        flt = DebugFilter.of(req.levels, req.sources)
        messages = self.service.subscribe(request.sid, flt)
        return ok(messages=messages, levels=list(flt.levels), sources=list(flt.sources))

    def on_unsubscribe(self, data):
        parse(Payload, data)
        self.service.unsubscribe(request.sid)
        return ok()
