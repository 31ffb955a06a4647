"""Schemathesis against the service's own OpenAPI schema: for inputs generated from every
operation's schema (a bounded number per operation, so the run stays under two minutes)
no answer is a 5xx, none carries a stack trace, every error is a problem document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from cftwatch.server import create_app
from tests.server.conftest import auth, make_workspace
from tests.server.seed import seed

EXAMPLES = 12
"""Generated inputs per operation (Hypothesis `max_examples`)."""


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    root: Path
    root, keys = make_workspace(tmp_path_factory.mktemp("fuzz") / "ws")
    seed(root, subjects=2)
    app = create_app(root)
    with TestClient(app):  # runs the lifespan: the app's resources are closed after
        yield app, keys


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_error_on_generated_input(fuzz_app: tuple[Any, dict[str, str]]) -> None:
    app, keys = fuzz_app
    headers = auth(keys["admin"])
    operations = _operations(app)
    assert len(operations) >= 20  # the whole API is fuzzed, not a part of it
    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path} -> {response.status_code}"
            assert response.status_code < 500, f"{where}: {response.content[:300]!r}"
            assert b"Traceback" not in response.content, where
            assert b'File "' not in response.content, where
            kind = response.headers.get("content-type") or [""]
            kind = kind[0] if isinstance(kind, list) else kind
            if response.status_code >= 400 and kind.startswith("application/problem+json"):
                body = response.json()
                assert body["status"] == response.status_code and body["detail"], where

        try:
            run()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)
