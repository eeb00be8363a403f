"""Release-day integrity on real git (EMI-42, KAR-41): the fix is frozen as sent to
distributors, and `released` is refused while what landed on a branch of the project's
repository differs from it, naming the branch, the commit subject and what differs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_report, make_user
from tests.desk.integrity_world import World, commit_on, land, land_all, world
from tests.gitops.repos import git
from vulndesk.desk.models import AuditEvent, FixFreeze, FixTeamMember, Report, StateChoices
from vulndesk.desk.services import fix_integrity, fix_repo
from vulndesk.desk.services.transitions import transition, transition_facts
from vulndesk.process.lifecycle import TransitionError

__all__ = ["world"]  # the fixture


def release(world: World) -> Report:
    return transition(Report.objects.get(pk=world.report.pk), "released", actor=world.kim)


def refused(world: World) -> str:
    with pytest.raises(TransitionError) as refusal:
        release(world)
    assert Report.objects.get(pk=world.report.pk).state == StateChoices.SCHEDULED
    return str(refusal.value)


def test_freezing_records_each_target_branch_with_its_tip_and_patch_ids_KAR_41(
    world: World,
) -> None:
    freeze = fix_integrity.freeze_fix(world.report, actor=world.kim)
    tips = dict(
        line.split() for line in git(world.public, "show-ref", "--heads").splitlines()
    )  # sha, ref
    assert [(e["branch"], e["fix_branches"]) for e in freeze.branches] == [
        ("main", ["fix/header-main"]),
        ("release-1.13", ["fix/header-1.13"]),
    ]
    assert {e["base"] for e in freeze.branches} <= set(tips)
    assert [c["subject"] for c in freeze.branches[1]["commits"]] == [
        "Reject the header on 1.13",
        "Test the header on 1.13",
    ]
    assert all(len(c["patch_id"]) == 40 for e in freeze.branches for c in e["commits"])
    event = AuditEvent.objects.get(report=world.report, action="fix.frozen")
    assert event.actor == world.kim
    assert event.data["branches"][0]["patch_ids"] == [freeze.branches[0]["commits"][0]["patch_id"]]


def test_identical_cherry_picks_pass_and_the_report_is_released_EMI_42_KAR_41(
    world: World,
) -> None:
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    land_all(world)
    released = release(world)
    assert released.state == StateChoices.RELEASED
    freeze = FixFreeze.objects.get(report=world.report)
    assert freeze.check_result["problems"] == []
    assert freeze.checked_at is not None
    landed = freeze.check_result["branches"][1]["landed"]
    assert [c["subject"] for c in landed] == [
        "Reject the header on 1.13",
        "Test the header on 1.13",
    ]
    assert AuditEvent.objects.filter(report=world.report, action="fix.integrity_checked").exists()


def test_a_typo_fixed_after_the_freeze_refuses_release_naming_branch_and_commit_KAR_41(
    world: World,
) -> None:
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    land(world, "main", "refs/private/fix/header-main")
    land(world, "release-1.13", "refs/private/fix/header-1.13~1", "refs/private/fix/header-1.13")
    (world.work / "tests.txt").write_text("t (typo fixed)\n")
    git(world.work, "commit", "--quiet", "-a", "--amend", "--no-edit")
    git(world.work, "push", "--quiet", "--force", "origin", "release-1.13")
    message = refused(world)
    assert "cannot mark released: release-1.13: 'Test the header on 1.13' landed as " in message
    assert "differ from the commit sent to distributors" in message
    assert "main:" not in message


def test_a_missing_commit_and_an_extra_commit_are_each_named_EMI_42(world: World) -> None:
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    land(world, "main", "refs/private/fix/header-main")
    land(world, "release-1.13", "refs/private/fix/header-1.13~1")
    commit_on(world, "main", "CHANGELOG", "security fix\n", "Note the fix in the CHANGELOG")
    message = refused(world)
    assert "release-1.13: 'Test the header on 1.13' (" in message
    assert "was sent to distributors and has not landed" in message
    assert "main: 'Note the fix in the CHANGELOG' (" in message
    assert "landed but was not sent to distributors" in message


def test_the_release_guard_reads_the_latest_check_without_git(world: World) -> None:
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    [problem] = transition_facts(world.report).integrity_problems
    assert problem.startswith("what landed was not checked against the frozen fix")
    land_all(world)
    fix_integrity.check_release_integrity(world.report, actor=world.kim)
    assert transition_facts(world.report).integrity_problems == ()


def test_a_karmada_fix_never_frozen_is_refused_release_KAR_41(world: World) -> None:
    message = refused(world)
    assert "the fix was never frozen, so nothing says which commits were sent" in message
    assert f"vulndesk fix freeze {world.report.key}" in message
    assert "(KAR-41)" in message


def test_a_policy_that_needs_no_freeze_releases_without_one(world: World) -> None:
    project = world.report.project
    project.policy_overrides = {"release_integrity": {"frozen_fix_required": False}}
    project.save()
    assert release(world).state == StateChoices.RELEASED


def test_a_refreeze_replaces_the_first_for_release_day(world: World) -> None:
    first = fix_integrity.freeze_fix(world.report, actor=world.kim)
    world.repos.add_commit("fix/header-main", "more.txt", "Cover the other header")
    fix_repo.sync_fix_branches(world.report, actor=world.kim)
    second = fix_integrity.freeze_fix(world.report, actor=world.kim)
    assert fix_integrity.latest_freeze(world.report) == second
    assert len(second.branches[0]["commits"]) == 2
    event = AuditEvent.objects.filter(action="fix.frozen").order_by("-seq").first()
    assert event is not None
    assert event.data["replaces"] == first.pk
    land_all(world)  # only the new tip of fix/header-main: its first commit is left behind
    message = refused(world)
    assert "main: 'Reject the crafted header' (" in message
    assert "has not landed" in message


def test_a_branch_missing_or_rewritten_in_the_project_repository_is_named(world: World) -> None:
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    land_all(world)
    git(world.public, "branch", "-D", "release-1.13")
    git(world.work, "checkout", "--quiet", "main")
    git(world.work, "reset", "--quiet", "--hard", "HEAD~2")
    git(world.work, "push", "--quiet", "--force", "origin", "main")
    message = refused(world)
    assert f"release-1.13: {world.public} has no branch release-1.13" in message
    assert "main: on " in message
    assert "its tip when the fix was frozen" in message


def test_a_project_without_a_repository_url_cannot_be_checked(world: World) -> None:
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    world.report.project.repository_url = ""
    world.report.project.save()
    assert "the project has no repository URL: set it in karmada's settings" in refused(world)


def test_freezing_needs_a_repository_and_fix_branches(world: World) -> None:
    other = make_report(world.report.project)
    with pytest.raises(ValueError, match="link the report's private security repository first"):
        fix_integrity.freeze_fix(other, actor=world.kim)
    fix_repo.link_repository(other, str(world.repos.remote), actor=world.kim)
    other.refresh_from_db()
    with pytest.raises(ValueError, match="has no fix branch yet; sync its private repository"):
        fix_integrity.freeze_fix(other, actor=world.kim)
    with pytest.raises(ValueError, match="was never frozen"):
        fix_integrity.check_release_integrity(other, actor=world.kim)
    assert not FixFreeze.objects.filter(report=other).exists()


# -- the report page -------------------------------------------------------------------------------


def integrity_section(client: Client, world: World) -> str:
    html = client.get(world.report.get_absolute_url()).content.decode()
    if 'id="fix-integrity"' not in html:
        return ""
    start = html.index('id="fix-integrity"')
    return html[start : html.index("</div>", start)]


def test_the_page_shows_the_frozen_commits_and_each_difference_KAR_41(
    world: World, client: Client
) -> None:
    sign_in(client, world.kim)
    assert "The fix is not frozen; the policy refuses release until it is" in integrity_section(
        client, world
    )
    freeze = fix_integrity.freeze_fix(world.report, actor=world.kim)
    section = integrity_section(client, world)
    assert "by kim: the commits sent to distributors" in section
    assert freeze.branches[1]["commits"][1]["patch_id"][:12] in section
    assert "What landed has not been checked yet" in section
    land(world, "main", "refs/private/fix/header-main")
    fix_integrity.check_release_integrity(world.report, actor=world.kim)
    section = integrity_section(client, world)
    assert "<strong>it differs from what was sent</strong>" in section
    assert "release-1.13: &#x27;Test the header on 1.13&#x27; (" in section
    land(world, "release-1.13", "refs/private/fix/header-1.13~1", "refs/private/fix/header-1.13")
    fix_integrity.check_release_integrity(world.report, actor=world.kim)
    assert "every commit landed as sent" in integrity_section(client, world)


def test_the_fix_team_does_not_see_the_integrity_section(world: World, client: Client) -> None:
    fay = make_user("fay")
    FixTeamMember.objects.create(report=world.report, user=fay, accepted_at=timezone.now())
    fix_integrity.freeze_fix(world.report, actor=world.kim)
    sign_in(client, fay)
    assert client.get(world.report.get_absolute_url()).status_code == 200
    assert integrity_section(client, world) == ""


def test_the_page_freezes_the_fix_and_checks_what_landed_EMI_42(
    world: World, client: Client
) -> None:
    sign_in(client, world.kim)
    key = {"project": "karmada", "number": world.report.number}
    frozen = client.post(reverse("report-fix-freeze", kwargs=key), follow=True)
    assert "Fix frozen: 3 commits on 2 branches, as sent." in frozen.content.decode()
    assert FixFreeze.objects.get(report=world.report).frozen_by == world.kim
    land(world, "main", "refs/private/fix/header-main")
    checked = client.post(reverse("report-fix-verify", kwargs=key), follow=True).content.decode()
    assert "What landed differs from the frozen fix: 2 problems, listed below." in checked
    assert "release-1.13: &#x27;Reject the header on 1.13&#x27; (" in checked


def test_checking_from_the_page_before_any_freeze_says_so_and_records_nothing(
    world: World, client: Client
) -> None:
    sign_in(client, world.kim)
    events = AuditEvent.objects.count()
    url = reverse("report-fix-verify", kwargs={"project": "karmada", "number": world.report.number})
    response = client.post(url)
    assert response.status_code == 400
    assert "was never frozen; freeze it when it goes to distributors" in response.content.decode()
    assert AuditEvent.objects.count() == events
