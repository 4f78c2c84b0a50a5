"""eventlet's connection pool without a ``GreenThread`` per connection, and no C frames under it.

``eventlet.wsgi.server`` 0.41 serves each accepted connection with
``pool.spawn(serv.process_request, connection).link(_clean_connection,
connection)``: a ``GreenThread`` per connection, which is a greenlet plus an
``Event`` (with its set of waiters) and, once linked, a ``deque`` of exit
functions (740 bytes) — for the connection's whole life, a WebSocket's too.
The server only ever calls ``link()`` on what ``spawn`` returns.

:class:`LightPool` is a ``GreenPool`` (same size limit, ``waitall``, ...)
whose ``spawn`` runs the function in a plain greenlet and returns a small
object whose ``link()`` keeps the functions to call after it. The greenlet
runs :meth:`LightPool._serve`, which calls the function with a plain call:
``GreenPool.spawn_n`` would go through ``_spawn_n_impl``'s ``func(*args,
**kwargs)``, and on CPython 3.11 a call spelled with ``*``/``**`` runs the
callee in a new C-level frame, which greenlet saves (~500 bytes each) for as
long as the connection's greenlet is parked. Given to the server as
``custom_pool`` (``pulseboard serve``). Pinned by
tests/backend/test_light_pool.py; upstream could use ``spawn_n`` and a
``finally`` in ``server()`` for the same saving.
"""

import logging

import eventlet
from eventlet.greenpool import GreenPool
from greenlet import GreenletExit

log = logging.getLogger(__name__)


class Links:
    """What ``LightPool.spawn`` returns: ``link(func, *args)`` as a ``GreenThread``'s."""

    __slots__ = ("funcs",)

    def __init__(self):
        self.funcs = []

    def link(self, func, *curried_args, **curried_kwargs) -> None:
        """Call ``func(self, *curried_args, **curried_kwargs)`` when the function has run."""
        self.funcs.append((func, curried_args, curried_kwargs))


class LightPool(GreenPool):
    """A ``GreenPool`` whose ``spawn`` makes a plain greenlet and returns :class:`Links`."""

    def spawn(self, function, *args, **kwargs) -> Links:
        """Run ``function`` in its own greenlet (blocking while the pool is full)."""
        if self.sem.locked() and eventlet.getcurrent() in self.coroutines_running:
            return super().spawn(function, *args, **kwargs)  # GreenPool's reentrant case
        links = Links()
        self.sem.acquire()
        greenlet = eventlet.spawn_n(self._serve, links, function, args, kwargs)
        if not self.coroutines_running:
            self.no_coros_running = eventlet.Event()
        self.coroutines_running.add(greenlet)
        return links

    def _serve(self, links: Links, function, args: tuple, kwargs: dict) -> None:
        try:
            if kwargs or len(args) != 1:
                function(*args, **kwargs)
            else:
                function(args[0])  # the server's case: a plain call, no C frame (see above)
        except GreenletExit:
            raise
        except Exception:  # as GreenPool.spawn_n: the pool outlives a failed function
            log.exception("pooled function %r failed", function)
        finally:
            try:
                for func, curried_args, curried_kwargs in links.funcs:
                    func(links, *curried_args, **curried_kwargs)
            finally:
                self._spawn_done(eventlet.getcurrent())
