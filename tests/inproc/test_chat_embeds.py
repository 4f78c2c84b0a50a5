"""Chat embeds in process: checked against what exists, refused as acks, stored and carried."""

import pytest

from inproc.acks import call


@pytest.mark.parametrize(("embed", "code"), [
    ({"kind": "stream", "stream": "demo.sine", "extra": True}, "bad_request"),
    ({"kind": "chart", "stream": "demo.sine"}, "bad_request"),
    ({"kind": "stream", "stream": "no.such.stream"}, "not_found"),
    ({"kind": "run", "task_id": 424_242}, "not_found"),
])
def test_a_bad_embed_is_an_error_ack_and_stores_nothing(sio, account, embed, code):
    client = sio("/chat", account()["token"])
    assert call(client, "/chat", "join", {"room": "inproc-embeds-bad"})["ok"]
    ack = call(client, "/chat", "message",
               {"room": "inproc-embeds-bad", "text": "x", "embed": embed})
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert call(client, "/chat", "history", {"room": "inproc-embeds-bad"})["messages"] == []


def test_a_stream_embed_is_stored_and_comes_back_in_history(sio, account):
    client = sio("/chat", account()["token"])
    room = "inproc-embeds"
    assert call(client, "/chat", "join", {"room": room})["ok"]
    embed = {"kind": "stream", "stream": "demo.sine"}
    ack = call(client, "/chat", "message", {"room": room, "embed": embed})
    assert ack["ok"] and ack["message"]["embed"] == embed and ack["message"]["text"] == ""
    assert call(client, "/chat", "history", {"room": room})["messages"] == [ack["message"]]
