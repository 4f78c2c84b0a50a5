"""A piece of work repeated in one background task until the process stops it."""


class Periodic:
    """Calls ``work()`` every ``interval`` seconds in one background task.

    ``work`` handles its own errors (each caller logs what failing means to
    it); the task sleeps with ``socketio.sleep``, so it is a greenlet under
    eventlet or gevent and a thread otherwise.

    :param first_after: sleep one interval before the first call (a flusher
        has nothing to write yet); otherwise the first call is at once.
    """

    def __init__(self, socketio, interval: float, work, first_after: bool = False):
        self.socketio = socketio
        self.interval = interval
        self.work = work
        self.first_after = first_after
        self.running = False

    def start(self) -> None:
        """Start the task (once)."""
        if not self.running:
            self.running = True
            self.socketio.start_background_task(self._loop)

    def stop(self) -> None:
        """Let the task end after its current round."""
        self.running = False

    def _loop(self) -> None:
        if self.first_after:
            self.socketio.sleep(self.interval)
        while self.running:
            self.work()
            self.socketio.sleep(self.interval)
