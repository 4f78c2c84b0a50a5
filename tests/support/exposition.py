"""A Prometheus source for tests: an ``http.server`` on 127.0.0.1 serving fixed text."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ExpositionServer:
    """Serves ``body`` at ``/metrics`` and records when each GET came (:attr:`hits`).

    :param with_length: send a Content-Length (HTTP/1.1), or none (HTTP/1.0:
        the body ends when the connection closes).
    """

    def __init__(self, body: bytes, with_length: bool = True):
        self.hits: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if with_length else "HTTP/1.0"

            def do_GET(self):
                outer.hits.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                if with_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # a scraper may hang up once it had enough
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/metrics"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
