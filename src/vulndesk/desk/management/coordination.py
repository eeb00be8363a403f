"""What coordination decided for a report, as `vulndesk report show` prints it: the release plan,
the Fix Team, the component and the Fix Team it proposes, and the private security repository
with each fix branch's latest test run and approvals against the policy's number."""

from dataclasses import asdict
from typing import Any

from django.core.management.base import OutputWrapper

from vulndesk.desk.management.output import human, print_table
from vulndesk.desk.models import FixBranch, FixTeamMember, Report, TestRun
from vulndesk.desk.services import fix_repo
from vulndesk.desk.services.components import proposed_fix_team
from vulndesk.gitops import display_remote
from vulndesk.process.release_lines import Case


def coordination(report: Report) -> dict[str, Any]:
    fix_repo.recover_abandoned_runs(report)  # a run its worker left "running" reads as an error
    remote = report.security_repository
    required = report.project.policy().fix_review.required_approvals
    approvals = {row.branch: row.approvals for row in fix_repo.approvals(report)}
    members = report.fix_team_members.select_related("user").order_by("pk")
    branches = report.fix_branches.select_related("release_line").order_by("name")
    return {
        "release_plan": asdict(report.release_plan()),
        "fix_team": [member_row(member) for member in members],
        "component": report.component.name if report.component else None,
        "proposed_fix_team": [
            {"user": owner.get_username(), "on_fix_team": on_team}
            for owner, on_team in proposed_fix_team(report)
        ],
        # Credentials in a remote's URL stay in the database: only the displayed form goes out.
        "security_repository": display_remote(remote) if remote else None,
        "required_approvals": required,
        "fix_branches": [
            {
                "branch": branch.name,
                "line": branch.release_line.name if branch.release_line else None,
                "head": branch.head_sha,
                "approvals": approvals[branch.name],
                "latest_test_run": latest_run(branch),
            }
            for branch in branches
        ],
    }


def member_row(member: FixTeamMember) -> dict[str, Any]:
    if member.ended_at is not None:
        state = "ended"
    elif member.accepted_at is not None:
        state = "active"
    else:
        state = "invited"
    return {
        "member": member.user.get_username() if member.user else member.invited_email,
        "state": state,
        "invited_at": member.invited_at,
        "accepted_at": member.accepted_at,
        "ended_at": member.ended_at,
        "ended_reason": member.ended_reason or None,
        "repo_access_granted_at": member.repo_access_granted_at,
    }


def latest_run(branch: FixBranch) -> dict[str, Any] | None:
    run = branch.test_runs.order_by("-created_at", "-pk").first()
    if run is None:
        return None
    return {
        "id": run.pk,
        "sha": run.sha,
        "status": run.status,
        "exit_code": run.exit_code,
        "stale": run.sha != branch.head_sha,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "log": run.log,
    }


def print_coordination(out: OutputWrapper, report: Report, facts: dict[str, Any]) -> None:
    plan = facts["release_plan"]
    rows: list[tuple[str, object]] = [("supported lines", ", ".join(plan["supported_lines"]))]
    for patch in plan["patch_releases"]:
        after = f"{patch['from_version']} → " if patch["from_version"] else ""
        version = patch["version"] or "the next patch (the line's latest version is unknown)"
        rows.append((f"patch release on {patch['line']}", after + version))
    if plan["fix_on_development"]:
        rows.append(("fix on", report.project.main_branch))
    rows += [
        ("release blocker", yes_no(plan["release_blocker"])),
        ("courtesy notice", yes_no(plan["courtesy_notice"])),
        ("upgrade notice", yes_no(plan["upgrade_notice"])),
        ("fix issued", yes_no(plan["fix_issued"])),
    ]
    if plan["case"] == Case.UNSUPPORTED_ONLY:  # the only case whose plan weighs a CVE (EMI-21)
        cve = plan["cve_warranted"]
        rows.append(("CVE warranted", "the team decides" if cve is None else yes_no(cve)))
    rows += [("why" if i == 0 else "", reason) for i, reason in enumerate(plan["reasons"])]
    print_table(out, f"release plan: {plan['case']}", ["decision", ""], rows)
    print_table(
        out,
        "Fix Team",
        ["member", "state", "invited", "accepted", "ended"],
        [
            (
                m["member"],
                m["state"],
                m["invited_at"],
                m["accepted_at"],
                " ".join(filter(None, [human(m["ended_at"]), m["ended_reason"]])),
            )
            for m in facts["fix_team"]
        ],
    )
    component = facts["component"]
    out.write(f"component: {component or 'none'}")
    if component:
        print_table(
            out,
            f"proposed Fix Team (the owners of {component})",
            ["owner", "on the Fix Team"],
            [(p["user"], yes_no(p["on_fix_team"])) for p in facts["proposed_fix_team"]],
        )
    out.write(f"private repository: {facts['security_repository'] or 'none linked'}")
    required = facts["required_approvals"]
    branches = facts["fix_branches"]
    print_table(
        out,
        "fix branches",
        ["branch", "fixes", "head", "tests", "on", "approvals"],
        [
            (
                b["branch"],
                b["line"] or report.project.main_branch,
                b["head"][:12],
                *run_cells(b["latest_test_run"]),
                b["approvals"] if required is None else f"{b['approvals']} of {required}",
            )
            for b in branches
        ],
    )
    for branch in branches:
        if note := run_note(branch["latest_test_run"]):
            out.write(f"{branch['branch']}: {note}")


def run_cells(run: dict[str, Any] | None) -> tuple[str, str]:
    if run is None:
        return "not run", ""
    code = "" if run["exit_code"] is None else f" (exit code {run['exit_code']})"
    stale = " for an older commit" if run["stale"] else ""
    return f"{run['status']}{code}{stale}", run["sha"][:12]


def run_note(run: dict[str, Any] | None) -> str:
    """Why a run could not judge the code: its log's last line (a timeout, a worker stopped)."""
    if run is None or run["status"] != TestRun.Status.ERROR:
        return ""
    lines = run["log"].strip().splitlines()
    return lines[-1] if lines else ""


def yes_no(value: bool) -> str:
    return "yes" if value else "no"
