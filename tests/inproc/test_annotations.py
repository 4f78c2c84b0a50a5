"""Annotations in one process: the /charts event and REST read, the push, and the guards."""

import time

from inproc.acks import call


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def annotations_pushed(client) -> list[dict]:
    # (the test client files an event's one argument as `args` itself, or in a list)
    events = [e["args"] for e in client.get_received("/charts") if e["name"] == "annotation"]
    return [args[0] if isinstance(args, list) else args for args in events]


def test_an_annotated_message_is_pushed_and_read_back(sio, account, http):
    me = account("ann")
    charts, chat = sio("/charts", me["token"]), sio("/chat", me["token"])
    since = int(time.time() * 1000) - 1
    assert call(chat, "/chat", "join", {"room": "inproc-ann"})["ok"]
    marked = call(chat, "/chat", "message", {"room": "inproc-ann", "text": "cut over",
                                             "annotate": True})
    plain = call(chat, "/chat", "message", {"room": "inproc-ann", "text": "chatter"})
    mid = marked["message"]["id"]
    assert [a["id"] for a in annotations_pushed(charts)] == [f"chat:{mid}"]
    until = int(time.time() * 1000) + 1
    ack = call(charts, "/charts", "annotations", {"from": since, "to": until})
    assert ack["ok"] and [a["id"] for a in ack["annotations"]] == [f"chat:{mid}"]
    body = http.get(f"/api/annotations?from={since}&to={until}&stream=demo.sine",
                    headers=bearer(me["token"])).get_json()
    assert [a["id"] for a in body["annotations"]] == [f"chat:{mid}"]
    assert f"chat:{plain['message']['id']}" not in {a["id"] for a in body["annotations"]}


def test_reads_need_a_token_and_good_numbers(http, account):
    assert http.get("/api/annotations?from=0&to=1").status_code == 401
    headers = bearer(account()["token"])
    for query in ("from=1&to=0", "from=x&to=1", "to=1", "from=0&to=1&stream=%0A"):
        response = http.get(f"/api/annotations?{query}", headers=headers)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "bad_request"
