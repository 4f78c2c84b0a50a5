"""Ids and sequence numbers past the database's INTEGER columns, on PostgreSQL.

SQLAlchemy binds a value compared with an INTEGER column as an INTEGER on
PostgreSQL (32 bits), so an id the contract once allowed (up to 2**53) failed
the query there and answered ``internal`` or a 500: on SQLite, whose INTEGER is
64 bits, the same request was a plain ``not_found``. No id past 2**31 - 1 can
exist, so the contract stops there (``MAX_ID``): a larger one is ``bad_request``,
in a route a 404; ``MAX_ID`` itself still reaches the database.
"""

import pytest
import requests

from pulseboard.wire import MAX_ID
from support.clients import SocketClient, register

PAST_THE_COLUMN = [2**31, 2**53 - 1]


def _events(big: int, run: int) -> list[tuple[str, str, dict]]:
    return [
        ("/logs", "subscribe", {"task_id": big}),
        ("/logs", "subscribe", {"task_id": run, "after_seq": big}),
        ("/logs", "cancel", {"task_id": big}),
        ("/chat", "history", {"room": "general", "before_id": big}),
        ("/chat", "resume", {"room": "general", "after_id": big}),
        ("/chat", "message", {"room": "general", "text": "x",
                              "embed": {"kind": "run", "task_id": big}}),
        ("/alerts", "ack", {"id": big}),
    ]


@pytest.fixture(scope="module")
def clients(stack):
    token = register(stack.nginx.url)["token"]
    opened = {ns: SocketClient(stack.nginx.url, ns, token).connect()
              for ns in ("/logs", "/chat", "/alerts")}
    opened["/chat"].call("join", {"room": "general"})
    # A run that exists, so that its after_seq is what is checked.
    run = opened["/logs"].call("start", {"name": "pipeline"})["task"]["id"]
    yield token, run, opened
    for client in opened.values():
        client.close()


@pytest.mark.parametrize("big", PAST_THE_COLUMN)
def test_an_id_past_the_column_is_bad_request_not_internal(stack, clients, big):
    token, run, opened = clients
    for namespace, event, payload in _events(big, run):
        ack = opened[namespace].call(event, payload)
        assert ack["ok"] is False, (event, payload)
        assert ack["error"]["code"] == "bad_request", (event, payload, ack)
    for path in (f"/api/tasks/{big}", f"/api/alerts/{big}"):
        response = requests.get(stack.nginx.url + path, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404, (path, response.text)


def test_the_largest_id_reaches_the_database_and_is_not_found(stack, clients):
    token, run, opened = clients
    assert opened["/logs"].call("subscribe", {"task_id": MAX_ID})["error"]["code"] == "not_found"
    assert opened["/alerts"].call("ack", {"id": MAX_ID})["error"]["code"] == "not_found"
    ack = opened["/logs"].call("subscribe", {"task_id": run, "after_seq": MAX_ID})
    assert ack["ok"] is True and ack["lines"] == []
    history = opened["/chat"].call("resume", {"room": "general", "after_id": MAX_ID})
    assert history["ok"] is True and history["messages"] == []
    response = requests.get(f"{stack.nginx.url}/api/tasks/{MAX_ID}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
