"""Each preset holds the numbers and rules its source document states, and nothing more.

The documents are not shipped with vulndesk, so the sentences the timeline steps quote are
written out here as literals, checked by hand against shared/seeds/.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from vulndesk.process.deadlines import Deadline, Miss, ReportFacts, compute_deadlines
from vulndesk.process.policy import Policy, preset_names, resolve_policy
from vulndesk.process.severity import Severity, may_slow_down, release_kind, timelines_asap

SOURCES = {
    "openedx": "000_cf4c0a0988da3db6.txt",
    "folio": "001_aa28b52d3c3d2702.txt",
    "envoy": "002_3f3ef52d2b5b8e6d.txt",
    "vitess": "003_65b476d2a9b728de.txt",
    "karmada": "004_926371d3bc2c087d.txt",
}
# RULES.md section 6: how many rules (and open questions) each document has.
RULE_COUNTS = {"OEDX-": 24, "FOLIO-": 36, "FOLIO-Q": 14, "EMI-": 49, "VIT-": 28, "KAR-": 46}
RULE_ID = re.compile(r"^(OEDX|FOLIO|EMI|VIT|KAR)-(Q?)(\d+)$")
PREFIX_OF = {"openedx": "OEDX", "folio": "FOLIO", "envoy": "EMI", "vitess": "VIT", "karmada": "KAR"}

# The document sentence each step quotes, copied by hand from the source document.
QUOTES = {
    ("envoy", "fix_team_formed"): (
        "These steps should be completed within the first 24 hours of disclosure."
    ),
    (
        "envoy",
        "fix_developed",
    ): "These steps should be completed within the 1-7 days of Disclosure.",
    ("envoy", "forthcoming_fix_announced"): (
        "Disclosure of Forthcoming Fix to Users (Completed within 1-7 days of Disclosure)"
    ),
    ("envoy", "fix_released"): "Fix Release Day (Completed within 1-21 days of Disclosure)",
    ("envoy", "retrospective_sent"): (
        "These steps should be completed 1-3 days after the Release Date."
    ),
    ("vitess", "fix_developed"): (
        "These steps should be completed within the 1-7 days of Disclosure."
    ),
    ("vitess", "forthcoming_fix_announced"): (
        "**Disclosure of Forthcoming Fix to Users** (Completed within 1-7 days of Disclosure)"
    ),
    ("karmada", "fix_developed"): (
        "This part should be completed within the 1-7 days of Disclosure."
    ),
    ("karmada", "distributor_advance_notice"): (
        "The Private Distributors List will be given advance notification of any vulnerability "
        "that is assigned a CVE, at least 7 days before the planned public disclosure date."
    ),
    ("karmada", "distributor_release_notice"): (
        "The Private Distributors List will be notified at least 24 hours in advance of a pending "
        "release containing security vulnerability fixes with the public messaging, date, and "
        "time of the announcement."
    ),
    ("openedx", "security_announcement_posted"): (
        "Post a Security Announcement 2 business days before merging that you will be merging a "
        "security fix and the level of importance of the fix (Example text below, update the "
        "date, severity level and second link.)"
    ),
}

NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


def rule_ids(data: Any) -> Iterator[str]:
    """Every ID in every `rules:` list, however deep."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "rules":
                yield from value
            else:
                yield from rule_ids(value)
    elif isinstance(data, list):
        for item in data:
            yield from rule_ids(item)


def offsets(policy: Policy) -> list[tuple[str, str, str, timedelta | int | None, str]]:
    return [
        (r.name, r.direction, r.anchor, r.within or r.business_days, r.rule_id)
        for r in policy.deadline_rules()
    ]


def deadlines(policy: Policy, now: datetime, **facts: Any) -> dict[str, Deadline]:
    computed = compute_deadlines(
        policy.deadline_rules(),
        ReportFacts(**facts),
        policy.calendar.business_calendar(),
        now,
        asap_if_cvss_at_least=policy.public_disclosure.asap_if_cvss_at_least,
    )
    return {deadline.rule.name: deadline for deadline in computed}


# Every preset


