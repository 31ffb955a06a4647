"""`POST /v1/transactions/evaluate` (filled in next)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["transactions"])
