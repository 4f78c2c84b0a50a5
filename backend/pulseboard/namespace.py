"""The base every Pulseboard namespace derives from.

It does the things no handler should repeat:

* refuses a connection without a valid ``auth.token`` (the client sees a
  ``connect_error`` whose message is ``unauthorized``), remembers who each
  socket belongs to, and tells the capacity limits that its session and
  connection now belong to an authenticated user;
* answers an unknown event with a ``not_found`` ack instead of silence, and
  more than one payload argument with ``bad_request`` (the packet guard in
  :mod:`pulseboard.transport.guard` has already refused lifecycle names such
  as ``disconnect`` and payloads that are not strict JSON);
* turns an :class:`~pulseboard.wire.ApiError` into its failure ack and any
  other exception into an ``internal`` ack, logged once with the event name,
  so a handler never raises to the client and the server never dies on input
  (:func:`event_error_ack`, Flask-SocketIO's default error handler).

Dispatch goes through Flask-SocketIO's public API only: ``trigger_event`` is
overridden and defers to the base class, which runs the handler in the
event's request context; ``on_error_default`` turns exceptions into acks.

Handlers are ``on_<event>(self, data)`` and return the ack.
"""

import logging

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from .auth.tokens import Identity, verify_token
from .transport import current_transport
from .wire import ApiError, fail

log = logging.getLogger(__name__)

LIFECYCLE_EVENTS = ("connect", "disconnect")


def user_room(user_id: int) -> str:
    """The room every socket of one user joins, in every namespace."""
    return f"user:{user_id}"


class AuthNamespace(Namespace):
    """A namespace whose every socket belongs to an authenticated user."""

    def __init__(self, namespace: str):
        super().__init__(namespace)
        self._identities: dict[str, Identity] = {}

    # -- lifecycle -----------------------------------------------------------

    def on_connect(self, auth=None):
        """Admit the socket only with a valid token; join its user room."""
        token = auth.get("token") if isinstance(auth, dict) else None
        identity = verify_token(token)
        if identity is None:
            raise ConnectionRefusedError("unauthorized")
        self._identities[request.sid] = identity
        self._mark_authenticated()
        join_room(user_room(identity.id))
        self.connected(identity)

    def _mark_authenticated(self) -> None:
        """Take this socket's session and connection out of the guests' budget."""
        transport = current_transport(current_app)
        if transport is not None:
            eio_sid = self.socketio.server.manager.eio_sid_from_sid(request.sid, self.namespace)
            transport.sessions.authenticated(eio_sid)
        connection = request.environ.get("pulseboard.connection")
        if connection is not None:
            connection.promote()

    def on_disconnect(self, reason=None):
        """Forget the socket and let the subclass clean up after it."""
        identity = self._identities.pop(request.sid, None)
        if identity is not None:
            self.disconnected(identity, request.sid)

    def connected(self, identity: Identity) -> None:
        """Hook: a socket of ``identity`` connected (``request.sid`` is set)."""

    def disconnected(self, identity: Identity, sid: str) -> None:
        """Hook: socket ``sid`` of ``identity`` went away."""

    # -- dispatch ------------------------------------------------------------

    @property
    def user(self) -> Identity:
        """The identity of the socket whose event is being handled."""
        identity = self._identities.get(request.sid)
        if identity is None:
            raise ApiError("unauthorized", "not authenticated")
        return identity

    def trigger_event(self, event, *args):
        """Route an event to ``on_<event>(data)`` and always return an ack.

        Flask-SocketIO's own ``trigger_event`` runs the handler in the event's
        request context; a handler's exception becomes the return value of
        the error handler (:func:`event_error_ack`), hence the ack.
        """
        if event in LIFECYCLE_EVENTS:
            return super().trigger_event(event, *args)
        if not event or not callable(getattr(self, f"on_{event}", None)):
            return fail("not_found", f"unknown event {event!r} on {self.namespace}")
        sid, payload = args[0], args[1:]
        if len(payload) > 1:
            return fail("bad_request", "an event takes at most one payload argument")
        return super().trigger_event(event, sid, payload[0] if payload else None)


def event_error_ack(exc: Exception):
    """The ack of an event whose handler raised (``socketio.on_error_default``).

    Flask-SocketIO calls it inside the event's request context and its
    ``except`` block, and sends what it returns as the ack: an
    :class:`~pulseboard.wire.ApiError` becomes its failure ack, anything else
    an ``internal`` ack, logged once with the event name. A failing
    ``connect`` or ``disconnect`` handler is re-raised, as without a handler:
    its return value would not refuse the connection.
    """
    event = request.event["message"]
    if event in LIFECYCLE_EVENTS:
        raise exc
    if isinstance(exc, ApiError):
        return exc.ack()
    log.exception("event %r on %s failed", event, request.namespace)
    return fail("internal", "the server could not handle this event")


class RootNamespace(AuthNamespace):
    """The default namespace ``/``: no events, but connections need a token too.

    Without a handler python-socketio admitted anyone to ``/`` and left its
    events unanswered.
    """

    def __init__(self):
        super().__init__("/")
