"""`cftwatch lists update`: download each list from its official URL, verify, store,
activate.

URLs default to the official ones (`ListSource.url` in `cftwatch.lists.sources`) and can be changed per workspace in
`cftwatch.yaml`:

```yaml
lists:
  urls:
    un: https://scsanctions.un.org/resources/xml/en/consolidated.xml
    ofac: https://mirror.example.org/SDN.XML
```

A download is kept under `<workspace>/lists/downloads/` (the raw snapshot an examiner can
re-check against the stored hash). It is verified (HTTP 200, the announced length, not
empty) and then loaded like any file: a truncated or wrong file is rejected whole and the
list's previous version stays active. One failing source does not stop the others.
"""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cftwatch.errors import CftwatchError, ConfigError, InputError
from cftwatch.lists.api import load_list
from cftwatch.lists.sources import default_update_sources, find_source, official_urls
from cftwatch.lists.store import ListVersion
from cftwatch.workspace import Workspace

OFFICIAL_URLS: dict[str, str] = official_urls()
"""Where each list is published (from the `ListSource` registry)."""

DEFAULT_SOURCES = tuple(default_update_sources())
USER_AGENT = "cftwatch-lists/0.1 (+https://github.com/cftwatch)"


@dataclass
class UpdateResult:
    source: str
    url: str
    status: str
    """loaded, unchanged or failed."""
    version: ListVersion | None = None
    files: list[str] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "url": self.url,
            "status": self.status,
            "version": self.version.to_dict() if self.version else None,
            "files": self.files,
            "error": self.error,
        }


def configured_urls(ws: Workspace, urls: Mapping[str, str] | None = None) -> dict[str, str]:
    """Official URLs, overridden by `lists.urls` in the config, then by `urls`."""
    merged = dict(OFFICIAL_URLS)
    section = ws.config.lists.get("urls", {}) or {}
    if not isinstance(section, dict):
        raise ConfigError.at("must be a mapping of source → URL", field="lists.urls", value=section)
    for key, value in section.items():
        merged[str(key)] = _checked_url(str(value), f"lists.urls.{key}")
    for key, value in (urls or {}).items():
        merged[key] = _checked_url(value, f"urls.{key}")
    return merged


def _checked_url(url: str, field: str) -> str:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ConfigError.at("only http(s) URLs are downloaded", field=field, value=url)
    return url


DEFAULT_MAX_DOWNLOAD_MB = 512
"""`lists.max_download_mb`: the largest file `lists update` accepts (the biggest official
list, OFAC's SDN XML, is well under 100 MB)."""
READ_STALL_S = 30.0
"""The longest wait for the next bytes of a download (within its overall deadline)."""


def update_lists(
    ws: Workspace,
    sources: Iterable[str] | None = None,
    urls: Mapping[str, str] | None = None,
    *,
    timeout: float = 120.0,
    on_progress: Callable[[str, int, int | None], None] | None = None,
    force: bool = False,
    allow_older: bool = False,
    max_bytes: int | None = None,
) -> list[UpdateResult]:
    """Download, verify, store and activate each source (default: un, ofac, eu, uk).

    Every download has an overall deadline (`timeout` seconds, however slowly the server
    sends) and a size cap (`max_bytes`, default `lists.max_download_mb`); a failed one is
    deleted. All downloads run first with the workspace closed, so other commands can use
    it meanwhile; the loads follow, each in its own transaction."""
    chosen = list(sources) if sources else list(DEFAULT_SOURCES)
    table = configured_urls(ws, urls)
    for source in chosen:
        if source not in table:
            raise InputError.at(
                f"no URL for this source (known: {', '.join(sorted(table))}); set lists.urls",
                field="source",
                value=source,
            )
    limits = _Limits(timeout, max_bytes if max_bytes is not None else _max_download(ws))
    folder = ws.path / "lists" / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    ws.close()  # release the workspace while the network is slow
    fetched: dict[str, list[Path] | CftwatchError] = {}
    for source in chosen:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        try:
            fetched[source] = _download_set(
                source, table[source], folder, stamp, limits, on_progress
            )
        except CftwatchError as exc:
            fetched[source] = exc
    results: list[UpdateResult] = []
    for source in chosen:
        url, got = table[source], fetched[source]
        if isinstance(got, CftwatchError):
            results.append(UpdateResult(source, url, "failed", error=str(got)))
            continue
        try:
            version = load_list(
                ws,
                got[0],
                _parse_as(source),
                alt=got[1] if len(got) > 1 else None,
                add=got[2] if len(got) > 2 else None,
                source_url=url,
                force=force,
                allow_older=allow_older,
            )
        except CftwatchError as exc:
            _delete(got)
            results.append(UpdateResult(source, url, "failed", error=str(exc)))
            continue
        status = "unchanged" if version.unchanged else "loaded"
        results.append(UpdateResult(source, url, status, version, files=[str(f) for f in got]))
    return results


