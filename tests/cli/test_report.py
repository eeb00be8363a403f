"""`vulndesk report`: record, list, show, move, score, schedule and release reports."""

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Project, Report

pytestmark = pytest.mark.django_db

# Friday 2024-03-01 10:00Z: the disclosure time of the EMI-27 example.
T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
CVSS31_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS40_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def emissary() -> Project:
    return make_project("emissary", preset="envoy")


@pytest.fixture
def alice(emissary: Project) -> User:
    """Security Team member and Fix Lead of Emissary-ingress."""
    user = make_user("alice")
    make_member(emissary, user)
    return user


def moment(text: str | None) -> datetime | None:
    """A date and time as the JSON output writes it."""
    return None if text is None else datetime.fromisoformat(text)


def deadlines_by_name(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in data["deadlines"]}


def snapshot(key: str) -> tuple[str, int, int]:
    report = Report.objects.get(number=int(key.rpartition("-")[2]))
    return report.state, report.version, AuditEvent.objects.count()


# report new


def test_new_reads_the_description_from_stdin_and_prints_the_new_report_as_json(
    emissary: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    description = "Steps to reproduce:\n\n1. `curl '/search?q=\\''`\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(description))

    data = vulndesk_json(
        "report", "new", "--project", "emissary", "--title", "SQL injection in search",
        "--description", "-", "--reporter-name", "Dana", "--reporter-email", "dana@example.org",
    )  # fmt: skip

    assert data["key"] == "EMISSARY-1"
    assert data["state"] == "received"
    assert data["description"] == description
    assert moment(data["received_at"]) == T0
    assert [event["action"] for event in data["audit"]] == ["report.created"]
    report = Report.objects.get()
    assert (report.title, report.description) == ("SQL injection in search", description)
    assert report.reporter_email == "dana@example.org"


def test_new_numbers_reports_per_project(emissary: Project) -> None:
    make_report(emissary)
    data = vulndesk_json("report", "new", "--project", "emissary", "--title", "Second")
    assert data["key"] == "EMISSARY-2"


def test_new_in_an_unknown_project_lists_the_known_ones(emissary: Project) -> None:
    make_project("vitess")
    make_project("argo", preset="envoy")
    with pytest.raises(CommandError, match=r"no project 'envoy'; projects: argo, emissary, vitess"):
        vulndesk("report", "new", "--project", "envoy", "--title", "RCE")
    assert not Report.objects.exists()


def test_new_without_any_project_says_how_to_make_one() -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("report", "new", "--project", "emissary", "--title", "RCE")
    message = str(refused.value)
    assert "no project 'emissary'" in message
    assert "vulndesk demo" in message
    assert "admin" in message


def test_new_refuses_a_blank_title(emissary: Project) -> None:
    with pytest.raises(CommandError, match="a report needs a title"):
        vulndesk("report", "new", "--project", "emissary", "--title", "  ")
    assert not Report.objects.exists()


def test_emi_27_the_fix_team_is_due_24_hours_after_the_report_was_received(
    emissary: Project,
) -> None:
    data = vulndesk_json(
        "report", "new", "--project", "emissary", "--title", "RCE",
        "--received-at", "2024-02-29T10:00",  # no zone: UTC
    )  # fmt: skip
    fix_team_formed = deadlines_by_name(data)["fix_team_formed"]
    assert fix_team_formed["rule"] == "EMI-27"
    assert moment(fix_team_formed["due_at"]) == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert fix_team_formed["status"] == "due"


def test_emi_4_a_report_already_public_starts_publicly_disclosed(emissary: Project) -> None:
    url = "https://github.com/emissary-ingress/emissary/issues/9999"
    data = vulndesk_json(
        "report", "new", "--project", "emissary", "--title", "RCE", "--public-url", url
    )
    assert moment(data["public_disclosure_at"]) == T0
    assert data["disclosure_level"] == "public"
    assert data["audit"][0]["data"]["public_disclosure"] is True
    assert Report.objects.get().public_disclosure_url == url


def test_emi_14_scoring_an_already_public_report_at_4_or_more_makes_its_timelines_asap(
    emissary: Project,
) -> None:
    vulndesk(
        "report", "new", "--project", "emissary", "--title", "RCE",
        "--public-url", "https://example.org/issue",
    )  # fmt: skip
    data = vulndesk_json("report", "score", "EMISSARY-1", CVSS31_CRITICAL)
    deadlines = deadlines_by_name(data)
    for name in ("fix_team_formed", "fix_developed", "forthcoming_fix_announced", "fix_released"):
        assert deadlines[name]["asap"] is True, name
    # Anchored on the release, which a public disclosure does not bring forward.
    assert deadlines["retrospective_sent"]["asap"] is False


# report list


def test_list_state_json_gives_only_that_state_newest_first(emissary: Project) -> None:
    oldest = make_report(emissary, received_at=datetime(2024, 2, 1, tzinfo=UTC))
    make_report(emissary, received_at=datetime(2024, 2, 2, tzinfo=UTC))
    newest = make_report(emissary, received_at=datetime(2024, 2, 3, tzinfo=UTC))
    for report in (oldest, newest):
        vulndesk("report", "transition", report.key, "triaging")

    data = vulndesk_json("report", "list", "--state", "triaging")

    assert [row["key"] for row in data] == ["EMISSARY-3", "EMISSARY-1"]
    assert {row["state"] for row in data} == {"triaging"}
    assert vulndesk_json("report", "list", "--state", "closed") == []


def test_list_prints_a_table_for_people(emissary: Project) -> None:
    make_report(emissary)
    out = vulndesk("report", "list")
    assert "EMISSARY-1" in out
    assert "SQL injection in the search API" in out
    assert "received" in out


def test_list_refuses_an_unknown_state() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'open'"):
        vulndesk("report", "list", "--state", "open")


def test_list_of_an_unknown_project_says_so_rather_than_showing_none(emissary: Project) -> None:
    make_report(emissary)
    with pytest.raises(CommandError, match="no project 'emisary'; projects: emissary"):
        vulndesk("report", "list", "--project", "emisary")


# report show


def test_show_json_has_the_deadlines_soonest_first_and_the_audit_trail(
    emissary: Project, alice: User
) -> None:
    make_report(emissary)
    vulndesk("report", "--as", "alice", "transition", "EMISSARY-1", "triaging", "--reason", "on it")

    data = vulndesk_json("report", "show", "EMISSARY-1")

    assert (data["key"], data["project"], data["state"], data["version"]) == (
        "EMISSARY-1", "emissary", "triaging", 2,
    )  # fmt: skip
    assert [(e["seq"], e["action"], e["by"]) for e in data["audit"]] == [
        (1, "report.created", "system"),
        (2, "report.transition", "alice"),
    ]
    assert data["audit"][1]["data"] == {"from": "received", "to": "triaging", "reason": "on it"}
    names = [row["name"] for row in data["deadlines"]]
    assert names == [
        "fix_team_formed",
        "fix_developed",
        "forthcoming_fix_announced",
        "fix_released",
        # No Release Date yet, so no due time: it comes last, on SQLite and PostgreSQL alike.
        "retrospective_sent",
    ]
    assert moment(data["deadlines"][0]["due_at"]) == T0.replace(day=2)
    assert data["deadlines"][-1]["due_at"] is None
    assert data["deadlines"][-1]["status"] == "waiting"


def test_show_prints_facts_deadlines_and_audit_trail_for_people(emissary: Project) -> None:
    make_report(emissary)
    out = vulndesk("report", "show", "EMISSARY-1")
    assert "EMISSARY-1" in out
    assert "SQL injection in the search API" in out
    assert "deadlines" in out
    assert "fix_team_formed" in out
    assert "EMI-27" in out
    assert "audit trail" in out
    assert "report.created" in out


def test_show_of_a_missing_report_names_it(emissary: Project) -> None:
    with pytest.raises(CommandError, match="no report EMISSARY-9"):
        vulndesk("report", "show", "EMISSARY-9")


def test_show_of_something_that_is_not_a_key_shows_what_keys_look_like() -> None:
    with pytest.raises(CommandError, match="'emissary' is not a report key; keys look like"):
        vulndesk("report", "show", "emissary")


def test_acting_as_an_unknown_user_is_refused(emissary: Project) -> None:
    make_report(emissary)
    with pytest.raises(CommandError, match="no user 'mallory'"):
        vulndesk("report", "--as", "mallory", "transition", "EMISSARY-1", "triaging")
    assert snapshot("EMISSARY-1") == ("received", 1, 1)


# report transition


def test_transition_moves_the_report_and_audits_who_and_why(emissary: Project, alice: User) -> None:
    make_report(emissary)
    data = vulndesk_json(
        "report", "--as", "alice", "transition", "EMISSARY-1", "triaging", "--reason", "mine"
    )
    assert (data["state"], data["version"]) == ("triaging", 2)
    event = AuditEvent.objects.order_by("seq").last()
    assert event is not None
    assert (event.action, event.actor, event.data["reason"]) == ("report.transition", alice, "mine")


def test_kar_16_received_to_released_is_refused_naming_the_allowed_next_state(
    emissary: Project,
) -> None:
    make_report(emissary)
    before = snapshot("EMISSARY-1")
    with pytest.raises(CommandError) as refused:
        vulndesk("report", "transition", "EMISSARY-1", "released")
    assert str(refused.value) == ("cannot move from received to released; allowed next: triaging")
    assert snapshot("EMISSARY-1") == before


def test_a_guard_refusal_says_what_to_do_first(emissary: Project) -> None:
    make_report(emissary, state="fix_ready")
    before = snapshot("EMISSARY-1")
    with pytest.raises(CommandError, match="cannot schedule: set the Release Date first"):
        vulndesk("report", "transition", "EMISSARY-1", "scheduled")
    assert snapshot("EMISSARY-1") == before


# report score


def test_score_with_a_cvss_3_1_vector_sets_score_and_severity(emissary: Project) -> None:
    make_report(emissary)
    data = vulndesk_json("report", "score", "EMISSARY-1", CVSS31_CRITICAL)
    assert (data["cvss_vector"], data["cvss_score"], data["severity"]) == (
        CVSS31_CRITICAL, 9.8, "critical",
    )  # fmt: skip
    assert data["audit"][-1]["action"] == "report.scored"


def test_score_with_a_cvss_4_0_vector_sets_score_and_severity(emissary: Project) -> None:
    make_report(emissary)
    data = vulndesk_json("report", "score", "EMISSARY-1", CVSS40_CRITICAL)
    assert (data["cvss_vector"], data["cvss_score"], data["severity"]) == (
        CVSS40_CRITICAL, 9.3, "critical",
    )  # fmt: skip
    assert Report.objects.get().cvss_version == "4.0"


@pytest.mark.parametrize(
    ("vector", "bad_metric"),
    [
        ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:X"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:Q/SC:N/SI:N/SA:N", "VA:Q"),
    ],
)
def test_score_with_a_malformed_vector_names_the_bad_metric_and_changes_nothing(
    emissary: Project, vector: str, bad_metric: str
) -> None:
    make_report(emissary)
    before = snapshot("EMISSARY-1")
    with pytest.raises(CommandError) as refused:
        vulndesk("report", "score", "EMISSARY-1", vector)
    assert bad_metric in str(refused.value)
    assert "for example CVSS:" in str(refused.value)
    assert snapshot("EMISSARY-1") == before
    assert Report.objects.get().cvss_vector == ""


