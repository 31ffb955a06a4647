"""`GET /v1/health`: is the service up (no key needed; says nothing about the data)."""

from __future__ import annotations

from fastapi import APIRouter

from cftwatch import __version__

router = APIRouter(tags=["service"])


@router.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
