"""The decision service (`cftwatch serve`): FastAPI over the packages, no business logic.

`create_app(workspace)` builds the app; routers live one per module in
`cftwatch/server/routes/` and are included from the list in `routes/__init__.py`.
Needs the server extra: `pip install 'cftwatch[server]'`.
"""

from __future__ import annotations

from cftwatch.server.app import create_app, serve

__all__ = ["create_app", "serve"]