# report schedule and fixed


def test_emi_13_schedule_sets_the_release_date_and_audits_the_reason(
    emissary: Project, alice: User
) -> None:
    make_report(emissary, state="fix_ready")
    data = vulndesk_json(
        "report", "--as", "alice", "schedule", "EMISSARY-1", "2024-03-22T10:00",
        "--reason", "agreed with the Fix Team",
    )  # fmt: skip
    release = datetime(2024, 3, 22, 10, tzinfo=UTC)
    assert moment(data["release_date"]) == release
    assert data["audit"][-1]["action"] == "report.release_date_set"
    assert data["audit"][-1]["by"] == "alice"
    assert data["audit"][-1]["data"]["reason"] == "agreed with the Fix Team"
    # EMI-46: the retrospective is due 1 to 3 days after the Release Date.
    retrospective = deadlines_by_name(data)["retrospective_sent"]
    assert moment(retrospective["opens_at"]) == release.replace(day=23)
    assert moment(retrospective["due_at"]) == release.replace(day=25)
    assert vulndesk_json("report", "transition", "EMISSARY-1", "scheduled")["state"] == "scheduled"


def test_schedule_without_a_reason_is_refused(emissary: Project) -> None:
    make_report(emissary)
    with pytest.raises(CommandError, match="required: --reason"):
        vulndesk("report", "schedule", "EMISSARY-1", "2024-03-22T10:00")
    with pytest.raises(CommandError, match="say why the Release Date is set or moved"):
        vulndesk("report", "schedule", "EMISSARY-1", "2024-03-22T10:00", "--reason", " ")
    assert Report.objects.get().release_date is None


