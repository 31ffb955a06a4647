"""The API's routers, one module each; `create_app` includes every router in `ROUTERS`.
A new group of endpoints is a new module here and one line in the list."""

from __future__ import annotations

from fastapi import APIRouter

from cftwatch.server.routes import (
    alerts,
    cases,
    health,
    lists,
    reports,
    screen,
    transactions,
    users,
)

ROUTERS: list[APIRouter] = [
    health.router,
    screen.router,
    transactions.router,
    alerts.router,
    cases.router,
    reports.router,
    lists.router,
    users.router,
]

__all__ = ["ROUTERS"]
