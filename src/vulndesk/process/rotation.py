"""Whose turn it is to be Fix Lead: round-robin across the team, passing over those who cannot.

EMI-10: with the team in order [A, B, C] and previous leads A then B, C is next and A after
that. A member on declared leave (KAR-7) or already leading as many open reports as their limit
is passed over, and so is an associate for a report they may not lead (KAR-10). The rotation
moves to the member chosen; those passed over wait for their next turn in order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

# (rotation_order, id): the order of the rotation, the id breaking ties between equal orders.
RotationKey = tuple[int, int]


class SkipReason(StrEnum):
    ON_LEAVE = "on leave"
    AT_LOAD_LIMIT = "at load limit"
    ASSOCIATE_NOT_ALLOWED = "associate not allowed"


@dataclass(frozen=True)
class Candidate:
    id: int
    rotation_order: int
    on_leave: bool = False
    open_reports: int = 0
    load_limit: int | None = None  # None: no limit
    associate: bool = False

    @property
    def key(self) -> RotationKey:
        return (self.rotation_order, self.id)

    def skip_reason(self, *, associates_may_lead: bool) -> SkipReason | None:
        if self.on_leave:
            return SkipReason.ON_LEAVE
        if self.load_limit is not None and self.open_reports >= self.load_limit:
            return SkipReason.AT_LOAD_LIMIT
        if self.associate and not associates_may_lead:
            return SkipReason.ASSOCIATE_NOT_ALLOWED
        return None


@dataclass(frozen=True)
class Skip:
    candidate: Candidate
    reason: SkipReason


@dataclass(frozen=True)
class Turn:
    """The member whose turn it is (None: nobody can lead now) and those passed over first."""

    lead: Candidate | None
    skipped: tuple[Skip, ...]


def in_turn_order(candidates: Sequence[Candidate], last: RotationKey | None) -> list[Candidate]:
    """Everyone, starting with the one after `last` and wrapping round.

    `last` is a key, not a member, so a last lead who has since left the team still marks where
    the rotation stands.
    """
    ordered = sorted(candidates, key=lambda candidate: candidate.key)
    if last is None:
        return ordered
    after = [candidate for candidate in ordered if candidate.key > last]
    return after + [candidate for candidate in ordered if candidate.key <= last]


def next_lead(
    candidates: Sequence[Candidate], last: RotationKey | None, *, associates_may_lead: bool
) -> Turn:
    """The next Fix Lead after `last` (the rotation's previous choice), and who is passed over."""
    skipped: list[Skip] = []
    for candidate in in_turn_order(candidates, last):
        reason = candidate.skip_reason(associates_may_lead=associates_may_lead)
        if reason is None:
            return Turn(lead=candidate, skipped=tuple(skipped))
        skipped.append(Skip(candidate, reason))
    return Turn(lead=None, skipped=tuple(skipped))


def associate_may_lead(
    may_lead: Collection[str], *, publicly_disclosed: bool, low_sensitivity: bool
) -> bool:
    """KAR-10: an associate leads only a report that is public or explicitly low sensitivity,
    as far as the policy's `team.associates.may_lead` allows."""
    return ("public" in may_lead and publicly_disclosed) or (
        "low_sensitivity" in may_lead and low_sensitivity
    )
