"""A report's retrospective, gathered from the audit log and the report's own records.

Read only: the audit trail is append-only, and writing a retrospective changes nothing. Sending
it as the retrospective announcement calls `retrospective_markdown` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from vulndesk.desk.models import (
    Backport,
    FixBranch,
    FixTeamMember,
    Report,
    Review,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.services.audit import SYSTEM_ACTOR
from vulndesk.process.retrospective import (
    SHA,
    Commit,
    DeadlineFact,
    Event,
    Participant,
    RetroFacts,
    Retrospective,
    build,
    describe,
    render_markdown,
)

FIX_LEAD = "Fix Lead"
FIX_TEAM = "Fix Team"
SECURITY_TEAM = "security team"
REVIEWER = "fix reviewer"
SYSTEM_ROLE = "vulndesk"
# The other project roles, as the retrospective names them.
TEAM_ROLE_NAMES: dict[str, str] = {
    TeamRole.RELEASE_MANAGER: "release manager",
    TeamRole.MAINTAINER: "maintainer",
    TeamRole.ASSOCIATE: "associate",
}


def retrospective_markdown(
    report: Report, *, introduced_by: Sequence[str] = (), now: datetime | None = None
) -> str:
    """The report's retrospective as Markdown: the one entry point announcements call."""
    return render_markdown(retrospective(report, introduced_by=introduced_by, now=now))


def retrospective(
    report: Report, *, introduced_by: Sequence[str] = (), now: datetime | None = None
) -> Retrospective:
    """Raises ValueError naming an `introduced_by` value that is not a commit id."""
    introduced = tuple(Commit(sha.strip()) for sha in introduced_by)
    return build(gather(report, introduced_by=introduced, now=now or timezone.now()))


def gather(report: Report, *, introduced_by: Sequence[Commit], now: datetime) -> RetroFacts:
    roles = _roles(report)
    rows = list(
        report.audit_events.order_by("seq").values_list(
            "created_at", "actor_label", "action", "data"
        )
    )
    labels = {label for _, label, _, _ in rows}
    role_of = {label: roles.get(label) or _outside_role(label) for label in labels}
    events = [
        Event(at, role_of[label], action, describe(action, data or {}))
        for at, label, action, data in rows
    ]
    # Everyone who acted on the report, or held a role in its fix whether they acted or not.
    involved = (labels - {SYSTEM_ACTOR}) | {
        name for name, role in roles.items() if role in (FIX_LEAD, FIX_TEAM, REVIEWER)
    }
    participants = [
        Participant(roles.get(name) or role_of.get(name) or _outside_role(name), name)
        for name in sorted(involved)
    ]
    deadlines = report.deadlines.order_by(F("due_at").asc(nulls_last=True), "name")
    return RetroFacts(
        key=report.key,
        title=report.title,
        state=report.state,
        received_at=report.received_at,
        as_of=now,
        release_date=report.release_date,
        milestones={
            "acknowledge": report.triage_started_at,
            "triage": report.accepted_at,
            "fix": report.fix_ready_at,
            "release": report.fix_released_at,
            "publish": report.published_at,
        },
        events=events,
        deadlines=[
            DeadlineFact(d.name, d.rule_id, d.due_at, d.met_at, d.opens_at) for d in deadlines
        ],
        participants=participants,
        introduced_by=introduced_by,
        fixed_by=_fix_commits(report),
    )


def _roles(report: Report) -> dict[str, str]:
    """Username -> the role they held on this report; the closest to the fix wins."""
    roles: dict[str, str] = {}
    members = TeamMember.objects.filter(project=report.project).values_list(
        "user__username", "role"
    )
    security_roles = set(report.project.security_team_roles())
    # Security-team seats first, so another role the same person holds does not replace them.
    for name, role in sorted(members, key=lambda m: m[1] not in security_roles):
        roles.setdefault(
            name, SECURITY_TEAM if role in security_roles else TEAM_ROLE_NAMES.get(role, role)
        )
    reviews = Review.objects.filter(fix_branch__report=report).exclude(reviewer=None)
    for name in reviews.values_list("reviewer__username", flat=True):
        roles.setdefault(name, REVIEWER)
    fix_team = FixTeamMember.objects.filter(report=report, accepted_at__isnull=False)
    for name in fix_team.exclude(user=None).values_list("user__username", flat=True):
        roles[name] = FIX_TEAM
    if report.fix_lead is not None:
        roles[report.fix_lead.get_username()] = FIX_LEAD
    return roles


def _outside_role(label: str) -> str:
    if label == SYSTEM_ACTOR:
        return SYSTEM_ROLE
    operator = get_user_model().objects.filter(username=label, is_superuser=True).exists()
    return "operator" if operator else "former member"


def _fix_commits(report: Report) -> list[Commit]:
    """What shipped the fix: each backport's fix commits, else each fix branch's reviewed head."""
    found: list[Commit] = []
    for backport in Backport.objects.filter(report=report).select_related("package"):
        found += _commits(backport.fix_commits, backport.package.name)
    if not found:
        for branch in FixBranch.objects.filter(report=report).order_by("name"):
            found += _commits([branch.head_sha], f"fix branch {branch.name}")
    unique: dict[str, Commit] = {}
    for commit in found:
        unique.setdefault(commit.sha, commit)
    return list(unique.values())


def _commits(shas: Iterable[object], where: str) -> list[Commit]:
    # Stored values come from git; anything else (an empty head, say) is not a commit to name.
    return [
        Commit(sha, where) for sha in shas if isinstance(sha, str) and SHA.fullmatch(sha.lower())
    ]