def test_schedule_with_a_date_it_cannot_read_says_how_to_write_one(emissary: Project) -> None:
    make_report(emissary)
    with pytest.raises(CommandError) as refused:
        vulndesk("report", "schedule", "EMISSARY-1", "22/03/2024", "--reason", "agreed")
    message = str(refused.value)
    assert "'22/03/2024'" in message
    assert "ISO 8601" in message
    assert "2024-03-22T10:00" in message


def test_folio_34_fixed_records_the_fix_release_and_then_the_report_can_be_released(
    emissary: Project,
) -> None:
    make_report(emissary, state="scheduled", release_date=datetime(2024, 3, 22, 10, tzinfo=UTC))
    with pytest.raises(CommandError, match="record the fix release first"):
        vulndesk("report", "transition", "EMISSARY-1", "released")

    data = vulndesk_json(
        "report", "fixed", "EMISSARY-1", "1.13.10", "--released-at", "2024-03-22T10:00:00+00:00"
    )

    assert data["fixed_version"] == "1.13.10"
    assert moment(data["fix_released_at"]) == datetime(2024, 3, 22, 10, tzinfo=UTC)
    assert data["audit"][-1]["action"] == "report.fix_released"
    # The fix release meets the fix_released deadline (EMI-40) by itself.
    assert moment(deadlines_by_name(data)["fix_released"]["met_at"]) == datetime(
        2024, 3, 22, 10, tzinfo=UTC
    )
    assert vulndesk_json("report", "transition", "EMISSARY-1", "released")["state"] == "released"


