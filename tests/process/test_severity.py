"""CVSS scoring and the handling decisions that follow from a score."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vulndesk.process.severity import (
    CvssError,
    Decision,
    Score,
    Severity,
    may_fix_semi_publicly,
    may_slow_down,
    release_kind,
    score,
    severity_for,
    timelines_asap,
)

CRITICAL_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CRITICAL_40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
KARMADA_RELEASES = {
    Severity.CRITICAL: "out_of_band",
    Severity.HIGH: "out_of_band",
    Severity.MEDIUM: "next_patch",
    Severity.LOW: "next_patch",
}


def test_it_scores_a_cvss_31_vector() -> None:
    assert score(CRITICAL_31) == Score("3.1", CRITICAL_31, 9.8, Severity.CRITICAL)


def test_it_scores_a_cvss_40_vector() -> None:
    assert score(CRITICAL_40) == Score("4.0", CRITICAL_40, 9.3, Severity.CRITICAL)


def test_it_keeps_the_version_of_a_cvss_30_vector() -> None:
    result = score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N")
    assert (result.version, result.base_score, result.severity) == ("3.0", 6.5, Severity.MEDIUM)


def test_it_puts_the_metrics_in_canonical_order() -> None:
    shuffled = "  CVSS:3.1/C:H/AV:N/I:H/AC:L/A:H/PR:N/S:U/UI:N \n"
    assert score(shuffled).vector == CRITICAL_31


def test_a_bad_metric_value_names_the_metric_and_shows_a_valid_vector() -> None:
    with pytest.raises(CvssError) as caught:
        score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    message = str(caught.value)
    assert '"AV:X"' in message
    assert CRITICAL_31 in message


def test_a_missing_cvss_40_metric_is_named() -> None:
    with pytest.raises(CvssError, match=r"Missing mandatory metrics.*SA.*for example CVSS:4\.0/"):
        score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N")


@pytest.mark.parametrize("vector", ["", "   ", "AV:N/AC:L", "CVSS:2.0/AV:N", "cvss:3.1/AV:N"])
def test_an_unknown_prefix_lists_the_accepted_ones(vector: str) -> None:
    with pytest.raises(
        CvssError, match=r"must start with one of CVSS:3\.0/, CVSS:3\.1/, CVSS:4\.0/"
    ):
        score(vector)


@given(
    st.sampled_from(["CVSS:3.1/", "CVSS:4.0/"]),
    st.lists(st.sampled_from(["AV:N", "AC:L", "X", ":", "/", "AT:N", "E:X", "S:U", "C:H"])),
)
def test_any_malformed_vector_gives_a_cvss_error_not_a_crash(prefix: str, parts: list[str]) -> None:
    try:
        result = score(prefix + "/".join(parts))
    except CvssError:
        return
    assert 0.0 <= result.base_score <= 10.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, Severity.NONE),
        (0.1, Severity.LOW),
        (3.9, Severity.LOW),
        (4.0, Severity.MEDIUM),
        (6.9, Severity.MEDIUM),
        (7.0, Severity.HIGH),
        (8.9, Severity.HIGH),
        (9.0, Severity.CRITICAL),
        (10.0, Severity.CRITICAL),
    ],
)
def test_severity_bands_follow_cvss_v3(value: float, expected: Severity) -> None:
    """KAR-28/29 and OEDX-21 quote these bands."""
    assert severity_for(value) is expected


@pytest.mark.parametrize("value", [-0.1, 10.1])
def test_a_score_outside_0_to_10_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match=r"between 0\.0 and 10\.0"):
        severity_for(value)


def test_kar_24_slow_down_at_cvss_5_is_allowed_when_the_risk_is_low() -> None:
    decision = may_slow_down(5.0, "low", cvss_below=4.0, or_risk_low=True)
    assert decision == Decision(True, "the assessed risk is low (CVSS 5.0)")


def test_kar_24_slow_down_at_cvss_5_is_refused_when_the_risk_is_moderate() -> None:
    decision = may_slow_down(5.0, "moderate", cvss_below=4.0, or_risk_low=True)
    assert not decision.allowed
    assert decision.reason == (
        "a slow-down needs CVSS below 4.0 or a low assessed risk; "
        "CVSS 5.0 and the assessed risk is moderate"
    )


def test_emi_34_slow_down_is_allowed_at_3_9() -> None:
    decision = may_slow_down(3.9, None, cvss_below=4.0, or_risk_low=False)
    assert decision == Decision(True, "CVSS 3.9 is below the slow-down threshold 4.0")


def test_emi_34_slow_down_is_refused_at_4_0_even_with_low_risk() -> None:
    """Emissary's rule has no "or risk low" clause (RULES.md section 8, conflict 2)."""
    decision = may_slow_down(4.0, "low", cvss_below=4.0, or_risk_low=False)
    assert decision == Decision(False, "a slow-down needs CVSS below 4.0; CVSS 4.0")


def test_an_unscored_report_may_slow_down_only_on_low_risk() -> None:
    assert may_slow_down(None, "low", cvss_below=4.0, or_risk_low=True).allowed
    refused = may_slow_down(None, "", cvss_below=4.0, or_risk_low=True)
    assert refused.reason.endswith("the report has no CVSS score yet and no risk is assessed")


def test_kar_25_semi_public_fix_is_offered_below_7() -> None:
    assert may_fix_semi_publicly(6.9, cvss_below=7.0) == Decision(True, "CVSS 6.9 is below 7.0")


def test_kar_25_semi_public_fix_is_refused_at_7() -> None:
    decision = may_fix_semi_publicly(7.0, cvss_below=7.0)
    assert decision == Decision(
        False, "a semi-public fix needs CVSS below 7.0; this report has 7.0"
    )


def test_semi_public_fix_is_refused_unscored_or_where_the_policy_has_none() -> None:
    assert not may_fix_semi_publicly(None, cvss_below=7.0).allowed
    assert may_fix_semi_publicly(2.0, cvss_below=None) == Decision(
        False, "this policy does not offer a semi-public fix"
    )


@pytest.mark.parametrize(
    ("severity", "kind"),
    [
        (Severity.CRITICAL, "out_of_band"),
        (Severity.HIGH, "out_of_band"),
        (Severity.MEDIUM, "next_patch"),
        (Severity.LOW, "next_patch"),
    ],
)
def test_kar_28_29_severity_picks_the_release_kind(severity: Severity, kind: str) -> None:
    assert release_kind(severity, KARMADA_RELEASES) == kind


def test_a_severity_the_policy_leaves_open_gets_no_release_kind() -> None:
    """Emissary releases every supported-version fix as a patch (EMI-17), whatever the score."""
    assert release_kind(Severity.HIGH, {Severity.HIGH: None, Severity.MEDIUM: "next_patch"}) is None
    assert release_kind(None, KARMADA_RELEASES) is None  # not scored yet


@pytest.mark.parametrize(
    ("public", "value", "expected"),
    [(True, 4.0, True), (True, 3.9, False), (False, 9.8, False), (True, None, True)],
)
def test_emi_14_public_disclosure_at_cvss_4_makes_timelines_asap(
    public: bool, value: float | None, expected: bool
) -> None:
    assert timelines_asap(public, value, at_least=4.0) is expected


def test_without_a_threshold_public_disclosure_leaves_timelines_alone() -> None:
    assert timelines_asap(True, 9.8, at_least=None) is False
