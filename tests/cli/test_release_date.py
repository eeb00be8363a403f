"""`vulndesk report release-date`: the proposed Release Date and its reasons; refusals; override.

Karmada's distributors hear at least 7 days ahead (KAR-33) and 24 hours ahead (KAR-43).
Time stands still at Saturday 2024-06-01 09:00 UTC.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import Project, Report

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 1, 9, tzinfo=UTC)


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
    return make_report(karmada, cve_id="CVE-2024-12345")


def test_kar_33_propose_prints_the_date_and_the_rules_that_set_it(report: Report) -> None:
    out = vulndesk("report", "release-date", "KARMADA-1", "--propose")
    assert "proposed Release Date of KARMADA-1: 2024-06-08 09:00 UTC" in out
    assert "at least 7 days before the release and has not been sent yet (KAR-33, KAR-34)" in out
    assert '"The Private Distributors List will be given advance notification' in out


def test_kar_33_propose_as_json(report: Report) -> None:
    data = vulndesk_json("report", "release-date", "KARMADA-1", "--propose", "--json")
    assert data["key"] == "KARMADA-1"
    assert datetime.fromisoformat(data["release_date"]) == datetime(2024, 6, 8, 9, tzinfo=UTC)
    assert data["feasible"] is True
    assert [reason["rule_ids"] for reason in data["reasons"]] == [["KAR-33", "KAR-34"]]


def test_kar_33_a_date_too_soon_is_refused_with_the_rules_it_breaks(
    report: Report, alice: User
) -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk(
            "report", "--as", "alice", "release-date", "KARMADA-1", "2024-06-03T16:00",
            "--reason", "the reporter asked",
        )  # fmt: skip
    message = str(refused.value)
    assert "the Release Date breaks the policy" in message
    assert "(KAR-33, KAR-34): the earliest date is 2024-06-08 09:00 UTC" in message
    report.refresh_from_db()
    assert report.release_date is None


def test_a_date_that_meets_every_rule_is_set(report: Report, alice: User) -> None:
    data = vulndesk_json(
        "report", "--as", "alice", "release-date", "KARMADA-1", "2024-06-10T16:00",
        "--reason", "agreed with the Fix Team", "--json",
    )  # fmt: skip
    assert datetime.fromisoformat(data["release_date"]) == datetime(2024, 6, 10, 16, tzinfo=UTC)
    assert data["audit"][-1]["data"]["reason"] == "agreed with the Fix Team"


def test_override_sets_a_refused_date_and_audits_the_rules_broken(
    report: Report, alice: User
) -> None:
    data = vulndesk_json(
        "report", "--as", "alice", "release-date", "KARMADA-1", "2024-06-03T16:00",
        "--reason", "actively exploited", "--override", "--json",
    )  # fmt: skip
    assert datetime.fromisoformat(data["release_date"]) == datetime(2024, 6, 3, 16, tzinfo=UTC)
    (overridden,) = data["audit"][-1]["data"]["overridden"]
    assert "(KAR-33, KAR-34)" in overridden


def test_the_schedule_verb_refuses_the_same_way(report: Report) -> None:
    with pytest.raises(CommandError, match=r"\(KAR-33, KAR-34\): the earliest date is"):
        vulndesk("report", "schedule", "KARMADA-1", "2024-06-03T16:00", "--reason", "soon")


def test_without_a_date_or_propose_it_says_what_to_give(report: Report) -> None:
    with pytest.raises(CommandError, match="give the Release Date"):
        vulndesk("report", "release-date", "KARMADA-1", "--reason", "x")
