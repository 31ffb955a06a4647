"""One prescreen of the known parties, shared by every serving worker (and the next start).

The prescreen's results for one list version live in a JSON file of the workspace
(`prescreen/<fingerprint>.json`; the fingerprint is of the lists' version, the threshold
and cftwatch's version, so a list update or a new release never answers from an old file).
A worker takes the workspace's prescreen lock (`prescreen/.lock`, an OS file lock: the
workers of one machine), reads the file, screens only the known names it lacks, rewrites the
file (atomically) and lets go: the first worker screens, the others wait for it and read its
results, and a restart on the same lists screens nothing. The file holds data only (names,
countries, matches as JSON): a file that does not read is ignored and screened afresh.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from cftwatch import __version__
from cftwatch.screening import Feature, Match

if TYPE_CHECKING:
    from cftwatch.screening.score import Query

__all__ = ["FOLDER", "SharedPrescreen", "query_key"]

FOLDER = "prescreen"
log = logging.getLogger("cftwatch.server")


def query_key(query: Query) -> str:
    """A query as one string (the file's key): every field a screening result depends on."""
    father = query.father_name.original if query.father_name is not None else ""
    return "\x1f".join(
        (
            query.name.original,
            query.kind or "",
            query.birth_date or "",
            query.country or "",
            "\x1e".join(query.identifiers),
            father,
        )
    )


def _match_doc(m: Match) -> list[Any]:
    return [
        m.entity_id,
        m.list_id,
        m.list_ref,
        m.schema,
        m.matched_name,
        m.score,
        [[f.name, f.contribution, f.why] for f in m.features],
    ]


def _match(doc: list[Any]) -> Match:
    entity_id, list_id, list_ref, schema, matched_name, score, features = doc
    return Match(
        str(entity_id),
        str(list_id),
        str(list_ref),
        str(schema),
        str(matched_name),
        float(score),
        tuple(Feature(str(n), float(c), str(w)) for n, c, w in features),
    )


class SharedPrescreen:
    """The workspace's prescreen files and lock (see the module's text)."""

    def __init__(self, workspace_path: Path) -> None:
        self.folder = Path(workspace_path) / FOLDER

    def path(self, version: str, threshold: float | None) -> Path:
        text = f"{__version__}|{version}|{threshold!r}"
        return self.folder / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.json"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The workspace's prescreen lock, held (waiting for another worker's prescreen)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def read(self, version: str, threshold: float | None) -> dict[str, list[Match]]:
        """The results stored for (version, threshold) by query key; {} when none or the
        file does not read (it is then screened afresh and rewritten)."""
        path = self.path(version, threshold)
        try:
            doc = orjson.loads(path.read_bytes())
            if doc.get("version") != version or doc.get("threshold") != threshold:
                return {}
            return {str(k): [_match(m) for m in ms] for k, ms in doc["results"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("prescreen: %s does not read (%s); screening afresh", path, exc)
            return {}

    def write(self, version: str, threshold: float | None, results: dict[str, list[Match]]) -> None:
        """Store the results for (version, threshold), replacing the file atomically."""
        path = self.path(version, threshold)
        doc = {
            "version": version,
            "threshold": threshold,
            "cftwatch": __version__,
            "results": {k: [_match_doc(m) for m in ms] for k, ms in results.items()},
        }
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps(doc))
        os.replace(tmp, path)
