"""`make dev` under the reloader: only the serving process does background work.

`flask run --debug` builds the app in the reloader's watching parent too. A
Prometheus source served here counts the scrapes: with the parent prepared as
a server as well, two processes scrape it, twice a second at interval 1.
"""

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from support.server import ServerProcess

EXPOSITION = b"# TYPE jobs gauge\njobs 3\n"


class CountingSource(BaseHTTPRequestHandler):
    """Serves one gauge and counts every scrape."""

    scrapes: list[float] = []

    def do_GET(self):
        CountingSource.scrapes.append(time.monotonic())
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(EXPOSITION)))
        self.end_headers()
        self.wfile.write(EXPOSITION)

    def log_message(self, *args):
        pass


def test_the_reloader_parent_does_not_scrape_beside_the_server(tmp_path):
    source = ThreadingHTTPServer(("127.0.0.1", 0), CountingSource)
    thread = threading.Thread(target=source.serve_forever, daemon=True)
    thread.start()
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.dev]\nurl = "http://127.0.0.1:{source.server_port}/metrics"\n'
                       'interval = 1\nselect = ["jobs"]\n')
    flask = ServerProcess(
        tmp_path / "flask", env={"SOURCES_FILE": str(sources)},
        command=[sys.executable, "-m", "flask", "--app", "pulseboard.dev", "run", "--debug",
                 "--port", "{port}"],
    ).start(timeout=60)
    try:
        time.sleep(2)  # both processes, if both scrape, have started by now
        CountingSource.scrapes.clear()
        time.sleep(6)  # six intervals: 6-7 scrapes by one process, about 12 by two
        assert 4 <= len(CountingSource.scrapes) <= 8, CountingSource.scrapes
    finally:
        flask.stop()
        source.shutdown()
        source.server_close()
