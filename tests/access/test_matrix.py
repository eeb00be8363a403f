"""Every role, every page and API endpoint, every kind of report: checked against one table.

The table says what each role may do with each report; the endpoints say which capability each
needs; the test makes every request and compares. A denial must be the right one (the login page
or 401 for the anonymous, 404 where the report is invisible, 403 where it is visible but the
action is not theirs) and must not carry the report's title or key. A list must show exactly the
reports the role may see. The number of pairs checked is printed and written to
test-output/access-matrix.txt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.db import transaction
from django.http import HttpResponse as PlainResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.world import OBJECTS, ROLES, World, build_world
from tests.desk.factories import make_user
from vulndesk.accounts.models import CalendarFeed
from vulndesk.desk.models import (
    AuditEvent,
    Backport,
    Component,
    Distributor,
    EmbargoBreak,
    Nomination,
    RemovalVote,
    Report,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.models.distributor import DistributorMembership, MembershipState
from vulndesk.desk.models.fix import FixBranch, TestRun
from vulndesk.desk.models.project import Project
from vulndesk.desk.models.team import FixTeamMember
from vulndesk.lib.tokens import new_token
from vulndesk.notify.models import MAX_ATTEMPTS, OutboundEmail

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

# Capabilities, one letter each:
#   v open the report (page, API detail, deadlines, audit, comments, affects)
#   t triage it (transition, score, questionnaire)   a record affects   c comment
#   j see its project                                  m change its project's settings
#   n read the distributor notice about it            k acknowledge that notice
#   A read its published advisory                      r follow the reporter's private link
#   o see it in the admin
#   w review its fix branches (the policy's reviewers: maintainers and the security team)
#   b plan and run its backports      p register its project's packages and dependents
#   g act from a seat on its project's security team: nominate (KAR-4), vote on a removal
#     (KAR-9), step down (KAR-5); the operator decides but holds no seat
#   f publish it anyway despite failed publication guards, withdraw or revise its advisory
CAN: dict[str, tuple[str, str, str, str]] = {
    # role              embargoed      published      sibling        elsewhere
    "anonymous":       ("",            "A",           "",            ""),
    "reporter":        ("r",           "A",           "",            ""),
    "outsider":        ("",            "A",           "",            ""),
    "distributor":     ("nk",          "Ank",         "nk",          "nk"),
    "release_manager": ("jp",          "Avcjbp",      "jp",          ""),
    "fix_team":        ("vac",         "A",           "",            ""),
    "other_team":      ("",            "A",           "",            "vtacjmnwbpgf"),
    "security_team":   ("vtacjmnwbpgf", "Avtacjmnwbpgf", "vtacjmnwbpgf", ""),
    "operator":        ("vtacjmnobpf",  "Avtacjmnobpf", "vtacjmnobpf",  "vtacjmnobpf"),
}  # fmt: skip

# Which capability a denied request is judged by first: without it, the thing does not exist.
GATE = {
    **{"v": "v", "t": "v", "a": "v", "c": "v", "w": "v", "b": "v", "f": "v"},
    **{"j": "j", "m": "j", "p": "j", "g": "j", "n": "n", "k": "n", "r": "r"},
}


def can(role: str, obj: str, capability: str) -> bool:
    return capability in CAN[role][OBJECTS.index(obj)]


Url = Callable[[World, str], str]
Data = Callable[[World, str], dict[str, Any]]


def nothing(world: World, obj: str) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name, as `reverse` knows it
    method: str
    needs: str  # one capability letter
    url: Url
    api: bool = False
    data: Data = nothing
    # A list answers every signed-in user (everyone, if public) and shows only what `needs`
    # allows: for each report it must not show, none of `words` may appear.
    lists: bool = False
    public: bool = False
    words: Callable[[World, str], list[str]] = World.secret_words
    # Reports the action cannot apply to (their state, or nothing to act with): one who may act
    # is let in and then refused on the merits with a 400, which counts as let in.
    refused_for: frozenset[str] = frozenset()
    # A calendar feed: a calendar app cannot sign in, so the address carries the role's own
    # secret (see `calendar_address`), and the feed shows no report the role may not open.
    calendar: bool = False


def report_url(name: str, api: bool = False, **extra: Callable[[World, str], Any]) -> Url:
    def url(world: World, obj: str) -> str:
        report = world.reports[obj]
        kwargs = {"project": report.project.slug, "number": report.number}
        kwargs |= {key: make(world, obj) for key, make in extra.items()}
        return reverse(name, kwargs=kwargs)

    return url


def fixed(name: str) -> Url:
    return lambda world, obj: reverse(name)


def project_url(name: str, **extra: Callable[[World, str], Any]) -> Url:
    def url(world: World, obj: str) -> str:
        kwargs = {"slug": world.projects[obj].slug}
        kwargs |= {key: make(world, obj) for key, make in extra.items()}
        return reverse(name, kwargs=kwargs)

    return url


def public_project_url(name: str) -> Url:
    """A project's public page: its policy, its advisories and their feeds."""
    return lambda world, obj: reverse(name, kwargs={"project": world.projects[obj].slug})


def notice_url(name: str) -> Url:
    return lambda world, obj: reverse(name, kwargs={"pk": world.notices[obj].pk})


def by_role(world: World, obj: str) -> str:
    raise AssertionError("a calendar's address is the role's own: see calendar_address")


def calendar_address(world: World, role: str, endpoint: Endpoint, obj: str) -> str:
    """The role's own feed, of everything or of the report's project (whether or not the role
    is on a team of it, as a feed outlives its owner's membership); one without an account
    guesses a secret."""
    raw, token_digest = new_token("vdc")
    project = world.projects[obj] if endpoint.name == "project-calendar-feed" else None
    if (user := world.users.get(role)) is not None:
        CalendarFeed.objects.create(user=user, project=project, digest=token_digest, hint=raw[:8])
    kwargs = {"token": raw} | ({"slug": project.slug} if project else {})
    return reverse(endpoint.name, kwargs=kwargs)


