"""The namespace base class (pulseboard/namespace.py), on a namespace of its own.

A probe namespace derived from AuthNamespace is registered beside the
features', so the base class's dispatch is exercised without any feature's
rules: request context, auth, payload arity, errors as acks.
"""

import logging

import pytest
from flask import request

from inproc.acks import call
from pulseboard.extensions import socketio
from pulseboard.namespace import AuthNamespace
from pulseboard.wire import ApiError, ok

PROBE = "/probe"


class ProbeNamespace(AuthNamespace):
    """Handlers that show what the base class gives them."""

    def __init__(self):
        super().__init__(PROBE)

    def on_whoami(self, data):
        return ok(sid=request.sid, namespace=request.namespace, user=self.user.username,
                  data=data)

    def on_refuse(self, data):
        raise ApiError("forbidden", "not for you")

    def on_crash(self, data):
        raise RuntimeError("a bug")


@pytest.fixture(scope="module", autouse=True)
def probe(app):
    socketio.on_namespace(ProbeNamespace())


def test_a_handler_runs_in_the_events_request_context(sio, account):
    me = account()
    client = sio(PROBE, me["token"])
    ack = call(client, PROBE, "whoami", {"x": 1})
    assert ack["ok"] and ack["namespace"] == PROBE and ack["data"] == {"x": 1}
    assert ack["user"] == me["user"]["username"]
    assert ack["sid"] == socketio.server.manager.sid_from_eio_sid(client.eio_sid, PROBE)


def test_no_payload_reaches_the_handler_as_none(sio, account):
    ack = call(sio(PROBE, account()["token"]), PROBE, "whoami")
    assert ack["ok"] and ack["data"] is None


def test_two_payloads_are_bad_request(sio, account):
    ack = call(sio(PROBE, account()["token"]), PROBE, "whoami", {}, {})
    assert ack == {"ok": False, "error": {
        "code": "bad_request", "message": "an event takes at most one payload argument"}}


def test_an_unknown_event_is_not_found(sio, account):
    ack = call(sio(PROBE, account()["token"]), PROBE, "nope", {})
    assert ack["error"] == {"code": "not_found", "message": "unknown event 'nope' on /probe"}


def test_an_api_error_becomes_its_ack(sio, account):
    ack = call(sio(PROBE, account()["token"]), PROBE, "refuse", {})
    assert ack == {"ok": False, "error": {"code": "forbidden", "message": "not for you"}}


def test_a_crash_is_an_internal_ack_logged_once(sio, account, caplog):
    client = sio(PROBE, account()["token"])
    with caplog.at_level(logging.ERROR, logger="pulseboard.namespace"):
        ack = call(client, PROBE, "crash", {})
    assert ack == {"ok": False, "error": {
        "code": "internal", "message": "the server could not handle this event"}}
    records = [r for r in caplog.records if r.name == "pulseboard.namespace"]
    assert len(records) == 1 and "'crash' on /probe" in records[0].getMessage()
    assert records[0].exc_info[0] is RuntimeError
    assert call(client, PROBE, "whoami", {})["ok"]  # the socket lives on


@pytest.mark.parametrize("auth", [None, {}, {"token": "forged"}, {"token": 7}, ["token"]])
def test_a_connection_without_a_valid_token_is_refused(sio, auth):
    assert not sio(PROBE, auth=auth).is_connected(PROBE)


def test_the_root_namespace_needs_a_token_too(sio, account):
    assert not sio("/").is_connected("/")
    assert sio("/", account()["token"]).is_connected("/")
