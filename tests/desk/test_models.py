"""Single-object logic on the models: keys, triage answers, team membership, policy."""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import get_args

import pytest
from django.db import IntegrityError, models
from django.utils import timezone

from tests.desk.factories import (
    FOLIO_TRIAGE_ANSWERS,
    make_member,
    make_project,
    make_report,
    make_user,
)
from vulndesk.desk.models import (
    AssessedRiskChoices,
    CvssVersionChoices,
    DeadlinePause,
    DisclosureLevelChoices,
    DomainChoices,
    EvidenceChoices,
    LayerChoices,
    Report,
    ScopeChoices,
    SeverityChoices,
    StateChoices,
    TeamMember,
    TeamRole,
)
from vulndesk.process import lifecycle, severity
from vulndesk.process.deadlines import Status


@pytest.mark.parametrize(
    ("choices", "enum"),
    [
        (StateChoices, lifecycle.State),
        (DisclosureLevelChoices, lifecycle.DisclosureLevel),
        (ScopeChoices, lifecycle.Scope),
        (LayerChoices, lifecycle.Layer),
        (DomainChoices, lifecycle.Domain),
        (EvidenceChoices, lifecycle.Evidence),
        (SeverityChoices, severity.Severity),
        (AssessedRiskChoices, severity.AssessedRisk),
    ],
)
def test_model_choices_mirror_the_pure_enums(
    choices: type[models.TextChoices], enum: type[StrEnum]
) -> None:
    assert list(choices.values) == [member.value for member in enum]


def test_cvss_version_choices_mirror_the_versions_score_returns() -> None:
    assert list(CvssVersionChoices.values) == list(get_args(severity.CvssVersion))


@pytest.mark.django_db
def test_a_report_key_is_the_project_slug_and_its_number() -> None:
    project = make_project("emissary", preset="envoy")
    make_report(project)
    assert make_report(project).key == "EMISSARY-2"


@pytest.mark.django_db
def test_report_numbers_are_unique_per_project() -> None:
    report = make_report(make_project())
    with pytest.raises(IntegrityError):
        Report.objects.create(project=report.project, number=report.number, title="again")


@pytest.mark.django_db
def test_a_complete_questionnaire_answers_every_triage_field() -> None:
    report = make_report(make_project(), **FOLIO_TRIAGE_ANSWERS)
    assert report.triage_filled() == frozenset(lifecycle.TRIAGE_FIELDS)
    assert make_report(report.project).triage_filled() == frozenset()


@pytest.mark.django_db
def test_folio_16_reproduced_needs_both_the_yes_no_and_the_how() -> None:
    project = make_project()
    assert "reproduced" not in make_report(project, reproduced=True).triage_filled()
    assert "reproduced" not in make_report(project, evidence="poc").triage_filled()
    # FOLIO-17: not reproduced, but a code review confirmed it — a complete answer.
    confirmed = make_report(project, reproduced=False, evidence="code_review")
    assert "reproduced" in confirmed.triage_filled()


@pytest.mark.django_db
def test_blank_text_answers_do_not_count() -> None:
    report = make_report(make_project(), affected_versions="  ", blast_radius="\n")
    assert report.triage_filled() == frozenset()


@pytest.mark.django_db
def test_kar_30_the_security_team_override_wins_over_the_score() -> None:
    karmada = make_project("karmada")
    scored = make_report(karmada, severity="critical")
    overridden = make_report(karmada, severity="critical", severity_override="medium")
    assert scored.effective_severity is severity.Severity.CRITICAL
    assert overridden.effective_severity is severity.Severity.MEDIUM
    assert make_report(karmada).effective_severity is None


@pytest.mark.django_db
def test_a_project_policy_is_its_preset_with_its_overrides() -> None:
    project = make_project(
        "karmada", policy_overrides={"severity": {"semi_public": {"cvss_below": 6.0}}}
    )
    policy = project.policy()
    assert policy.preset == "karmada"
    assert policy.severity.semi_public.cvss_below == 6.0
    assert policy.severity.slow_down.cvss_below == 4.0


@pytest.mark.django_db
def test_only_current_security_team_members_count_as_the_security_team() -> None:
    folio = make_project()
    alice, bob, charlie = make_user("alice"), make_user("bob"), make_user("charlie")
    make_member(folio, alice, TeamRole.SECURITY_TEAM)
    make_member(folio, bob, TeamRole.MAINTAINER)
    gone = make_member(folio, charlie, TeamRole.SECURITY_TEAM)
    gone.left_at = timezone.now()
    gone.save()
    assert folio.is_security_team_member(alice)
    assert not folio.is_security_team_member(bob)
    assert not folio.is_security_team_member(charlie)
    assert not folio.is_security_team_member(None)


@pytest.mark.django_db
def test_emi_2_under_a_maintainers_roster_every_maintainer_is_on_the_security_team() -> None:
    emissary = make_project("emissary", preset="envoy")
    bob = make_user("bob")
    make_member(emissary, bob, TeamRole.MAINTAINER)
    assert emissary.is_security_team_member(bob)


@pytest.mark.django_db
def test_a_person_holds_a_role_once_at_a_time() -> None:
    folio, alice = make_project(), make_user("alice")
    make_member(folio, alice)
    with pytest.raises(IntegrityError):
        TeamMember.objects.create(project=folio, user=alice, role=TeamRole.SECURITY_TEAM)


@pytest.mark.django_db
def test_a_former_member_may_rejoin() -> None:
    folio, alice = make_project(), make_user("alice")
    first = make_member(folio, alice)
    first.left_at = timezone.now()
    first.save()
    make_member(folio, alice)
    assert folio.team_members.filter(user=alice).count() == 2


@pytest.mark.django_db
def test_a_deadline_row_tells_its_status_at_a_moment() -> None:
    t0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
    report = make_report(make_project("emissary", preset="envoy"))
    due = report.deadlines.get(name="fix_team_formed")
    due.due_at = t0
    assert due.status(t0) is Status.DUE
    assert due.status(t0 + timedelta(seconds=1)) is Status.OVERDUE
    DeadlinePause.objects.create(deadline=due, started_at=t0, reason="reporter asked for time")
    assert due.status(t0 + timedelta(days=3)) is Status.PAUSED
    due.met_at = t0
    assert due.status(t0) is Status.MET
    waiting = report.deadlines.get(name="retrospective_sent")  # follows the release: none yet
    assert waiting.status(t0) is Status.WAITING
