"""JSON error bodies for every failing REST call."""

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .wire import HTTP_STATUS, ApiError, fail

log = logging.getLogger(__name__)

#: The contract's code for an HTTP error Werkzeug raises itself.
STATUS_CODES = {status: code for code, status in HTTP_STATUS.items()} | {
    405: "bad_request", 415: "bad_request"}


def register_error_handlers(app: Flask) -> None:
    """Answer ApiError, HTTP errors and crashes with ``{ok: false, error}``."""

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return fail(exc.code, exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = STATUS_CODES.get(exc.code or 500, "internal")
        return fail(code, exc.description or exc.name), exc.code

    @app.errorhandler(Exception)
    def crash(exc: Exception):
        log.exception("%s %s failed", request.method, request.path)
        return fail("internal", "the server could not handle this request"), 500
