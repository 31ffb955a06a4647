"""One JSON encoder for the whole project: money stays exact (a `Decimal` becomes its
decimal string, never a float), timestamps become ISO 8601, and anything else that is not
JSON becomes its `str`. `canonical_json` is the form hashed for fingerprints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any


def to_jsonable(value: Any) -> Any:
    """`value` as plain JSON types (dict/list/str/int/float/bool/None), recursively."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v) for v in value), key=str)
    return json_default(value)


def json_default(value: Any) -> Any:
    """`default=` hook for `json.dumps`: Decimal → str, datetime → ISO 8601, else str."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v) for v in value), key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    model_dump = getattr(value, "model_dump", None)  # pydantic models
    if callable(model_dump):
        return to_jsonable(model_dump(mode="json"))
    return str(value)


def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """JSON text for machines and people (`--json`, alert details, exports)."""
    return json.dumps(
        value, ensure_ascii=False, default=json_default, indent=indent, sort_keys=sort_keys
    )


def canonical_json(value: Any) -> str:
    """The stable form hashed for fingerprints: sorted keys, exact money, UTF-8 kept.

    Its bytes are what stored fingerprints (list entities, judgements) were computed from:
    changing the separators or the encoding would invalidate every stored judgement."""
    return json.dumps(value, ensure_ascii=False, default=json_default, sort_keys=True)