def version(world: World, obj: str) -> int:
    return Report.objects.get(pk=world.reports[obj].pk).version


def next_state(world: World, obj: str) -> str:
    return "closed" if world.reports[obj].state == "published" else "triaging"


def other_report(world: World, obj: str) -> int:
    """Another report of the same project, as a duplicate's original (none for `elsewhere`)."""
    return world.reports["sibling" if obj != "sibling" else "embargoed"].pk


def notice_words(world: World, obj: str) -> list[str]:
    return [world.notices[obj].subject]


def backport_id(world: World, obj: str) -> int:
    return Backport.objects.get(report=world.reports[obj]).pk


def fix_team_member(world: World) -> int:
    """The embargoed report's Fix Team member: on any other report, not one of its members."""
    return FixTeamMember.objects.get(report=world.reports["embargoed"]).pk


def affect_id(world: World, obj: str) -> int:
    return world.affects[obj].pk


def team_member(world: World, obj: str) -> TeamMember:
    """A member of the project other than its security team where there is one: the release
    manager declares their own leave, the security team declares it for them."""
    members = TeamMember.objects.filter(project=world.projects[obj]).order_by("role")
    return members.exclude(role=TeamRole.SECURITY_TEAM).first() or members.get()


def nomination_id(world: World, obj: str) -> int:
    """An open nomination of the project (made inside the request's rolled-back transaction)."""
    project = world.projects[obj]
    nominator = TeamMember.objects.get(project=project, role=TeamRole.SECURITY_TEAM)
    return Nomination.objects.create(
        project=project, nominee=world.users["outsider"], nominated_by=nominator.user, kind="member"
    ).pk


def seated_member(world: World, obj: str) -> str:
    """The username of the project's security-team member: the one who may step down."""
    member = TeamMember.objects.get(project=world.projects[obj], role=TeamRole.SECURITY_TEAM)
    return member.user.get_username()


def removal_vote_id(world: World, obj: str) -> int:
    """An open vote on removing a second member of the project's security team, whose one
    other member votes, under a policy with a threshold (made inside the request's rolled-back
    transaction)."""
    project = world.projects[obj]
    Project.objects.filter(pk=project.pk).update(
        policy_overrides={"team": {"inactivity": {"removal_vote": {"threshold": 0.6667}}}}
    )
    opener = TeamMember.objects.get(project=project, role=TeamRole.SECURITY_TEAM).user
    silent = TeamMember.objects.create(
        project=project, user=make_user(f"silent-{obj}"), role=TeamRole.SECURITY_TEAM
    )
    return RemovalVote.objects.create(member=silent, opened_by=opener, reason="silent").pk


def application_id(world: World, obj: str) -> int:
    """An organisation's waiting application to the project's distributors list (made inside
    the request's rolled-back transaction)."""
    applicant = Distributor.objects.create(slug=f"applicant-{obj}", name=f"Applicant {obj}")
    return DistributorMembership.objects.create(
        project=world.projects[obj], distributor=applicant, state=MembershipState.APPLIED
    ).pk


def outbound_id(world: World, obj: str) -> int:
    """A message to the team the worker gave up on (made inside the request's rolled-back
    transaction)."""
    return OutboundEmail.objects.create(
        report=world.reports[obj],
        kind=OutboundEmail.Kind.RETROSPECTIVE,
        audience=OutboundEmail.Audience.TEAM,
        to="team@example.org",
        subject="retrospective",
        body="b",
        attempts=MAX_ATTEMPTS,
        last_error="ConnectionRefusedError",
    ).pk


def pending_break(world: World, obj: str) -> dict[str, object]:
    """A decision on an embargo break waiting for one (made inside the request's rolled-back
    transaction)."""
    EmbargoBreak.objects.create(report=world.reports[obj], how="a mirror", by_whom="Acme")
    return {"choice": "keep_date", "reason": "only a hint", "version": version(world, obj)}


def component_id(world: World, obj: str) -> int:
    return Component.objects.create(project=world.projects[obj], name="core").pk


def fix_branch_id(world: World, obj: str) -> int:
    """A fix branch of the report, and a test command for its project (made inside the
    request's rolled-back transaction)."""
    report = world.reports[obj]
    Project.objects.filter(pk=report.project_id).update(test_command="true")
    branch, _ = FixBranch.objects.get_or_create(
        report=report, name="fix/matrix", defaults={"head_sha": "a" * 40}
    )
    return branch.pk


def run_id(world: World, obj: str) -> int:
    branch = FixBranch.objects.get(pk=fix_branch_id(world, obj))
    return TestRun.objects.create(fix_branch=branch, sha=branch.head_sha, command="true").pk


CVSS = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
# Only a published advisory can be withdrawn or revised: the others are refused on the merits.
UNPUBLISHED = frozenset({"embargoed", "sibling", "elsewhere"})

