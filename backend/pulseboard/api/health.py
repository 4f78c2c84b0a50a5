"""``GET /api/health``: liveness plus what this worker runs on."""

import os
import socket

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..cluster import cluster_of
from ..extensions import db, socketio

bp = Blueprint("health", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    """Report status, version, async mode, message queue, database and worker.

    ``worker`` (``host:pid``) tells which process behind a load balancer
    answered: with sticky sessions, the one a client's sockets live on.

    Answers 503 with ``status: "degraded"`` when the database is unreachable,
    so a load balancer or compose healthcheck takes the worker out. With a
    message queue, ``queue`` is ``"up"`` or ``"down"`` (Redis pinged now);
    while it is down the status is ``"degraded"`` with 200: the worker still
    serves its own clients, and taking every worker out would end the site.
    """
    try:
        db.session.execute(text("SELECT 1"))
        db_ok = True
    except SQLAlchemyError:
        db.session.rollback()
        db_ok = False
    queue = current_app.config["MESSAGE_QUEUE"]
    queue_state = cluster_of(socketio).queue_status(probe=True) if queue else None
    body = {
        "status": "ok" if db_ok and queue_state != "down" else "degraded",
        "version": current_app.config["VERSION"],
        "async_mode": socketio.async_mode,
        "message_queue": queue.split("://", 1)[0] if queue else None,
        "queue": queue_state,
        "db": db.engine.dialect.name,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    return body, 200 if db_ok else 503