@dataclass(frozen=True)
class _Limits:
    deadline_s: float
    max_bytes: int


def _max_download(ws: Workspace) -> int:
    value = ws.config.lists.get("max_download_mb", DEFAULT_MAX_DOWNLOAD_MB)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError.at(
            "must be a positive number of megabytes", field="lists.max_download_mb", value=value
        )
    return int(value * 1_000_000)


def _delete(files: Iterable[Path]) -> None:
    for f in files:
        f.unlink(missing_ok=True)


def _parse_as(source: str) -> str:
    """The source id a download of `source` is parsed as (`ofac` → `ofac-sdn`)."""
    found = find_source(source)
    if found is None:
        return source
    return found.update_as or found.id


def _download_set(
    source: str,
    url: str,
    folder: Path,
    stamp: str,
    limits: _Limits,
    on_progress: Callable[[str, int, int | None], None] | None,
) -> list[Path]:
    """One file, or for a CSV URL of a source with companions (OFAC `SDN.CSV`) the set
    (SDN, ALT, ADD); a set that fails part-way is deleted whole."""
    path = urllib.parse.urlsplit(url).path
    found = find_source(source)
    companions = found.companions if found else ()
    if companions and path.lower().endswith(".csv"):
        name = path.rsplit("/", 1)[-1]
        out: list[Path] = []
        try:
            for kind in ("sdn", *companions):
                part = name.replace("sdn", kind).replace("SDN", kind.upper())
                part_url = url.replace(name, part) if kind != "sdn" else url
                target = folder / f"{source}-{stamp}-{kind}.csv"
                _download(part_url, target, limits, on_progress, f"{source} {kind}")
                out.append(target)
        except CftwatchError:
            _delete(out)
            raise
        return out
    suffix = Path(path).suffix.lower() or (found.download_suffix if found else ".dat")
    target = folder / f"{source}-{stamp}{suffix}"
    _download(url, target, limits, on_progress, source)
    return [target]


def _download(
    url: str,
    target: Path,
    limits: _Limits,
    on_progress: Callable[[str, int, int | None], None] | None,
    label: str,
) -> None:
    """Fetch `url` to `target` via `target.part`; InputError (and nothing left behind) on
    an HTTP error, a stall, the deadline, the size cap or a short body."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    partial = target.with_name(target.name + ".part")
    try:
        received, expected = _fetch(request, partial, limits, on_progress, label)
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise InputError.at(f"download failed: HTTP {exc.code} {exc.reason}", file=url) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise InputError.at(f"download failed: {reason}", file=url) from exc
    except InputError as exc:
        partial.unlink(missing_ok=True)
        raise InputError.at(exc.problems[0].reason, file=url) from exc
    if received == 0:
        partial.unlink(missing_ok=True)
        raise InputError.at("download is empty", file=url)
    if expected is not None and received != expected:
        partial.unlink(missing_ok=True)
        raise InputError.at(f"download incomplete: {received} of {expected} bytes", file=url)
    shutil.move(str(partial), target)


def _fetch(
    request: urllib.request.Request,
    partial: Path,
    limits: _Limits,
    on_progress: Callable[[str, int, int | None], None] | None,
    label: str,
) -> tuple[int, int | None]:
    """(bytes received, Content-Length) of one response written to `partial`."""
    deadline = time.monotonic() + limits.deadline_s
    stall = min(READ_STALL_S, limits.deadline_s)
    with urllib.request.urlopen(request, timeout=stall) as response:
        status = getattr(response, "status", 200)
        if status != 200:
            raise InputError.at(f"HTTP {status}")
        length_header = response.headers.get("Content-Length")
        expected = int(length_header) if length_header and length_header.isdigit() else None
        if expected is not None and expected > limits.max_bytes:
            raise InputError.at(_too_big(expected, limits))
        received = 0
        with open(partial, "wb") as out:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise InputError.at(
                        f"download took longer than {limits.deadline_s:g} s "
                        f"({received} bytes received)"
                    )
                _set_read_timeout(response, min(stall, left))
                try:
                    chunk = response.read1(1 << 16)
                except TimeoutError as exc:
                    if stall < left:
                        raise InputError.at(f"no data for {stall:g} s") from exc
                    continue  # the deadline: reported above

                if not chunk:
                    break
                received += len(chunk)
                if received > limits.max_bytes:
                    raise InputError.at(_too_big(received, limits))
                out.write(chunk)
                if on_progress:
                    on_progress(label, received, expected)
    return received, expected


def _too_big(size: int, limits: _Limits) -> str:
    return (
        f"download larger than the limit of {limits.max_bytes:,} bytes ({size:,}); "
        "raise lists.max_download_mb"
    )


def _set_read_timeout(response: object, seconds: float) -> None:
    """Bound the next read by the time left (http.client keeps the socket in fp.raw)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.01))
