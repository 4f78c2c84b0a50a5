"""eventlet's connection pool without a GreenThread per connection (transport.light_pool).

``pulseboard serve`` passes the pool to eventlet's server, so every real-server
test runs through it (test_capacity, test_runtime, test_hostile_transport...);
here the pool's own contract and the upstream code it relies on.
"""

import gc
import inspect

import eventlet
from eventlet import greenthread, wsgi
from eventlet.greenpool import GreenPool

from pulseboard.transport.light_pool import LightPool


def test_spawn_runs_the_function_then_its_links_without_a_greenthread():
    pool, calls = LightPool(10), []
    before = sum(isinstance(o, greenthread.GreenThread) for o in gc.get_objects())
    links = [pool.spawn(lambda n: (eventlet.sleep(0.01), calls.append(n)), n) for n in range(5)]
    for n, link in enumerate(links):
        link.link(lambda got, n: calls.append(("link", n, got is links[n])), n)
    eventlet.sleep(0)  # all five started and parked
    during = sum(isinstance(o, greenthread.GreenThread) for o in gc.get_objects())
    pool.waitall()
    assert during == before  # plain greenlets, not GreenThreads
    assert sorted(c for c in calls if not isinstance(c, tuple)) == [0, 1, 2, 3, 4]
    assert sorted(c for c in calls if isinstance(c, tuple)) == [("link", n, True) for n in range(5)]
    assert pool.running() == 0


def test_a_failing_function_still_runs_its_links_and_frees_its_slot():
    pool, cleaned = LightPool(1), []

    def fail():
        raise RuntimeError("boom")

    pool.spawn(fail).link(lambda _, what: cleaned.append(what), "conn")
    pool.waitall()
    assert cleaned == ["conn"] and pool.free() == 1


def test_the_size_limit_holds():
    pool, running, most = LightPool(2), [], []

    def work():
        running.append(1)
        most.append(len(running))
        eventlet.sleep(0.01)
        running.pop()

    for _ in range(6):
        pool.spawn(work)  # blocks the caller while two run
    pool.waitall()
    assert max(most) == 2


# -- upstream behaviour light_pool relies on -----------------------------------------


def test_upstream_eventlet_server_only_links_what_spawn_returns():
    """Covered by LightPool: ``spawn(...)`` is only ``link()``-ed, with (gt, conn) called back."""
    source = inspect.getsource(wsgi.server)
    assert "custom_pool" in inspect.signature(wsgi.server).parameters
    assert "(pool.spawn(serv.process_request, connection)" in source
    assert ".link(_clean_connection, connection))" in source
    assert "def _clean_connection(_, conn):" in source
    assert "hasattr(pool, 'spawn') and hasattr(pool, 'waitall')" in source
    assert "self.sem.acquire()" in inspect.getsource(GreenPool.spawn_n)
