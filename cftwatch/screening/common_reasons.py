"""What the common-name cut of a score says, in the analyst's words (`score._common_name`),
and the two sentences `dates.common_name_by_birth_date` recognises."""

from __future__ import annotations

__all__ = ["COMMON_FULL_NAME", "COMMON_WHOLE_NAME", "common_name_reason"]


def common_name_reason(
    org_words: list[str],
    distinctive_missing: list[str],
    unexplained: list[str],
    bare: bool,
    listed_is_org: bool,
    full: bool,
) -> str:
    """Why `score._common_name` cuts the score, in the analyst's words."""
    if bare and not (distinctive_missing or unexplained):
        return (
            f"only common name parts matched; the query has none of the listed "
            f"organisation's words ({', '.join(org_words)})"
        )
    if distinctive_missing:
        return (
            f"only common name parts matched; the listed name also has "
            f"{', '.join(distinctive_missing)}"
        )
    if listed_is_org:
        return (
            f"only common name parts matched; the query's {', '.join(unexplained)} "
            "is not in the listed name"
        )
    if full:
        # the listed name itself, but one shared by many: `confirm_common_name` lifts it
        # where the birth date agrees
        return COMMON_FULL_NAME
    return (
        "a name made only of common parts needs a father's name or identifier to "
        "agree (a date of birth alone adds too little)"
    )


#: Why an exact listed name of common parts is capped (`dates.common_name_by_birth_date`
#: reads it: an agreeing birth date lifts it).
COMMON_FULL_NAME = (
    "the listed name in full, but made only of common parts: it needs a birth date, "
    "father's name or identifier that agrees"
)
#: ... and why such a name with something beyond two common parts is not (a contradicting
#: birth date caps it).
COMMON_WHOLE_NAME = (
    "the listed person's whole name, though of common parts: a birth date that "
    "contradicts the listed one would clear it"
)
