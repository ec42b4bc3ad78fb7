"""National views of a population sharded across databases (SCALING.md): each database folds its own persons,
and the national answer is the sum of theirs. Every figure of a ledger answer is a sum over postings (balances by
account, debits, credits, the pooled-fund balance, the transfers in transit), so adding the parts' answers gives
what one database holding everyone would answer, exactly, in integer fen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_SUMMED = ("debits_fen", "credits_fen", "transfer_in_transit_fen", "pooled_fund_balance_fen")


def merge_ledgers(answers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One ledger answer (INTERCHANGE.md) from the same question asked of every part."""
    if not answers:
        raise ValueError("no ledger answers to merge")
    first = answers[0]
    for other in answers[1:]:
        if (other["unit"], other["as_of"], list(other["accounts"])) != (
            first["unit"],
            first["as_of"],
            list(first["accounts"]),
        ):
            raise ValueError("the parts answered different questions (unit, month or chart of accounts)")
    merged: dict[str, Any] = {"unit": first["unit"], "as_of": first["as_of"]}
    merged["accounts"] = {
        account: sum(answer["accounts"][account] for answer in answers) for account in first["accounts"]
    }
    for name in _SUMMED:
        merged[name] = sum(answer[name] for answer in answers)
    return {key: merged[key] for key in first}  # the parts' key order, as one database answers