def test_there_is_one_preset_per_source_document() -> None:
    assert preset_names() == sorted(SOURCES)
    for name, source in SOURCES.items():
        assert resolve_policy(name).source == source


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_rule_id_exists_in_RULES_md_and_belongs_to_its_document(name: str) -> None:
    ids = list(rule_ids(resolve_policy(name).model_dump(mode="json")))
    assert ids, f"{name} names no rules"
    for rule in ids:
        match = RULE_ID.match(rule)
        assert match, rule
        assert match[1] == PREFIX_OF[name], f"{name} cites another document's rule {rule}"
        assert 1 <= int(match[3]) <= RULE_COUNTS[f"{match[1]}-{match[2]}"], rule


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_step_quotes_its_document_word_for_word(name: str) -> None:
    policy = resolve_policy(name)
    quoted = {(name, rule.name): rule.quote for rule in policy.deadline_rules()}
    assert quoted == {key: quote for key, quote in QUOTES.items() if key[0] == name}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_step_and_section_without_a_number_says_why(name: str) -> None:
    policy = resolve_policy(name)
    if policy.supported_releases.rule is None:
        assert policy.supported_releases.note
    if policy.public_disclosure.asap_if_cvss_at_least is None:
        assert policy.public_disclosure.note
    if policy.team.inactivity.after is None:
        assert policy.team.inactivity.note
    assert policy.distributors.note
    assert policy.timeline.note or name == "envoy"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_preset_survives_a_round_trip_through_json(name: str) -> None:
    policy = resolve_policy(name)
    assert resolve_policy(name, policy.model_dump(mode="json")) == policy


# Emissary-ingress (002)


def test_emissary_timelines_EMI_27_EMI_30_EMI_37_EMI_40_EMI_46() -> None:
    assert offsets(resolve_policy("envoy")) == [
        ("fix_team_formed", "after", "disclosure", timedelta(hours=24), "EMI-27"),
        ("fix_developed", "after", "disclosure", timedelta(days=7), "EMI-30"),
        ("forthcoming_fix_announced", "after", "disclosure", timedelta(days=7), "EMI-37"),
        ("fix_released", "after", "disclosure", timedelta(days=21), "EMI-40"),
        ("retrospective_sent", "after", "release", timedelta(days=3), "EMI-46"),
    ]


def test_emissary_deadlines_fall_on_weekends_too_EMI_27_EMI_30_EMI_40() -> None:
    """The document counts calendar days: a Friday disclosure is due on the Saturday."""
    policy = resolve_policy("envoy")
    t0 = utc(2024, 3, 1, 10)
    due = {name: d.due_at for name, d in deadlines(policy, t0, anchors={"disclosure": t0}).items()}
    assert due["fix_team_formed"] == utc(2024, 3, 2, 10)
    assert due["fix_developed"] == utc(2024, 3, 8, 10)
    assert due["fix_released"] == utc(2024, 3, 22, 10)


def test_emissary_retrospective_is_due_1_to_3_days_after_release_EMI_46() -> None:
    policy = resolve_policy("envoy")
    release = utc(2024, 3, 22, 10)
    retro = deadlines(policy, release, anchors={"release": release})["retrospective_sent"]
    assert (retro.opens_at, retro.due_at) == (utc(2024, 3, 23, 10), utc(2024, 3, 25, 10))


def test_emissary_fix_team_slows_down_below_4_after_discussing_on_secalert_EMI_34_EMI_35() -> None:
    slow = resolve_policy("envoy").severity.slow_down
    assert (slow.cvss_below, slow.or_risk_low, slow.decided_by) == (4.0, False, "fix_team")
    assert slow.requires_discussion_on == "secalert mailing list"


def test_emissary_public_disclosure_at_cvss_4_makes_timelines_asap_EMI_14() -> None:
    policy = resolve_policy("envoy")
    assert policy.public_disclosure.asap_if_cvss_at_least == 4.0
    assert policy.public_disclosure.ask_reporter_to_go_private  # EMI-5
    t0 = utc(2024, 3, 1, 10)
    asap = deadlines(policy, t0, anchors={"disclosure": t0}, public_disclosure=t0, cvss_score=4.0)
    assert asap["fix_released"].due_at == t0
    normal = deadlines(policy, t0, anchors={"disclosure": t0}, public_disclosure=t0, cvss_score=3.9)
    assert normal["fix_released"].due_at == utc(2024, 3, 22, 10)


