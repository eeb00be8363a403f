"""`vulndesk report show` prints what coordination decided: the release plan, the Fix Lead and
Fix Team, the component and its proposed Fix Team, the private repository and its fix branches
with their latest test run and approvals; `report fix-exception` and `report component`."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.utils import timezone

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import TEST_COMMAND, build_repos
from vulndesk.desk.models import (
    AuditEvent,
    FixTeamMember,
    Project,
    ReleaseLine,
    Report,
    StateChoices,
    TeamRole,
)
from vulndesk.desk.services import components, fix_repo
from vulndesk.desk.services.affects import add_affect

pytestmark = pytest.mark.django_db


@pytest.fixture
def vitess(settings: LazySettings, tmp_path: Path) -> Project:
    """Vitess with two LGTMs required (VIT-18), 1.13 supported at 1.13.9, 1.12 not."""
    settings.DATA_DIR = tmp_path / "data"
    project = make_project(
        "vitess",
        test_command=TEST_COMMAND,
        policy_overrides={"fix_review": {"required_approvals": 2}},
    )
    for name, branch, status, latest in (
        ("1.12", "release-1.12", "unsupported", "1.12.4"),
        ("1.13", "release-1.13", "supported", "1.13.9"),
        ("main", "", "development", ""),
    ):
        ReleaseLine.objects.create(
            project=project, name=name, branch=branch, status=status, latest_version=latest
        )
    return project


@pytest.fixture
def vic(vitess: Project) -> User:
    """Vitess maintainer, on the security team (VIT-1): leads fixes and reviews them."""
    user = make_user("vic")
    make_member(vitess, user, TeamRole.MAINTAINER)
    return user


def affecting(project: Project, *lines: str, **fields: Any) -> Report:
    report = make_report(project, state=StateChoices.FIXING, **fields)
    for name in lines:
        add_affect(report, release_line=project.release_lines.get(name=name), actor=None)
    return report


def test_show_gives_the_patch_release_per_supported_line_and_why_EMI_17_VIT_5(
    vitess: Project,
) -> None:
    report = affecting(vitess, "1.13", "main")
    plan = vulndesk_json("report", "show", report.key)["release_plan"]
    assert plan["case"] == "supported"
    assert plan["patch_releases"] == [
        {"line": "1.13", "from_version": "1.13.9", "version": "1.13.10"}
    ]
    assert (plan["release_blocker"], plan["fix_on_development"]) == (True, True)  # EMI-19
    assert any("(EMI-17, VIT-5, VIT-14)" in reason for reason in plan["reasons"])
    text = vulndesk("report", "show", report.key)
    assert "release plan: supported" in text
    assert "patch release on 1.13  1.13.9 → 1.13.10" in text
    assert "release blocker        yes" in text
    assert "CVE warranted" not in text  # only a plan for unsupported lines weighs one


def test_show_gives_the_fix_lead_the_fix_team_with_states_and_the_proposed_team_FOLIO_27(
    vitess: Project, vic: User
) -> None:
    report = affecting(vitess, "1.13", fix_lead=vic)
    fay, olga = make_user("fay"), make_user("olga")
    now = timezone.now()
    FixTeamMember.objects.create(report=report, user=fay, accepted_at=now)
    FixTeamMember.objects.create(report=report, invited_email="sam@example.org")
    FixTeamMember.objects.create(report=report, user=olga, ended_at=now, ended_reason="removed")
    proxy = components.create_component(vitess, "vtgate", actor=None)
    components.set_owners(proxy, [fay, make_user("pat")], actor=None)
    vulndesk("report", "--as", "vic", "component", report.key, "vtgate")
    assert AuditEvent.objects.get(action="report.component_set").actor == vic
    shown = vulndesk_json("report", "show", report.key)
    assert shown["fix_lead"] == "vic"
    assert [(m["member"], m["state"]) for m in shown["fix_team"]] == [
        ("fay", "active"),
        ("sam@example.org", "invited"),
        ("olga", "ended"),
    ]
    assert shown["fix_team"][2]["ended_reason"] == "removed"
    assert shown["component"] == "vtgate"
    assert shown["proposed_fix_team"] == [
        {"user": "fay", "on_fix_team": True},
        {"user": "pat", "on_fix_team": False},
    ]
    text = vulndesk("report", "show", report.key)
    assert "component: vtgate" in text
    assert "proposed Fix Team (the owners of vtgate)" in text
    assert "sam@example.org  invited" in text


def test_show_gives_the_remote_without_credentials_and_each_branch_s_tests_and_approvals(
    vitess: Project, vic: User, tmp_path: Path
) -> None:
    report = affecting(vitess, "1.13", fix_lead=vic)
    repos = build_repos(tmp_path)
    report = fix_repo.link_repository(report, f"file://{repos.remote}", actor=vic)
    branches = {b.name: b for b in fix_repo.sync_fix_branches(report, actor=vic).branches}
    vulndesk("fix", "test", report.key, "fix/header-main", "--wait")
    fix_repo.record_review(branches["fix/header-main"], reviewer=vic, approved=True)
    shown = vulndesk_json("report", "show", report.key)
    assert shown["security_repository"] == f"file://{repos.remote}"
    assert shown["required_approvals"] == 2
    listed = {b["branch"]: b for b in shown["fix_branches"]}
    main = listed["fix/header-main"]
    assert (main["line"], main["approvals"]) == (None, 1)
    assert main["latest_test_run"]["status"] == "passed"
    assert main["latest_test_run"]["stale"] is False
    assert listed["fix/header-1.13"]["line"] == "1.13"
    assert listed["fix/header-1.13"]["latest_test_run"] is None
    text = vulndesk("report", "show", report.key)
    assert f"private repository: file://{repos.remote}" in text
    assert "passed (exit code 0)" in text
    assert "1 of 2" in text
    assert "not run" in text


def test_show_never_prints_the_remote_s_credentials(vitess: Project, vic: User) -> None:
    report = affecting(vitess, "1.13")
    fix_repo.link_repository(
        report, "https://fixer:s3cret-token@git.example.org/vitess-private.git", actor=vic
    )
    out = vulndesk("report", "show", report.key) + vulndesk("report", "show", report.key, "--json")
    assert "git.example.org/vitess-private.git" in out
    assert "s3cret-token" not in out


def test_fix_exception_fixes_a_report_on_unsupported_lines_only_VIT_12(vitess: Project) -> None:
    report = affecting(vitess, "1.12")
    assert vulndesk_json("report", "show", report.key)["release_plan"]["fix_issued"] is False
    shown = vulndesk_json(
        "report", "fix-exception", report.key, "--reason", "exploited in the wild"
    )
    assert shown["release_plan"]["fix_issued"] is True
    assert (
        "an exception issues a fix anyway (VIT-12): exploited in the wild"
        in (shown["release_plan"]["reasons"])
    )
    assert AuditEvent.objects.filter(action="report.fix_exception_recorded").count() == 1
    text = vulndesk("report", "show", report.key)
    assert "release plan: unsupported_only" in text
    assert "CVE warranted" in text


def test_fix_exception_is_refused_for_a_report_on_a_supported_line_VIT_12(
    vitess: Project,
) -> None:
    report = affecting(vitess, "1.13")
    with pytest.raises(CommandError, match="does not affect unsupported lines only"):
        vulndesk("report", "fix-exception", report.key, "--reason", "just because")
    report.refresh_from_db()
    assert report.fix_exception_reason == ""


def test_report_component_names_the_project_s_components_when_it_has_no_such_one(
    vitess: Project,
) -> None:
    report = affecting(vitess, "1.13")
    with pytest.raises(
        CommandError,
        match=r"it has no components yet \(add one with `vulndesk component add vitess NAME`\)",
    ):
        vulndesk("report", "component", report.key, "vtgate")
    components.create_component(vitess, "vttablet", actor=None)
    with pytest.raises(CommandError, match="no component 'vtgate'; its components: vttablet"):
        vulndesk("report", "component", report.key, "vtgate")


def test_report_component_clear_takes_the_component_off(vitess: Project) -> None:
    report = affecting(vitess, "1.13")
    components.create_component(vitess, "vtgate", actor=None)
    assert vulndesk_json("report", "component", report.key, "vtgate")["component"] == "vtgate"
    assert vulndesk_json("report", "component", report.key, "--clear")["component"] is None
    changes = AuditEvent.objects.filter(action="report.component_set").order_by("seq")
    assert [e.data["component"] for e in changes] == ["vtgate", None]
