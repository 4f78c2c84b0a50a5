"""WSGI layers called as bound methods: ~700 bytes less saved C stack per layer per connection.

A WebSocket is served inside its handshake request, so the connection's
greenlet parks (in the socket's ``recv``) under every WSGI layer the
handshake went through, and greenlet saves the C stack below that point
for as long as the client stays. CPython 3.11 runs a call to a Python
function or bound method in the same C frame, but a call to an *instance*
with ``__call__`` goes through ``tp_call`` and a new C-level evaluation
frame: measured, each such layer adds ~700 bytes to a parked greenlet's
saved stack (tests/backend/test_flat_calls.py).

:func:`flatten` walks the ``wsgi_app`` links of a middleware chain (each
layer keeping the next in ``self.wsgi_app``, as Pulseboard's middlewares,
python-engineio's ``WSGIApp`` and Flask-SocketIO's middleware do) and
replaces every link to a callable instance by its bound ``__call__``: the
same object and code, called without the C frame. :func:`flat_websocket_class`
does the same for the WebSocket app python-engineio builds per upgrade
(``ws = _async['websocket'](handler, server); ws(environ, start_response)``).
"""

import types

_PLAIN = (types.FunctionType, types.MethodType, types.BuiltinFunctionType)


def flat(app):
    """``app`` itself if calling it costs no C frame, else its bound Python ``__call__``."""
    if isinstance(app, _PLAIN):
        return app
    call = getattr(type(app), "__call__", None)  # noqa: B004 - is it Python code, not callable()
    return app.__call__ if isinstance(call, types.FunctionType) else app


def flatten(wsgi_app):
    """Make each ``wsgi_app`` link of the chain under ``wsgi_app`` flat; return its flat top."""
    seen, node = set(), wsgi_app
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        layer = node.__self__ if isinstance(node, types.MethodType) else node
        inner = getattr(layer, "wsgi_app", None)
        if inner is None or isinstance(inner, _PLAIN) or not callable(inner):
            break  # the end of the chain (Flask's own wsgi_app method), or already flat
        flat_inner = flat(inner)
        if flat_inner is not inner:
            layer.wsgi_app = flat_inner
        node = inner
    return flat(wsgi_app)


def flat_websocket_class(websocket_class):
    """A factory python-engineio can use as ``_async['websocket']``, returning flat apps."""

    def websocket_app(handler, server):
        return flat(websocket_class(handler, server))

    websocket_app.__wrapped__ = websocket_class
    return websocket_app
