"""The payment path without the framework: `POST /v1/transactions/evaluate` answered by
plain ASGI code when the request is an ordinary one (a valid key with the analyst role or
above, within its rate, one well-formed payment), skipping FastAPI's dependency solving,
request objects and exception middleware (about a fifth of a payment's server CPU).

Anything else goes on to the FastAPI route with its body replayed, so refusals (401, 403,
413, 422, 429) are answered by the one route that documents them, word for word. The
route and this path call the same functions (`current_actor`'s checks, `_payments`'
parsing, `decide`, the group commit, `_announced`), so their answers are the same; the
tests compare them. Errors after the decision started are answered as the app's error
handlers answer them (`errors.problem_for`).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Message, Receive, Scope, Send

from cftwatch.app.decide import NewDecision, answer, parse_payment, payments_from_xml
from cftwatch.errors import InputError
from cftwatch.server.deps import ServerContext
from cftwatch.server.errors import json_response, problem_for
from cftwatch.server.routes.transactions import XML_TYPES, announced, decision_body
from cftwatch.store import store_decisions

PATH = "/v1/transactions/evaluate"


class EvaluateFastPath:
    """ASGI middleware: the ordinary single-payment evaluation, answered directly."""

    def __init__(self, app: Any, ctx: ServerContext) -> None:
        self.app, self.ctx = app, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = self.ctx
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "POST"
            or ctx.decisions is None
            or not ctx.settings.fast_path
        ):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of repeated headers, as Starlette
        actor = _actor(ctx, headers)
        if actor is None:
            await self.app(scope, receive, send)
            return
        messages, body, complete = await _read_body(receive)
        payment = _one_payment(headers, body) if complete else None
        if payment is None or not ctx.take_token(actor.key_id):
            await self.app(scope, _replay(messages, receive), send)
            return
        try:
            decided = ctx.decisions.decide(payment, actor.name)
            if isinstance(decided, NewDecision):
                if ctx.committer is not None:
                    decided = await ctx.committer.commit(decided)
                else:
                    stored = store_decisions(ctx.store, [decided])
                    decided = answer(*ctx.decisions.remember(stored)[0])
            response = json_response(announced(decision_body(decided)))
        except Exception as exc:  # answered as the app's error handlers answer it
            response = problem_for(exc, "POST", PATH)
        ctx.fast_answers += 1
        await response(scope, receive, send)


def _actor(ctx: ServerContext, headers: dict[bytes, bytes]) -> Any:
    """The caller if their key is valid and their role may evaluate; else None."""
    raw = headers.get(b"authorization")
    presented = None
    if raw:
        scheme, _, value = raw.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            presented = value.strip()
    else:
        api_key = headers.get(b"x-api-key", b"").decode("latin-1").strip()
        presented = api_key or None
    if presented is None:
        return None
    actor = ctx.actor_for(presented)
    return actor if actor is not None and actor.has_role("analyst") else None


async def _read_body(receive: Receive) -> tuple[list[Message], bytes, bool]:
    """(the messages received, the body, whether it arrived whole)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks), True


def _one_payment(headers: dict[bytes, bytes], body: bytes) -> dict[str, Any] | None:
    """The request's one payment, or None when the route must answer (bad input, a list)."""
    ctype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    try:
        if ctype in XML_TYPES:
            payments = payments_from_xml(body)
            return payments[0] if len(payments) == 1 else None
        doc = orjson.loads(body)
    except (InputError, ValueError):
        return None
    if not isinstance(doc, dict) or "payments" in doc or _has_float(doc):
        return None  # a float amount: the route reads it as an exact decimal
    try:
        return parse_payment(doc)
    except InputError:
        return None


def _has_float(doc: dict[str, Any]) -> bool:
    return any(type(v) is float for v in doc.values())


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` that gives the messages already read first, then the rest."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
