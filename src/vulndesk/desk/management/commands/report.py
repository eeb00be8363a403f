import sys
from argparse import ArgumentParser, ArgumentTypeError
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db.models import F
from django.utils import timezone

from vulndesk.desk.management import embargo_break
from vulndesk.desk.management.coordination import coordination, print_coordination, yes_no
from vulndesk.desk.management.output import human, print_json, print_table
from vulndesk.desk.models import Component, DisclosureLevelChoices, Project, Report, StateChoices
from vulndesk.desk.services import components, fix_team, publication, reports, schedule
from vulndesk.desk.services.fix_lead import assign_fix_lead
from vulndesk.desk.services.retrospective import retrospective_markdown
from vulndesk.desk.services.transitions import transition
from vulndesk.process.embargo_break import CHOICES
from vulndesk.process.lifecycle import TransitionError
from vulndesk.process.severity import CvssError

OVERRIDE_HELP = "set it even where it breaks the policy; the reason and the rules are audited"


class Command(BaseCommand):
    help = (
        "Work with reports: new, list, show, transition, score, schedule, fixed, lead, invite, "
        "component, fix-exception, release-date, embargo-break, retrospective, withdraw, revise."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")
        verbs = parser.add_subparsers(dest="verb", required=True)
        new = verbs.add_parser("new", help="record a report received privately")
        new.add_argument("--project", required=True, help="project slug")
        new.add_argument("--title", required=True)
        new.add_argument("--description", default="", help="Markdown; '-' reads standard input")
        new.add_argument("--reporter-name", default="")
        new.add_argument("--reporter-email", default="")
        new.add_argument("--received-at", type=aware_datetime, help="ISO 8601; default now")
        new.add_argument("--public-url", default="", help="where it is already public (EMI-4)")
        listing = verbs.add_parser("list", help="reports, newest first")
        listing.add_argument("--project", help="only this project")
        listing.add_argument("--state", choices=StateChoices.values)
        show = verbs.add_parser("show", help="one report with its deadlines and audit trail")
        show.add_argument("key", help="e.g. ENVOY-3")
        move = verbs.add_parser("transition", help="move a report to its next state")
        move.add_argument("key")
        move.add_argument("state", choices=StateChoices.values)
        move.add_argument("--reason", default="")
        move.add_argument(
            "--force",
            action="store_true",
            help="publish although a publication guard fails; needs --reason (audited)",
        )
        score = verbs.add_parser("score", help="set the CVSS 3.1 or 4.0 vector")
        score.add_argument("key")
        score.add_argument("vector", help="e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
        schedule = verbs.add_parser("schedule", help="set or move the Release Date")
        schedule.add_argument("key")
        schedule.add_argument("release_date", type=aware_datetime, help="ISO 8601, UTC if no zone")
        schedule.add_argument("--reason", required=True, help="why (EMI-13)")
        schedule.add_argument("--override", action="store_true", help=OVERRIDE_HELP)
        fixed = verbs.add_parser("fixed", help="record the release that ships the fix (FOLIO-34)")
        fixed.add_argument("key")
        fixed.add_argument("version", help="e.g. 1.13.10")
        fixed.add_argument("--released-at", type=aware_datetime, help="ISO 8601; default now")
        merge = verbs.add_parser("merge", help="plan when the fix is merged in public (OEDX-20)")
        merge.add_argument("key")
        merge.add_argument("merge_at", type=aware_datetime, help="ISO 8601, UTC if no zone")
        merge.add_argument("--reason", required=True)
        cve = verbs.add_parser("cve", help="record the report's CVE ID (KAR-33)")
        cve.add_argument("key")
        cve.add_argument("cve_id", help="e.g. CVE-2024-12345")
        disclose = verbs.add_parser("disclosure", help="set how publicly it is handled (FOLIO-2)")
        disclose.add_argument("key")
        disclose.add_argument("level", choices=DisclosureLevelChoices.values)
        disclose.add_argument("--reason", required=True)
        disclose.add_argument(
            "--no-user-harm",
            action="store_true",
            help="the team found fixing in public harms no user (KAR-27)",
        )
        public = verbs.add_parser("public", help="record that it became public (EMI-4, EMI-14)")
        public.add_argument("key")
        public.add_argument("--url", required=True, help="where it is public")
        public.add_argument("--at", type=aware_datetime, help="ISO 8601; default now")
        lead = verbs.add_parser("lead", help="assign the Fix Lead: the rotation's, or --member")
        lead.add_argument("key")
        lead.add_argument("--member", metavar="USERNAME", help="a volunteer instead (EMI-10)")
        lead.add_argument("--reason", default="", help="why, when naming a member")
        invite = verbs.add_parser("invite", help="invite someone to the report's Fix Team")
        invite.add_argument("key")
        invite.add_argument("invitee", metavar="USERNAME|EMAIL")
        part = verbs.add_parser(
            "component", help="set the affected component, which proposes the Fix Team (FOLIO-27)"
        )
        part.add_argument("key")
        which = part.add_mutually_exclusive_group(required=True)
        which.add_argument("name", nargs="?", help="one of the project's components")
        which.add_argument("--clear", action="store_true", help="no component")
        exception = verbs.add_parser(
            "fix-exception", help="fix a report on unsupported lines only anyway (VIT-12)"
        )
        exception.add_argument("key")
        exception.add_argument("--reason", required=True, help="e.g. active exploitation")
        release = verbs.add_parser(
            "release-date", help="propose the earliest Release Date the policy allows, or set one"
        )
        release.add_argument("key")
        release.add_argument(
            "release_date", nargs="?", type=aware_datetime, help="ISO 8601, UTC if no zone"
        )
        release.add_argument(
            "--propose", action="store_true", help="print the proposed date and the rules behind it"
        )
        release.add_argument("--reason", default="", help="why it is set or moved (EMI-13)")
        release.add_argument("--override", action="store_true", help=OVERRIDE_HELP)
        brk = verbs.add_parser(
            "embargo-break",
            help="record an embargo break, decide it, or show them with the policy's guidance",
        )
        brk.add_argument("key")
        brk.add_argument("--how", help="how the embargo was broken: records a break")
        brk.add_argument("--by", dest="by_whom", default="", help="who broke it")
        brk.add_argument("--url", default="", help="where it was seen, if known")
        brk.add_argument(
            "--decide", choices=CHOICES, help="the call on the waiting break (KAR-37, KAR-38)"
        )
        brk.add_argument("--reason", default="", help="the damage assessment behind --decide")
        retro = verbs.add_parser(
            "retrospective", help="print the blameless retrospective as Markdown (EMI-46/48)"
        )
        retro.add_argument("key")
        retro.add_argument("--out", metavar="FILE", help="write it to FILE instead")
        retro.add_argument(
            "--introduced-by",
            action="append",
            default=[],
            metavar="SHA",
            help="a commit that introduced the issue; repeat for several",
        )
        # After the verbs of a report's course, as `report --help` lists them in that order.
        withdraw = verbs.add_parser(
            "withdraw", help="withdraw a published advisory: it stays public, marked withdrawn"
        )
        withdraw.add_argument("key")
        withdraw.add_argument("--reason", required=True, help="why, e.g. 'Not a vulnerability.'")
        revise = verbs.add_parser("revise", help="note a later change to a published advisory")
        revise.add_argument("key")
        revise.add_argument("--summary", required=True, help="what changed, e.g. 'Added CVE ID.'")
        verbs_with_output = (
            new, listing, show, move, score, schedule, fixed, merge, cve, disclose, public, lead,
            invite, part, exception, release, brk, withdraw, revise,
        )  # fmt: skip
        for sub in verbs_with_output:
            sub.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = find_user(options["actor"]) if options["actor"] else None
        verb = options["verb"]
        if verb == "list":
            self.list(options)
            return
        if verb == "retrospective":
            self.retrospective(options)
            return
        try:
            report = self.new(options, actor) if verb == "new" else find_report(options["key"])
            if verb == "transition":
                report = transition(
                    report,
                    options["state"],
                    actor=actor,
                    reason=options["reason"],
                    force=options["force"],
                )
            elif verb == "withdraw":
                report = publication.withdraw(report, options["reason"], actor=actor)
            elif verb == "revise":
                report = publication.revise(report, options["summary"], actor=actor)
            elif verb == "score":
                report = reports.score_report(report, options["vector"], actor=actor)
            elif verb == "embargo-break":
                embargo_break.run(self.stdout, report, options, actor)
                return
            elif verb == "release-date" and options["propose"]:
                self.propose(report, options)
                return
            elif verb in ("schedule", "release-date"):
                if options["release_date"] is None:
                    raise CommandError("give the Release Date (ISO 8601), or --propose")
                report = schedule.schedule_release(
                    report,
                    options["release_date"],
                    reason=options["reason"],
                    actor=actor,
                    override=options["override"],
                )
            elif verb == "fixed":
                released_at = options["released_at"] or timezone.now()
                report = schedule.record_fix_release(
                    report, options["version"], released_at=released_at, actor=actor
                )
            elif verb == "merge":
                report = schedule.plan_merge(
                    report, options["merge_at"], reason=options["reason"], actor=actor
                )
            elif verb == "cve":
                report = schedule.assign_cve(report, options["cve_id"], actor=actor)
            elif verb == "public":
                report = schedule.record_public_disclosure(
                    report, url=options["url"], at=options["at"] or timezone.now(), actor=actor
                )
            elif verb == "lead":
                member = find_user(options["member"]) if options["member"] else None
                report = assign_fix_lead(
                    report, actor=actor, member=member, reason=options["reason"]
                )
            elif verb == "invite":
                invitee = options["invitee"]
                by = "email" if "@" in invitee else "username"
                fix_team.invite(report, actor=actor, **{by: invitee})
            elif verb == "component":
                found = (
                    None if options["clear"] else find_component(report.project, options["name"])
                )
                report = components.set_report_component(report, found, actor=actor)
            elif verb == "fix-exception":
                report = schedule.record_fix_exception(
                    report, reason=options["reason"], actor=actor
                )
            elif verb == "disclosure":
                report = reports.set_disclosure_level(
                    report,
                    options["level"],
                    reason=options["reason"],
                    no_user_harm=options["no_user_harm"],
                    actor=actor,
                )
        except (TransitionError, CvssError, ValueError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc
        print_report(self.stdout, report, as_json=options["json"])

    def propose(self, report: Report, options: dict[str, Any]) -> None:
        proposal = schedule.propose_release_date(report)
        if options["json"]:
            print_json(self.stdout, {"key": report.key, **proposal.as_data()})
            return
        self.stdout.write(
            f"proposed Release Date of {report.key}: {proposal.at:%Y-%m-%d %H:%M} UTC"
        )
        self.stdout.write("why:")
        for reason in proposal.reasons:
            self.stdout.write(f"  - {reason.text}")
            if reason.quote:
                self.stdout.write(f'    "{reason.quote}"')
        if proposal.conflicts:
            self.stdout.write("no date meets every rule:")
            for conflict in proposal.conflicts:
                self.stdout.write(f"  - {conflict.message}")

    def new(self, options: dict[str, Any], actor: User | None) -> Report:
        project = find_project(options["project"])
        description = options["description"]
        if description == "-":
            description = sys.stdin.read()
        public_url = options["public_url"]
        return reports.create_report(
            project,
            title=options["title"],
            description=description,
            reporter_name=options["reporter_name"],
            reporter_email=options["reporter_email"],
            received_at=options["received_at"],
            public_disclosure_at=timezone.now() if public_url else None,
            public_disclosure_url=public_url,
            actor=actor,
        )

    def retrospective(self, options: dict[str, Any]) -> None:
        report = find_report(options["key"])
        try:
            text = retrospective_markdown(report, introduced_by=options["introduced_by"])
        except ValueError as exc:
            raise CommandError(f"--introduced-by: {exc}") from exc
        if not options["out"]:
            self.stdout.write(text, ending="")
            return
        try:
            Path(options["out"]).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {options['out']}: {exc.strerror}") from exc
        self.stdout.write(f"retrospective of {report.key} written to {options['out']}")

    def list(self, options: dict[str, Any]) -> None:
        found = Report.objects.select_related("project").order_by("-received_at", "-pk")
        if options["project"]:
            found = found.filter(project=find_project(options["project"]))
        if options["state"]:
            found = found.filter(state=options["state"])
        if options["json"]:
            print_json(self.stdout, [summary(report) for report in found])
            return
        rows = [
            (
                r.key,
                r.state,
                r.effective_severity or "-",
                r.cvss_score,
                f"{r.received_at:%Y-%m-%d}",
                r.title,
            )
            for r in found
        ]
        columns = ["report", "state", "severity", "score", "received", "title"]
        print_table(self.stdout, "reports", columns, rows)


def print_report(out: OutputWrapper, report: Report, *, as_json: bool) -> None:
    """One report with its handling, deadlines and audit trail, as `report show` prints it."""
    report.refresh_from_db()
    coordinated = coordination(report)
    # Undated deadlines (waiting for their anchor) last, on SQLite as on PostgreSQL.
    due = report.deadlines.prefetch_related("pauses").order_by(
        F("due_at").asc(nulls_last=True), "name"
    )
    events = report.audit_events.order_by("seq")
    now = timezone.now()
    handled = report.handling()
    handling = {
        "slow_down": {"allowed": handled.slow_down.allowed, "why": handled.slow_down.reason},
        "semi_public": {
            "allowed": handled.semi_public.allowed,
            "why": handled.semi_public.reason,
        },
        "release": handled.release,
        "asap": handled.asap,
    }
    if as_json:
        data = summary(report) | {
            "handling": handling,
            "description": report.description,
            **coordinated,
            "deadlines": [row.as_dict(now) for row in due],
            "audit": [
                {"seq": e.seq, "at": e.created_at, "action": e.action, "by": e.actor_label}
                | {"data": e.data}
                for e in events
            ],
        }
        print_json(out, data)
        return
    facts = summary(report)
    width = max(map(len, facts))
    for name, value in facts.items():
        out.write(f"{name.ljust(width)}  {human(value)}")
    print_table(
        out,
        "handling under the project's policy",
        ["decision", "", "why"],
        [
            ("slow down", yes_no(handled.slow_down.allowed), handled.slow_down.reason),
            (
                "semi-public fix",
                yes_no(handled.semi_public.allowed),
                handled.semi_public.reason,
            ),
            ("release", handled.release or "-", "from the severity (KAR-28/29)"),
            ("timelines ASAP", yes_no(handled.asap), "public disclosure (EMI-14)"),
        ],
    )
    print_coordination(out, report, coordinated)
    print_table(
        out,
        "deadlines",
        ["deadline", "due", "status", "rule"],
        [
            (d.name, d.due_at, " ".join(filter(None, [d.status(now), d.miss])), d.rule_id)
            for d in due
        ],
    )
    print_table(
        out,
        "audit trail",
        ["#", "at", "action", "by"],
        [(e.seq, f"{e.created_at:%Y-%m-%d %H:%M:%S}", e.action, e.actor_label) for e in events],
    )


def summary(report: Report) -> dict[str, Any]:
    return {
        "key": report.key,
        "project": report.project.slug,
        "title": report.title,
        "state": report.state,
        "cvss_vector": report.cvss_vector or None,
        "cvss_score": report.base_score,
        "severity": report.effective_severity,
        "cvss_severity": report.severity or None,
        "cve_id": report.cve_id or None,
        "disclosure_level": report.disclosure_level,
        "received_at": report.received_at,
        "public_disclosure_at": report.public_disclosure_at,
        "release_date": report.release_date,
        "fixed_version": report.fixed_version or None,
        "fix_released_at": report.fix_released_at,
        "fix_lead": report.fix_lead.get_username() if report.fix_lead else None,
        "version": report.version,
    }


def find_project(slug: str) -> Project:
    try:
        return Project.objects.get(slug=slug)
    except Project.DoesNotExist:
        slugs = ", ".join(Project.objects.order_by("slug").values_list("slug", flat=True))
        known = (
            f"projects: {slugs}"
            if slugs
            else "there are no projects yet: add one in the admin (/admin/), or load the demo "
            "projects with `vulndesk demo`"
        )
        raise CommandError(f"no project {slug!r}; {known}") from None


def find_component(project: Project, name: str) -> Component:
    found = project.components.filter(name=name.strip()).first()
    if found is None:
        names = ", ".join(project.components.order_by("name").values_list("name", flat=True))
        known = f"its components: {names}" if names else "it has no components yet"
        raise CommandError(
            f"{project.slug} has no component {name!r}; {known} (add one with `vulndesk "
            f"component add {project.slug} NAME`)"
        )
    return found


def find_report(key: str) -> Report:
    slug, _, number = key.rpartition("-")
    if not slug or not number.isdigit():
        raise CommandError(f"{key!r} is not a report key; keys look like ENVOY-3")
    try:
        return Report.objects.select_related("project").get(
            project__slug=slug.lower(), number=int(number)
        )
    except Report.DoesNotExist:
        raise CommandError(f"no report {key}") from None


def find_user(username: str) -> User:
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"no user {username!r}") from None


def aware_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time; write it like 2024-03-22T10:00 "
            "(UTC) or 2024-03-22T12:00+02:00"
        ) from None
    if not 1970 <= moment.year <= 2999:
        raise ArgumentTypeError(f"{text!r}: give a date between the years 1970 and 2999")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
