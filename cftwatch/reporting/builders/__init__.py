"""One builder per goAML element (report header, transaction, t_from/t_to, account,
person, entity, activity). Each module declares `ORIGINS`: the element it fills and the
canonical column or setting behind each field; `cftwatch.reporting.origins` assembles the
field-origin map from them."""

from __future__ import annotations

from cftwatch.reporting.builders import (
    account,
    activity,
    entity,
    header,
    party,
    person,
    transaction,
)
from cftwatch.reporting.builders.base import Origins

ALL_ORIGINS: tuple[Origins, ...] = (
    header.ORIGINS,
    transaction.ORIGINS,
    activity.ORIGINS,
    party.ORIGINS,
    account.ORIGINS,
    person.ORIGINS,
    entity.ORIGINS,
)
"""Every builder's declaration, report first."""

__all__ = ["ALL_ORIGINS", "Origins"]