ENDPOINTS: list[Endpoint] = [
    # -- pages -----------------------------------------------------------------------------
    Endpoint("dashboard", "GET", "v", fixed("dashboard"), lists=True),
    Endpoint("report-list", "GET", "v", fixed("report-list"), lists=True),
    Endpoint("project-list", "GET", "j", fixed("project-list"), lists=True),
    Endpoint("notice-list", "GET", "n", fixed("notice-list"), lists=True, words=notice_words),
    Endpoint("advisory-list", "GET", "A", fixed("advisory-list"), lists=True, public=True),
    Endpoint("report-detail", "GET", "v", report_url("report-detail")),
    Endpoint(
        "report-transition",
        "POST",
        "t",
        report_url("report-transition"),
        data=lambda w, o: {"target": next_state(w, o), "reason": "m", "version": version(w, o)},
    ),
    Endpoint(
        "report-score",
        "POST",
        "t",
        report_url("report-score"),
        data=lambda w, o: {"vector": CVSS, "action": "save", "version": version(w, o)},
    ),
    Endpoint(
        "report-cvss-preview",
        "GET",
        "t",
        lambda w, o: report_url("report-cvss-preview")(w, o) + f"?vector={CVSS}",
    ),
    Endpoint("report-retrospective", "GET", "t", report_url("report-retrospective")),
    Endpoint(
        "report-triage",
        "POST",
        "t",
        report_url("report-triage"),
        data=lambda w, o: {"version": version(w, o), "blast_radius": "one tenant"},
    ),
    Endpoint(
        "report-duplicate",
        "POST",
        "t",
        report_url("report-duplicate"),
        data=lambda w, o: {"original": other_report(w, o), "version": version(w, o)},
        refused_for=frozenset({"published", "elsewhere"}),
    ),
    Endpoint(
        "report-reject",
        "POST",
        "t",
        report_url("report-reject"),
        data=lambda w, o: {"reason": "out_of_scope", "version": version(w, o)},
        refused_for=frozenset({"published"}),
    ),
    Endpoint(
        "report-affect-add",
        "POST",
        "a",
        report_url("report-affect-add"),
        data=lambda w, o: {"package": "p", "status": "affected", "version": version(w, o)},
    ),
    Endpoint(
        "report-affect-remove",
        "POST",
        "a",
        report_url("report-affect-remove", affect=affect_id),
        data=lambda w, o: {"version": version(w, o)},
    ),
    Endpoint(
        "report-comment-add",
        "POST",
        "c",
        report_url("report-comment-add"),
        data=lambda w, o: {"body": "Looks right."},
    ),
    Endpoint(
        "report-reporter-reply",
        "POST",
        "t",
        report_url("report-reporter-reply"),
        data=lambda w, o: {"body": "Which version did you test?"},
    ),
    Endpoint(
        "report-reporter-links-revoke", "POST", "t", report_url("report-reporter-links-revoke")
    ),
    # Overridden, so each report takes the date whatever its policy says (KAR-33, EMI-40).
    Endpoint(
        "report-release-date",
        "POST",
        "t",
        report_url("report-release-date"),
        data=lambda w, o: {
            "release_date": "2030-01-07T16:00",
            "reason": "agreed",
            "override": "on",
            "version": version(w, o),
        },
    ),
    Endpoint(
        "report-fix-exception",
        "POST",
        "t",
        report_url("report-fix-exception"),
        data=lambda w, o: {"reason": "exploited", "version": version(w, o)},
        refused_for=frozenset(OBJECTS),  # each affects a supported line: no exception needed
    ),
    Endpoint(
        "report-private-handling",
        "POST",
        "t",
        report_url("report-private-handling"),
        data=lambda w, o: {"action": "agreed", "version": version(w, o)},
        refused_for=frozenset(OBJECTS),  # none of them is public: there is nothing to answer
    ),
    Endpoint(
        "report-attachment",
        "GET",
        "v",
        report_url("report-attachment", pk=lambda w, o: w.attachments[o].pk),
    ),
    Endpoint(
        "report-advisory-download",
        "GET",
        "v",  # a draft while embargoed: the Markdown is always offered
        report_url("report-advisory-download", filename=lambda w, o: "advisory.md"),
    ),
    Endpoint("project-settings", "GET", "m", project_url("project-settings")),
    Endpoint(
        "project-settings",
        "POST",
        "m",
        project_url("project-settings"),
        data=lambda w, o: {"preset": w.projects[o].preset, "overrides": ""},
    ),
    Endpoint(
        "project-testing",
        "POST",
        "m",
        project_url("project-testing"),
        data=lambda w, o: {"main_branch": "main", "test_command": "make test"},
    ),
    Endpoint(
        "release-line-add",
        "POST",
        "m",
        project_url("release-line-add"),
        data=lambda w, o: {"new-name": "2.0", "new-status": "supported"},
    ),
    Endpoint(
        "release-line-edit",
        "POST",
        "m",
        project_url("release-line-edit", pk=lambda w, o: w.release_lines[o].pk),
        data=lambda w, o: {
            f"line{w.release_lines[o].pk}-name": "1.0",
            f"line{w.release_lines[o].pk}-status": "unsupported",
        },
    ),
    Endpoint("project-team", "GET", "j", project_url("project-team")),
    Endpoint(
        "project-team-nominate",
        "POST",
        "m",  # and the project's maintainers (KAR-4), a role this world does not have
        project_url("project-team-nominate"),
        data=lambda w, o: {"username": "outsider", "kind": "member", "reason": "fixes CVEs"},
        refused_for=frozenset(OBJECTS),  # the operator is let in, but nominates no one (KAR-4)
    ),
    Endpoint(
        "project-team-nomination",
        "POST",
        "m",
        project_url("project-team-nomination", pk=nomination_id),
        data=lambda w, o: {"action": "decline", "reason": "not now"},
    ),
    Endpoint(
        "project-team-step-down",
        "POST",
        "j",  # one's own membership: the others of the team hold none of that role
        project_url("project-team-step-down"),
        data=lambda w, o: {"role": "security_team"},
        refused_for=frozenset(OBJECTS),
    ),
    Endpoint(
        "project-team-leave",
        "POST",
        "j",  # one's own leave, or anyone's for the security team
        project_url("project-team-leave"),
        data=lambda w, o: {
            "member": team_member(w, o).pk,
            "starts_on": "2030-01-01",
            "ends_on": "2030-01-10",
        },
    ),
    Endpoint(
        "project-team-vote",
        "POST",
        "m",
        project_url("project-team-vote"),
        data=lambda w, o: {"action": "open", "member": team_member(w, o).pk, "reason": "silent"},
        refused_for=frozenset(OBJECTS),  # these presets flag no one: no inactivity rule
    ),
    Endpoint(
        "project-components",
        "POST",
        "m",
        project_url("project-components"),
        data=lambda w, o: {"action": "create", "name": "proxy"},
    ),
    Endpoint(
        "project-announcement-template",
        "GET",
        "m",
        project_url("project-announcement-template", kind=lambda w, o: "release"),
    ),
    Endpoint(
        "project-announcement-template",
        "POST",
        "m",
        project_url("project-announcement-template", kind=lambda w, o: "release"),
        data=lambda w, o: {"subject": "{{ key }} released", "body": "Upgrade: {{ upgrade }}"},
    ),
    Endpoint(
        "report-component",
        "POST",
        "t",
        report_url("report-component"),
        data=lambda w, o: {"component": component_id(w, o), "version": version(w, o)},
    ),
    Endpoint(
        "report-outbox-resend",
        "POST",
        "t",
        report_url("report-outbox-resend", outbound=outbound_id),
    ),
    Endpoint(
        "report-fix-repo",
        "POST",
        "t",
        report_url("report-fix-repo"),
        data=lambda w, o: {"remote": "https://git.example.org/security/proxy.git"},
    ),
    Endpoint(
        "report-fix-repo-sync",
        "POST",
        "t",
        report_url("report-fix-repo-sync"),
        refused_for=frozenset(OBJECTS),  # no private repository is linked: nothing to fetch
    ),
    # No private repository is linked: no fix to freeze, and none frozen to check (EMI-42).
    Endpoint(
        "report-fix-freeze",
        "POST",
        "t",
        report_url("report-fix-freeze"),
        refused_for=frozenset(OBJECTS),
    ),
    Endpoint(
        "report-fix-verify",
        "POST",
        "t",
        report_url("report-fix-verify"),
        refused_for=frozenset(OBJECTS),
    ),
    Endpoint(
        "report-fix-branch-test",
        "POST",
        "a",  # the Fix Team too, as for affects
        report_url("report-fix-branch-test", branch=fix_branch_id),
    ),
    Endpoint(
        "report-fix-branch-review",
        "POST",
        "w",
        report_url("report-fix-branch-review", branch=fix_branch_id),
        data=lambda w, o: {"verdict": "approve"},
    ),
    Endpoint("report-test-run-log", "GET", "v", report_url("report-test-run-log", run=run_id)),
    Endpoint(
        "report-backport-plan",
        "POST",
        "b",
        report_url("report-backport-plan"),
        data=lambda w, o: {
            "package": "proxy-lib",
            "fix_commits": "abcdef1",
            "compatibility": "same_major",
        },
    ),
    Endpoint(
        "report-backport-dry-run",
        "POST",
        "b",
        report_url("report-backport-dry-run", backport=backport_id),
        refused_for=frozenset(OBJECTS),  # not planned yet: nothing to try
    ),
    Endpoint(
        "report-backport-execute",
        "POST",
        "b",
        report_url("report-backport-execute", backport=backport_id),
        refused_for=frozenset(OBJECTS),  # not planned yet: nothing to carry out
    ),
    Endpoint("notice-detail", "GET", "n", notice_url("notice-detail")),
    Endpoint("notice-acknowledge", "POST", "k", notice_url("notice-acknowledge")),
    Endpoint(
        "notice-answer",
        "POST",
        "k",
        notice_url("notice-answer"),
        data=lambda w, o: {"answer": "affected", "statement": "we ship 1.0"},
    ),
    Endpoint(
        "report-distributor-notice",
        "POST",
        "t",
        report_url("report-distributor-notice"),
        data=lambda w, o: {"subject": "Advance notice", "body": "Patch attached."},
        refused_for=frozenset(OBJECTS),  # neither preset has a distributors list (VIT-27)
    ),
    Endpoint(
        "report-distributor-remind",
        "POST",
        "t",
        report_url("report-distributor-remind"),
        refused_for=frozenset(OBJECTS),  # no list, so nobody to remind
    ),
    Endpoint("project-distributors", "GET", "m", project_url("project-distributors")),
    Endpoint(
        "project-distributors-terms",
        "POST",
        "m",
        project_url("project-distributors-terms"),
        data=lambda w, o: {"text": "Keep it secret."},
        refused_for=frozenset(OBJECTS),  # no list, so no terms
    ),
    Endpoint(
        "project-distributors-invite",
        "POST",
        "m",
        project_url("project-distributors-invite"),
        data=lambda w, o: {"organisation": "Distro", "email": "", "member": "distributor"},
        refused_for=frozenset(OBJECTS),  # no list to invite to (VIT-27)
    ),
    Endpoint(
        "project-distributors-decision",
        "POST",
        "m",
        project_url("project-distributors-decision", pk=application_id),
        data=lambda w, o: {"approve": "yes", "reason": ""},
    ),
    Endpoint("api:distributor_status", "GET", "t", report_url("api:distributor_status"), api=True),
    Endpoint(
        "api:answer_notice",
        "POST",
        "k",
        lambda w, o: reverse("api:answer_notice", kwargs={"notice_id": w.notices[o].pk}),
        api=True,
        data=lambda w, o: {"answer": "not_affected", "statement": "we ship 0.9"},
    ),
    Endpoint("advisory-detail", "GET", "A", report_url("advisory-detail"), public=True),
    Endpoint(
        "advisory-download",
        "GET",
        "A",
        # Markdown is always offered; OSV and CVE records of this world's report could not be
        # valid (no CVE ID), which tests/desk/test_public_advisories.py covers.
        report_url("advisory-download", filename=lambda w, o: "advisory.md"),
        public=True,
    ),
    Endpoint("advisory-osv-feed", "GET", "A", fixed("advisory-osv-feed"), lists=True, public=True),
    Endpoint(
        "advisory-atom-feed", "GET", "A", fixed("advisory-atom-feed"), lists=True, public=True
    ),
    Endpoint(
        "project-osv-feed",
        "GET",
        "A",
        public_project_url("project-osv-feed"),
        lists=True,
        public=True,
    ),
    Endpoint(
        "project-atom-feed",
        "GET",
        "A",
        public_project_url("project-atom-feed"),
        lists=True,
        public=True,
    ),
    Endpoint(
        "project-security-policy",
        "GET",
        "A",
        public_project_url("project-security-policy"),
        lists=True,
        public=True,
    ),
    Endpoint(
        "project-security-md",
        "GET",
        "A",
        public_project_url("project-security-md"),
        lists=True,
        public=True,
    ),
    # -- calendar feeds (issue 8, item 7): what the feed's owner may see, at each request -----
    Endpoint("calendar-feed", "GET", "v", by_role, lists=True, calendar=True),
    Endpoint("project-calendar-feed", "GET", "j", by_role, calendar=True),
    Endpoint(
        "reporter-report",
        "GET",
        "r",
        lambda w, o: reverse("reporter-report", kwargs={"token": w.reporter_tokens[o]}),
        public=True,
    ),
    Endpoint(
        "reporter-message-add",
        "POST",
        "r",
        lambda w, o: reverse("reporter-message-add", kwargs={"token": w.reporter_tokens[o]}),
        public=True,
        data=lambda w, o: {"body": "It also crashes with two headers."},
    ),
    Endpoint(
        "reporter-private-handling",
        "POST",
        "r",
        lambda w, o: reverse("reporter-private-handling", kwargs={"token": w.reporter_tokens[o]}),
        public=True,
        data=lambda w, o: {"answer": "agreed"},
        refused_for=frozenset({"embargoed"}),  # not public, so never asked
    ),
    Endpoint(
        "reporter-credit",
        "POST",
        "r",
        lambda w, o: reverse("reporter-credit", kwargs={"token": w.reporter_tokens[o]}),
        public=True,
        data=lambda w, o: {"credit_kind": "handle", "credit_name": "@dana"},
    ),
    # -- the Fix Lead and the Fix Team -------------------------------------------------------
    Endpoint(
        "report-fix-lead-assign",
        "POST",
        "t",
        report_url("report-fix-lead-assign"),
        data=lambda w, o: {"version": version(w, o), "member": "", "reason": ""},
    ),
    Endpoint(
        "report-fix-team-invite",
        "POST",
        "t",
        report_url("report-fix-team-invite"),
        data=lambda w, o: {"username": "outsider"},
        refused_for=frozenset({"published"}),  # released: nobody joins any more
    ),
    Endpoint(
        "report-fix-team-member",
        "POST",
        "t",
        report_url("report-fix-team-member"),
        data=lambda w, o: {"member": fix_team_member(w), "action": "grant"},
        refused_for=frozenset({"published", "sibling", "elsewhere"}),  # not on their teams
    ),
    # -- the admin -------------------------------------------------------------------------
    Endpoint(
        "admin:desk_report_changelist",
        "GET",
        "o",
        fixed("admin:desk_report_changelist"),
        lists=True,
    ),
    Endpoint(
        "admin:desk_report_change",
        "GET",
        "o",
        lambda w, o: reverse("admin:desk_report_change", args=[w.reports[o].pk]),
    ),
    # -- the API ---------------------------------------------------------------------------
    Endpoint(
        "api:assign_lead",
        "POST",
        "t",
        report_url("api:assign_lead"),
        api=True,
        data=lambda w, o: {"version": version(w, o)},
    ),
    Endpoint(
        "api:invite_to_fix_team",
        "POST",
        "t",
        report_url("api:invite_to_fix_team"),
        api=True,
        data=lambda w, o: {"username": "outsider"},
        refused_for=frozenset({"published"}),
    ),
    Endpoint("api:list_reports", "GET", "v", fixed("api:list_reports"), api=True, lists=True),
    Endpoint("api:list_projects", "GET", "j", fixed("api:list_projects"), api=True, lists=True),
    Endpoint("api:get_project", "GET", "j", project_url("api:get_project"), api=True),
    Endpoint("api:list_release_lines", "GET", "j", project_url("api:list_release_lines"), api=True),
    Endpoint("api:get_team", "GET", "j", project_url("api:get_team"), api=True),
    Endpoint(
        "api:import_report",
        "POST",
        "m",  # filing into a project is its security team's, as its settings are
        project_url("api:import_report"),
        api=True,
        data=lambda w, o: {"title": "Imported", "external_ref": f"matrix-{o}"},
    ),
    Endpoint(
        "api:import_advisory_record",
        "POST",
        "m",  # importing into a project is its security team's, as filing a report is
        project_url("api:import_advisory_record"),
        api=True,
        data=lambda w, o: {
            "id": f"CVE-2099-{1000 + OBJECTS.index(o)}",
            "modified": "2024-03-01T10:00:00Z",
            "summary": "Imported",
        },
    ),
    Endpoint("api:get_report", "GET", "v", report_url("api:get_report"), api=True),
    Endpoint(
        "api:get_advisory",
        "GET",
        "v",  # a draft while embargoed: the Markdown is always offered
        lambda w, o: report_url("api:get_advisory")(w, o) + "?format=md",
        api=True,
    ),
    Endpoint(
        "api:move_report",
        "POST",
        "t",
        report_url("api:move_report"),
        api=True,
        data=lambda w, o: {"to": next_state(w, o), "reason": "m", "version": version(w, o)},
    ),
    Endpoint(
        "api:score",
        "POST",
        "t",
        report_url("api:score"),
        api=True,
        data=lambda w, o: {"vector": CVSS, "version": version(w, o)},
    ),
    Endpoint("api:list_affects", "GET", "v", report_url("api:list_affects"), api=True),
    Endpoint(
        "api:create_affect",
        "POST",
        "a",
        report_url("api:create_affect"),
        api=True,
        data=lambda w, o: {"package": "p", "version": version(w, o)},
    ),
    Endpoint(
        "api:delete_affect",
        "DELETE",
        "a",
        lambda w, o: (
            report_url("api:delete_affect", affect_id=affect_id)(w, o) + f"?version={version(w, o)}"
        ),
        api=True,
    ),
    Endpoint("api:list_deadlines", "GET", "v", report_url("api:list_deadlines"), api=True),
    Endpoint("api:propose_release", "GET", "v", report_url("api:propose_release"), api=True),
    Endpoint(
        "api:set_release_date",
        "POST",
        "t",
        report_url("api:set_release_date"),
        api=True,
        data=lambda w, o: {
            "release_date": "2030-01-07T16:00:00Z",
            "reason": "agreed",
            "override": True,
            "version": version(w, o),
        },
    ),
    Endpoint("api:list_audit_events", "GET", "v", report_url("api:list_audit_events"), api=True),
    Endpoint("api:get_retrospective", "GET", "t", report_url("api:get_retrospective"), api=True),
    Endpoint("api:list_comments", "GET", "v", report_url("api:list_comments"), api=True),
    Endpoint(
        "api:create_comment",
        "POST",
        "c",
        report_url("api:create_comment"),
        api=True,
        data=lambda w, o: {"body": "Looks right."},
    ),
    Endpoint("api:list_fix_branches", "GET", "v", report_url("api:list_fix_branches"), api=True),
    Endpoint(
        "api:sync_fix_branches",
        "POST",
        "t",
        report_url("api:sync_fix_branches"),
        api=True,
        refused_for=frozenset(OBJECTS),  # no private repository is linked: nothing to fetch
    ),
    Endpoint(
        "api:run_fix_branch_tests",
        "POST",
        "a",
        report_url("api:run_fix_branch_tests", branch_id=fix_branch_id),
        api=True,
    ),
    Endpoint(
        "api:review_fix_branch",
        "POST",
        "w",
        report_url("api:review_fix_branch", branch_id=fix_branch_id),
        api=True,
        data=lambda w, o: {"approved": True},
    ),
    # Release-day integrity (EMI-42, KAR-41): no private repository is linked, so there is no
    # fix to freeze, and a fix never frozen cannot be checked.
    Endpoint("api:get_fix_integrity", "GET", "t", report_url("api:get_fix_integrity"), api=True),
    Endpoint(
        "api:freeze_fix",
        "POST",
        "t",
        report_url("api:freeze_fix"),
        api=True,
        refused_for=frozenset(OBJECTS),
    ),
    Endpoint(
        "api:check_fix_integrity",
        "POST",
        "t",
        report_url("api:check_fix_integrity"),
        api=True,
        refused_for=frozenset(OBJECTS),
    ),
    # Embargo breaks (KAR-37, KAR-38): a published report has no embargo left to break.
    Endpoint(
        "report-embargo-break",
        "POST",
        "t",
        report_url("report-embargo-break"),
        data=lambda w, o: {"how": "a mirror has it", "by_whom": "Acme", "version": version(w, o)},
        refused_for=frozenset({"published"}),
    ),
    Endpoint(
        "report-embargo-decision",
        "POST",
        "t",
        report_url("report-embargo-decision"),
        data=pending_break,
    ),
    Endpoint("api:get_embargo_breaks", "GET", "t", report_url("api:get_embargo_breaks"), api=True),
    Endpoint(
        "api:record_embargo_break",
        "POST",
        "t",
        report_url("api:record_embargo_break"),
        api=True,
        data=lambda w, o: {"how": "a mirror has the patch", "by_whom": "Acme"},
        refused_for=frozenset({"published"}),
    ),
    Endpoint(
        "api:decide_embargo_break",
        "POST",
        "t",
        report_url("api:decide_embargo_break"),
        api=True,
        data=pending_break,
    ),
    Endpoint(
        "api:link_security_repository",
        "PUT",
        "t",
        report_url("api:link_security_repository"),
        api=True,
        data=lambda w, o: {
            "remote": "https://git.example.org/security/proxy.git",
            "version": version(w, o),
        },
    ),
    Endpoint(
        "report-advisory-withdraw",
        "POST",
        "f",
        report_url("report-advisory-withdraw"),
        data=lambda w, o: {"reason": "Not a vulnerability.", "version": version(w, o)},
        refused_for=UNPUBLISHED,
    ),
    Endpoint(
        "report-advisory-revise",
        "POST",
        "f",
        report_url("report-advisory-revise"),
        data=lambda w, o: {"summary": "Added the CWE.", "version": version(w, o)},
        refused_for=UNPUBLISHED,
    ),
    Endpoint(
        "api:withdraw_advisory",
        "POST",
        "f",
        report_url("api:withdraw_advisory"),
        api=True,
        data=lambda w, o: {"reason": "Not a vulnerability.", "version": version(w, o)},
        refused_for=UNPUBLISHED,
    ),
    Endpoint(
        "api:revise_advisory",
        "POST",
        "f",
        report_url("api:revise_advisory"),
        api=True,
        data=lambda w, o: {"summary": "Added the CWE.", "version": version(w, o)},
        refused_for=UNPUBLISHED,
    ),
    Endpoint(
        "api:record_exception",
        "POST",
        "t",
        report_url("api:record_exception"),
        api=True,
        data=lambda w, o: {"reason": "exploited", "version": version(w, o)},
        refused_for=frozenset(OBJECTS),  # each affects a supported line: no exception needed
    ),
    Endpoint("api:list_components", "GET", "j", project_url("api:list_components"), api=True),
    Endpoint(
        "api:create_component",
        "POST",
        "m",
        project_url("api:create_component"),
        api=True,
        data=lambda w, o: {"name": "proxy", "owners": ["fix_team"]},
    ),
    Endpoint(
        "api:update_component",
        "PATCH",
        "m",
        project_url("api:update_component", component_id=component_id),
        api=True,
        data=lambda w, o: {"name": "edge", "owners": []},
    ),
    Endpoint(
        "api:set_report_component",
        "POST",
        "t",
        report_url("api:set_report_component"),
        api=True,
        data=lambda w, o: {"component": component_id(w, o), "version": version(w, o)},
    ),
    Endpoint("api:list_nominations", "GET", "j", project_url("api:list_nominations"), api=True),
    Endpoint(
        "api:nominate",
        "POST",
        "g",
        project_url("api:nominate"),
        api=True,
        data=lambda w, o: {"nominee": "outsider", "kind": "member", "reason": "fixes CVEs"},
    ),
    Endpoint(
        "api:decide_nomination",
        "POST",
        "m",
        project_url("api:decide_nomination", nomination_id=nomination_id),
        api=True,
        data=lambda w, o: {"decision": "decline", "reason": "not now"},
    ),
    Endpoint(
        "api:declare_leave",
        "POST",
        "j",  # one's own leave, or anyone's for the security team
        project_url("api:declare_leave"),
        api=True,
        data=lambda w, o: {
            "user": team_member(w, o).user.get_username(),
            "starts_on": "2030-01-01",
            "ends_on": "2030-01-10",
        },
    ),
    Endpoint(
        "api:step_down",
        "POST",
        "g",  # the URL names the security-team member: only they step down
        project_url("api:step_down", username=seated_member),
        api=True,
    ),
    Endpoint("api:list_removal_votes", "GET", "j", project_url("api:list_removal_votes"), api=True),
    Endpoint(
        "api:open_removal_vote",
        "POST",
        "m",
        project_url("api:open_removal_vote"),
        api=True,
        data=lambda w, o: {"member": team_member(w, o).user.get_username(), "reason": "silent"},
        refused_for=frozenset(OBJECTS),  # these presets flag no one: no inactivity rule
    ),
    Endpoint(
        "api:cast_ballot",
        "POST",
        "g",  # the other members of the role vote
        project_url("api:cast_ballot", vote_id=removal_vote_id),
        api=True,
        data=lambda w, o: {"in_favour": False},
    ),
    Endpoint(
        "api:close_removal_vote",
        "POST",
        "m",
        project_url("api:close_removal_vote", vote_id=removal_vote_id),
        api=True,
    ),
    Endpoint("api:list_backports", "GET", "v", report_url("api:list_backports"), api=True),
    Endpoint(
        "api:plan_backport",
        "POST",
        "b",
        report_url("api:plan_backport"),
        api=True,
        data=lambda w, o: {"package": "proxy-lib", "fix_commits": ["abcdef1"]},
    ),
    Endpoint(
        "api:dry_run_backport",
        "POST",
        "b",
        report_url("api:dry_run_backport", backport_id=backport_id),
        api=True,
        refused_for=frozenset(OBJECTS),  # not planned yet: nothing to try
    ),
    Endpoint(
        "api:execute_backport",
        "POST",
        "b",
        report_url("api:execute_backport", backport_id=backport_id),
        api=True,
        refused_for=frozenset(OBJECTS),  # not planned yet: nothing to carry out
    ),
    Endpoint("api:list_packages", "GET", "j", project_url("api:list_packages"), api=True),
    Endpoint(
        "api:add_package",
        "POST",
        "p",
        project_url("api:add_package"),
        api=True,
        data=lambda w, o: {"name": "leftpad", "repository": "https://git.example.org/lp.git"},
    ),
    Endpoint("api:list_dependents", "GET", "j", project_url("api:list_dependents"), api=True),
    Endpoint(
        "api:add_dependent",
        "POST",
        "p",
        project_url("api:add_dependent"),
        api=True,
        data=lambda w, o: {
            "name": "proxy-app",
            "repository": "https://git.example.org/app.git",
            "branches": [{"branch": "main"}, {"branch": "release-1.0", "line": "1.0"}],
        },
    ),
]

