"""Two writers, one case: one wins, the other is told, nothing is lost."""

from __future__ import annotations

import threading

import pytest

from cftwatch.cases import CaseService
from cftwatch.errors import ConflictError
from cftwatch.store import OperationalStore
from tests.cases.helpers import alert, alerts_table


def test_same_version_two_writers_in_turn(service: CaseService):
    (case,) = service.triage(alerts_table(alert()), "bot")
    seen = service.get(case.case_id)  # both analysts loaded version 1
    service.assign(case.case_id, "alice", "alice", seen.version)
    with pytest.raises(ConflictError):
        service.assign(case.case_id, "bob", "bob", seen.version)
    # bob reloads and retries: both changes are in the log
    fresh = service.get(case.case_id)
    assert fresh.assignee == "alice"
    service.assign(case.case_id, "bob", "bob", fresh.version)
    assigns = [e for e in service.history(case.case_id) if e.field == "assignee"]
    assert [(e.user, e.after) for e in assigns] == [("alice", '"alice"'), ("bob", '"bob"')]


def _race(services: list[CaseService], case_id: str, version: int, r: int) -> dict[str, object]:
    """Both services assign the case at the same moment with the same expected version."""
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def write(i: int) -> None:
        barrier.wait()
        try:
            services[i].assign(case_id, f"user{i}", f"user{i}-r{r}", version)
            outcome[f"user{i}"] = "won"
        except ConflictError as exc:
            outcome[f"user{i}"] = exc

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome


@pytest.mark.parametrize("rounds", [3])
def test_two_connections_racing_threads(store_url: str, rounds: int):
    """Two stores (two engines, two connections) in two threads write the same version at
    the same moment; exactly one wins each round, the loser gets ConflictError."""
    setup = OperationalStore(store_url)
    setup.migrate()
    (case,) = CaseService(setup).triage(alerts_table(alert()), "bot")
    stores = [OperationalStore(store_url), OperationalStore(store_url)]
    services = [CaseService(s) for s in stores]
    try:
        for r in range(rounds):
            version = services[0].get(case.case_id).version
            outcome = _race(services, case.case_id, version, r)
            winners = [u for u, o in outcome.items() if o == "won"]
            losers = [u for u, o in outcome.items() if isinstance(o, ConflictError)]
            assert len(winners) == 1 and len(losers) == 1, outcome
            now = services[1].get(case.case_id)
            assert now.version == version + 1
            assert now.assignee == f"{winners[0]}-r{r}"
            assert now.updated_by == winners[0]
        # every winning change, and only those, is in the log
        assigns = [e for e in setup.audit_entries(case_id=case.case_id) if e.field == "assignee"]
        assert len(assigns) == rounds
    finally:
        for s in (*stores, setup):
            s.close()


def test_concurrent_notes_are_all_kept(store_url: str):
    setup = OperationalStore(store_url)
    setup.migrate()
    (case,) = CaseService(setup).triage(alerts_table(alert()), "bot")
    stores = [OperationalStore(store_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def add_notes(i: int) -> None:
        svc = CaseService(stores[i])
        barrier.wait()
        try:
            for n in range(5):
                svc.note(case.case_id, f"user{i}", f"note {i}.{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add_notes, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        texts = sorted(n.text for n in CaseService(setup).notes(case.case_id))
        assert texts == sorted(f"note {i}.{n}" for i in (0, 1) for n in range(5))
    finally:
        for s in (*stores, setup):
            s.close()


def test_readers_do_not_queue_behind_a_writer(store_url: str):
    """While one connection holds an open write transaction, another reads at once (the
    last committed state) instead of waiting for the lock."""
    writer = OperationalStore(store_url)
    writer.migrate()
    reader = OperationalStore(store_url)
    writer.record_judgement("p", "e", "false_match", "alice", "fp")
    seen: list[object] = []
    try:
        with writer.session() as s:
            writer.record_judgement("p", "e", "true_match", "bob", "fp", session=s)
            t = threading.Thread(target=lambda: seen.append(reader.latest_judgements()))
            t.start()
            t.join(timeout=10)
            assert not t.is_alive(), "the reader waited for the writer"
        (latest,) = seen
        assert latest[("p", "e")].verdict == "false_match"  # type: ignore[index]
        assert reader.latest_judgements()[("p", "e")].verdict == "true_match"
    finally:
        reader.close()
        writer.close()


def test_concurrent_triage_opens_one_case_per_subject(store_url: str):
    """Two triage runs over the same alerts at once: each alert lands in exactly one case."""
    setup = OperationalStore(store_url)
    setup.migrate()
    table = alerts_table(*(alert(f"acct:{i % 3}") for i in range(12)))
    stores = [OperationalStore(store_url) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            CaseService(stores[i]).triage(table, f"bot{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert errors == []
        service = CaseService(setup)
        cases = service.list()
        assert sorted(c.subject_id for c in cases) == ["acct:0", "acct:1", "acct:2"]
        assert sum(c.alert_count for c in cases) == 12
        adds = [e for e in setup.audit_entries() if e.entity_type == "case_alert"]
        assert len(adds) == 12
    finally:
        for s in (*stores, setup):
            s.close()
