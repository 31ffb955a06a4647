"""Where each report field comes from, assembled from the builders' `ORIGINS`
declarations (so the map cannot drift from the code that fills the fields), and
`source_of_field`, which validation quotes beside each violation
(`transactions[3].from_party.account.signatories[0].person.birthdate` ←
`parties.birth_date (a full YYYY-MM-DD date)`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from cftwatch.reporting.builders import account, activity, entity, header, party, person
from cftwatch.reporting.builders import transaction as txn
from cftwatch.reporting.builders.base import Origins

_INDEX = re.compile(r"\[(\d+)\]")


def _merged(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One map from many declarations; a field two builders explain differently is a bug."""
    out: dict[str, str] = {}
    for name, source in pairs:
        if out.setdefault(name, source) != source:
            raise AssertionError(f"two origins for {name!r}: {out[name]!r} and {source!r}")
    return out


def _fields(*declared: Origins) -> list[tuple[str, str]]:
    return [pair for d in declared for pair in d.fields.items()]


def _as_children(*declared: Origins) -> list[tuple[str, str]]:
    """Each element as a field of its parent, with where the element as a whole comes from."""
    return [(d.field, d.source) for d in declared if d.field and d.source]


REPORT_ORIGINS: Mapping[str, str] = _merged(
    [*_fields(header.ORIGINS), *_as_children(txn.ORIGINS, activity.ORIGINS)]
)
"""A report's own fields (and its `transactions` and `activity`)."""

TRANSACTION_ORIGINS: Mapping[str, str] = _merged(_fields(txn.ORIGINS))
"""A transaction's own fields."""

_HOLDERS = (account.ORIGINS, person.ORIGINS, entity.ORIGINS)
PARTY_ORIGINS: Mapping[str, str] = _merged(
    [*_fields(party.ORIGINS, *_HOLDERS), *_as_children(*_HOLDERS)]
)
"""Fields of a transaction side and of the account, person and entity inside it, by leaf
name; `{role}` and `{side}` are templates."""


def source_of_field(field: str) -> str | None:
    """Where the builder took a model field from (a canonical column, the case, config)."""
    if not field:
        return None
    plain = _INDEX.sub("", field)
    head = plain.split(".", 1)[0]
    if head in ("reporting_person", "location"):
        return REPORT_ORIGINS[head] + (f" ({plain.split('.', 1)[1]})" if "." in plain else "")
    if head == "transactions":
        return _transaction_source(plain.split(".")[1:])
    if head == "activity":
        leaf = plain.split(".")[-1].split("|")[0]
        party_source = PARTY_ORIGINS.get(leaf)
        if party_source and leaf not in ("person", "entity"):
            return party_source.format(role="subject", side="from").replace(
                "transactions.subject_", "the case subject's "
            )
        return REPORT_ORIGINS["activity"]
    return REPORT_ORIGINS.get(head.split("|")[0])


def _transaction_source(rest: list[str]) -> str | None:
    if not rest:
        return REPORT_ORIGINS["transactions"]
    if rest[0] in ("from_party", "to_party"):
        side = "from" if rest[0] == "from_party" else "to"
        role = "debtor" if side == "from" else "creditor"
        leaf = rest[-1].split("|")[0] if len(rest) > 1 else "person"
        template = PARTY_ORIGINS.get(leaf, f"parties / accounts of transactions.{role}_id")
        return template.format(role=role, side=side)
    return TRANSACTION_ORIGINS.get(rest[0].split("|")[0])
