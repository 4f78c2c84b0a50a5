"""Serve the built SPA (``frontend/dist``) at ``/`` with a history fallback.

This is what lets ``make run`` be one process serving everything; behind
nginx the SPA is served by nginx and this is never reached.
"""

from pathlib import Path

from flask import Flask, abort, send_from_directory

from ..wire import fail

REPO_DIST = Path(__file__).resolve().parents[3] / "frontend" / "dist"
NOT_SPA = ("api/", "socket.io/")


def register(app: Flask) -> None:
    """Add the SPA routes, serving ``SPA_DIST`` or the repo's ``frontend/dist``."""
    dist = Path(app.config["SPA_DIST"] or REPO_DIST)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def spa(path: str):
        if path.startswith(NOT_SPA):
            abort(404)
        if path and (dist / path).is_file():
            max_age = 31536000 if path.startswith("assets/") else 0
            return send_from_directory(dist, path, max_age=max_age)
        if not (dist / "index.html").is_file():
            return fail("not_found", "the SPA is not built: run `make frontend`"), 404
        return send_from_directory(dist, "index.html", max_age=0)
