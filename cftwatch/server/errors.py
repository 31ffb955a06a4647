"""Errors as JSON problems (RFC 9457 shaped), never a stack trace.

cftwatch's own errors map to a status by kind (bad input 400/422, refused 403, not found
404, conflict 409, a store that cannot be reached 503); anything else is logged on the
server and answered with a bare 500 that names no internals.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from cftwatch.errors import (
    CftwatchError,
    ConflictError,
    DependencyMissing,
    InputError,
    NotFoundError,
    WorkflowError,
    WorkspaceError,
)
from cftwatch.jsontext import to_jsonable
from cftwatch.store import AccessDenied, StoreError
from cftwatch.streaming import StateUnavailable

log = logging.getLogger("cftwatch.server")

PROBLEM_JSON = "application/problem+json"

_STATUS: tuple[tuple[type[CftwatchError], int], ...] = (
    (AccessDenied, 403),
    (InputError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (WorkflowError, 409),
    (StoreError, 503),
    (WorkspaceError, 503),
    (DependencyMissing, 503),
    (StateUnavailable, 503),
)


class ApiError(Exception):
    """An error a route raises on purpose, with its HTTP status (401, 413, 429, ...)."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def status_of(exc: CftwatchError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """One problem document: `type`, `title`, `status`, `detail` and any extra members."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(to_jsonable(extra))
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def json_response(doc: Any, status: int = 200) -> Response:
    """A JSON answer of plain JSON values (`to_jsonable` output), encoded by orjson: the
    routes on the payment path answer with it, skipping a second validation pass."""
    return Response(orjson.dumps(doc), status_code=status, media_type="application/json")


def problem_for(exc: Exception, method: str = "", path: str = "") -> JSONResponse:
    """The problem document for an error raised while answering `method path`, as the
    app's handlers write it (an unexpected error is logged, and answered with a bare 500)."""
    if isinstance(exc, ApiError):
        headers = exc.extra.pop("headers", None)
        return problem(exc.status, exc.title, exc.detail, headers, **exc.extra)
    if isinstance(exc, CftwatchError):
        details = exc.to_dict()
        status = status_of(exc)
        return problem(
            status, details.pop("error"), details.pop("message"), **_problems_of(details)
        )
    log.exception("unexpected error on %s %s", method, path, exc_info=exc)
    return problem(500, "InternalError", "an unexpected error; the server log has details")


def install_error_handlers(app: FastAPI) -> None:
    """Every error answered as a problem document; no traceback ever leaves the process."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return problem_for(exc)

    @app.exception_handler(CftwatchError)
    async def _domain_error(_request: Request, exc: CftwatchError) -> JSONResponse:
        return problem_for(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or None,
                "reason": str(e.get("msg", "invalid")),
            }
            for e in exc.errors()[:50]
        ]
        first = problems[0] if problems else {"field": None, "reason": "invalid request"}
        where = f"field {first['field']!r}: " if first["field"] else ""
        return problem(422, "InputError", where + str(first["reason"]), problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, "HTTPError", str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> JSONResponse:
        # the caller hung up before its body arrived: nothing was decided or stored
        return problem(400, "ClientDisconnect", "the client closed the connection")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_for(exc, request.method, request.url.path)


def _problems_of(details: dict[str, Any]) -> dict[str, Any]:
    return {"problems": details["problems"]} if "problems" in details else {}