def test_fixed_defaults_the_release_time_to_now(emissary: Project) -> None:
    make_report(emissary)
    out = vulndesk("report", "fixed", "EMISSARY-1", "1.13.10")
    assert "1.13.10" in out
    assert Report.objects.get().fix_released_at == T0


# report cve, merge, disclosure


def test_kar_33_cve_starts_the_distributor_notice_clock() -> None:
    karmada = make_project("karmada", preset="karmada")
    make_report(karmada, release_date=datetime(2024, 3, 30, 12, tzinfo=UTC))
    assert "distributor_advance_notice" not in deadlines_by_name(
        vulndesk_json("report", "show", "KARMADA-1")
    )
    data = vulndesk_json("report", "cve", "KARMADA-1", "cve-2024-12345")
    assert data["cve_id"] == "CVE-2024-12345"
    notice = deadlines_by_name(data)["distributor_advance_notice"]
    assert moment(notice["due_at"]) == datetime(2024, 3, 23, 12, tzinfo=UTC)
    with pytest.raises(CommandError, match="a CVE ID looks like CVE-2024-12345"):
        vulndesk("report", "cve", "KARMADA-1", "12345")


def test_oedx_20_merge_dates_the_security_announcement_two_business_days_before() -> None:
    make_report(make_project("openedx", preset="openedx"))
    data = vulndesk_json(
        "report", "merge", "OPENEDX-1", "2024-03-12T15:00", "--reason", "after the notice"
    )
    announcement = deadlines_by_name(data)["security_announcement_posted"]
    assert moment(announcement["due_at"]) == datetime(2024, 3, 8, 15, tzinfo=UTC)  # Friday


def test_folio_2_only_the_security_team_sets_the_disclosure_level(
    emissary: Project, alice: User
) -> None:
    make_report(emissary)
    make_user("charlie")
    with pytest.raises(CommandError, match="only the Security Team"):
        vulndesk("report", "--as", "charlie", "disclosure", "EMISSARY-1", "public", "--reason", "x")
    data = vulndesk_json(
        "report", "--as", "alice", "disclosure", "EMISSARY-1", "private", "--reason", "embargo"
    )
    assert data["disclosure_level"] == "private"
    assert data["audit"][-1]["action"] == "report.disclosure_level"


def test_a_date_beyond_any_calendar_is_refused_plainly(emissary: Project) -> None:
    make_report(emissary)
    with pytest.raises(CommandError, match="between the years 1970 and 2999"):
        vulndesk("report", "schedule", "EMISSARY-1", "9999-12-31T00:00", "--reason", "x")


def test_emi_14_a_report_that_leaks_later_turns_its_timelines_asap(
    emissary: Project, time_machine: time_machine.TimeMachineFixture
) -> None:
    make_report(emissary)
    vulndesk("report", "score", "EMISSARY-1", CVSS31_CRITICAL)
    leaked = datetime(2024, 3, 2, 8, tzinfo=UTC)
    with pytest.raises(CommandError, match="give a time not in the future"):
        vulndesk(
            "report", "public", "EMISSARY-1", "--url", "https://x.example", "--at", "2024-03-09"
        )
    time_machine.move_to(leaked + timedelta(hours=1), tick=False)  # found an hour after the leak
    data = vulndesk_json(
        "report", "public", "EMISSARY-1", "--url", "https://example.org/issue/1",
        "--at", leaked.isoformat(),
    )  # fmt: skip
    assert (data["disclosure_level"], moment(data["public_disclosure_at"])) == ("public", leaked)
    running = deadlines_by_name(data)
    for name in ("fix_developed", "forthcoming_fix_announced", "fix_released"):
        assert (running[name]["asap"], moment(running[name]["due_at"])) == (True, leaked), name
    assert running["retrospective_sent"]["due_at"] is None  # still waits for a release
    with pytest.raises(CommandError, match="already recorded as public since 2024-03-02 08:00"):
        vulndesk("report", "public", "EMISSARY-1", "--url", "https://example.org/again")


def test_vit_8_below_cvss_4_a_leak_keeps_the_normal_timelines() -> None:
    make_report(make_project("vitess", preset="vitess"))
    vulndesk("report", "score", "VITESS-1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N")
    data = vulndesk_json("report", "public", "VITESS-1", "--url", "https://example.org/x")
    assert not any(row["asap"] for row in data["deadlines"])
