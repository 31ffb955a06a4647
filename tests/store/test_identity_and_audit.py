"""Users and roles, acting identity, the audit hash chain and append-only tables, on
SQLite and (marked `postgres`) PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from cftwatch.errors import InputError
from cftwatch.store import AccessDenied, OperationalStore
from cftwatch.store.store import alembic_config


def _case(store: OperationalStore) -> int:
    """A case with a note and a decision, written through the case domain's tables."""
    with store.engine.begin() as conn:
        case_id = conn.execute(
            sa.text(
                "INSERT INTO cases (subject_type, subject_id, title, status, priority, "
                "created_at, created_by, updated_at, updated_by, version) VALUES "
                "('acct', 'a1', 't', 'new', 'low', :at, 'u', :at, 'u', 1) RETURNING id"
            ),
            {"at": "2026-01-01 00:00:00"},
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO notes (case_id, text, created_at, created_by) "
                "VALUES (:c, 'n', '2026-01-01 00:00:00', 'u')"
            ),
            {"c": case_id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO decisions (case_id, kind, from_status, to_status, reason, "
                "created_at, created_by) VALUES (:c, 'status', 'new', 'in_review', 'r', "
                "'2026-01-01 00:00:00', 'u')"
            ),
            {"c": case_id},
        )
    return int(case_id)


def _lift_audit_trigger(store: OperationalStore, conn: sa.Connection) -> None:
    """What an attacker with database access would do before editing the log."""
    if store.dialect == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")


def test_first_user_makes_the_os_user_admin(store: OperationalStore):
    alice = store.add_user("alice", "analyst", "root")
    assert alice.role == "analyst" and alice.created_by == "root"
    assert {(u.name, u.role) for u in store.users()} == {("root", "admin"), ("alice", "analyst")}
    with pytest.raises(AccessDenied, match="alice is analyst"):
        store.add_user("mallory", "admin", "alice")
    with pytest.raises(AccessDenied, match="not a user"):
        store.add_user("mallory", "admin", "mallory")
    with pytest.raises(InputError, match="no admin left"):
        store.add_user("root", "analyst", "root")
    assert store.add_user("alice", "supervisor", "root").role == "supervisor"
    changes = [(e.entity_id, e.before, e.after) for e in store.audit_entries(entity_type="user")]
    assert changes[-1] == ("alice", '"analyst"', '"supervisor"')


def test_first_user_naming_themselves_must_be_admin(store: OperationalStore):
    with pytest.raises(InputError, match="no admin yet"):
        store.add_user("root", "analyst", "root")
    assert store.users() == []


@pytest.mark.parametrize(
    "name", ["", "a b", "[/x]", "evil\x1b]0;pwned\x07", "bob\n", "x" * 101, "a;b"]
)
def test_user_names_are_validated(store: OperationalStore, name: str):
    with pytest.raises(InputError) as err:
        store.add_user(name, "analyst", "root")
    assert err.value.problems[0].field == "name"


def test_only_an_admin_may_act_as_someone_else(store: OperationalStore):
    assert store.act_as("root") == "root"  # setup mode: acting as yourself
    with pytest.raises(AccessDenied, match="root may not act as sara"):
        store.act_as("root", "sara")  # no admin yet: nobody may
    store.add_user("sara", "supervisor", "root")  # root becomes admin
    with pytest.raises(AccessDenied, match="sara may not act as root"):
        store.act_as("sara", "root")
    assert store.act_as("root", "sara") == "sara"
    store.record_judgement("p", "e", "true_match", "sara", "fp")
    last = store.audit_entries(entity_type="match_judgement")[-1]
    assert (last.user, last.actor) == ("sara", "root")  # both identities are logged


def test_audit_chain_verifies_and_names_an_edited_row(store: OperationalStore):
    store.add_user("alice", "analyst", "root")
    for i in range(3):
        store.record_judgement(f"p{i}", "e", "true_match", "alice", "fp")
    count, broken = store.verify_audit()
    assert count == 5 and broken is None
    third = store.audit_entries()[2].id
    with store.engine.begin() as conn:
        _lift_audit_trigger(store, conn)
        conn.execute(
            sa.text("UPDATE audit_log SET \"user\" = 'mallory' WHERE id = :id"), {"id": third}
        )
    count, broken = store.verify_audit()
    assert broken is not None and broken[0] == third and "edited" in broken[1]


def test_audit_chain_names_the_row_after_a_deleted_one(store: OperationalStore):
    for i in range(3):
        store.record_judgement(f"p{i}", "e", "false_match", "alice", "fp")
    first, second, third = (e.id for e in store.audit_entries())
    with store.engine.begin() as conn:
        _lift_audit_trigger(store, conn)
        conn.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": second})
    count, broken = store.verify_audit()
    assert count == 2 and broken is not None
    assert broken[0] == third and "prev_hash" in broken[1]
    assert first < second < third


@pytest.mark.parametrize("table", ["notes", "decisions", "audit_log"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET created_at = created_at", "DELETE FROM {t}"])
def test_notes_decisions_and_audit_are_append_only(store: OperationalStore, table, statement):
    _case(store)
    store.record_judgement("p", "e", "true_match", "alice", "fp")  # one audit row
    sql = statement.format(t=table).replace("created_at = created_at", "id = id")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql(sql)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() >= 1


def test_upgrade_chains_the_rows_written_before_it(store: OperationalStore):
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_initial")
    with store.engine.begin() as conn:
        for i in range(3):
            conn.execute(
                sa.text(
                    'INSERT INTO audit_log (at, "user", entity_type, entity_id, action) '
                    "VALUES (:at, 'old', 'case', :e, 'create')"
                ),
                {"at": "2026-01-01 00:00:00", "e": str(i)},
            )
    store.migrate()
    assert store.verify_audit() == (3, None)
    store.record_judgement("p", "e", "true_match", "alice", "fp")
    assert store.verify_audit() == (4, None)


def test_judgements_need_a_registered_analyst(store: OperationalStore):
    store.add_user("alice", "analyst", "root")
    with pytest.raises(AccessDenied, match="mallory is not a user"):
        store.record_judgement("p", "e", "true_match", "mallory", "fp")
    assert store.latest_judgements() == {}
    assert store.record_judgement("p", "e", "true_match", "alice", "fp").user == "alice"
