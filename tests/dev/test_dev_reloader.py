"""`make dev` under the reloader: only the serving process does background work.

`flask run --debug` builds the app in the reloader's watching parent too. A
Prometheus source served here counts the scrapes: with the parent prepared as
a server as well, two processes scrape it, twice a second at interval 1.
"""

import sys
import time

from support.exposition import ExpositionServer
from support.server import ServerProcess

EXPOSITION = b"# TYPE jobs gauge\njobs 3\n"


def test_the_reloader_parent_does_not_scrape_beside_the_server(tmp_path):
    source = ExpositionServer(EXPOSITION)
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.dev]\nurl = "{source.url}"\ninterval = 1\nselect = ["jobs"]\n')
    try:
        flask = ServerProcess(
            tmp_path / "flask", env={"SOURCES_FILE": str(sources)},
            command=[sys.executable, "-m", "flask", "--app", "pulseboard.dev", "run", "--debug",
                     "--port", "{port}"],
        ).start(timeout=60)
        try:
            time.sleep(2)  # both processes, if both scrape, have started by now
            source.hits.clear()
            time.sleep(6)  # six intervals: 6-7 scrapes by one process, about 12 by two
            assert 4 <= len(source.hits) <= 8, source.hits
        finally:
            flask.stop()
    finally:
        source.stop()
