"""`GET /v1/health`: is the service up (no key needed; says nothing about the data). `worker`
is an opaque tag of the process that answered (random per process), so a client can tell
when every worker of a `--workers N` server has started."""

from __future__ import annotations

import secrets

from fastapi import APIRouter

from cftwatch import __version__

router = APIRouter(tags=["service"])
WORKER = secrets.token_hex(4)


@router.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__, "worker": WORKER}
