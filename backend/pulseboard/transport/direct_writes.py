"""No parked writer greenlet per WebSocket (eventlet): a writer only while there is a write.

python-engineio 4.15's ``Socket._websocket_handler`` starts a writer task
for every WebSocket that loops on ``self.poll()``, i.e. blocks in its
engine.io queue's ``get()`` with a timeout. Under eventlet that is a parked
greenlet per connection, holding its saved C stack, a page or more of
CPython's frame stack, a ``Timeout`` and hub timer, its ``GreenThread``'s
event and exit deque, and the ``Queue`` it waits on (~10 KB per idle client).

:func:`install` wraps the server's ``start_background_task``: when the task
is that writer (for a WebSocket of :mod:`.websocket`'s eventlet transport),
a :class:`DirectWriter` takes its place. It replaces the engine.io socket's
``queue``: ``put(packet)`` packs the frame and keeps it, and the first put
since the last write spawns a short-lived greenlet that writes everything
kept in one ``sendall()`` and ends; ``put(None)`` (python-engineio's
"stop the writer") writes what is kept and closes the WebSocket, as the
writer did; ``join()`` waits for that. So an idle client holds no writer
greenlet and no queue, and the batching of :mod:`.batched_writes` holds:
whatever was put before the writing greenlet runs leaves in one write (the
frames of one hub tick, or a handler's message and its ack, in one segment).

The writes themselves are made in rounds (:class:`WriteRound`): the first
writer with frames since the last round schedules one greenlet, which runs
once the emitter yields (or when a batch of emits ends, or as a single
emit goes: :func:`written_by_exit`) and sends each writer's kept
frames with one non-blocking ``send()`` on its socket. A room emit to 1,000 subscribers is
then one greenlet and 1,000 system calls, not 1,000 greenlets, each spawned,
scheduled, switched to and through eventlet's ``sendall`` wrappers. A socket
that takes only part (its buffer is full: a slow client) or is busy with a
control frame gets its own greenlet for the rest, which waits with
``sendall()`` as the writer did; the rest of a frame keeps eventlet's send
lock from the round on, so that no pong or close frame lands inside it.
The frame itself is packed once per packet: python-socketio hands every
recipient of a room emit the same engine.io packet, and an unmasked frame
without extensions (Pulseboard refuses permessage-deflate) is the same bytes
for all.

What changes beside memory: the writer's ``poll()`` closed a WebSocket
that had nothing to send for ``ping_interval + ping_timeout``; the reader's
socket timeout (the same span, set by python-engineio on the socket) still
closes a client that sends nothing, which is what a client that stops
answering pings does. Pinned by tests/backend/test_direct_writes.py; the same
change upstream is in docs/upstream.md.
"""

import contextlib
import logging

log = logging.getLogger(__name__)

#: python-engineio's writer task, as ``Socket._websocket_handler`` defines it.
WRITER_QUALNAME = "Socket._websocket_handler.<locals>.writer"

#: Where a packet keeps its packed frame for the next recipient of the same emit.
FRAME_ATTRIBUTE = "pulseboard_frame"

#: Where the engine.io server keeps its :class:`WriteRound` (for :func:`written_by_exit`).
ROUND_ATTRIBUTE = "pulseboard_write_round"


class WriteRound:
    """Writes every writer that has frames in one greenlet, after the caller yields.

    :param spawn: eventlet's ``spawn_n``.
    """

    __slots__ = ("_writers", "spawn", "through")

    def __init__(self, spawn):
        self.spawn = spawn  # also how a writer starts a greenlet of its own
        self._writers: list[DirectWriter] = []
        #: Set by :func:`written_by_exit` for a single emit: each writer added
        #: writes at once, so the emit's loop writes each recipient as it goes.
        self.through = False

    def add(self, writer: "DirectWriter") -> None:
        """Write ``writer``'s frames in the next round (scheduled by the first writer added)."""
        if self.through:
            self._step(writer)
            return
        self._writers.append(writer)
        if len(self._writers) == 1:
            self.spawn(self._run)

    def run_now(self) -> None:
        """Write the round's writers now, in the caller, instead of once it yields."""
        if self._writers:
            self._run()  # the greenlet it scheduled finds nothing left to write

    def _run(self) -> None:
        # Nothing in a round yields (non-blocking sends, spawns), so no writer
        # is added while it runs: the next add() schedules the next round.
        writers, self._writers = self._writers, []
        for writer in writers:
            self._step(writer)

    def _step(self, writer: "DirectWriter") -> None:
        try:
            writer.write_now()
        except Exception:  # one writer's failure must not strand the others
            log.exception("WebSocket write round failed for one socket")
            self.spawn(writer._write)  # nor this one: it writes (or closes) alone


