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


def update_lists(
    ws: Workspace,
    sources: Iterable[str] | None = None,
    urls: Mapping[str, str] | None = None,
    *,
    timeout: float = 120.0,
    on_progress: Callable[[str, int, int | None], None] | None = None,
    force: bool = False,
) -> list[UpdateResult]:
    """Download, verify, store and activate each source (default: un, ofac, eu, uk)."""
    chosen = list(sources) if sources else list(DEFAULT_SOURCES)
    table = configured_urls(ws, urls)
    folder = ws.path / "lists" / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    results: list[UpdateResult] = []
    for source in chosen:
        if source not in table:
            raise InputError.at(
                f"no URL for this source (known: {', '.join(sorted(table))}); set lists.urls",
                field="source",
                value=source,
            )
        url = table[source]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        try:
            files = _download_set(source, url, folder, stamp, timeout, on_progress)
            version = load_list(
                ws,
                files[0],
                _parse_as(source),
                alt=files[1] if len(files) > 1 else None,
                add=files[2] if len(files) > 2 else None,
                source_url=url,
                force=force,
            )
            status = "unchanged" if version.unchanged else "loaded"
            results.append(
                UpdateResult(source, url, status, version, files=[str(f) for f in files])
            )
        except CftwatchError as exc:
            results.append(UpdateResult(source, url, "failed", error=str(exc)))
    return results


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
    timeout: float,
    on_progress: Callable[[str, int, int | None], None] | None,
) -> list[Path]:
    """One file, or for a CSV URL of a source with companions (OFAC `SDN.CSV`) the set
    (SDN, ALT, ADD)."""
    path = urllib.parse.urlsplit(url).path
    found = find_source(source)
    companions = found.companions if found else ()
    if companions and path.lower().endswith(".csv"):
        name = path.rsplit("/", 1)[-1]
        out = []
        for kind in ("sdn", *companions):
            part = name.replace("sdn", kind).replace("SDN", kind.upper())
            part_url = url.replace(name, part) if kind != "sdn" else url
            target = folder / f"{source}-{stamp}-{kind}.csv"
            _download(part_url, target, timeout, on_progress, f"{source} {kind}")
            out.append(target)
        return out
    suffix = Path(path).suffix.lower() or (found.download_suffix if found else ".dat")
    target = folder / f"{source}-{stamp}{suffix}"
    _download(url, target, timeout, on_progress, source)
    return [target]


def _download(
    url: str,
    target: Path,
    timeout: float,
    on_progress: Callable[[str, int, int | None], None] | None,
    label: str,
) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = getattr(response, "status", 200)
            if status != 200:
                raise InputError.at(f"HTTP {status}", file=url)
            length_header = response.headers.get("Content-Length")
            expected = int(length_header) if length_header and length_header.isdigit() else None
            received = 0
            with open(partial, "wb") as out:
                while True:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    out.write(chunk)
                    received += len(chunk)
                    if on_progress:
                        on_progress(label, received, expected)
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise InputError.at(f"download failed: HTTP {exc.code} {exc.reason}", file=url) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise InputError.at(f"download failed: {reason}", file=url) from exc
    if received == 0:
        partial.unlink(missing_ok=True)
        raise InputError.at("download is empty", file=url)
    if expected is not None and received != expected:
        partial.unlink(missing_ok=True)
        raise InputError.at(f"download incomplete: {received} of {expected} bytes", file=url)
    shutil.move(str(partial), target)
