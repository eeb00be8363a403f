"""`vulndesk report transition KEY published --force --reason`, `report withdraw` and
`report revise`: publishing despite a failed guard, and the advisory's later history."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from time_machine import TimeMachineFixture

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from vulndesk.desk.models import AuditEvent, Report

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(time_machine: TimeMachineFixture, tmp_path: Path) -> Report:
    """EMISSARY-1, released as 1.13.4 (tagged), its Release Date a day away."""
    time_machine.move_to(T0, tick=False)
    repository = released_repository(tmp_path / "emissary", "v1.13.4")
    project = make_project("emissary", preset="envoy", repository_url=f"file://{repository}")
    make_member(project, make_user("alice"))
    make_user("bob")
    return make_report(
        project,
        state="released",
        release_date=T0 + timedelta(days=1),
        fixed_version="1.13.4",
        fix_released_at=T0,
    )


def test_publish_before_the_release_date_fails_naming_the_guard(released: Report) -> None:
    with pytest.raises(CommandError, match="cannot publish: embargo: the embargo lasts until"):
        vulndesk("report", "--as", "alice", "transition", "EMISSARY-1", "published")


def test_force_needs_a_reason(released: Report) -> None:
    with pytest.raises(CommandError, match="reason: a forced publish needs one"):
        vulndesk("report", "--as", "alice", "transition", "EMISSARY-1", "published", "--force")


def test_force_by_someone_off_the_security_team_is_refused(released: Report) -> None:
    with pytest.raises(CommandError, match="security team or an operator may publish anyway"):
        vulndesk(
            "report", "--as", "bob", "transition", "EMISSARY-1", "published",
            "--force", "--reason", "exploited",
        )  # fmt: skip


def test_force_with_a_reason_publishes_and_is_audited(released: Report) -> None:
    shown = vulndesk_json(
        "report", "--as", "alice", "transition", "EMISSARY-1", "published",
        "--force", "--reason", "Exploited in the wild.",
    )  # fmt: skip
    assert shown["state"] == "published"
    event = AuditEvent.objects.filter(report=released).latest("seq")
    assert event.data["forced"] is True
    assert event.data["overridden"][0].startswith("embargo: the embargo lasts until")


def test_withdraw_and_revise_a_published_advisory(
    released: Report, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0 + timedelta(days=1), tick=False)
    vulndesk("report", "--as", "alice", "transition", "EMISSARY-1", "published")
    vulndesk("report", "--as", "alice", "revise", "EMISSARY-1", "--summary", "Added the CWE.")
    vulndesk("report", "--as", "alice", "withdraw", "EMISSARY-1", "--reason", "A duplicate.")
    report = Report.objects.get(pk=released.pk)
    assert report.withdrawn_reason == "A duplicate."
    actions = AuditEvent.objects.filter(report=report).order_by("-seq")
    assert [e.action for e in actions[:2]] == ["advisory.withdrawn", "advisory.revised"]
    with pytest.raises(CommandError, match="withdrawn already"):
        vulndesk("report", "withdraw", "EMISSARY-1", "--reason", "Again.")