def frame_of(pkt, ws) -> bytes:
    """``pkt`` packed as ``ws`` sends it; packed once per packet when every recipient's is alike."""
    shared = not ws.client and not ws.extensions  # unmasked, no per-socket deflate
    if shared:
        frame = pkt.__dict__.get(FRAME_ATTRIBUTE)
        if frame is not None:
            return frame
    frame = ws._pack_message(pkt.encode(), masked=ws.client)
    if shared:
        setattr(pkt, FRAME_ATTRIBUTE, frame)
    return frame


class DirectWriter:
    """The engine.io socket's queue and writer task in one, with no greenlet while idle.

    :param eio_socket: python-engineio's ``Socket`` (its ``queue`` is taken over).
    :param ws: :mod:`.websocket`'s ``_EventletSocket`` the writer would send on.
    """

    __slots__ = ("_closed", "_done", "_empty", "_frames", "_round", "_stopping", "_writing",
                 "_ws")

    def __init__(self, eio_socket, ws, write_round: WriteRound):
        self._ws = ws
        self._round = write_round
        self._frames: list[bytes] = []
        self._writing = False  # a writing greenlet is scheduled or running
        self._stopping = False  # put(None) seen: write what is kept, then close
        self._closed = False
        self._done = None  # an Event, made only when join() has to wait
        self._empty = eio_socket.server.get_queue_empty_exception()
        queued = eio_socket.queue
        eio_socket.queue = self
        while not queued.empty():  # what was queued before the upgrade (OPEN, NOOP...)
            self.put(queued.get_nowait())
        # Long-polls still waiting on the old queue: a NOOP ends each (the upgrade's
        # own NOOP may have been drained above before its poll woke, and a client
        # may have several polls in flight).
        waiting = queued.getting()
        if waiting:
            from engineio import packet

            for _ in range(waiting):
                queued.put(packet.Packet(packet.NOOP))

    # -- the engine.io queue's interface (put / get / task_done / join / empty) ------

    def put(self, pkt, block=True, timeout=None) -> None:
        """Keep ``pkt``'s frame (``None``: close after the kept frames); schedule a write."""
        if self._closed or self._stopping:
            return
        if pkt is None:
            self._stopping = True
        else:
            self._frames.append(frame_of(pkt, self._ws._ws))
        if not self._writing:
            self._writing = True
            self._round.add(self)

    def get(self, block=True, timeout=None):
        """Always empty: the kept frames are the WebSocket's, never a long-poll's.

        A long-poll still waiting on the old queue when this writer took over
        is ended with a NOOP (see ``__init__``); python-engineio's ``poll()``
        then asks the socket's queue, now this writer, for more with
        ``get(block=False)``. Raising the server's queue-empty exception ends
        that poll with the NOOP alone, as an empty queue would.
        """
        raise self._empty

    def task_done(self) -> None:
        """Nothing to count: the writer is not a queue anybody waits to drain."""

    def empty(self) -> bool:
        """True when no frame waits to be written."""
        return not self._frames

    def join(self) -> None:
        """Return once the kept frames are written (after ``put(None)``: and the socket closed)."""
        if self._writing:
            from eventlet.event import Event

            if self._done is None:
                self._done = Event()
            self._done.wait()
        elif self._stopping:
            self._close()

    # -- writing: in a round, or in a greenlet of its own when it has to wait -----------

    def write_now(self) -> None:
        """Send the kept frames without waiting (a round's step); the rest waits in a greenlet.

        Closing, a failed send and a control frame being sent go to
        :meth:`_write`, which waits in ``sendall()``; the rest of a frame a
        full socket took only part of is sent by a greenlet that holds the
        send lock until it is out.
        """
        ws = self._ws._ws
        fd = getattr(ws.socket, "fd", None)  # the non-blocking socket under eventlet's
        lock = ws._sendlock  # eventlet's control frames (pong, close) take it too
        spawn = self._round.spawn
        if self._closed or self._stopping or fd is None or lock.locked() or not self._frames:
            spawn(self._write)
            return
        lock.acquire()  # free (checked above, nothing yields in between)
        data = self._take()
        try:
            sent = fd.send(data)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            lock.release()
            self._failed(exc)
            spawn(self._write)  # which closes
            return
        if sent < len(data):
            # The rest of a frame must follow it before anything else, a pong
            # or a close frame included: the lock stays held until it is out.
            spawn(self._write_rest, data[sent:])
            return
        lock.release()
        self._finish()

    def _take(self) -> bytes:
        """Every kept frame, in one piece; the writer keeps none after."""
        frames, self._frames = self._frames, []
        return frames[0] if len(frames) == 1 else b"".join(frames)

    def _sendall(self, data: bytes) -> None:
        """``sendall`` on the socket (the caller holds its send lock); a failure stops writing."""
        try:
            self._ws._ws.socket.sendall(data)
        except OSError as exc:  # the writer's ``except: break``: close
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        log.debug("WebSocket write failed: %s", exc)
        self._frames.clear()
        self._stopping = True

    def _write_rest(self, rest: bytes) -> None:
        try:
            self._sendall(rest)
        finally:
            self._ws._ws._sendlock.release()
        self._write()  # what was put meanwhile, and the close if one is due

    def _write(self) -> None:
        try:
            while self._frames and not self._closed:
                data = self._take()
                with self._ws._ws._sendlock:
                    self._sendall(data)
            if self._stopping:
                self._close()
        finally:
            self._finish()

    def _finish(self) -> None:
        self._writing = False
        if self._done is not None:
            self._done.send(None)
            self._done = None

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._frames.clear()
        try:
            self._ws.close()  # the writer's last act: wakes the reader, which then cleans up
        except OSError as exc:
            log.debug("WebSocket close failed: %s", exc)


