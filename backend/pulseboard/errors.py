"""JSON error bodies for every failing REST call."""

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from .wire import ApiError, fail

log = logging.getLogger(__name__)

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden",
                404: "not_found", 405: "bad_request", 413: "too_large",
                415: "bad_request", 429: "rate_limited"}


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
