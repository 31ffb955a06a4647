"""What the per-account state holds: one `Leg` per payment per account it touches.

A payment from A to B is an outgoing leg in A's buffer and an incoming leg in B's. Time
is the payment's own time (seconds since the epoch, UTC), so replaying old payments or
rebuilding after a restart gives the same windows as the first time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Direction = Literal["in", "out"]


@dataclass(frozen=True, order=True)
class Leg:
    """One payment as one account saw it."""

    ts: float
    txn_id: str
    direction: Direction
    amount: Decimal
    counterparty: str
    channel: str

    @property
    def member(self) -> str:
        """Its identity inside one account's buffer (the same payment is stored once)."""
        return f"{self.direction}|{self.txn_id}"

    def encode(self) -> str:
        return json.dumps(
            [
                self.ts,
                self.txn_id,
                self.direction,
                str(self.amount),
                self.counterparty,
                self.channel,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str | bytes) -> Leg:
        ts, txn_id, direction, amount, counterparty, channel = json.loads(text)
        return cls(float(ts), txn_id, direction, Decimal(amount), counterparty, channel)


def _plain(amount: Decimal) -> Decimal:
    """The amount without trailing zeros (2500.00 and 2500.00000000 are one leg)."""
    normal = amount.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def legs_of(
    txn_id: str,
    ts: float,
    amount: Decimal,
    channel: str,
    debtor_account: str | None,
    creditor_account: str | None,
) -> list[tuple[str, Leg]]:
    """(account, leg) for each side of a payment that names an account."""
    out: list[tuple[str, Leg]] = []
    amount = _plain(amount)
    if debtor_account:
        out.append(
            (debtor_account, Leg(ts, txn_id, "out", amount, creditor_account or "", channel))
        )
    if creditor_account and creditor_account != debtor_account:
        out.append((creditor_account, Leg(ts, txn_id, "in", amount, debtor_account or "", channel)))
    return out
