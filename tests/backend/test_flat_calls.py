"""WSGI layers called as bound methods (pulseboard.transport.flat_calls).

The memory test parks eventlet greenlets under a chain of callable
instances, flattened or not, in a child process and reads from tracemalloc
what greenlet saved of their C stacks (tests/support/saved_stack.py); the
chain tests check that a flattened chain is the same chain.
"""

import inspect

import engineio
import flask_socketio

from pulseboard.transport import flat_calls
from support.saved_stack import saved_stack_bytes

LAYERS = 8

CHAIN = f"""
from pulseboard.transport import flat_calls

class Layer:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
    def __call__(self, environ, start_response):
        return self.wsgi_app(environ, start_response)

def leaf(environ, start_response):
    eventlet.sleep(60)  # parked, as a WebSocket's greenlet in recv

layered = leaf
for _ in range({LAYERS}):
    layered = Layer(layered)
"""


def _saved_per_greenlet(mode: str) -> int:
    app = "flat_calls.flatten(layered)" if mode == "flat" else "layered"
    return saved_stack_bytes(CHAIN + f"app = {app}\n", "eventlet.spawn(app, {}, None)")


def test_a_flat_chain_saves_less_c_stack_per_parked_greenlet():
    layered, flat = _saved_per_greenlet("layers"), _saved_per_greenlet("flat")
    # ~700 B per callable-instance layer on CPython 3.11 (x86-64); at least 300 asserted.
    assert layered - flat >= LAYERS * 300, (layered, flat)


class Layer:
    def __init__(self, wsgi_app, name, calls):
        self.wsgi_app, self.name, self.calls = wsgi_app, name, calls

    def __call__(self, environ, start_response):
        self.calls.append(self.name)
        return self.wsgi_app(environ, start_response)


class Root:
    """Stands for Flask: the chain ends at its own ``wsgi_app`` method."""

    def __init__(self):
        self.wsgi_app = self.real_wsgi_app

    def real_wsgi_app(self, environ, start_response):
        return [b"root"]


def test_flatten_keeps_the_chain_and_its_order():
    calls, root = [], Root()
    app = Layer(Layer(Layer(root.wsgi_app, "c", calls), "b", calls), "a", calls)
    top = flat_calls.flatten(app)
    assert top.__self__ is app  # the same objects, called as bound methods
    assert top({}, None) == [b"root"] and calls == ["a", "b", "c"]
    assert app.wsgi_app.__self__.name == "b" and app.wsgi_app.__self__.wsgi_app.__self__.name == "c"
    assert root.wsgi_app == root.real_wsgi_app  # the end of the chain is left alone
    assert flat_calls.flatten(top) is top  # idempotent


def test_flat_leaves_plain_callables_and_c_types_alone():
    def function(environ, start_response):
        return []

    assert flat_calls.flat(function) is function
    assert flat_calls.flat(len) is len
    websocket_app = flat_calls.flat_websocket_class(lambda handler, server: Layer(None, "w", []))
    assert isinstance(websocket_app(None, None).__self__, Layer)


# -- upstream behaviour flat_calls relies on ----------------------------------------


def test_upstream_wsgi_layers_keep_the_next_in_wsgi_app():
    """Covered by flat_calls.flatten: each layer calls ``self.wsgi_app(...)``."""
    assert "self.wsgi_app(environ, start_response)" in inspect.getsource(
        engineio.middleware.WSGIApp.__call__)
    assert "super().__call__(environ, start_response)" in inspect.getsource(
        flask_socketio._SocketIOMiddleware.__call__)


def test_upstream_engineio_builds_and_calls_a_websocket_app_per_upgrade():
    """Covered by flat_calls.flat_websocket_class: ``_async['websocket']`` is only called."""
    source = inspect.getsource(engineio.socket.Socket._upgrade_websocket)
    assert "ws = self.server._async['websocket'](" in source
    assert "return ws(environ, start_response)" in source
