"""`POST /v1/transactions/evaluate` and `POST /v1/transactions/evaluate:batch`: a payment
(canonical JSON, or an ISO 20022 pacs.008 message) → ACCEPT | REVIEW | BLOCK with reasons,
stored before the answer. The same txn_id/UETR again returns the stored decision."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from cftwatch.app.decide import (
    Decision,
    DecisionEngine,
    NewDecision,
    answer,
    parse_payment,
    payments_from_xml,
)
from cftwatch.errors import InputError
from cftwatch.jsontext import to_jsonable
from cftwatch.schema import TRANSACTIONS
from cftwatch.server import webhooks
from cftwatch.server.deps import Actor, ServerContext, get_context, require_role
from cftwatch.server.errors import ApiError, json_response
from cftwatch.store import store_decisions

router = APIRouter(tags=["transactions"])

XML_TYPES = ("application/xml", "text/xml")
_PAYMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A canonical payment (see docs/server.md); txn_id or uetr, ts, amount, "
    "currency are required.",
    "required": ["ts", "amount", "currency"],
    "properties": {
        c: (
            {"type": ["string", "number"]}
            if c == "amount"
            else {"type": "string", "format": "date-time"}
            if c == "ts"
            else {"type": ["string", "null"]}
        )
        for c in TRANSACTIONS.names
        if c not in ("source_ref",)
    },
    "additionalProperties": False,
}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    xml = {"schema": {"type": "string", "description": "an ISO 20022 pacs.008 message"}}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "application/xml": xml,
            },
        }
    }


class ReasonOut(BaseModel):
    decision: str
    kind: str
    rule_id: str
    party: str | None = None
    message: str
    model_config = {"extra": "allow"}


class DecisionOut(BaseModel):
    txn_id: str
    decision: str
    reasons: list[ReasonOut]
    decided_at: str
    replayed: bool


def _engine(ctx: ServerContext) -> DecisionEngine:
    if ctx.decisions is None:
        raise ApiError(503, "Unavailable", "this server was started without the decision engine")
    return ctx.decisions


async def _payments(request: Request) -> list[dict[str, Any]]:
    """The payments of a request: a pacs.008 message, or JSON (one object, a list, or
    {"payments": [...]}), each checked by `parse_payment`."""
    data = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in XML_TYPES:
        return payments_from_xml(data)
    try:
        doc = json.loads(data, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError.at(f"not a JSON document: {exc}", field="body") from None
    if isinstance(doc, dict) and isinstance(doc.get("payments"), list):
        doc = doc["payments"]
    items = doc if isinstance(doc, list) else [doc]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InputError.at("a payment must be a JSON object", record=i + 1, field="body")
        out.append(parse_payment(item, i + 1 if isinstance(doc, list) else None))
    return out


@router.post(
    "/v1/transactions/evaluate", response_model=DecisionOut, openapi_extra=_body(_PAYMENT_SCHEMA)
)
async def evaluate(
    request: Request,
    actor: Actor = Depends(require_role("analyst")),
    ctx: ServerContext = Depends(get_context),
) -> Response:
    """Decide one payment: ACCEPT, REVIEW or BLOCK, with every reason and its numbers."""
    engine = _engine(ctx)
    payments = await _payments(request)
    if len(payments) != 1:
        raise InputError.at(
            f"one payment expected, got {len(payments)}: use /v1/transactions/evaluate:batch",
            field="body",
        )
    decided = engine.decide(payments[0], actor.name)
    if isinstance(decided, NewDecision):
        if ctx.committer is not None:  # stored with the group of concurrent requests
            decided = await ctx.committer.commit(decided)
        else:
            decided = answer(*engine.remember(store_decisions(ctx.store, [decided]))[0])
    return json_response(announced(decision_body(decided)))


@router.post(
    "/v1/transactions/evaluate:batch",
    response_model=list[DecisionOut],
    openapi_extra=_body(
        {
            "type": "object",
            "required": ["payments"],
            "properties": {"payments": {"type": "array", "items": _PAYMENT_SCHEMA}},
        }
    ),
)
async def evaluate_batch(
    request: Request,
    actor: Actor = Depends(require_role("analyst")),
    ctx: ServerContext = Depends(get_context),
) -> Response:
    """Decide up to `max_batch` payments, in order; each is stored as it is decided."""
    engine = _engine(ctx)
    payments = await _payments(request)
    if len(payments) > ctx.settings.max_batch:
        raise ApiError(
            413, "PayloadTooLarge", f"at most {ctx.settings.max_batch} payments in one batch"
        )
    return json_response(
        [announced(decision_body(d)) for d in engine.evaluate_many(payments, actor.name)]
    )


def decision_body(decided: Decision) -> dict[str, Any]:
    """The answer's JSON document (`to_jsonable` of it: the reasons are the stored ones,
    already plain JSON, so only the time needs writing out)."""
    doc = decided.to_dict()
    doc["decided_at"] = to_jsonable(decided.decided_at)
    return doc


def announced(decision: dict[str, Any]) -> dict[str, Any]:
    """Queue the `decision.review` / `decision.block` webhook of a new (not replayed)
    REVIEW or BLOCK; the delivery runs off the request path."""
    event = webhooks.decision_event(str(decision.get("decision", "")))
    if event is not None and not decision.get("replayed"):
        webhooks.notify(event, decision)
    return decision
