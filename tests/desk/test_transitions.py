"""Moving reports through the lifecycle with the transition service."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.desk.factories import FOLIO_TRIAGE_ANSWERS, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from vulndesk.desk.models import AuditEvent, Report
from vulndesk.desk.services import audit
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State, TransitionError

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> User:
    """Security Team member and Fix Lead."""
    return make_user("alice")


def snapshot(report: Report) -> tuple[str, int, int]:
    report.refresh_from_db()
    return report.state, report.version, AuditEvent.objects.count()


def set_fields(report: Report, **fields: object) -> None:
    """What the triage form and the release recorder (not written yet) will store."""
    Report.objects.filter(pk=report.pk).update(**fields)


def test_a_folio_report_goes_from_intake_to_closed_with_one_audit_event_per_step(
    alice: User, tmp_path: Path
) -> None:
    repository = released_repository(tmp_path / "folio", "v1.4.2")  # publishing checks the tag
    report = make_report(make_project(repository_url=f"file://{repository}"), actor=alice)
    steps: list[tuple[State, dict[str, object]]] = [
        (State.TRIAGING, {}),
        (State.ACCEPTED, FOLIO_TRIAGE_ANSWERS),
        (State.FIXING, {}),
        (State.FIX_READY, {}),
        (State.SCHEDULED, {"release_date": datetime(2024, 3, 22, 10, tzinfo=UTC)}),
        (
            State.RELEASED,
            {"fixed_version": "1.4.2", "fix_released_at": datetime(2024, 3, 22, 10, tzinfo=UTC)},
        ),
        (State.PUBLISHED, {}),
        (State.CLOSED, {}),
    ]
    for target, facts in steps:
        set_fields(report, **facts)
        before = AuditEvent.objects.count()
        moved = transition(report, target, actor=alice, reason=f"on to {target}")
        assert moved.state == target
        new_events = list(AuditEvent.objects.filter(seq__gt=before))
        assert len(new_events) == 1
        assert new_events[0].action == "report.transition"
        assert new_events[0].actor == alice
        assert new_events[0].report_id == report.pk
        report = moved
    report.refresh_from_db()
    assert report.version == 1 + len(steps)
    assert all(
        getattr(report, field) is not None
        for field in ("triage_started_at", "accepted_at", "fix_ready_at", "published_at")
    )
    assert report.closed_at == report.state_changed_at
    timeline = AuditEvent.objects.filter(report=report, action="report.transition")
    assert [(e.data["from"], e.data["to"]) for e in timeline.order_by("seq")][:2] == [
        ("received", "triaging"),
        ("triaging", "accepted"),
    ]
    assert audit.verify_chain() == []


def test_kar_16_an_invalid_transition_changes_nothing(alice: User) -> None:
    report = make_report(make_project())
    before = snapshot(report)
    with pytest.raises(TransitionError, match="cannot move from received to released"):
        transition(report, State.RELEASED, actor=alice)
    assert snapshot(report) == before


def test_folio_19_20_accepting_an_incomplete_triage_changes_nothing(alice: User) -> None:
    answers = {k: v for k, v in FOLIO_TRIAGE_ANSWERS.items() if k not in {"scope", "layer"}}
    report = make_report(make_project(), state=State.TRIAGING, **answers)
    before = snapshot(report)
    with pytest.raises(TransitionError) as caught:
        transition(report, "accepted", actor=alice)
    assert str(caught.value) == (
        "cannot accept: triage is missing scope, layer "
        "(required by this policy: FOLIO-19, FOLIO-20)"
    )
    assert snapshot(report) == before


def test_a_project_override_decides_which_triage_answers_acceptance_needs(alice: User) -> None:
    """KAR-22 as RULES.md reads it: a Karmada project that wants a remediation plan first."""
    karmada = make_project(
        "karmada", policy_overrides={"triage": {"required_fields": ["remediation_plan"]}}
    )
    report = make_report(karmada, state=State.TRIAGING)
    with pytest.raises(TransitionError, match=r"missing remediation_plan .*KAR-22"):
        transition(report, State.ACCEPTED, actor=alice)
    set_fields(report, remediation_plan="patch and release 1.10.1")
    assert transition(report, State.ACCEPTED, actor=alice).state == State.ACCEPTED


def test_folio_18_a_report_that_may_become_exploitable_is_not_rejected(alice: User) -> None:
    report = make_report(make_project(), state=State.TRIAGING, may_become_exploitable=True)
    with pytest.raises(TransitionError, match="FOLIO-18"):
        transition(report, State.REJECTED, actor=alice, reason="not exploitable today")
    assert snapshot(report)[0] == State.TRIAGING


def test_folio_34_a_release_needs_a_recorded_fix_release(alice: User) -> None:
    report = make_report(
        make_project(), state=State.SCHEDULED, release_date=datetime(2024, 3, 22, tzinfo=UTC)
    )
    with pytest.raises(TransitionError, match=r"fixed version and fix release date \(FOLIO-34\)"):
        transition(report, State.RELEASED, actor=alice)


def test_a_duplicate_points_at_the_original(alice: User) -> None:
    project = make_project()
    original = make_report(project)
    report = make_report(project, state=State.TRIAGING)
    with pytest.raises(TransitionError, match="say which report it duplicates"):
        transition(report, State.DUPLICATE, actor=alice)
    set_fields(report, duplicate_of=original)
    assert transition(report, State.DUPLICATE, actor=alice).duplicate_of == original


def test_a_rejected_report_reopens_into_triage(alice: User) -> None:
    report = make_report(make_project(), state=State.TRIAGING)
    rejected = transition(report, State.REJECTED, actor=alice, reason="works as designed")
    reopened = transition(rejected, State.TRIAGING, actor=alice, reason="new PoC from reporter")
    assert reopened.state == State.TRIAGING
    assert reopened.triage_started_at == reopened.state_changed_at
    event = AuditEvent.objects.order_by("seq").last()
    assert event is not None
    assert event.data == {"from": "rejected", "to": "triaging", "reason": "new PoC from reporter"}


def test_a_transition_from_a_stale_page_is_refused(alice: User) -> None:
    """Bob moved the report while Alice's page still showed version 1."""
    report = make_report(make_project())
    transition(report, State.TRIAGING, actor=make_user("bob"))
    before = snapshot(report)
    with pytest.raises(StaleReportError, match="FOLIO-1 was changed by someone else"):
        transition(report, State.TRIAGING, actor=alice, expected_version=1)
    assert snapshot(report) == before


def test_the_report_passed_in_is_left_as_it_was(alice: User) -> None:
    report = make_report(make_project())
    moved = transition(report, State.TRIAGING, actor=alice, expected_version=report.version)
    assert (report.state, report.version) == (State.RECEIVED, 1)
    assert (moved.state, moved.version) == (State.TRIAGING, 2)
