"""Rate limits across two workers: one window per user (chat) and per username (login)."""

import requests

from support.clients import unique_name


def test_chat_rate_limit_counts_a_users_sockets_on_every_worker(stack, connect, new_user):
    person = new_user()
    room = unique_name("limit")
    tabs = [connect(worker, "/chat", person["token"]) for worker in stack.workers]
    for tab in tabs:
        assert tab.call("join", {"room": room})["ok"]
    acks = [tabs[n % 2].call("message", {"room": room, "text": f"burst {n}",
                                          "client_id": f"c-{n}"}) for n in range(15)]
    accepted = [a for a in acks if a["ok"]]
    refused = [a for a in acks if not a["ok"]]
    assert len(accepted) == 10, acks
    assert {a["error"]["code"] for a in refused} == {"rate_limited"}
    # A repeat of an accepted client_id is answered even now, and not counted.
    again = tabs[1].call("message", {"room": room, "text": "burst 0", "client_id": "c-0"})
    assert again == acks[0]


def test_login_attempts_for_one_username_count_on_every_worker(stack, new_user):
    person = new_user()
    username = person["user"]["username"]
    codes = []
    for n in range(12):
        worker = stack.workers[n % 2]
        response = requests.post(f"{worker.url}/api/auth/login", timeout=10,
                                 json={"username": username, "password": "wrong-password"})
        codes.append(response.status_code)
    assert codes == [401] * 10 + [429] * 2, codes
    refused = requests.post(f"{stack.nginx.url}/api/auth/login", timeout=10,
                            json={"username": username, "password": "correct-horse"})
    assert refused.status_code == 429
    assert refused.json()["ok"] is False and refused.json()["error"]["code"] == "rate_limited"