# URL names that are about no report, project or notice, and where they are tested instead.
NOT_IN_MATRIX: dict[str, str] = {
    "login": "public by nature; tests/accounts",
    "logout": "tests/accounts",
    "two-factor-verify": "the user's own second factor; tests/accounts",
    "two-factor-setup": "the user's own second factor; tests/accounts",
    "account": "the user's own account page; tests/accounts",
    "api-tokens": "the user's own tokens; tests/accounts",
    "api-token-revoke": "another user's token is a 404; tests/accounts",
    "calendar-feeds": "the user's own calendar feeds; tests/desk/test_calendar_feeds.py",
    "calendar-feed-revoke": "another user's feed is a 404; tests/desk/test_calendar_feeds.py",
    "api:api-root": "the API's index, no data",
    "api:openapi-json": "the API's description, public; tests/api/test_docs.py",
    "api:openapi-view": "the API's documentation page, public; tests/api/test_docs.py",
    "how-to-report": "public: each project's open channels; tests/desk/test_channels.py",
    "security-txt": "public: the same channels for tools; tests/desk/test_channels.py",
    "project-security-txt": "public: one project's channels for tools, a 404 while it has none"
    " (as this world's projects); tests/desk/test_security_policy.py",
    "report-new": "public: the report form shows no report; tests/desk/test_report_form.py",
    "distributors-join": "public: a project's distributors list, its terms and how to apply,"
    " no report; tests/desk/test_distributors.py",
    "distributors-apply": "any signed-in organisation applies; tests/desk/test_distributors.py",
    "distributors-accept-terms": "the organisation's own membership, a 404 for anyone else;"
    " tests/desk/test_distributors.py",
    "report-fix-team-accept": "the invitee's own answer; tests/desk/test_fix_team.py",
    "fix-team-accept-invite": "one invitee's mailed link; tests/desk/test_fix_team_mail.py",
}