def _writer_cells(target) -> dict | None:
    """The writer closure's ``self`` (engine.io socket) and ``ws``, if ``target`` is it."""
    if getattr(target, "__qualname__", "") != WRITER_QUALNAME:
        return None
    code, cells = target.__code__, target.__closure__ or ()
    if set(code.co_freevars) != {"self", "ws"} or len(cells) != 2:
        return None
    return dict(zip(code.co_freevars, (c.cell_contents for c in cells), strict=True))


def install(eio_server) -> bool:
    """Give ``eio_server``'s eventlet WebSockets a :class:`DirectWriter`; False if not eventlet."""
    if eio_server.async_mode != "eventlet":
        return False
    from eventlet import spawn_n

    from .websocket import _EventletSocket

    start = eio_server.start_background_task
    write_round = WriteRound(spawn_n)

    def start_background_task(target, *args, **kwargs):
        cells = _writer_cells(target)
        if cells is None or args or kwargs or not isinstance(cells["ws"], _EventletSocket):
            return start(target, *args, **kwargs)
        return DirectWriter(cells["self"], cells["ws"], write_round)

    eio_server.start_background_task = start_background_task
    eio_server.pulseboard_direct_writes = True  # read by websocket._EventletSocket
    setattr(eio_server, ROUND_ATTRIBUTE, write_round)
    return True


@contextlib.contextmanager
def written_by_exit(eio_server, one_emit: bool = False):
    """Write what the emits inside put by the block's end, not once the caller yields.

    A round otherwise starts when the emitting greenlet next yields: for an
    HTTP publish, after its response and the request's teardown (~0.8 ms),
    and that wait comes before every recipient's write. For a batch of emits
    (a hub's tick to several rooms) the round runs at the block's end, so a
    socket still gets one write for all of them. For ``one_emit``, each
    recipient is written as python-socketio's loop reaches it (as node's
    socket.io writes a broadcast), so the first does not wait for the
    last one's turn in the loop. Nothing without direct writes (gevent,
    threading): their writer tasks are woken by the emit itself.
    """
    write_round = getattr(eio_server, ROUND_ATTRIBUTE, None)
    if write_round is None:
        yield
        return
    write_round.through = one_emit
    try:
        yield
    finally:
        write_round.through = False
        write_round.run_now()
