"""The operational store: cases, decisions, judgements, audit log and report metadata in
SQLite (one file in the workspace) or PostgreSQL (a team server), through SQLAlchemy 2.

Every write runs in one transaction that also appends its audit rows, so a change and its
audit entry land together or not at all. On SQLite each transaction starts with
`BEGIN IMMEDIATE`: writers queue for the file lock instead of failing half-way, and a
writer always reads the latest committed version before it checks it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy.exc as sa_exc
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from cftwatch.errors import (
    CftwatchError,
    ConfigError,
    DependencyMissing,
    InputError,
    NotFoundError,
)
from cftwatch.jsontext import canonical_json
from cftwatch.store import users
from cftwatch.store.chain import GENESIS, chain_rows, first_break
from cftwatch.store.models import (
    ROLES,
    VERDICTS,
    AuditRow,
    CaseRow,
    JudgementRow,
    ReportRow,
    UserRow,
)
from cftwatch.store.records import (
    AuditEntry,
    Judgement,
    ReportRecord,
    Verdict,
    format_case_id,
    parse_case_id,
)

if TYPE_CHECKING:
    from cftwatch.workspace import Workspace

AUDIT_TABLE: Table = AuditRow.__table__  # type: ignore[assignment]
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
IN_CHUNK = 500  # bound on IN-list sizes (SQLite's variable limit, PostgreSQL plan cost)
_READONLY = "cftwatch_readonly"  # execution option: a reading transaction (SQLite: deferred)
_MIGRATE_LOCK = 0x0CF7_CA5E  # pg_advisory_xact_lock key: one migrator at a time
_AUDIT_LOCK = 0x0CF7_A0D1  # pg_advisory_xact_lock key: one writer extends the chain at a time


class StoreError(CftwatchError):
    """The operational store cannot be reached or is not in the expected state."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_json_text(value: Any) -> str | None:
    """Audit values as JSON text: readable by people, comparable by machines (sorted keys,
    the project's one encoder; None stays None, meaning there was no value)."""
    return None if value is None else canonical_json(value)