def test_emissary_round_robin_fix_lead_scores_latest_minor_is_supported_EMI_10_EMI_16() -> None:
    policy = resolve_policy("envoy")
    assert policy.team.roster == "maintainers"  # EMI-2
    assert policy.team.fix_lead.rotation == "round_robin"
    assert policy.severity.score_owner == "fix_lead"  # EMI-31
    assert policy.supported_releases.rule == "latest_minor"
    assert not policy.distributors.enabled


# Vitess (003)


def test_vitess_fix_and_forthcoming_fix_notice_within_7_days_and_nothing_else_VIT_15_VIT_21() -> (
    None
):
    """Vitess gives no release deadline and has no retrospective."""
    assert offsets(resolve_policy("vitess")) == [
        ("fix_developed", "after", "disclosure", timedelta(days=7), "VIT-15"),
        ("forthcoming_fix_announced", "after", "disclosure", timedelta(days=7), "VIT-21"),
    ]


def test_vitess_public_disclosure_at_cvss_4_makes_timelines_asap_VIT_8() -> None:
    policy = resolve_policy("vitess")
    t0 = utc(2024, 5, 6, 9)
    facts = {"anchors": {"disclosure": t0}, "public_disclosure": t0}
    assert deadlines(policy, t0, **facts, cvss_score=4.0)["fix_developed"].asap
    assert not deadlines(policy, t0, **facts, cvss_score=3.9)["fix_developed"].asap
    assert timelines_asap(True, 4.0, at_least=policy.public_disclosure.asap_if_cvss_at_least)


def test_vitess_maintainers_may_slow_down_below_4_without_a_list_discussion_VIT_19() -> None:
    slow = resolve_policy("vitess").severity.slow_down
    assert (slow.cvss_below, slow.decided_by, slow.requires_discussion_on) == (
        4.0,
        "maintainers",
        None,
    )
    assert may_slow_down(3.9, None, cvss_below=4.0, or_risk_low=slow.or_risk_low).allowed
    assert not may_slow_down(4.0, "low", cvss_below=4.0, or_risk_low=slow.or_risk_low).allowed


def test_vitess_gives_no_advance_notice_to_third_parties_VIT_27() -> None:
    policy = resolve_policy("vitess")
    assert not policy.distributors.enabled
    assert "third parties" in (policy.distributors.note or "")
    assert not any(r.name.startswith("distributor") for r in policy.deadline_rules())


def test_vitess_maintainers_volunteer_a_fix_lead_who_scores_VIT_1_VIT_3_VIT_4_VIT_16() -> None:
    policy = resolve_policy("vitess")
    assert policy.team.roster == "maintainers"
    assert policy.intake.already_public_alert == "cncf-vitess-maintainers@lists.cncf.io"
    assert policy.team.fix_lead.rotation == "volunteer"
    assert policy.severity.score_owner == "fix_lead"
    assert policy.calendar.timezone == "UTC"  # VIT-22: "YYYY-MM-DD HH:MM UTC"


def test_vitess_supported_branches_are_listed_explicitly_VIT_14() -> None:
    supported = resolve_policy("vitess").supported_releases
    assert supported.rule == "explicit"
    assert "Vitess 5" in (supported.note or "")


# Karmada (004)


def test_karmada_associates_serve_3_months_and_lead_only_public_or_low_KAR_3_KAR_4_KAR_10() -> None:
    team = resolve_policy("karmada").team
    assert team.roster == "explicit"
    assert team.associates.allowed
    assert team.associates.min_service == "P3M"
    assert team.associates.nominated_by == "maintainers"
    assert team.associates.may_lead == ["public", "low_sensitivity"]


