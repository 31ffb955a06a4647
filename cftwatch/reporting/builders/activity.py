"""`activity` (a SAR without transactions): the case subject as the first report party,
then every counterparty its transactions name."""

from __future__ import annotations

from cftwatch.reporting.builders.account import build_account
from cftwatch.reporting.builders.base import BuildContext, Origins, Row, client_flag
from cftwatch.reporting.builders.entity import build_person_or_entity, hold
from cftwatch.reporting.inputs import ReportCase
from cftwatch.reporting.model import Activity, ReportParty

SUBJECT_SIGNIFICANCE = 10
COUNTERPARTY_SIGNIFICANCE = 5

ORIGINS = Origins(
    element="activity",
    model=Activity,
    field="activity",
    source="the case subject and its counterparties",
    fields={},
)


def build_activity(
    ctx: BuildContext, rcase: ReportCase, rows: list[Row], reason: str | None
) -> Activity:
    """The subject (with the report's `reason`) and its counterparties, each once."""
    parties: list[ReportParty] = []
    subject = _subject_party(ctx, rcase, "activity.report_parties[0]")
    if subject is not None:
        subject.significance = SUBJECT_SIGNIFICANCE
        subject.reason = reason
        parties.append(subject)
    else:
        ctx.notes["activity"] = f"case {rcase.case_id} has no subject that can be reported"
    seen = {subject.party_id} if subject is not None and subject.party_id else set()
    for row in rows:
        for role in ("debtor", "creditor"):
            pid = row.get(f"{role}_id")
            if not pid or pid in seen or pid == rcase.subject_id:
                continue
            seen.add(pid)
            party = ctx.party(pid)
            rp = ReportParty(
                party_id=pid,
                significance=COUNTERPARTY_SIGNIFICANCE,
                reason="Counterparty of the subject",
            )
            path = f"activity.report_parties[{len(parties)}]"
            my_client = client_flag(ctx, path, party, bool(party and party.get("is_customer")))
            hold(rp, build_person_or_entity(ctx, path, party, row.get(f"{role}_name"), my_client))
            parties.append(rp)
    return Activity(report_parties=parties)


def _subject_party(ctx: BuildContext, rcase: ReportCase, path: str) -> ReportParty | None:
    sid = rcase.subject_id
    if not sid:
        return None
    if rcase.subject_type == "account":
        account_row = ctx.account(sid)
        holder = ctx.party((account_row or {}).get("party_id"))
        my_client = client_flag(
            ctx,
            path,
            holder,
            bool(account_row and account_row.get("is_own"))
            or bool(holder and holder.get("is_customer")),
        )
        account = build_account(
            ctx,
            f"{path}.account",
            sid,
            account_row=account_row,
            holder=holder,
            name=rcase.subject_name,
            my_client=my_client,
            agent=None,
            currency=ctx.local,
        )
        return ReportParty(party_id=(holder or {}).get("party_id"), account=account)
    party = ctx.party(sid)
    rp = ReportParty(party_id=sid)
    my_client = client_flag(ctx, path, party, bool(party and party.get("is_customer")))
    hold(rp, build_person_or_entity(ctx, path, party, rcase.subject_name, my_client))
    return rp
