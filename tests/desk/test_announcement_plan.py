"""The announcement planner's rules that the scenarios do not reach: the notice for unsupported
releases (VIT-13), a release announcement without fixed versions (FOLIO-36), and planning
twice."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.desk.factories import make_project, make_report
from vulndesk.desk.models import Affect, AffectStatus, AuditEvent, ReleaseLine, Report
from vulndesk.desk.services.announcements import plan_announcements
from vulndesk.notify.announcements import check
from vulndesk.notify.models import MAX_ATTEMPTS, OutboundEmail
from vulndesk.notify.outbox import AnnouncementError, resend

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(datetime(2026, 5, 4, 9, tzinfo=UTC))]

RELEASE_DATE = datetime(2026, 5, 12, 16, tzinfo=UTC)
MOVED = datetime(2026, 5, 14, 16, tzinfo=UTC)
Kind = OutboundEmail.Kind


def published(preset: str, line_status: str, fixed: str) -> Report:
    project = make_project(preset)
    line = ReleaseLine.objects.create(project=project, name="17.0", status=line_status)
    report = make_report(project, release_date=RELEASE_DATE, published_at=RELEASE_DATE)
    Affect.objects.create(
        report=report,
        release_line=line,
        affected_range="<18.0",
        fixed_version=fixed,
        status=AffectStatus.FIXED if fixed else AffectStatus.AFFECTED,
    )
    return report


def test_vit_13_unsupported_releases_only_get_the_call_to_upgrade_and_no_release() -> None:
    report = published("vitess", "unsupported", "")
    planned = plan_announcements(report)
    [notice] = planned.queued
    assert (notice.kind, notice.to) == (Kind.UNSUPPORTED_NOTICE, "vitess-announce@googlegroups.com")
    assert notice.send_after == RELEASE_DATE
    assert "no longer supported" in notice.body
    assert plan_announcements(report).queued == [notice]  # planning again owes nothing more
    assert report.outbound_emails.count() == 1


def test_folio_36_a_release_announcement_without_fixed_versions_is_refused_saying_why() -> None:
    report = published("vitess", "supported", "")
    planned = plan_announcements(report)
    assert planned.queued == []
    [why] = planned.not_queued
    assert why.startswith("release to vitess-announce@googlegroups.com: ")
    assert "fixed versions (FOLIO-36, EMI-44)" in why
    event = AuditEvent.objects.get(action="announcements.planned")
    assert event.data["not_queued"] == [why]
    assert not report.outbound_emails.exists()


def test_a_message_for_a_date_that_no_longer_holds_is_superseded_and_never_sent_by_hand() -> None:
    """Issue 8 item 1 (VIT-21): the forthcoming-fix notice planned for the old date is replaced
    by the one for the new date, which the superseded one points at."""
    report = make_report(make_project("vitess"), state="fix_ready", release_date=RELEASE_DATE)
    [first] = plan_announcements(report).queued
    assert first.planned_for == RELEASE_DATE
    Report.objects.filter(pk=report.pk).update(release_date=MOVED)
    planned = plan_announcements(report)
    assert planned.superseded == [first.pk]
    [current] = planned.queued
    first.refresh_from_db()
    assert (first.state, first.sent_at, first.attempts) == ("superseded", None, 0)
    assert first.superseded_at is not None
    assert first.superseded_at >= first.created_at
    assert (first.replaced_by, current.planned_for) == (current, MOVED)
    with pytest.raises(AnnouncementError, match="date that no longer holds"):
        resend(first, actor=None)
    assert plan_announcements(report).superseded == []  # superseded once


def test_a_message_given_up_on_for_a_date_that_no_longer_holds_is_superseded_too() -> None:
    """Sent again by hand it would name the old date: the one for the new date replaces it."""
    report = make_report(make_project("vitess"), state="fix_ready", release_date=RELEASE_DATE)
    [first] = plan_announcements(report).queued
    OutboundEmail.objects.filter(pk=first.pk).update(attempts=MAX_ATTEMPTS, last_error="refused")
    Report.objects.filter(pk=report.pk).update(release_date=MOVED)
    assert plan_announcements(report).superseded == [first.pk]
    first.refresh_from_db()
    assert (first.state, first.last_error) == ("superseded", "refused")


def test_a_date_moved_back_owes_its_superseded_message_again() -> None:
    report = make_report(make_project("vitess"), state="fix_ready", release_date=RELEASE_DATE)
    [first] = plan_announcements(report).queued
    Report.objects.filter(pk=report.pk).update(release_date=MOVED)
    [second] = plan_announcements(report).queued
    Report.objects.filter(pk=report.pk).update(release_date=RELEASE_DATE)
    planned = plan_announcements(report)
    assert (planned.queued, planned.superseded) == ([first], [second.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.replaced_by) == ("scheduled", None)
    assert (second.state, second.replaced_by) == ("superseded", first)
    event = AuditEvent.objects.filter(action="announcements.planned").order_by("-seq").first()
    assert event is not None
    assert event.data["owed_again"] == [first.pk]


def test_emi_46_a_fix_shipped_before_the_release_date_leaves_the_retrospective_after_it() -> None:
    """EMI-46: the retrospective (title and timeline) goes a day after the Release Date, never
    a day after a fix shipped earlier; one shipped after the Release Date is a day after it."""
    early = RELEASE_DATE - timedelta(days=6)
    report = make_report(
        make_project(
            "envoy",
            policy_overrides={"announcements": {"retrospective_to": "secalert@example.org"}},
        ),
        state="released",
        release_date=RELEASE_DATE,
        fix_released_at=early,
    )

    def retrospectives() -> list[tuple[datetime, datetime | None]]:
        emails = report.outbound_emails.filter(kind=Kind.RETROSPECTIVE, superseded_at=None)
        return sorted({(email.send_after, email.planned_for) for email in emails})

    plan_announcements(report)
    assert retrospectives() == [(RELEASE_DATE + timedelta(days=1), RELEASE_DATE)]

    late = RELEASE_DATE + timedelta(days=2)
    Report.objects.filter(pk=report.pk).update(fix_released_at=late)
    plan_announcements(report)
    assert retrospectives() == [(late + timedelta(days=1), late)]


def test_oedx_20_the_default_pre_merge_notice_names_the_planned_merge_not_the_release_date() -> (
    None
):
    """OEDX-20, OEDX-22: the pre-merge notice is planned for the merge, and its default text says
    when the merge is, which may come before the Release Date."""
    merge = RELEASE_DATE - timedelta(days=2)
    report = make_report(
        make_project(
            "openedx",
            policy_overrides={"announcements": {"announce_list": "announce@example.org"}},
        ),
        state="fix_ready",
        release_date=RELEASE_DATE,
        planned_merge_at=merge,
    )
    [notice] = [e for e in plan_announcements(report).queued if e.kind == Kind.PRE_MERGE_NOTICE]
    assert notice.planned_for == merge
    assert notice.subject.endswith("security fix will be merged on 2026-05-10 16:00 UTC")
    assert "importance on 2026-05-10 16:00 UTC. Details will be published" in notice.body
    assert "2026-05-12" not in notice.subject + notice.body
    # Only the pre-merge notice names the merge before the Release Date.
    assert check("{{ planned_merge }}", "On {{ planned_merge }}.", kind=Kind.PRE_MERGE_NOTICE) == []
    [problem] = check("{{ project }}", "Merge on {{ planned_merge }}", kind=Kind.FORTHCOMING_FIX)
    assert problem.startswith("body: {{ planned_merge }} names the planned merge")
