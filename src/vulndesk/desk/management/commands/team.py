from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vulndesk.desk.management.commands.report import find_project, find_user
from vulndesk.desk.management.output import print_json, print_table
from vulndesk.desk.models import Nomination, Project, RemovalVote, TeamMember
from vulndesk.desk.services import governance


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date; write it like 2024-03-01") from None


def membership(project: Project, username: str) -> TeamMember:
    """The user's current membership, the governed one (security team, associate) first."""
    found = governance.current(project).filter(user__username=username)
    member = found.filter(role__in=governance.GOVERNED_ROLES).first() or found.first()
    if member is None:
        raise CommandError(f"{username} holds no current role in {project.slug}")
    return member


def roster(project: Project, today: date) -> list[dict[str, Any]]:
    """Everyone on the project's teams: governed members with their standing, then the rest."""
    rows = []
    for standing in governance.standings(project, today):
        member, status = standing.member, standing.status
        rows.append(
            {
                "user": member.user.get_username(),
                "role": member.role,
                "joined_at": member.joined_at,
                "company": member.company,
                "last_contact": standing.last_contact,
                "on_leave_until": status.on_leave.ends_on if status.on_leave else None,
                "inactive": status.flagged,
                "promotable_from": standing.promotable_from,
            }
        )
    others = governance.current(project).exclude(role__in=governance.GOVERNED_ROLES)
    for member in others.select_related("user").order_by("role", "user__username"):
        rows.append(
            {
                "user": member.user.get_username(),
                "role": member.role,
                "joined_at": member.joined_at,
                "company": member.company,
                "last_contact": None,
                "on_leave_until": None,
                "inactive": False,
                "promotable_from": None,
            }
        )
    return rows


