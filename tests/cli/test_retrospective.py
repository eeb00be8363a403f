"""`vulndesk report retrospective KEY`: the blameless retrospective as Markdown (EMI-46 to
EMI-49)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Report

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)


@pytest.fixture
def report(time_machine: time_machine.TimeMachineFixture) -> Report:
    """Received at T0 and in triage three hours later, by alice of the security team."""
    time_machine.move_to(T0, tick=False)
    project = make_project("emissary", preset="envoy")
    alice = make_user("alice")
    make_member(project, alice)
    found = make_report(project, actor=alice)
    time_machine.move_to(T0 + timedelta(hours=3), tick=False)
    vulndesk("report", "--as", "alice", "transition", "EMISSARY-1", "triaging")
    time_machine.move_to(T0 + timedelta(days=1), tick=False)
    return found


def test_it_prints_the_markdown(report: Report) -> None:
    text = vulndesk("report", "retrospective", "EMISSARY-1", "--introduced-by", "3f2a9c1")
    assert text.startswith("# Retrospective: EMISSARY-1: SQL injection in the search API\n")
    assert "| 2024-03-01 13:00 UTC | 3 h | moved from received to triaging | security team |" in (
        text
    )
    assert "- Time to acknowledge: 3 h" in text
    assert "- fix_team_formed (EMI-27): due" in text
    assert "Introduced by:\n\n- `3f2a9c1`\n" in text
    assert "## What to change" in text


def test_several_commits_introduced_it(report: Report) -> None:
    text = vulndesk(
        "report", "retrospective", "EMISSARY-1", "--introduced-by", "3f2a9c1", "--introduced-by",
        "ABCDEF0123",
    )  # fmt: skip
    assert "Introduced by:\n\n- `3f2a9c1`\n- `abcdef0123`\n" in text


def test_out_writes_a_file_and_says_where(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "retro.md"
    said = vulndesk("report", "retrospective", "EMISSARY-1", "--out", str(out))
    assert said == f"retrospective of EMISSARY-1 written to {out}\n"
    assert out.read_text().startswith("# Retrospective: EMISSARY-1:")
    assert out.read_text() == vulndesk("report", "retrospective", "EMISSARY-1")


def test_it_writes_nothing_to_the_audit_trail(report: Report) -> None:
    before = AuditEvent.objects.count()
    vulndesk("report", "retrospective", "EMISSARY-1")
    assert AuditEvent.objects.count() == before


def test_a_bad_commit_id_is_refused_saying_what_to_give(report: Report) -> None:
    with pytest.raises(CommandError, match=r"--introduced-by: 'main' is not a commit id: give"):
        vulndesk("report", "retrospective", "EMISSARY-1", "--introduced-by", "main")


def test_an_unknown_report_or_unwritable_file_is_an_error(report: Report, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no report EMISSARY-9"):
        vulndesk("report", "retrospective", "EMISSARY-9")
    with pytest.raises(CommandError, match=r"cannot write .*missing/retro\.md: No such file"):
        vulndesk(
            "report", "retrospective", "EMISSARY-1", "--out", str(tmp_path / "missing/retro.md")
        )
