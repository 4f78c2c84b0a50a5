"""The sizes of each scenario in the smoke, short and full runs.

The node socket.io peer runs scenarios 1-4 at the same sizes as Pulseboard,
except that its fan-out runs only the ``peer_rates`` (the rates the peer
comparison is about).
"""

PROFILES = {
    # Seconds long: what tests/bench runs so the harness cannot rot.
    "smoke": {
        "fanout": {"clients": 20, "rates": (50,), "peer_rates": (50,), "seconds": 2},
        "saturation": {"clients": 20, "streams": 2, "seconds": 2},
        "capacity": {"clients": 100, "processes": 2},
        "chat": {"users": 12, "rooms": 3, "seconds": 3},
        "modes": {"modes": ("eventlet", "gevent", "threading"), "clients": 20,
                  "rates": (50,), "saturation_streams": 2, "seconds": 2},
        "scaleout": {"clients": 20, "rate": 50, "streams": 2, "seconds": 2},
        "ingest": {"clients": 6, "per_client": 2, "series": 12, "rate": 2_000,
                   "batch_lines": 500, "seconds": 2, "json_interval_ms": 200},
    },
    "short": {
        "fanout": {"clients": 500, "rates": (50, 500, 5000), "peer_rates": (50, 500),
                   "seconds": 5},
        "saturation": {"clients": 500, "streams": 5, "seconds": 5},
        "capacity": {"clients": 2000, "processes": 2},
        "chat": {"users": 200, "rooms": 20, "seconds": 10},
        "modes": {"modes": ("eventlet", "gevent", "threading"), "clients": 200,
                  "rates": (50,), "saturation_streams": 3, "seconds": 4},
        "scaleout": {"clients": 300, "rate": 500, "streams": 3, "seconds": 4},
        "ingest": {"clients": 100, "per_client": 2, "series": 200, "rate": 100_000,
                   "batch_lines": 5_000, "seconds": 4, "json_interval_ms": 200},
    },
    "full": {
        "fanout": {"clients": 1000, "rates": (50, 500, 5000), "peer_rates": (50, 500),
                   "seconds": 15},
        "saturation": {"clients": 1000, "streams": 10, "seconds": 15},
        "capacity": {"clients": 10_000, "processes": 2},
        "chat": {"users": 1000, "rooms": 100, "seconds": 30},
        "modes": {"modes": ("eventlet", "gevent", "threading"), "clients": 1000,
                  "rates": (50, 500), "saturation_streams": 10, "seconds": 10},
        "scaleout": {"clients": 1000, "rate": 500, "streams": 10, "seconds": 10},
        "ingest": {"clients": 200, "per_client": 2, "series": 400, "rate": 100_000,
                   "batch_lines": 5_000, "seconds": 15, "json_interval_ms": 200},
    },
}
