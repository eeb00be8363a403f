"""What each preset lets the team do with a report, by the rules of its document."""

import pytest

from vulndesk.process.handling import Handling, handling
from vulndesk.process.policy import resolve_policy
from vulndesk.process.severity import Severity, severity_for


def decide(
    preset: str, score: float | None, *, risk: str | None = None, public: bool = False
) -> Handling:
    severity = severity_for(score) if score is not None else None
    return handling(
        resolve_policy(preset), score=score, severity=severity, assessed_risk=risk, public=public
    )


@pytest.mark.parametrize("preset", ["envoy", "vitess"])
def test_emi_34_vit_19_a_slow_down_is_allowed_at_3_9_and_refused_at_4_0(preset: str) -> None:
    assert decide(preset, 3.9).slow_down.allowed
    refused = decide(preset, 4.0).slow_down
    assert not refused.allowed
    assert "4.0" in refused.reason


def test_kar_24_karmada_also_slows_down_a_low_risk_report_whatever_its_score() -> None:
    assert decide("karmada", 5.0, risk="low").slow_down.allowed
    assert not decide("karmada", 5.0, risk="moderate").slow_down.allowed


def test_open_edx_states_no_slow_down_rule_so_none_is_offered() -> None:
    decision = decide("openedx", 2.0).slow_down
    assert (decision.allowed, decision.reason) == (False, "this policy has no slow-down rule")


def test_kar_25_karmada_offers_a_semi_public_fix_below_7_only() -> None:
    assert decide("karmada", 6.9).semi_public.allowed
    assert not decide("karmada", 7.0).semi_public.allowed
    assert not decide("envoy", 3.0).semi_public.allowed  # Emissary has no semi-public mode


@pytest.mark.parametrize(
    ("score", "release"),
    [(9.8, "out_of_band"), (7.5, "out_of_band"), (5.0, "next_patch"), (2.0, "next_patch")],
)
def test_kar_28_29_karmada_releases_high_and_critical_out_of_band(
    score: float, release: str
) -> None:
    assert decide("karmada", score).release == release


def test_a_policy_that_does_not_tie_the_release_to_severity_says_nothing() -> None:
    assert decide("envoy", 9.8).release is None
    assert decide("karmada", None).release is None  # not scored yet


@pytest.mark.parametrize(
    ("preset", "asap"), [("envoy", True), ("vitess", True), ("karmada", False)]
)
def test_emi_14_vit_8_public_disclosure_at_cvss_4_makes_everything_asap(
    preset: str, asap: bool
) -> None:
    assert decide(preset, 4.0, public=True).asap is asap
    assert decide(preset, 3.9, public=True).asap is False
    assert decide(preset, 9.0, public=False).asap is False


def test_the_security_team_s_severity_drives_the_release_kind_kar_30() -> None:
    policy = resolve_policy("karmada")
    reclassified = handling(
        policy, score=9.8, severity=Severity.MEDIUM, assessed_risk=None, public=False
    )
    assert reclassified.release == "next_patch"
