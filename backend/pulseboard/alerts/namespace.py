"""The ``/alerts`` namespace: follow alert changes live, and acknowledge."""

from flask import request

from ..contract.alerts import AlertRef
from ..contract.base import NoPayload
from ..namespace import AuthNamespace
from ..wire import ok, parse
from .service import NAMESPACE, AlertService


class AlertsNamespace(AuthNamespace):
    """Alerts; see the ``/alerts`` section of the contract. Every signed-in user may ack."""

    def __init__(self, service: AlertService):
        super().__init__(NAMESPACE)
        self.service = service

    def disconnected(self, identity, sid):
        self.service.drop(sid)

    def on_subscribe(self, data):
        parse(NoPayload, data)
        return ok(alerts=self.service.subscribe(request.sid), rules=self.service.rule_list())

    def on_unsubscribe(self, data):
        parse(NoPayload, data)
        self.service.unsubscribe(request.sid)
        return ok()

    def on_ack(self, data):
        alert_id = parse(AlertRef, data).id
        return ok(alert=self.service.acknowledge(alert_id, self.user.username, "board"))

    def on_get(self, data):
        return ok(**self.service.get(parse(AlertRef, data).id))
