"""eventlet's connection pool without a ``GreenThread`` per connection (~1.2 KB each).

``eventlet.wsgi.server`` 0.41 serves each accepted connection with
``pool.spawn(serv.process_request, connection).link(_clean_connection,
connection)``: a ``GreenThread`` per connection, which is a greenlet plus an
``Event`` (with its set of waiters) and, once linked, a ``deque`` of exit
functions (740 bytes) — for the connection's whole life, a WebSocket's too.
The server only ever calls ``link()`` on what ``spawn`` returns.

:class:`LightPool` is a ``GreenPool`` (same size limit, ``waitall``, ...)
whose ``spawn`` runs the function in a plain greenlet (``GreenPool.spawn_n``)
and returns a small object whose ``link()`` keeps the functions to call after
it. Given to the server as ``custom_pool`` (``pulseboard serve``). Pinned by
tests/backend/test_light_pool.py; upstream could use ``spawn_n`` and a
``finally`` in ``server()`` for the same saving.
"""

from eventlet.greenpool import GreenPool


class Links:
    """What ``LightPool.spawn`` returns: ``link(func, *args)`` as a ``GreenThread``'s."""

    __slots__ = ("funcs",)

    def __init__(self):
        self.funcs = []

    def link(self, func, *curried_args, **curried_kwargs) -> None:
        """Call ``func(self, *curried_args, **curried_kwargs)`` when the function has run."""
        self.funcs.append((func, curried_args, curried_kwargs))


def _run_linked(links: Links, function, args, kwargs) -> None:
    try:
        function(*args, **kwargs)
    finally:
        for func, curried_args, curried_kwargs in links.funcs:
            func(links, *curried_args, **curried_kwargs)


class LightPool(GreenPool):
    """A ``GreenPool`` whose ``spawn`` makes a plain greenlet and returns :class:`Links`."""

    def spawn(self, function, *args, **kwargs) -> Links:
        """Run ``function`` in its own greenlet (blocking while the pool is full)."""
        links = Links()
        self.spawn_n(_run_linked, links, function, args, kwargs)
        return links
