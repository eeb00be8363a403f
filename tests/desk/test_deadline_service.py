"""Deadlines kept as rows by the services, and paused, resumed and met by hand.

alice is on the security team of each project. Times are frozen; T0, the moment a report
reaches the team, is RULES.md's 2024-03-01 10:00Z (a Friday) unless a story needs another.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, Deadline, DeadlinePause, Project, Report
from vulndesk.desk.services import deadlines
from vulndesk.desk.services.deadlines import DeadlineError
from vulndesk.desk.services.reports import (
    create_report,
    record_triage,
    score_report,
)
from vulndesk.desk.services.schedule import (
    assign_cve,
    plan_merge,
    record_fix_release,
    schedule_release,
)
from vulndesk.desk.services.transitions import transition
from vulndesk.process.deadlines import Miss, Status
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

CVSS_3_9 = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:L/A:L"
CVSS_4_0 = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:N/A:L"


@pytest.fixture
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    """Time stands still at T0 until a test moves it."""
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def alice() -> User:
    return make_user("alice")


def project_with_team(slug: str, preset: str, alice: User, **fields: object) -> Project:
    project = make_project(slug, preset=preset, **fields)
    make_member(project, alice)
    return project


@pytest.fixture
def emissary(alice: User) -> Project:
    return project_with_team("emissary", "envoy", alice)


def file_report(
    project: Project, alice: User, *, public_disclosure_at: datetime | None = None
) -> Report:
    return create_report(
        project,
        title="Crafted header crashes the proxy",
        description="",
        reporter_name="Dana Reporter",
        reporter_email="dana@example.org",
        public_disclosure_at=public_disclosure_at,
        public_disclosure_url="https://example.org/issue/1" if public_disclosure_at else "",
        actor=alice,
    )


def rows(report: Report) -> dict[str, Deadline]:
    return {row.name: row for row in Deadline.objects.filter(report=report)}


def due(report: Report) -> dict[str, datetime | None]:
    return {name: row.due_at for name, row in rows(report).items()}


def asap(report: Report) -> dict[str, bool]:
    return {name: row.asap for name, row in rows(report).items()}


def walk(report: Report, alice: User, *targets: State) -> Report:
    for target in targets:
        report = transition(report, target, actor=alice, reason=f"on to {target}")
    return report


def history() -> list[tuple[str, dict[str, object]]]:
    return [(e.action, e.data) for e in AuditEvent.objects.order_by("seq")]


def snapshot(report: Report) -> tuple[object, ...]:
    """Everything a refused call must leave as it was."""
    return (
        sorted(
            Deadline.objects.filter(report=report).values_list(
                "name", "due_at", "opens_at", "met_at", "asap"
            )
        ),
        sorted(DeadlinePause.objects.values_list("deadline__name", "started_at", "ended_at")),
        AuditEvent.objects.count(),
    )


# -- a new report --------------------------------------------------------------------------------


def test_a_new_envoy_report_gets_the_emissary_timeline(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    got = {
        name: (row.rule_id, row.due_at, row.opens_at, row.met_at, row.asap, row.advisory)
        for name, row in rows(report).items()
    }
    assert got == {
        # RULES.md examples for T0 = 2024-03-01 10:00Z.
        "fix_team_formed": ("EMI-27", T0 + 24 * HOUR, None, None, False, True),
        "fix_developed": ("EMI-30", datetime(2024, 3, 8, 10, tzinfo=UTC), None, None, False, True),
        "forthcoming_fix_announced": ("EMI-37", T0 + 7 * DAY, None, None, False, True),
        "fix_released": ("EMI-40", datetime(2024, 3, 22, 10, tzinfo=UTC), None, None, False, True),
        # EMI-46 follows the Release Date, which nobody has set.
        "retrospective_sent": ("EMI-46", None, None, None, False, True),
    }
    assert rows(report)["retrospective_sent"].status(T0) == Status.WAITING
    assert rows(report)["fix_team_formed"].quote == (
        "These steps should be completed within the first 24 hours of disclosure."
    )


def test_emi_27_a_deadline_may_fall_on_a_saturday(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    assert due(report)["fix_team_formed"] == datetime(2024, 3, 2, 10, tzinfo=UTC)  # Saturday


def test_deadlines_count_from_the_time_the_report_was_received(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    received = T0 - 3 * DAY  # entered late, from an email of three days ago
    report = create_report(
        emissary,
        title="Crafted header crashes the proxy",
        description="",
        reporter_name="",
        reporter_email="",
        received_at=received,
        actor=alice,
    )
    assert due(report)["fix_team_formed"] == received + 24 * HOUR
    assert rows(report)["fix_team_formed"].status(T0) == Status.OVERDUE


def test_scoring_a_private_report_keeps_its_timeline(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    before = due(report)
    score_report(report, CVSS_4_0, actor=alice)
    assert due(report) == before
    assert not any(asap(report).values())


def test_triage_answers_leave_the_deadlines_alone(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    before = snapshot(report)[0]
    record_triage(report, {"blast_radius": "every gateway", "reproduced": True}, actor=alice)
    assert snapshot(report)[0] == before


# -- EMI-14 / VIT-8: a public disclosure makes the timelines ASAP --------------------------------


OPEN_TIMELINE = ("fix_team_formed", "fix_developed", "forthcoming_fix_announced", "fix_released")


def test_emi_4_an_already_public_report_is_asap_while_it_has_no_score(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice, public_disclosure_at=T0)
    # The project's reading of EMI-14 (severity.timelines_asap): unscored counts as ASAP.
    assert {name: due(report)[name] for name in OPEN_TIMELINE} == dict.fromkeys(OPEN_TIMELINE, T0)
    assert all(asap(report)[name] for name in OPEN_TIMELINE)
    # EMI-46 follows the release: a public disclosure cannot bring it forward.
    assert (due(report)["retrospective_sent"], asap(report)["retrospective_sent"]) == (None, False)


def test_an_asap_deadline_is_never_due_before_the_report_arrived(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice, public_disclosure_at=T0 - 2 * DAY)
    assert {name: due(report)[name] for name in OPEN_TIMELINE} == dict.fromkeys(OPEN_TIMELINE, T0)


@pytest.mark.parametrize(
    ("preset", "timeline"),
    [
        pytest.param("envoy", OPEN_TIMELINE, id="EMI-14"),
        pytest.param("vitess", ("fix_developed", "forthcoming_fix_announced"), id="VIT-8"),
    ],
)
def test_a_public_report_scored_4_0_or_more_is_asap_and_at_3_9_keeps_the_normal_timeline(
    clock: TimeMachineFixture, alice: User, preset: str, timeline: tuple[str, ...]
) -> None:
    report = file_report(project_with_team(preset, preset, alice), alice, public_disclosure_at=T0)
    report = score_report(report, CVSS_4_0, actor=alice)
    assert report.cvss_score == Decimal("4.0")
    assert {name: (due(report)[name], asap(report)[name]) for name in timeline} == dict.fromkeys(
        timeline, (T0, True)
    )

    report = score_report(report, CVSS_3_9, actor=alice)
    assert report.cvss_score == Decimal("3.9")
    assert not any(asap(report).values())
    assert due(report)["fix_developed"] == T0 + 7 * DAY

    score_report(report, CVSS_4_0, actor=alice)
    assert due(report)["fix_developed"] == T0


def test_a_met_deadline_keeps_the_timeline_it_was_met_under(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice, public_disclosure_at=T0)
    report = score_report(report, CVSS_3_9, actor=alice)
    clock.move_to(T0 + 2 * HOUR, tick=False)
    deadlines.meet(report, "fix_team_formed", actor=alice)
    score_report(report, CVSS_4_0, actor=alice)
    formed = rows(report)["fix_team_formed"]
    assert (formed.due_at, formed.asap, formed.met_at) == (T0 + 24 * HOUR, False, T0 + 2 * HOUR)
    assert rows(report)["fix_developed"].asap


def test_karmada_states_no_asap_threshold(clock: TimeMachineFixture, alice: User) -> None:
    karmada = project_with_team("karmada", "karmada", alice)
    report = file_report(karmada, alice, public_disclosure_at=T0)
    assert due(report)["fix_developed"] == T0 + 7 * DAY  # KAR-20, not ASAP (KAR-17, KAR-32)
    assert not any(asap(report).values())


# -- facts that meet deadlines and Release Dates that date them ------------------------------------


def test_moving_to_fix_ready_meets_fix_developed(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    report = walk(report, alice, State.TRIAGING, State.ACCEPTED, State.FIXING)
    clock.move_to(T0 + 3 * DAY, tick=False)
    walk(report, alice, State.FIX_READY)
    developed = rows(report)["fix_developed"]
    assert (developed.met_at, developed.status(T0 + 30 * DAY)) == (T0 + 3 * DAY, Status.MET)
    assert rows(report)["fix_released"].met_at is None


def test_recording_the_fix_release_meets_fix_released(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    shipped = datetime(2024, 3, 20, 16, tzinfo=UTC)
    record_fix_release(report, "1.13.10", released_at=shipped, actor=alice)
    released = rows(report)["fix_released"]
    assert (released.met_at, released.due_at) == (shipped, datetime(2024, 3, 22, 10, tzinfo=UTC))


def test_emi_46_a_release_date_opens_the_retrospective_window(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    release_date = datetime(2024, 3, 22, 10, tzinfo=UTC)
    report = schedule_release(report, release_date, reason="agreed with the reporter", actor=alice)
    retro = rows(report)["retrospective_sent"]
    # RULES.md: for RD = 2024-03-22 the retrospective is due 2024-03-23 to 2024-03-25.
    assert (retro.opens_at, retro.due_at) == (release_date + DAY, release_date + 3 * DAY)

    moved = release_date - 2 * DAY  # later would break EMI-40's 21 days
    schedule_release(report, moved, reason="the fix is ready two days early", actor=alice)
    retro = rows(report)["retrospective_sent"]
    assert (retro.opens_at, retro.due_at) == (moved + DAY, moved + 3 * DAY)


def test_kar_33_34_43_a_release_date_dates_the_distributor_notices(
    time_machine: TimeMachineFixture, alice: User
) -> None:
    time_machine.move_to(datetime(2024, 6, 1, 9, tzinfo=UTC), tick=False)
    report = file_report(project_with_team("karmada", "karmada", alice), alice)
    report = assign_cve(report, "CVE-2024-12345", actor=alice)
    notices = ("distributor_advance_notice", "distributor_release_notice")
    assert {name: due(report)[name] for name in notices} == dict.fromkeys(notices)  # waiting
    disclosure = datetime(2024, 6, 30, 12, tzinfo=UTC)
    report = schedule_release(report, disclosure, reason="out-of-band release", actor=alice)
    advance, notice = (rows(report)[name] for name in notices)
    # RULES.md, D = 2024-06-30 12:00Z: by 2024-06-23 12:00Z, not before 2024-06-02 12:00Z.
    assert (advance.rule_id, advance.opens_at, advance.due_at) == (
        "KAR-33",
        datetime(2024, 6, 2, 12, tzinfo=UTC),
        datetime(2024, 6, 23, 12, tzinfo=UTC),
    )
    assert (notice.rule_id, notice.due_at) == ("KAR-43", datetime(2024, 6, 29, 12, tzinfo=UTC))


def test_kar_33_without_a_cve_no_advance_notice_is_owed(
    time_machine: TimeMachineFixture, alice: User
) -> None:
    time_machine.move_to(datetime(2024, 6, 1, 9, tzinfo=UTC), tick=False)
    report = file_report(project_with_team("karmada", "karmada", alice), alice)
    report = schedule_release(
        report, datetime(2024, 6, 30, 12, tzinfo=UTC), reason="x", actor=alice
    )
    assert "distributor_advance_notice" not in rows(report)
    assert rows(report)["distributor_release_notice"].rule_id == "KAR-43"  # owed all the same
    report = assign_cve(report, "cve-2024-12345", actor=alice)
    assert report.cve_id == "CVE-2024-12345"
    assert rows(report)["distributor_advance_notice"].due_at == datetime(
        2024, 6, 23, 12, tzinfo=UTC
    )


def test_a_malformed_cve_id_is_refused_and_changes_nothing(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    with pytest.raises(ValueError, match="CVE-2024-12345"):
        assign_cve(report, "2024-12345", actor=alice)
    report.refresh_from_db()
    assert (report.cve_id, report.version) == ("", 1)


def test_a_project_without_distributors_gets_no_distributor_notices(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    schedule_release(report, T0 + 14 * DAY, reason="planned", actor=alice)
    assert not {"distributor_advance_notice", "distributor_release_notice"} & set(rows(report))


# -- OEDX-20: the announcement two business days before the merge ----------------------------------


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_oedx_20_the_announcement_is_due_two_business_days_before_the_merge(
    time_machine: TimeMachineFixture, alice: User, zone: str
) -> None:
    time_machine.move_to(datetime(2023, 7, 17, 9, tzinfo=UTC), tick=False)
    overrides = {} if zone == "UTC" else {"calendar": {"timezone": zone}}
    openedx = project_with_team("openedx", "openedx", alice, policy_overrides=overrides)
    report = file_report(openedx, alice)
    assert due(report) == {"security_announcement_posted": None}  # no merge planned yet

    tz = ZoneInfo(zone)
    merge = datetime(2023, 7, 25, 15, tzinfo=tz)  # Tuesday
    report = plan_merge(report, merge, reason="after the 2-day notice", actor=alice)
    announcement = rows(report)["security_announcement_posted"]
    assert announcement.due_at == datetime(2023, 7, 21, 15, tzinfo=tz)  # the Friday before
    assert (announcement.rule_id, announcement.advisory) == ("OEDX-20", False)  # it blocks


def test_oedx_20_the_weekend_is_skipped_counting_back(
    time_machine: TimeMachineFixture, alice: User
) -> None:
    time_machine.move_to(datetime(2023, 7, 17, 9, tzinfo=UTC), tick=False)
    report = file_report(project_with_team("openedx", "openedx", alice), alice)
    monday = datetime(2023, 7, 24, 15, tzinfo=UTC)
    report = plan_merge(report, monday, reason="planned", actor=alice)
    assert due(report) == {"security_announcement_posted": datetime(2023, 7, 20, 15, tzinfo=UTC)}


# -- pausing, resuming and meeting by hand ---------------------------------------------------------


def test_a_paused_deadline_stops_its_clock_and_leaves_the_due_list(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    clock.move_to(T0 + 2 * HOUR, tick=False)
    pause = deadlines.pause(
        report,
        "fix_team_formed",
        reason="the reporter asked to wait for their employer",
        actor=alice,
    )
    formed = rows(report)["fix_team_formed"]
    assert formed.status(T0 + 2 * HOUR) == Status.PAUSED
    assert formed.status(T0 + 30 * DAY) == Status.PAUSED  # paused until someone resumes it
    assert formed not in Deadline.objects.due_by(T0 + 30 * DAY)
    assert (pause.started_at, pause.ended_at, pause.created_by) == (T0 + 2 * HOUR, None, alice)


def test_resuming_after_two_days_moves_the_due_time_two_days_later(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    clock.move_to(T0 + 2 * HOUR, tick=False)
    deadlines.pause(report, "fix_team_formed", reason="reporter on holiday", actor=alice)
    clock.move_to(T0 + 2 * HOUR + 2 * DAY, tick=False)
    resumed = deadlines.resume(report, "fix_team_formed", actor=alice)

    assert resumed.due_at == T0 + 24 * HOUR + 2 * DAY
    assert resumed.status(T0 + 2 * HOUR + 2 * DAY) == Status.DUE
    assert due(report)["fix_developed"] == T0 + 7 * DAY  # the other clocks never stopped
    assert list(resumed.pauses.values_list("started_at", "ended_at", "reason")) == [
        (T0 + 2 * HOUR, T0 + 2 * HOUR + 2 * DAY, "reporter on holiday")
    ]
    assert history()[-2:] == [
        ("deadline.paused", {"deadline": "fix_team_formed", "reason": "reporter on holiday"}),
        ("deadline.resumed", {"deadline": "fix_team_formed", "paused_for": "2 days, 0:00:00"}),
    ]
    paused_event = AuditEvent.objects.get(action="deadline.paused")
    assert (paused_event.actor, paused_event.report_id) == (alice, report.pk)


def test_a_second_pause_adds_its_length_to_the_first(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    for start, length in ((T0 + HOUR, 2 * DAY), (T0 + 3 * DAY, 12 * HOUR)):
        clock.move_to(start, tick=False)
        deadlines.pause(report, "fix_developed", reason="embargo extended", actor=alice)
        clock.move_to(start + length, tick=False)
        deadlines.resume(report, "fix_developed", actor=alice)
    assert due(report)["fix_developed"] == T0 + 7 * DAY + 2 * DAY + 12 * HOUR
    assert DeadlinePause.objects.filter(deadline__name="fix_developed").count() == 2


def test_a_pause_survives_later_changes_to_the_report(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    deadlines.pause(report, "fix_released", reason="waiting for a dependency", actor=alice)
    report = walk(report, alice, State.TRIAGING)
    score_report(report, CVSS_4_0, actor=alice)
    assert rows(report)["fix_released"].status(T0 + 30 * DAY) == Status.PAUSED


def test_pausing_with_a_report_read_before_the_release_date_keeps_the_retrospective(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    release_date = datetime(2024, 3, 22, 10, tzinfo=UTC)
    schedule_release(report, release_date, reason="agreed", actor=alice)
    # `report` is the instance read before the Release Date was set.
    deadlines.pause(report, "retrospective_sent", reason="team offsite", actor=alice)
    assert due(report)["retrospective_sent"] == release_date + 3 * DAY
    deadlines.resume(report, "retrospective_sent", actor=alice)
    assert due(report)["retrospective_sent"] == release_date + 3 * DAY


def test_meeting_a_deadline_by_hand_is_audited_and_kept(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = file_report(emissary, alice)
    clock.move_to(T0 + 5 * HOUR, tick=False)
    deadlines.meet(report, "fix_team_formed", actor=alice)
    walk(report, alice, State.TRIAGING)
    formed = rows(report)["fix_team_formed"]
    assert (formed.met_at, formed.status(T0 + 30 * DAY)) == (T0 + 5 * HOUR, Status.MET)
    assert (
        "deadline.met",
        {"deadline": "fix_team_formed", "met_at": "2024-03-01T15:00:00+00:00"},
    ) in history()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        pytest.param(
            lambda r, a: deadlines.pause(r, "fix_developed", reason="again", actor=a),
            "fix_developed is already paused; resume it first",
            id="pause twice",
        ),
        pytest.param(
            lambda r, a: deadlines.resume(r, "fix_team_formed", actor=a),
            "fix_team_formed is not paused",
            id="resume an unpaused deadline",
        ),
        pytest.param(
            lambda r, a: deadlines.pause(r, "fix_team_formed", reason="  ", actor=a),
            "say why the deadline is paused",
            id="pause without a reason",
        ),
        pytest.param(
            lambda r, a: deadlines.pause(r, "fix_team_made", reason="typo", actor=a),
            "EMISSARY-1 has no deadline 'fix_team_made'; it has: fix_developed, fix_released, "
            "fix_team_formed, forthcoming_fix_announced, retrospective_sent",
            id="pause an unknown deadline",
        ),
        pytest.param(
            lambda r, a: deadlines.resume(r, "fix_team_made", actor=a),
            "EMISSARY-1 has no deadline 'fix_team_made'",
            id="resume an unknown deadline",
        ),
        pytest.param(
            lambda r, a: deadlines.meet(r, "fix_team_made", actor=a),
            "EMISSARY-1 has no deadline 'fix_team_made'",
            id="meet an unknown deadline",
        ),
        pytest.param(
            lambda r, a: deadlines.meet(r, "forthcoming_fix_announced", actor=a),
            "forthcoming_fix_announced was already met at 2024-03-01 11:00 UTC",
            id="meet twice",
        ),
        pytest.param(
            lambda r, a: deadlines.pause(r, "forthcoming_fix_announced", reason="late", actor=a),
            "forthcoming_fix_announced is already met; there is nothing to pause",
            id="pause a met deadline",
        ),
    ],
)
def test_a_refused_pause_resume_or_meet_says_why_and_changes_nothing(
    clock: TimeMachineFixture,
    emissary: Project,
    alice: User,
    action: Callable[[Report, User], object],
    message: str,
) -> None:
    report = file_report(emissary, alice)
    deadlines.pause(report, "fix_developed", reason="embargo extended", actor=alice)
    clock.move_to(T0 + HOUR, tick=False)
    deadlines.meet(report, "forthcoming_fix_announced", actor=alice)
    before = snapshot(report)
    with pytest.raises(DeadlineError) as refused:
        action(report, alice)
    assert str(refused.value).startswith(message)
    assert snapshot(report) == before


# -- what is due ---------------------------------------------------------------------------------


def test_due_by_lists_overdue_and_due_deadlines_soonest_first_without_met_or_paused_ones(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    first = file_report(emissary, alice)
    clock.move_to(T0 + HOUR, tick=False)
    second = file_report(emissary, alice)
    deadlines.meet(first, "fix_team_formed", actor=alice)
    deadlines.pause(second, "fix_developed", reason="reporter asked", actor=alice)

    moment = T0 + 7 * DAY + HOUR
    listed = [
        (d.report.key, d.name)
        for d in Deadline.objects.due_by(moment).select_related("report__project")
    ]
    assert listed == [
        ("EMISSARY-2", "fix_team_formed"),  # overdue since T0+25h
        ("EMISSARY-1", "fix_developed"),  # overdue since T0+7d
        ("EMISSARY-1", "forthcoming_fix_announced"),
        ("EMISSARY-2", "forthcoming_fix_announced"),  # due exactly now
    ]
    assert Deadline.objects.due_by(T0).count() == 0


def test_a_rejected_report_owes_nothing_its_deadlines_are_dropped(
    clock: TimeMachineFixture, emissary: Project, alice: User
) -> None:
    report = transition(file_report(emissary, alice), State.TRIAGING, actor=alice)
    report = transition(report, State.REJECTED, actor=alice, reason="not a vulnerability")
    clock.shift(timedelta(days=30))
    now = datetime.now(UTC)
    assert not Deadline.objects.due_by(now).filter(report=report).exists()
    assert {row.status(now) for row in rows(report).values()} == {Status.DROPPED}


@pytest.mark.parametrize(
    ("sent", "miss"),
    [
        (datetime(2024, 6, 25, 12, tzinfo=UTC), Miss.LATE),  # KAR-33: under 7 days before
        (datetime(2024, 5, 30, 12, tzinfo=UTC), Miss.EARLY),  # KAR-34: over 4 weeks before
        (datetime(2024, 6, 10, 12, tzinfo=UTC), None),
    ],
)
def test_kar_33_34_a_notice_sent_outside_its_window_is_flagged(
    time_machine: TimeMachineFixture, alice: User, sent: datetime, miss: Miss | None
) -> None:
    time_machine.move_to(datetime(2024, 5, 1, 9, tzinfo=UTC), tick=False)
    report = file_report(project_with_team("karmada", "karmada", alice), alice)
    report = assign_cve(report, "CVE-2024-12345", actor=alice)
    report = schedule_release(
        report, datetime(2024, 6, 30, 12, tzinfo=UTC), reason="x", actor=alice
    )
    deadlines.meet(report, "distributor_advance_notice", actor=alice, at=sent)
    notice = rows(report)["distributor_advance_notice"]
    assert (notice.met_at, notice.miss) == (sent, miss)
