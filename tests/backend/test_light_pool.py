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
from support.saved_stack import saved_stack_bytes


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


def test_other_calls_and_a_spawn_from_inside_a_full_pool_still_run():
    pool, calls = LightPool(1), []

    def nested():
        pool.spawn(lambda a, b=None: calls.append((a, b)), 1, b=2).link(
            lambda _: calls.append("linked"))

    pool.spawn(nested)  # the pool is full inside: GreenPool runs the inner one in place
    pool.waitall()
    assert calls == [(1, 2), "linked"] and pool.free() == 1


POOLS = """
from eventlet.greenpool import GreenPool
from pulseboard.transport.light_pool import LightPool
def serve(connection):
    eventlet.sleep(60)  # parked, as a WebSocket's reader
light, green = LightPool(1000), GreenPool(1000)
"""


def test_a_pooled_connection_saves_less_c_stack_than_through_spawn_n():
    green = saved_stack_bytes(POOLS, "green.spawn_n(serve, None)")
    light = saved_stack_bytes(POOLS, "light.spawn(serve, None)")
    # spawn_n's func(*args, **kwargs) is a C-level frame: ~370 B on CPython 3.11 (x86-64).
    assert green - light >= 250, (green, light)


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


def test_upstream_greenpool_bookkeeping_is_what_spawn_repeats():
    """Covered by LightPool.spawn: a slot and ``coroutines_running``, freed by ``_spawn_done``."""
    spawn_n = inspect.getsource(GreenPool.spawn_n)
    for step in ("if self.sem.locked() and current in self.coroutines_running:",
                 "if not self.coroutines_running:", "self.no_coros_running = eventlet.Event()",
                 "self.coroutines_running.add(g)"):
        assert step in spawn_n, step
    done = inspect.getsource(GreenPool._spawn_done)
    assert "self.sem.release()" in done and "self.coroutines_running.remove(coro)" in done