def in_chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """`values` in slices short enough for an `IN (...)` list on SQLite and PostgreSQL."""
    for i in range(0, len(values), IN_CHUNK):
        yield values[i : i + IN_CHUNK]


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini needed at runtime)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _make_engine(url: str) -> Engine:
    try:
        parsed: URL = make_url(url)
    except sa_exc.ArgumentError as exc:
        raise ConfigError.at("not a SQLAlchemy URL", field="store_url", value=_masked(url)) from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        database = parsed.database or ""
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if database in ("", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (ModuleNotFoundError, sa_exc.NoSuchModuleError) as exc:
        if backend == "postgresql":
            raise DependencyMissing(
                "PostgreSQL needs the postgres extra: pip install 'cftwatch[postgres]'"
            ) from exc
        raise ConfigError.at(
            f"no database driver for this URL: {exc}", field="store_url", value=_masked(url)
        ) from exc
    if backend == "sqlite":
        _sqlite_pragmas(engine, in_memory=database in ("", ":memory:"))
    return engine


def _sqlite_pragmas(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get(_READONLY, False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return "<invalid URL>"


class OperationalStore:
    """Cases, decisions, judgements, audit log and report metadata.

    `OperationalStore(url)` opens (creating a SQLite file if needed); call `.migrate()`
    once to create or upgrade the tables. `OperationalStore.for_workspace(ws)` does both.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self.dialect = self.engine.dialect.name
        self.actor: str | None = None
        """Who really runs this process (the OS identity), set by `act_as`; audit rows
        written for another user carry it too."""

    @classmethod
    def for_workspace(cls, ws: Workspace, *, migrate: bool = True) -> OperationalStore:
        """The store of a workspace: `$CFTWATCH_DB_URL`, the config's `store_url`, or
        `store.sqlite` in the workspace; migrated to the newest schema unless told not to."""
        store = cls(ws.store_url)
        if migrate:
            store.migrate()
        return store

    def __repr__(self) -> str:
        return f"OperationalStore({_masked(self.url)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> OperationalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------

    def migrate(self) -> str:
        """Create or upgrade the tables to the newest migration; returns the revision."""
        head = head_revision()
        if self.current_revision() == head:
            return head
        cfg = alembic_config()
        with self._db_errors(), self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATE_LOCK})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return self.current_revision() or ""

    def current_revision(self) -> str | None:
        with self._db_errors(), self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # -- transactions ----------------------------------------------------------------

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.
        `readonly=True` reads without queueing behind writers (SQLite: a deferred BEGIN on
        a WAL snapshot); such a session must not write."""
        with self._db_errors():
            if not readonly:
                with Session(self.engine, expire_on_commit=False) as s, s.begin():
                    yield s
                return
            with self.engine.connect() as conn:
                conn.execution_options(**{_READONLY: True})
                with Session(bind=conn, expire_on_commit=False) as s, s.begin():
                    yield s

    @contextmanager
    def _db_errors(self) -> Iterator[None]:
        try:
            yield
        except CftwatchError:
            raise
        except sa_exc.OperationalError as exc:
            text = str(exc.orig) if exc.orig is not None else str(exc)
            hint = ""
            if "no such table" in text or "does not exist" in text:
                hint = " (tables missing: run OperationalStore.migrate())"
            raise StoreError(f"operational store {_masked(self.url)}: {text}{hint}") from exc
        except sa_exc.ProgrammingError as exc:
            text = str(exc.orig) if exc.orig is not None else str(exc)
            hint = " (tables missing: run OperationalStore.migrate())" if "exist" in text else ""
            raise StoreError(f"operational store {_masked(self.url)}: {text}{hint}") from exc

    # -- audit log -------------------------------------------------------------------

    def write_audit(
        self,
        session: Session,
        entries: Sequence[dict[str, Any]],
        *,
        user: str,
        at: dt.datetime | None = None,
    ) -> None:
        """Append audit rows in the caller's transaction. Each entry names `entity_type`,
        `entity_id`, `action` and optionally `case_id` (a number), `field`, `before`,
        `after` (any JSON-able value; None means there was none)."""
        if not entries:
            return
        when = at or utcnow()
        actor = self.actor if self.actor and self.actor != user else None
        next_id, prev_hash = self._audit_tail(session)
        rows = [
            {
                "id": next_id + i,
                "at": when,
                "user": user,
                "actor": actor,
                "case_id": e.get("case_id"),
                "entity_type": e["entity_type"],
                "entity_id": str(e["entity_id"]),
                "action": e["action"],
                "field": e.get("field"),
                "before": to_json_text(e.get("before")),
                "after": to_json_text(e.get("after")),
            }
            for i, e in enumerate(entries)
        ]
        rows = chain_rows(rows, prev_hash)
        session.execute(AUDIT_TABLE.insert(), rows)  # Core executemany: no ORM bookkeeping

    def _audit_tail(self, session: Session) -> tuple[int, str]:
        """(next id, hash of the last row), read under the writer's lock: SQLite's
        `BEGIN IMMEDIATE`, or an advisory lock on PostgreSQL, so the chain never forks."""
        if self.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
        tail = session.execute(
            select(AuditRow.id, AuditRow.row_hash).order_by(AuditRow.id.desc()).limit(1)
        ).first()
        if tail is None:
            return 1, GENESIS
        return tail.id + 1, tail.row_hash or GENESIS

    def verify_audit(self) -> tuple[int, tuple[int, str] | None]:
        """Recompute the audit log's hash chain: (rows checked, (id, why) of the first
        broken row or None)."""
        columns = [c for c in AUDIT_TABLE.c]
        count = 0

        def rows() -> Iterator[dict[str, Any]]:
            nonlocal count
            with self.session(readonly=True) as s:
                result = s.execute(select(*columns).order_by(AuditRow.id)).mappings()
                for row in result.yield_per(1000):
                    count += 1
                    yield dict(row)

        broken = first_break(rows())
        return count, broken

    # -- users and roles -------------------------------------------------------------

    def act_as(self, actor: str, requested: str | None = None) -> str:
        """The user this process acts as: `actor` (the OS identity), or `requested` when
        `actor` is an admin of the store. Both are then written to every audit row."""
        actor = users.valid_user_name(actor, "os user")
        if requested is None or requested == actor:
            self.actor = actor
            return actor
        requested = users.valid_user_name(requested, "user")
        with self.session(readonly=True) as s:
            role = users.role_of(s, actor)
        if role != "admin":
            raise users.AccessDenied(
                f"{actor} may not act as {requested}: only an admin may use --user or "
                "$CFTWATCH_USER for another user"
            )
        self.actor = actor
        return requested

    def require_role(
        self, user: str, needed: str, what: str, *, session: Session | None = None
    ) -> None:
        """Refuse (`AccessDenied`) unless `user` holds `needed` or a higher role."""
        if session is not None:
            users.check_role(session, user, needed, what)
            return
        with self.session(readonly=True) as s:
            users.check_role(s, user, needed, what)

    def add_user(self, name: str, role: str, by: str) -> users.UserRecord:
        """Add a user (or change their role). On a store with no admin, `by` becomes the
        first admin; otherwise only an admin may add users."""
        name = users.valid_user_name(name, "name")
        by = users.valid_user_name(by, "os user")
        if role not in ROLES:
            raise InputError.at(f"role must be one of {', '.join(ROLES)}", field="role", value=role)
        with self.session() as s:
            now = utcnow()
            if users.admin_count(s) == 0:
                if name == by and role != "admin":
                    raise InputError.at(
                        "this store has no admin yet: add yourself first with --role admin",
                        field="role",
                        value=role,
                    )
                if name != by:
                    self._put_user(s, by, "admin", by, now)
            else:
                users.check_role(s, by, "admin", "adding users")
            record = self._put_user(s, name, role, by, now)
            if users.admin_count(s) == 0:
                raise InputError.at("the store would have no admin left", field="role", value=role)
            return record

    def _put_user(
        self, s: Session, name: str, role: str, by: str, now: dt.datetime
    ) -> users.UserRecord:
        row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
        before = None if row is None else row.role
        if row is None:
            row = UserRow(
                name=name, role=role, created_at=now, created_by=by, updated_at=now, updated_by=by
            )
            s.add(row)
        else:
            row.role, row.updated_at, row.updated_by = role, now, by
        s.flush()
        if before != role:
            self.write_audit(
                s,
                [
                    {
                        "entity_type": "user",
                        "entity_id": name,
                        "action": "create" if before is None else "update",
                        "field": "role",
                        "before": before,
                        "after": role,
                    }
                ],
                user=by,
                at=now,
            )
        return users.UserRecord.model_validate(row)

    def users(self) -> list[users.UserRecord]:
        with self.session(readonly=True) as s:
            rows = s.scalars(select(UserRow).order_by(UserRow.name))
            return [users.UserRecord.model_validate(r) for r in rows]

    def audit_entries(
        self,
        *,
        case_id: str | int | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
    ) -> list[AuditEntry]:
        """The audit log, oldest first, optionally for one case or one entity."""
        stmt = select(AuditRow).order_by(AuditRow.id)
        if case_id is not None:
            stmt = stmt.where(AuditRow.case_id == parse_case_id(case_id))
        if entity_type is not None:
            stmt = stmt.where(AuditRow.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditRow.entity_id == entity_id)
        with self.session(readonly=True) as s:
            return [AuditEntry.model_validate(r) for r in s.scalars(stmt)]

    # -- judgement memory (screening reuses these) -----------------------------------

    def record_judgement(
        self,
        party_key: str,
        entity_id: str,
        verdict: Verdict,
        user: str,
        entity_fingerprint: str,
        note: str | None = None,
        *,
        case_id: str | int | None = None,
        session: Session | None = None,
    ) -> Judgement:
        """Record an analyst's verdict on a (party, list entity) pair. The previous verdict
        on the pair (if any) stays in the table, superseded; the audit log gets the change."""
        _require_text(party_key=party_key, entity_id=entity_id, user=user)
        _require_text(entity_fingerprint=entity_fingerprint)
        if verdict not in VERDICTS:
            raise InputError.at(
                f"verdict must be one of {', '.join(VERDICTS)}", field="verdict", value=verdict
            )
        if session is None:
            with self.session() as s:
                return self.record_judgement(
                    party_key,
                    entity_id,
                    verdict,
                    user,
                    entity_fingerprint,
                    note,
                    case_id=case_id,
                    session=s,
                )
        users.check_role(session, user, "analyst", "judging a match")
        case_number = None if case_id is None else parse_case_id(case_id)
        if case_number is not None and session.get(CaseRow, case_number) is None:
            raise NotFoundError(f"no case {format_case_id(case_number)}")
        previous = session.scalars(
            select(JudgementRow)
            .where(JudgementRow.party_key == party_key, JudgementRow.entity_id == entity_id)
            .order_by(JudgementRow.id.desc())
            .limit(1)
        ).first()
        row = JudgementRow(
            party_key=party_key,
            entity_id=entity_id,
            verdict=verdict,
            entity_fingerprint=entity_fingerprint,
            user=user,
            note=note,
            case_id=case_number,
            supersedes_id=previous.id if previous else None,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        self.write_audit(session, [_judgement_audit(previous, row)], user=user, at=row.created_at)
        return Judgement.model_validate(row)

    def latest_judgements(
        self, party_keys: Iterable[str] | None = None
    ) -> dict[tuple[str, str], Judgement]:
        """The newest judgement per (party_key, entity_id), for all parties or the ones given."""
        keys = None if party_keys is None else list(dict.fromkeys(party_keys))
        if keys is not None and not keys:
            return {}
        chunks: list[list[str] | None] = (
            [None] if keys is None else [list(c) for c in in_chunks(keys)]
        )
        out: dict[tuple[str, str], Judgement] = {}
        with self.session(readonly=True) as s:
            for chunk in chunks:
                newest = select(func.max(JudgementRow.id)).group_by(
                    JudgementRow.party_key, JudgementRow.entity_id
                )
                if chunk is not None:
                    newest = newest.where(JudgementRow.party_key.in_(chunk))
                for row in s.scalars(select(JudgementRow).where(JudgementRow.id.in_(newest))):
                    out[(row.party_key, row.entity_id)] = Judgement.model_validate(row)
        return out

    def judgement_history(self, party_key: str, entity_id: str) -> list[Judgement]:
        """Every judgement on a pair, oldest first (the last one is in force)."""
        with self.session(readonly=True) as s:
            rows = s.scalars(
                select(JudgementRow)
                .where(JudgementRow.party_key == party_key, JudgementRow.entity_id == entity_id)
                .order_by(JudgementRow.id)
            )
            return [Judgement.model_validate(r) for r in rows]

    # -- reports (written by the reporting stage) ------------------------------------

    def record_report(
        self,
        case_id: str | int,
        user: str,
        file_sha256: str,
        profile: str,
        *,
        report_code: str | None = None,
        path: str | None = None,
    ) -> ReportRecord:
        """Remember that a report file was written for a case (hash, FIU profile, where)."""
        _require_text(user=user, file_sha256=file_sha256, profile=profile)
        number = parse_case_id(case_id)
        with self.session() as s:
            if s.get(CaseRow, number) is None:
                raise NotFoundError(f"no case {format_case_id(number)}")
            row = ReportRow(
                case_id=number,
                file_sha256=file_sha256,
                profile=profile,
                report_code=report_code,
                path=path,
                created_at=utcnow(),
                created_by=user,
            )
            s.add(row)
            s.flush()
            record = ReportRecord.model_validate(row)
            self.write_audit(
                s,
                [
                    {
                        "case_id": number,
                        "entity_type": "report",
                        "entity_id": str(row.id),
                        "action": "create",
                        "after": record.to_json(),
                    }
                ],
                user=user,
                at=row.created_at,
            )
            return record

    def reports(self, case_id: str | int | None = None) -> list[ReportRecord]:
        stmt = select(ReportRow).order_by(ReportRow.id)
        if case_id is not None:
            stmt = stmt.where(ReportRow.case_id == parse_case_id(case_id))
        with self.session(readonly=True) as s:
            return [ReportRecord.model_validate(r) for r in s.scalars(stmt)]


def _judgement_audit(previous: JudgementRow | None, row: JudgementRow) -> dict[str, Any]:
    """The audit row of a judgement: the pair's previous verdict (if any) → the new one."""
    return {
        "case_id": row.case_id,
        "entity_type": "match_judgement",
        "entity_id": f"{row.party_key}|{row.entity_id}",
        "action": "judge",
        "field": "verdict",
        "before": None
        if previous is None
        else {
            "id": previous.id,
            "verdict": previous.verdict,
            "entity_fingerprint": previous.entity_fingerprint,
        },
        "after": {
            "id": row.id,
            "verdict": row.verdict,
            "entity_fingerprint": row.entity_fingerprint,
            "note": row.note,
        },
    }


def _require_text(**values: str) -> None:
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError.at("must be a non-empty string", field=name, value=value)