def request(world: World, role: str, endpoint: Endpoint, obj: str) -> HttpResponse:
    if endpoint.calendar:
        return world.web_client("anonymous").get(calendar_address(world, role, endpoint, obj))
    url = endpoint.url(world, obj)
    if endpoint.needs == "r" and role != "reporter":
        # The private link is a bearer secret that only the reporter holds; anyone else guesses.
        url = reverse(endpoint.name, kwargs={"token": new_token("vdr")[0]})
    if endpoint.api:
        sends = endpoint.method in {"POST", "PUT", "PATCH"}
        body = json.dumps(endpoint.data(world, obj)) if sends else ""
        return world.web_client("anonymous").generic(
            endpoint.method,
            url,
            body,
            content_type="application/json",
            headers=world.api_headers(role),
        )
    client = world.web_client(role)
    if endpoint.method == "GET":
        return read_whole(client.get(url))
    return client.post(url, endpoint.data(world, obj))


def read_whole(response: HttpResponse) -> HttpResponse:
    """A streamed file, read to the end (which closes it), to be judged like any response."""
    if not response.streaming:
        return response
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return cast("HttpResponse", PlainResponse(body, status=response.status_code))


def expected(role: str, endpoint: Endpoint, obj: str) -> str:
    """'allow', or the denial the role must get: 'login', '401', '404' or '403'."""
    signed_in = role not in {"anonymous", "reporter"}
    if endpoint.needs == "o":
        return "allow" if role == "operator" else "login"  # the admin's own login page
    if endpoint.calendar and not signed_in:
        return "404"  # no account, so no feed: a guessed secret is nothing
    if can(role, obj, endpoint.needs) or (endpoint.lists and (signed_in or endpoint.public)):
        return "allow"
    if endpoint.public:
        return "404"  # public pages: what is not published does not exist
    if not signed_in:
        return "401" if endpoint.api else "login"
    return "403" if can(role, obj, GATE[endpoint.needs]) else "404"