class Command(BaseCommand):
    help = "A project's team (Karmada governance): roster, nominations, leaves, inactivity, votes."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        listing = verbs.add_parser("list", help="the roster with standings")
        listing.add_argument("slug")
        listing.add_argument("--json", action="store_true", help="print JSON")
        nominate = verbs.add_parser("nominate", help="nominate USER (KAR-4)")
        nominate.add_argument("slug")
        nominate.add_argument("user")
        nominate.add_argument("--kind", choices=Nomination.Kind.values, required=True)
        nominate.add_argument("--as", dest="actor", metavar="USERNAME", required=True)
        nominate.add_argument("--reason", default="")
        decide = verbs.add_parser("decide", help="accept or decline a nomination (by its id)")
        decide.add_argument("nomination", type=int)
        decide.add_argument("decision", choices=["accept", "decline"])
        decide.add_argument("--company", default="")
        decide.add_argument("--as", dest="actor", metavar="USERNAME")
        leave = verbs.add_parser("leave", help="declare USER's leave from FROM to TO (KAR-7)")
        leave.add_argument("slug")
        leave.add_argument("user")
        leave.add_argument("starts_on", type=iso_date, metavar="FROM")
        leave.add_argument("ends_on", type=iso_date, metavar="TO")
        leave.add_argument("--reason", default="")
        leave.add_argument("--cover", metavar="USERNAME", help="an associate covering the leave")
        leave.add_argument("--as", dest="actor", metavar="USERNAME")
        inactive = verbs.add_parser("inactive", help="members flagged as inactive (KAR-8)")
        inactive.add_argument("slug")
        inactive.add_argument("--on", type=iso_date, help="as of this day (today)")
        inactive.add_argument("--json", action="store_true", help="print JSON")
        vote = verbs.add_parser("vote", help="open, cast or close a removal vote (KAR-9)")
        vote.add_argument("action", choices=["open", "cast", "close"])
        vote.add_argument(
            "target", help="open: SLUG:USER (whose removal); cast, close: the vote's id"
        )
        vote.add_argument("choice", nargs="?", choices=["yes", "no"], help="cast: remove?")
        vote.add_argument("--reason", default="")
        vote.add_argument("--as", dest="actor", metavar="USERNAME", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['verb']}")(options)
        except (ValueError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from exc

    def do_list(self, options: dict[str, Any]) -> None:
        project = find_project(options["slug"])
        rows = roster(project, timezone.localdate())
        if options["json"]:
            print_json(self.stdout, rows)
            return
        columns = ["user", "role", "since", "last contact", "standing", "promotable from"]
        print_table(
            self.stdout,
            f"team of {project.slug}",
            columns,
            [
                (
                    r["user"],
                    r["role"],
                    f"{r['joined_at']:%Y-%m-%d}",
                    f"{r['last_contact']:%Y-%m-%d}" if r["last_contact"] else "",
                    "on leave"
                    if r["on_leave_until"]
                    else ("inactive" if r["inactive"] else "active"),
                    r["promotable_from"],
                )
                for r in rows
            ],
        )

    def do_nominate(self, options: dict[str, Any]) -> None:
        project = find_project(options["slug"])
        nomination = governance.nominate(
            project,
            find_user(options["user"]),
            kind=options["kind"],
            nominated_by=find_user(options["actor"]),
            reason=options["reason"],
        )
        self.stdout.write(
            f"nomination {nomination.pk}: {options['user']} to {nomination.get_kind_display()}"
        )

    def do_decide(self, options: dict[str, Any]) -> None:
        nomination = Nomination.objects.select_related("project", "nominee").filter(
            pk=options["nomination"]
        )
        found = nomination.first()
        if found is None:
            raise CommandError(f"no nomination {options['nomination']}")
        actor = find_user(options["actor"]) if options["actor"] else None
        if options["decision"] == "accept":
            member = governance.accept_nomination(found, actor=actor, company=options["company"])
            self.stdout.write(f"{member.user.get_username()} joined as {member.role}")
        else:
            governance.decline_nomination(found, actor=actor)
            self.stdout.write(f"nomination {found.pk} declined")

    def do_leave(self, options: dict[str, Any]) -> None:
        project = find_project(options["slug"])
        cover = membership(project, options["cover"]) if options["cover"] else None
        leave = governance.declare_leave(
            membership(project, options["user"]),
            options["starts_on"],
            options["ends_on"],
            reason=options["reason"],
            cover=cover,
            actor=find_user(options["actor"]) if options["actor"] else None,
        )
        self.stdout.write(f"{options['user']} on leave {leave.starts_on} to {leave.ends_on}")

    def do_inactive(self, options: dict[str, Any]) -> None:
        project = find_project(options["slug"])
        today = options["on"] or timezone.localdate()
        rows = [
            {
                "user": s.member.user.get_username(),
                "role": s.member.role,
                "member": s.member.pk,
                "last_contact": s.last_contact,
                "flagged_after": s.status.flagged_after,
            }
            for s in governance.inactive_members(project, today)
        ]
        if options["json"]:
            print_json(self.stdout, rows)
            return
        print_table(
            self.stdout,
            f"inactive on {today}",
            ["user", "role", "last contact", "inactive after"],
            [(r["user"], r["role"], r["last_contact"], r["flagged_after"]) for r in rows],
        )

    def do_vote(self, options: dict[str, Any]) -> None:
        actor = find_user(options["actor"])
        if options["action"] == "open":
            slug, _, username = options["target"].partition(":")
            if not username:
                raise CommandError("vote open: write the member as SLUG:USER, e.g. karmada:sam")
            member = membership(find_project(slug), username)
            vote = governance.open_removal_vote(member, opened_by=actor, reason=options["reason"])
            self.stdout.write(f"vote {vote.pk} open on removing {username}")
            return
        if not options["target"].isdigit():
            raise CommandError(f"vote {options['action']}: give the vote's id, a number")
        found = RemovalVote.objects.filter(pk=int(options["target"])).first()
        if found is None:
            raise CommandError(f"no vote {options['target']}")
        if options["action"] == "cast":
            if options["choice"] is None:
                raise CommandError("vote cast: say yes (remove) or no (keep)")
            governance.cast_ballot(found, actor, options["choice"] == "yes")
            self.stdout.write(f"ballot counted on vote {found.pk}")
            return
        result = governance.close_removal_vote(found, actor=actor)
        outcome = "removed" if result.passes else "kept"
        self.stdout.write(
            f"vote {found.pk} closed: {result.in_favour} of {result.eligible} in favour "
            f"(needed {result.needed}): {outcome}"
        )