def test_karmada_removal_after_2_months_by_super_majority_of_unstated_size_KAR_8_KAR_9() -> None:
    inactivity = resolve_policy("karmada").team.inactivity
    assert inactivity.after == "P2M"
    assert inactivity.removal_vote.kind == "super_majority"
    assert inactivity.removal_vote.threshold is None
    assert "not" in (inactivity.removal_vote.note or "")


def test_karmada_slows_down_below_4_or_at_low_assessed_risk_KAR_24() -> None:
    slow = resolve_policy("karmada").severity.slow_down
    assert (slow.cvss_below, slow.or_risk_low, slow.decided_by) == (4.0, True, "security_team")
    assert may_slow_down(5.0, "low", cvss_below=4.0, or_risk_low=True).allowed
    assert not may_slow_down(5.0, "moderate", cvss_below=4.0, or_risk_low=True).allowed


def test_karmada_semi_public_below_7_needs_a_no_harm_determination_KAR_25_KAR_27() -> None:
    semi = resolve_policy("karmada").severity.semi_public
    assert (semi.cvss_below, semi.requires_no_harm_determination) == (7.0, True)


def test_karmada_critical_and_high_ship_out_of_band_medium_and_low_next_patch_KAR_28_KAR_29() -> (
    None
):
    severity = resolve_policy("karmada").severity
    assert release_kind(Severity.CRITICAL, severity.release) == "out_of_band"
    assert release_kind(Severity.HIGH, severity.release) == "out_of_band"
    assert release_kind(Severity.MEDIUM, severity.release) == "next_patch"
    assert release_kind(Severity.LOW, severity.release) == "next_patch"
    assert severity.score_owner == "security_team"  # KAR-30
    assert resolve_policy("karmada").team.fix_lead.finalises_score is False


def test_karmada_timelines_fix_within_7_days_and_distributor_notices_KAR_20_KAR_33_KAR_43() -> None:
    assert offsets(resolve_policy("karmada")) == [
        ("fix_developed", "after", "disclosure", timedelta(days=7), "KAR-20"),
        ("distributor_advance_notice", "before", "public_disclosure", timedelta(days=7), "KAR-33"),
        ("distributor_release_notice", "before", "release", timedelta(hours=24), "KAR-43"),
    ]


def test_karmada_distributors_hear_7_to_28_days_before_disclosure_KAR_33_KAR_34() -> None:
    policy = resolve_policy("karmada")
    assert policy.distributors.requires_cve
    disclosure = utc(2024, 6, 30, 12)

    def notice(sent: datetime | None) -> Deadline:
        met = {"distributor_advance_notice": sent} if sent else {}
        return deadlines(
            policy, utc(2024, 6, 1), anchors={"public_disclosure": disclosure}, met=met
        )["distributor_advance_notice"]

    assert (notice(None).opens_at, notice(None).due_at) == (
        utc(2024, 6, 2, 12),
        utc(2024, 6, 23, 12),
    )
    assert notice(utc(2024, 6, 20)).miss is None
    assert notice(utc(2024, 6, 25)).miss is Miss.LATE
    assert notice(utc(2024, 5, 30)).miss is Miss.EARLY


def test_karmada_distributors_hear_24_hours_before_release_KAR_43() -> None:
    policy = resolve_policy("karmada")
    release = utc(2024, 6, 30, 12)
    notice = deadlines(policy, utc(2024, 6, 1), anchors={"release": release})
    assert notice["distributor_release_notice"].due_at == utc(2024, 6, 29, 12)


def test_karmada_distributors_apply_and_a_broken_embargo_means_release_asap_KAR_36_KAR_38() -> None:
    distributors = resolve_policy("karmada").distributors
    assert distributors.enabled
    assert distributors.list_name == "Private Distributors List"
    assert distributors.membership == "application"
    assert distributors.embargo_break_default == "release_asap"


def test_karmada_states_no_asap_threshold_for_public_reports_KAR_13_KAR_14_KAR_32() -> None:
    policy = resolve_policy("karmada")
    assert policy.public_disclosure.asap_if_cvss_at_least is None
    assert policy.public_disclosure.ask_reporter_to_go_private
    assert policy.intake.already_public_alert == "cncf-karmada-security@lists.cncf.io"
    t0 = utc(2024, 6, 3, 9)
    fix = deadlines(policy, t0, anchors={"disclosure": t0}, public_disclosure=t0, cvss_score=9.8)
    assert fix["fix_developed"].due_at == utc(2024, 6, 10, 9)
    assert not fix["fix_developed"].asap