def outcome(response: HttpResponse) -> str:
    status = response.status_code
    if status in {200, 201, 202, 204} or (status == 302 and "/login/" not in response["Location"]):
        return "allow"
    if status == 302:
        return "login"
    return str(status)


def leaks(response: HttpResponse, words: list[str]) -> list[str]:
    body = response.content.decode(errors="replace")
    return [word for word in words if word in body]


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def footprint() -> tuple[int, int]:
    """What any write leaves: a report filed, or an event in the audit trail."""
    return Report.objects.count(), AuditEvent.objects.count()


def check(world: World, role: str, endpoint: Endpoint, objects: tuple[str, ...]) -> list[str]:
    """Make one request (for a list) or one per report, and say what differs from the table."""
    problems = []
    # A write is undone after it is judged, so every request starts from the same world.
    with transaction.atomic():
        before = footprint()
        response = request(world, role, endpoint, objects[0])
        wrote = footprint() != before
        transaction.set_rollback(True)
    where = f"{endpoint.method} {endpoint.name} as {role}" + (
        "" if endpoint.lists else f" on {objects[0]}"
    )
    want, got = expected(role, endpoint, objects[0]), outcome(response)
    if got in {"400", "422"} and objects[0] in endpoint.refused_for:  # the API says 422
        got = "allow"
    if got != want:
        problems.append(f"{where}: expected {want}, got {got} ({response.status_code})")
    if got != "allow" and wrote:
        problems.append(f"{where}: refused ({response.status_code}) but wrote")
    for obj in objects:
        hidden = not can(role, obj, endpoint.needs)
        if (hidden or got != "allow") and (found := leaks(response, endpoint.words(world, obj))):
            problems.append(f"{where}: shows {obj}'s {found}")
        # A list of reports must not name what the role may not open, however it is listed.
        opens = can(role, obj, "v") or (endpoint.needs == "A" and can(role, obj, "A"))
        listed = endpoint.lists or endpoint.calendar
        if listed and not opens and (found := leaks(response, world.secret_words(obj))):
            problems.append(f"{where}: lists {obj}'s {found}")
    return problems


