"""The comparison of what was sent to distributors with what landed, by patch-id (EMI-42,
KAR-41): a cherry-pick matches, a changed commit, a missing one and an extra one are named."""

from __future__ import annotations

from vulndesk.process.integrity import Difference, PatchCommit, compare, compare_branches

FIX = PatchCommit("a" * 40, "Reject the crafted header", "p1" * 20)
TEST = PatchCommit("b" * 40, "Test the header", "p2" * 20)


def picked(commit: PatchCommit, sha: str) -> PatchCommit:
    return PatchCommit(sha * 40, commit.subject, commit.patch_id)


def test_the_same_changes_under_other_shas_match_EMI_42_KAR_41() -> None:
    assert compare([FIX, TEST], [picked(TEST, "d"), picked(FIX, "c")]) == []


def test_a_matching_patch_id_wins_over_a_reworded_subject() -> None:
    reworded = PatchCommit("c" * 40, "Reject the header (CVE-2026-1)", FIX.patch_id)
    assert compare([FIX], [reworded]) == []


def test_a_commit_changed_under_the_same_subject_is_flagged_as_changed_KAR_41() -> None:
    typo_fixed = PatchCommit("c" * 40, FIX.subject, "p9" * 20)
    [finding] = compare([FIX, TEST], [typo_fixed, picked(TEST, "d")])
    assert finding.kind is Difference.CHANGED
    assert (finding.sent, finding.landed) == (FIX, typo_fixed)
    text = finding.describe("release-1.13")
    assert text.startswith("release-1.13: 'Reject the crafted header' landed as cccccccccccc")
    assert "p9p9p9p9p9p9 instead of p1p1p1p1p1p1" in text


def test_a_commit_not_landed_is_missing_and_one_never_sent_is_extra_EMI_42() -> None:
    other = PatchCommit("e" * 40, "Bump the version", "p7" * 20)
    findings = compare([FIX, TEST], [picked(FIX, "c"), other])
    assert [(f.kind, f.subject) for f in findings] == [
        (Difference.MISSING, TEST.subject),
        (Difference.EXTRA, other.subject),
    ]
    assert findings[0].describe("main") == (
        "main: 'Test the header' (bbbbbbbbbbbb) was sent to distributors and has not landed"
    )
    assert findings[1].describe("main") == (
        "main: 'Bump the version' (eeeeeeeeeeee) landed but was not sent to distributors"
    )


def test_a_change_sent_twice_must_land_twice() -> None:
    again = PatchCommit("f" * 40, "Reject the crafted header again", FIX.patch_id)
    [finding] = compare([FIX, again], [picked(FIX, "c")])
    assert (finding.kind, finding.sent) == (Difference.MISSING, again)


def test_each_branch_is_compared_with_what_landed_on_it_and_a_bare_branch_misses_all() -> None:
    found = compare_branches({"main": [FIX], "release-1.13": [TEST]}, {"main": [picked(FIX, "c")]})
    assert found["main"] == []
    assert [f.kind for f in found["release-1.13"]] == [Difference.MISSING]
