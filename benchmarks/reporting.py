"""Benchmark: a 10,000-transaction goAML STR built from canonical tables, written with the
streaming writer and validated against the project XSD (target: <= 5 s).

    PYTHONPATH=. python benchmarks/reporting.py [--transactions 10000] [--runs 3]

Times three phases per run (build the model from the case and the Arrow tables; write the
XML to a temp file; validate it and rename) and prints the medians. Data are generated in
code: 2,000 parties (half of them own customers, a third with Urdu-script names), one
account each, transactions between them over 30 days on every canonical channel.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.reporting import (
    Address,
    InstitutionInfo,
    ReportAlert,
    ReportCase,
    ReportingPerson,
    build_goaml_report,
    load_profile,
    project_xsd_path,
    write_goaml_report,
)

FIRST = ["Muhammad", "Ayesha", "Bilal", "Fatima", "Hamza", "Zainab", "Usman", "Sana"]
LAST = ["Khan", "Qureshi", "Malik", "Siddiqui", "Butt", "Chaudhry", "Shah", "Raza"]
URDU = ["محمد علی خان", "عائشہ صدیقی", "بلال احمد قریشی", "فاطمہ ملک"]
CHANNELS = ["wallet", "ibft", "cash_in", "cash_out", "card", "bill", "remittance"]


def make_tables(n_txns: int, n_parties: int, seed: int = 7) -> tuple[pa.Table, pa.Table, pa.Table]:
    rng = random.Random(seed)
    parties, accounts = [], []
    for i in range(n_parties):
        org = i % 10 == 9
        name = (
            f"{rng.choice(LAST)} Traders {i}"
            if org
            else (rng.choice(URDU) if i % 3 == 0 else f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        )
        own = i % 2 == 0
        parties.append(
            {
                "party_id": f"P{i}",
                "name": name,
                "kind": "organization" if org else "person",
                "birth_date": None
                if org
                else f"19{60 + i % 40:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "father_name": None,
                "country": "PK",
                "nationality": "PK",
                "region": "Lahore",
                "identifiers": [] if org else [{"type": "cnic", "value": f"35202-{i:07d}-1"}],
                "is_customer": own,
                "party_type": "business" if org else "individual",
                "source_ref": "bench",
            }
        )
        accounts.append(
            {
                "account_id": f"A{i}",
                "party_id": f"P{i}",
                "account_type": "wallet" if not org else "bank",
                "agent": "DEMO" if own else "HABBPKKA",
                "currency": "PKR",
                "country": "PK",
                "region": "Lahore",
                "opened_on": dt.date(2020, 1, 1),
                "is_own": own,
                "source_ref": "bench",
            }
        )
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    txns = []
    for t in range(n_txns):
        d, c = rng.randrange(n_parties), rng.randrange(n_parties)
        txns.append(
            {
                "txn_id": f"T{t:07d}",
                "ts": start + dt.timedelta(seconds=rng.randrange(30 * 86400)),
                "amount": Decimal(rng.randrange(100, 500_000)) / 100,
                "currency": "PKR",
                "channel": CHANNELS[t % len(CHANNELS)],
                "debtor_id": f"P{d}",
                "debtor_name": parties[d]["name"],
                "debtor_account": f"A{d}",
                "debtor_agent": accounts[d]["agent"],
                "debtor_country": "PK",
                "debtor_region": "Lahore",
                "creditor_id": f"P{c}",
                "creditor_name": parties[c]["name"],
                "creditor_account": f"A{c}",
                "creditor_agent": accounts[c]["agent"],
                "creditor_country": "PK",
                "creditor_region": "Karachi",
                "narrative": "donation" if t % 2 else None,
                "source_format": "bench",
                "source_ref": f"bench:{t}",
                "load_id": "bench",
            }
        )
    return (
        cs.conform(pa.Table.from_pylist(txns), cs.TRANSACTIONS),
        cs.conform(pa.Table.from_pylist(parties), cs.PARTIES),
        cs.conform(pa.Table.from_pylist(accounts), cs.ACCOUNTS),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--parties", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="fmu-pk")
    args = parser.parse_args()

    txns, parties, accounts = make_tables(args.transactions, args.parties)
    ids = txns.column("txn_id").to_pylist()
    case = ReportCase(
        case_id="CASE-000001",
        title="Benchmark case",
        subject_type="party",
        subject_id="P0",
        alerts=[
            ReportAlert(alert_id="A1", typology="crowdfunding_fan_in", explanation="x", txn_ids=ids)
        ],
    )
    institution = InstitutionInfo(
        reporting_entity_id="4711",
        institution_code="DEMO",
        reporting_person=ReportingPerson(
            first_name="Sana", last_name="Qureshi", email="mlro@example.pk", occupation="MLRO"
        ),
        location=Address(
            address_type="BUS", address="Blue Area", city="Islamabad", country_code="PK"
        ),
    )
    profile = load_profile(args.profile)
    xsd = project_xsd_path()
    phases: dict[str, list[float]] = {"build": [], "write+validate": [], "total": []}
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            target = Path(tmp) / f"report-{run}.xml"
            t0 = time.perf_counter()
            report = build_goaml_report(
                case, txns, parties, accounts=accounts, institution=institution, profile=profile
            )
            t1 = time.perf_counter()
            written = write_goaml_report(report, target, profile=profile, xsd=xsd)
            t2 = time.perf_counter()
            assert written.transactions == args.transactions
            size = written.bytes
            phases["build"].append(t1 - t0)
            phases["write+validate"].append(t2 - t1)
            phases["total"].append(t2 - t0)
            print(
                f"run {run + 1}: build {t1 - t0:.2f} s, write+validate {t2 - t1:.2f} s, "
                f"total {t2 - t0:.2f} s",
                file=sys.stderr,
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.transactions:,} transactions, profile {args.profile}, XML {size / 1e6:.1f} MB, "
        f"medians of {args.runs}: "
        + ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in phases.items())
        + f"; peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
