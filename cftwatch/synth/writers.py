"""Writers: canonical Parquet (+ labels + patterns), AMLworld CSV, ISO 20022 pacs.008 XML."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from cftwatch.synth.generate import SynthData

FORMATS = ("parquet", "amlworld", "pacs008")


def _write_parquet(table, path: Path) -> None:  # type: ignore[no-untyped-def]
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def write_synth(data: SynthData, out_dir: str | Path, format: str = "parquet") -> list[Path]:
    """Write a run to `out_dir`; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name in ("transactions", "parties", "accounts", "labels", "patterns"):
        path = out / f"{name}.parquet"
        _write_parquet(getattr(data, name), path)
        files.append(path)
    return files
