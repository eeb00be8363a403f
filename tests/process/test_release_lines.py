"""The release-line policy: which lines get a fix, and what each case sets in motion."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vulndesk.process.release_lines import (
    Case,
    Line,
    PatchRelease,
    Status,
    next_patch,
    plan_release,
    supported_lines,
)

EMISSARY = [
    Line("1.11", Status.SUPPORTED, "1.11.4"),
    Line("1.12", Status.SUPPORTED, "1.12.6"),
    Line("1.13", Status.SUPPORTED, "1.13.9"),
    Line("master", Status.DEVELOPMENT),
]


def test_emi_16_latest_minor_supports_only_the_highest_line() -> None:
    assert supported_lines(EMISSARY, "latest_minor") == ["1.13"]
    # Numbers, not text: 1.9 is older than 1.10.
    lines = [Line("1.9", Status.SUPPORTED), Line("1.10", Status.SUPPORTED)]
    assert supported_lines(lines, "latest_minor") == ["1.10"]


def test_latest_minors_supports_the_highest_n() -> None:
    assert supported_lines(EMISSARY, "latest_minors", count=2) == ["1.13", "1.12"]


def test_oedx_23_latest_named_supports_the_release_added_last() -> None:
    lines = [
        Line("open-release/palm.master", Status.SUPPORTED),
        Line("open-release/quince.master", Status.SUPPORTED),
        Line("master", Status.DEVELOPMENT),
    ]
    assert supported_lines(lines, "latest_named") == ["open-release/quince.master"]


def test_explicit_or_no_rule_takes_the_lines_the_project_marked() -> None:
    lines = [Line("5.0", Status.SUPPORTED), Line("4.0", Status.UNSUPPORTED)]
    assert supported_lines(lines, "explicit") == ["5.0"]
    assert supported_lines(lines, None) == ["5.0"]


def test_emi_17_a_supported_line_gets_the_next_patch_release_and_the_fix_on_master() -> None:
    plan = plan_release(EMISSARY, ["1.13", "master"], rule="latest_minor")
    assert plan.case is Case.SUPPORTED
    assert plan.patch_releases == (PatchRelease("1.13", "1.13.9", "1.13.10"),)
    assert plan.fix_on_development
    assert plan.fix_issued
    assert not plan.courtesy_notice
    assert any("EMI-17" in reason for reason in plan.reasons)


def test_emi_19_a_supported_fix_is_a_release_blocker() -> None:
    plan = plan_release(EMISSARY, ["1.13"], rule="latest_minor")
    assert plan.release_blocker
    assert any("EMI-19" in reason for reason in plan.reasons)


def test_vit_5_every_affected_supported_line_gets_its_patch_and_unsupported_ones_none() -> None:
    plan = plan_release(EMISSARY, ["1.11", "1.12", "1.13"], rule="latest_minors", count=2)
    assert [patch.version for patch in plan.patch_releases] == ["1.12.7", "1.13.10"]
    assert any("also affected but unsupported: 1.11" in reason for reason in plan.reasons)


def test_emi_18_vit_10_master_only_lands_on_master_with_a_courtesy_notice() -> None:
    plan = plan_release(EMISSARY, ["master"], rule="latest_minor")
    assert plan.case is Case.DEVELOPMENT_ONLY
    assert plan.patch_releases == ()
    assert plan.fix_on_development
    assert not plan.release_blocker
    assert plan.courtesy_notice  # VIT-11
    assert any("EMI-18, VIT-10" in reason for reason in plan.reasons)


def test_emi_20_vit_12_unsupported_only_means_no_fix_and_an_upgrade_notice() -> None:
    plan = plan_release(EMISSARY, ["1.11"], rule="latest_minor")
    assert plan.case is Case.UNSUPPORTED_ONLY
    assert plan.patch_releases == ()
    assert not plan.fix_issued
    assert not plan.release_blocker
    assert plan.upgrade_notice  # VIT-13
    assert plan.cve_warranted is None  # EMI-21: no threshold in the document


def test_vit_12_an_exception_issues_a_fix_with_its_reason_on_record() -> None:
    plan = plan_release(
        EMISSARY, ["1.11"], rule="latest_minor", exception_reason="actively exploited"
    )
    assert plan.fix_issued
    assert any("exception" in reason and "actively exploited" in reason for reason in plan.reasons)


@pytest.mark.parametrize(("score", "warranted"), [(7.0, True), (6.9, False), (None, None)])
def test_emi_21_a_cve_for_unsupported_only_follows_the_policys_threshold(
    score: float | None, warranted: bool | None
) -> None:
    plan = plan_release(EMISSARY, ["1.12"], rule="latest_minor", cvss_score=score, cve_at_least=7.0)
    assert plan.cve_warranted is warranted


def test_nothing_affected_yet_says_what_to_record() -> None:
    plan = plan_release(EMISSARY, [], rule="latest_minor")
    assert plan.case is Case.NOTHING_AFFECTED
    assert "add the affects" in plan.reasons[0]


def test_an_unknown_line_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"does not have: 2\.0"):
        plan_release(EMISSARY, ["2.0"], rule="latest_minor")


@pytest.mark.parametrize(
    ("version", "following"),
    [("1.13.9", "1.13.10"), ("v1.13.9", "v1.13.10"), ("2.5.0", "2.5.1"), ("7", "8"), ("x", "")],
)
def test_next_patch(version: str, following: str) -> None:
    assert next_patch(version) == following


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_the_next_patch_raises_only_the_last_number(major: int, minor: int, patch: int) -> None:
    assert next_patch(f"{major}.{minor}.{patch}") == f"{major}.{minor}.{patch + 1}"
