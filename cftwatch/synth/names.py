"""Name pools (shipped as data) and spelling variants of listed names.

Persons get a given name and a family name from a Pakistani, Afghan, Arab or other pool,
and a father's name from the same pool, as Pakistani identity records carry one.
Organisations fill patterns (`{family} Traders`, `Masjid-e-{word}`). Listed names come from
a small extract of the UN consolidated list (`data/listed.csv`) and are written with the
spelling changes real payment data shows: Muhammad/Mohammad/Mohd, -e-/-i-/-ul- connectors,
dropped middle parts, Rehman/Rahman.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@cache
def name_data() -> dict[str, Any]:
    text = resources.files("cftwatch.synth").joinpath("data/names.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True)
class ListedName:
    list_ref: str
    schema: str
    name: str
    country: str
    birth_date: str | None = None  # as KYC holds it: 1 January when only the year is listed


@cache
def listed_names() -> tuple[ListedName, ...]:
    """Listed persons and organisations used by `listed_party_payment` (UN list extract)."""
    text = resources.files("cftwatch.synth").joinpath("data/listed.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        ListedName(r["list_ref"], r["schema"], r["name"], r["country"], r.get("birth_date") or None)
        for r in rows
    )


def person_names(
    rng: np.random.Generator, n: int, pool_codes: np.ndarray, female: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    """Vectorised full names and father's names for `n` persons.

    `pool_codes` indexes `pool_order()`; the result is built with Arrow `take` so a
    million names cost well under a second.
    """
    pools = name_data()["pools"]
    full = pa.nulls(n, pa.string())
    father = pa.nulls(n, pa.string())
    full_parts: list[pa.Array] = []
    father_parts: list[pa.Array] = []
    index_parts: list[np.ndarray] = []
    for code, key in enumerate(pool_order()):
        pool = pools[key]
        idx = np.flatnonzero(pool_codes == code)
        if idx.size == 0:
            continue
        male = pa.array(pool["male"])
        fem = pa.array(pool["female"])
        fam = pa.array(pool["family"])
        m_pick = rng.integers(0, len(male), idx.size)
        f_pick = rng.integers(0, len(fem), idx.size)
        given = pc.if_else(
            pa.array(female[idx]), pc.take(fem, pa.array(f_pick)), pc.take(male, pa.array(m_pick))
        )
        family = pc.take(fam, pa.array(rng.integers(0, len(fam), idx.size)))
        dad = pc.take(male, pa.array(rng.integers(0, len(male), idx.size)))
        full_parts.append(pc.binary_join_element_wise(given, family, " "))
        father_parts.append(pc.binary_join_element_wise(dad, family, " "))
        index_parts.append(idx)
    if index_parts:
        order = np.argsort(np.concatenate(index_parts), kind="stable")
        full = pc.take(pa.concat_arrays(full_parts), pa.array(order))
        father = pc.take(pa.concat_arrays(father_parts), pa.array(order))
    return full, father


def pool_order() -> list[str]:
    return list(name_data()["pools"])


def pool_weights() -> np.ndarray:
    pools = name_data()["pools"]
    w = np.array([pools[k]["weight"] for k in pool_order()], dtype=float)
    return w / w.sum()


def organisation_names(rng: np.random.Generator, kind: str, n: int) -> list[str]:
    """Names for `n` organisations of a kind: business, merchant, agent or npo."""
    data = name_data()
    pak = data["pools"]["pakistani"]
    section = data[kind]
    patterns = section["legit"] if kind == "npo" else section["patterns"]
    words = section.get("word") or data["business"]["word"]
    trades = data["business"]["trade"]
    cities = data["cities"]
    families = pak["family"]
    pick_pattern = rng.integers(0, len(patterns), n)
    pick_word = rng.integers(0, len(words), n)
    pick_trade = rng.integers(0, len(trades), n)
    pick_city = rng.integers(0, len(cities), n)
    pick_family = rng.integers(0, len(families), n)
    return [
        patterns[p].format(word=words[w], trade=trades[t], city=cities[c], family=families[f])
        for p, w, t, c, f in zip(
            pick_pattern.tolist(),
            pick_word.tolist(),
            pick_trade.tolist(),
            pick_city.tolist(),
            pick_family.tolist(),
            strict=True,
        )
    ]


_MUHAMMAD = re.compile(r"\b(MUHAMMAD|MOHAMMAD|MOHAMMED|MUHAMMED|MOHAMED)\b", re.IGNORECASE)
_CONNECTOR = re.compile(r"-(UR|UL|UD|I|E|A|UZ)-", re.IGNORECASE)
_REHMAN = re.compile(r"\b(REHMAN|RAHMAN)\b", re.IGNORECASE)
_ABDUL = re.compile(r"\bABDUL\b", re.IGNORECASE)
_TITLES = re.compile(r"^(HAFIZ|HAJI|MAULAWI|MAULANA|SHAYKH|SHEIKH)\s+", re.IGNORECASE)


def name_variant(name: str, rng: np.random.Generator) -> str:
    """A realistic re-spelling of a listed name, as a payment system might record it.

    Applies 1-3 of: Muhammad family swap, connector change (-ur- -> ' ur ', -e-, -i-),
    Rehman/Rahman, Abdul -> Abdul/Abd al, dropping a title, dropping a middle part,
    title case. Always returns a non-empty name different only in spelling, not identity.
    """
    out = name
    ops = rng.permutation(7)[: int(rng.integers(1, 4))]
    for op in ops.tolist():
        if op == 0 and _MUHAMMAD.search(out):
            choice = ["Muhammad", "Mohammad", "Mohammed", "Mohd", "Muhammed"][
                int(rng.integers(0, 5))
            ]
            out = _MUHAMMAD.sub(choice, out)
        elif op == 1 and _CONNECTOR.search(out):
            style = int(rng.integers(0, 3))

            def _conn(m: re.Match[str], style: int = style) -> str:
                word = m.group(1).lower()
                if word in ("i", "e", "a"):
                    return ["-e-", "-i-", " e "][style]
                return [f" {word} ", f"-{word}-", f"{word} "][style]

            out = _CONNECTOR.sub(_conn, out)
        elif op == 2 and _REHMAN.search(out):
            out = _REHMAN.sub(["Rehman", "Rahman", "Rehmaan"][int(rng.integers(0, 3))], out)
        elif op == 3 and _ABDUL.search(out):
            out = _ABDUL.sub(["Abdul", "Abd al", "Abdel", "Abdal"][int(rng.integers(0, 4))], out)
        elif op == 4 and _TITLES.search(out):
            out = _TITLES.sub("", out)
        elif op == 5:
            parts = out.split()
            if len(parts) >= 4:
                del parts[int(rng.integers(1, len(parts) - 1))]
                out = " ".join(parts)
        elif op == 6:
            out = out.title()
    out = re.sub(r"\s+", " ", out).strip()
    return out or name