# Open edX (000)


def test_openedx_announces_2_business_days_before_merging_OEDX_20() -> None:
    policy = resolve_policy("openedx")
    assert offsets(policy) == [
        ("security_announcement_posted", "before", "merge", 2, "OEDX-20"),
    ]
    assert policy.timeline.advisory is False  # merging is refused until then


def test_openedx_a_tuesday_merge_needs_friday_s_announcement_OEDX_20() -> None:
    policy = resolve_policy("openedx")
    merge = datetime(2023, 7, 25, 15, tzinfo=NEW_YORK)
    due = deadlines(policy, merge - timedelta(days=7), anchors={"merge": merge})
    assert due["security_announcement_posted"].due_at == datetime(2023, 7, 21, 15, tzinfo=NEW_YORK)


def test_openedx_supports_the_latest_named_release_OEDX_1_OEDX_3_OEDX_23_OEDX_24() -> None:
    policy = resolve_policy("openedx")
    assert policy.supported_releases.rule == "latest_named"
    assert policy.supported_releases.branch_pattern == "open-release/*.master"
    assert policy.intake.email == "security@openedx.org"
    assert policy.calendar.weekend == [5, 6]


def test_openedx_gives_no_other_numbers_OEDX_20() -> None:
    policy = resolve_policy("openedx")
    assert policy.public_disclosure.asap_if_cvss_at_least is None
    assert policy.severity.slow_down.cvss_below is None
    assert policy.severity.score_owner is None
    assert policy.team.fix_lead.rotation is None
    assert not policy.distributors.enabled
    assert "no fix-team" in (policy.timeline.note or "")


# FOLIO (001)


def test_folio_takes_reports_by_email_form_and_tracker_FOLIO_10_FOLIO_11() -> None:
    intake = resolve_policy("folio").intake
    assert intake.email == "security@folio.org"
    assert intake.channels == ["email", "web_form", "issue_tracker"]


def test_folio_triage_asks_the_questionnaire_FOLIO_1_FOLIO_16_FOLIO_19_to_FOLIO_24() -> None:
    assert set(resolve_policy("folio").triage.required_fields) == {
        "scope",
        "layer",
        "domain",
        "pii_exposed",
        "privilege_escalation",
        "affected_versions",
        "reproduced",
        "blast_radius",
    }


def test_folio_full_disclosure_is_public_after_a_released_fix_FOLIO_32_FOLIO_33() -> None:
    levels = {level.name: level for level in resolve_policy("folio").disclosure_levels}
    assert set(levels) == {"private", "public"}
    assert "Full disclosure" in levels["public"].definition
    assert "fix is released" in levels["public"].definition


def test_folio_leaves_its_open_questions_open_FOLIO_Q8_FOLIO_Q11_FOLIO_Q12() -> None:
    policy = resolve_policy("folio")
    assert policy.severity.risk_priority is None
    assert "FOLIO-Q8" in (policy.severity.note or "")
    assert policy.supported_releases.rule is None
    assert "FOLIO-Q11" in (policy.supported_releases.note or "")
    assert policy.timeline.steps == {}
    assert policy.deadline_rules() == []


def test_folio_trusted_list_is_on_but_has_no_rules_yet_FOLIO_6_FOLIO_14_FOLIO_Q13() -> None:
    distributors = resolve_policy("folio").distributors
    assert distributors.enabled
    assert distributors.membership is None  # FOLIO-Q3
    assert distributors.advance_notice is None
    assert "Likely" in (distributors.note or "")


def test_karmada_plans_remediation_after_acceptance_not_at_triage_KAR_22() -> None:
    """The document: "If the vulnerability is accepted, its remediation priority ... will be
    determined", so accepting does not wait for the plan."""
    triage = resolve_policy("karmada").triage
    assert triage.required_fields == []
    assert "after acceptance" in (triage.note or "")