def test_every_role_gets_exactly_what_the_table_allows(world: World) -> None:
    problems: list[str] = []
    pairs = 0
    for endpoint in ENDPOINTS:
        for role in ROLES:
            batches = [OBJECTS] if endpoint.lists else [(obj,) for obj in OBJECTS]
            for objects in batches:
                problems += check(world, role, endpoint, objects)
                pairs += len(objects)
    summary = (
        f"access matrix: {len(ROLES)} roles x {len(ENDPOINTS)} endpoints x {len(OBJECTS)} "
        f"reports = {pairs} pairs checked, {len(problems)} problems"
    )
    print(summary)
    out = Path("test-output")
    out.mkdir(exist_ok=True)
    (out / "access-matrix.txt").write_text(summary + "\n" + "\n".join(problems) + "\n")
    assert problems == [], "\n".join(problems)


def url_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            if pattern.namespace != "admin":
                names |= url_names(pattern.url_patterns, namespace)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_named_url_is_in_the_matrix_or_says_why_not() -> None:
    walked = {endpoint.name for endpoint in ENDPOINTS}
    missing = url_names(get_resolver().url_patterns) - walked - set(NOT_IN_MATRIX)
    assert missing == set(), f"add these to ENDPOINTS or NOT_IN_MATRIX: {sorted(missing)}"
