"""`vulndesk report embargo-break`: record a break, read the policy's guidance, decide it
(KAR-37, KAR-38).

Karmada: when in doubt push forward. Time stands still at Monday 2024-06-03 09:05 UTC; the
Release Date is two weeks out.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Project, Report

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 3, 9, 5, tzinfo=UTC)
RELEASE = datetime(2024, 6, 17, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def karmada() -> Project:
    return make_project("karmada", preset="karmada")


@pytest.fixture
def alice(karmada: Project) -> User:
    user = make_user("alice")
    make_member(karmada, user)
    return user


@pytest.fixture
def report(karmada: Project) -> Report:
    return make_report(karmada, cve_id="CVE-2024-12345", release_date=RELEASE, state="scheduled")


def record(*extra: str) -> str:
    return vulndesk(
        "report", "--as", "alice", "embargo-break", "KARMADA-1",
        "--how", "Acme shipped the patched package", "--by", "Acme", *extra,
    )  # fmt: skip


def test_kar_38_recording_prints_the_break_and_the_guidance(report: Report, alice: User) -> None:
    out = record("--url", "https://mirror.example/pkg")
    (brk,) = report.embargo_breaks.all()
    assert f"break {brk.pk} at 2024-06-03 09:05 UTC by Acme (https://mirror.example/pkg)" in out
    assert "how: Acme shipped the patched package" in out
    assert "waiting for a decision" in out
    assert "guidance: release_now: " in out
    assert "when in doubt, push forward" in out
    assert "(KAR-37, KAR-38)" in out
    assert "releasing now would set the Release Date to 2024-06-03 09:15 UTC" in out
    assert AuditEvent.objects.filter(action="report.embargo_broken").count() == 1


def test_kar_38_deciding_to_release_now_moves_the_date(report: Report, alice: User) -> None:
    record()
    data = vulndesk_json(
        "report", "--as", "alice", "embargo-break", "KARMADA-1",
        "--decide", "release_now", "--reason", "the patch is public",
    )  # fmt: skip
    assert data["pending"] is None
    assert datetime.fromisoformat(data["release_date"]) == datetime(2024, 6, 3, 9, 15, tzinfo=UTC)
    (brk,) = data["breaks"]
    assert (brk["decision"], brk["decided_by"]) == ("release_now", "alice")
    report.refresh_from_db()
    assert report.release_date == datetime(2024, 6, 3, 9, 15, tzinfo=UTC)


def test_kar_37_keeping_the_date_is_shown_with_its_reason(report: Report, alice: User) -> None:
    record()
    out = vulndesk(
        "report", "--as", "alice", "embargo-break", "KARMADA-1",
        "--decide", "keep_date", "--reason", "only the title leaked",
    )  # fmt: skip
    assert "decided keep_date at 2024-06-03 09:05 UTC: only the title leaked" in out
    assert "Release Date 2024-06-17 12:00 UTC -> 2024-06-17 12:00 UTC" in out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--how", "a leak"), "--by: say who broke the embargo"),
        (("--how", "a leak", "--by", "x", "--decide", "keep_date"), "in two steps"),
        (("--decide", "keep_date", "--reason", "x"), "no embargo break waiting"),
        (("--decide", "keep_date"), "reason: assess the damage"),
    ],
)
def test_bad_input_says_what_to_fix(
    report: Report, alice: User, args: tuple[str, ...], error: str
) -> None:
    with pytest.raises(CommandError, match=error):
        vulndesk("report", "--as", "alice", "embargo-break", "KARMADA-1", *args)


def test_someone_outside_the_team_may_not_record(report: Report) -> None:
    make_user("charlie")
    with pytest.raises(CommandError, match="Fix Lead or the security team"):
        vulndesk(
            "report", "--as", "charlie", "embargo-break", "KARMADA-1", "--how", "x", "--by", "y"
        )
