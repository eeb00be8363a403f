"""Release-day integrity: the commits that land must be the ones reviewed and sent to
distributors, "even for a typo in the CHANGELOG" (EMI-42, KAR-41).

Commits are compared by patch-id, which a cherry-pick or a merge keeps and any change to the
diff alters; the subject pairs a changed commit with the one it should have been.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class PatchCommit:
    sha: str
    subject: str
    patch_id: str  # `git patch-id --stable`; "" for a commit that changes nothing


class Difference(StrEnum):
    MISSING = "missing"  # sent to distributors, not landed
    CHANGED = "changed"  # landed under the same subject with a different change
    EXTRA = "extra"  # landed, never sent


@dataclass(frozen=True)
class Finding:
    kind: Difference
    sent: PatchCommit | None
    landed: PatchCommit | None

    @property
    def subject(self) -> str:
        commit = self.sent or self.landed
        assert commit is not None  # noqa: S101 - every finding has one or both
        return commit.subject

    def describe(self, branch: str) -> str:
        """One sentence naming the branch, the commit subject and what differs."""
        if self.kind is Difference.MISSING and self.sent is not None:
            return (
                f"{branch}: {self.subject!r} ({self.sent.sha[:12]}) was sent to distributors "
                "and has not landed"
            )
        if self.kind is Difference.CHANGED and self.sent is not None and self.landed is not None:
            return (
                f"{branch}: {self.subject!r} landed as {self.landed.sha[:12]} with changes "
                f"that differ from the commit sent to distributors ({self.sent.sha[:12]}): "
                f"patch-id {self.landed.patch_id[:12]} instead of {self.sent.patch_id[:12]}"
            )
        landed = self.landed.sha[:12] if self.landed else ""
        return f"{branch}: {self.subject!r} ({landed}) landed but was not sent to distributors"


def compare(sent: Sequence[PatchCommit], landed: Sequence[PatchCommit]) -> list[Finding]:
    """What differs between the commits sent and those landed on one branch.

    A landed commit with a sent commit's patch-id is that commit (whatever its sha or
    subject); of the rest, one with a sent commit's subject is that commit changed; any sent
    commit left is missing and any landed one left is extra. Sent order first, then extras.
    """
    unmatched_landed = list(landed)
    unmatched_sent = []
    for commit in sent:
        twin = next((c for c in unmatched_landed if c.patch_id == commit.patch_id), None)
        if twin is None:
            unmatched_sent.append(commit)
        else:
            unmatched_landed.remove(twin)
    findings = []
    for commit in unmatched_sent:
        same_subject = next((c for c in unmatched_landed if c.subject == commit.subject), None)
        if same_subject is None:
            findings.append(Finding(Difference.MISSING, commit, None))
        else:
            unmatched_landed.remove(same_subject)
            findings.append(Finding(Difference.CHANGED, commit, same_subject))
    findings += [Finding(Difference.EXTRA, None, commit) for commit in unmatched_landed]
    return findings


def compare_branches(
    sent: Mapping[str, Sequence[PatchCommit]], landed: Mapping[str, Sequence[PatchCommit]]
) -> dict[str, list[Finding]]:
    """`compare` for each branch the fix was sent for; a branch with nothing landed on it
    has every sent commit missing."""
    return {branch: compare(commits, landed.get(branch, ())) for branch, commits in sent.items()}
