from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vulndesk.desk.management.commands.report import find_project, find_report, find_user
from vulndesk.desk.management.output import print_json, print_table
from vulndesk.desk.models import Deadline
from vulndesk.desk.services import deadlines
from vulndesk.process.calendar import parse_duration
from vulndesk.process.deadlines import Status


class Command(BaseCommand):
    help = "Due and overdue deadlines, soonest first; or pause, resume or meet one."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")
        parser.add_argument(
            "--within", default="P7D", help="also list those due within this time (P7D)"
        )
        parser.add_argument("--project", help="only this project")
        parser.add_argument("--json", action="store_true", help="print JSON")
        verbs = parser.add_subparsers(dest="verb")
        for verb, text in (
            ("pause", "stop a deadline's clock (an embargo extended at the reporter's request)"),
            ("resume", "restart it; the due time moves by the time it stood still"),
            ("meet", "record that it was met now"),
        ):
            sub = verbs.add_parser(verb, help=text)
            sub.add_argument("key", help="report, e.g. ENVOY-3")
            sub.add_argument("name", help="deadline, e.g. fix_released")
            if verb == "pause":
                sub.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"]:
            self.change(options)
            return
        try:
            horizon = timezone.now() + parse_duration(options["within"])
        except ValueError as exc:
            raise CommandError(f"--within: {exc}") from exc
        except OverflowError:
            raise CommandError(f"--within: {options['within']} reaches past the calendar") from None
        due = Deadline.objects.due_by(horizon)
        if options["project"]:
            due = due.filter(report__project=find_project(options["project"]))
        now = timezone.now()
        # due_by() leaves out met and paused deadlines, so what remains is overdue or due.
        listed = [
            {
                "report": f"{row['report__project__slug'].upper()}-{row['report__number']}",
                "name": row["name"],
                "rule": row["rule_id"],
                "due_at": row["due_at"],
                "asap": row["asap"],
                "status": Status.OVERDUE if row["due_at"] < now else Status.DUE,
            }
            for row in due.listing()
        ]
        if options["json"]:
            print_json(self.stdout, listed)
            return
        rows = [
            (d["report"], d["name"], f"{d['due_at']:%Y-%m-%d %H:%M}", d["status"], d["rule"])
            for d in listed
        ]
        columns = ["report", "deadline", "due (UTC)", "status", "rule"]
        print_table(self.stdout, "due and overdue deadlines", columns, rows)

    def change(self, options: dict[str, Any]) -> None:
        report = find_report(options["key"])
        actor = find_user(options["actor"]) if options["actor"] else None
        name = options["name"]
        try:
            if options["verb"] == "pause":
                deadlines.pause(report, name, reason=options["reason"], actor=actor)
            elif options["verb"] == "resume":
                deadlines.resume(report, name, actor=actor)
            else:
                deadlines.meet(report, name, actor=actor)
        except deadlines.DeadlineError as exc:
            raise CommandError(str(exc)) from exc
        done = {"pause": "paused", "resume": "resumed", "meet": "met"}[options["verb"]]
        self.stdout.write(f"{report.key} {name}: {done}")
