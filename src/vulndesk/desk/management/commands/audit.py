from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vulndesk.desk.management.output import print_json
from vulndesk.desk.models import AuditEvent
from vulndesk.desk.services.audit import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail: every row's hash, the chain between rows, and its end."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        verify = verbs.add_parser("verify", help="find changed or deleted audit events")
        verify.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify_chain()
        count = AuditEvent.objects.count()
        if options["json"]:
            print_json(self.stdout, {"events": count, "intact": not problems, "problems": problems})
        elif not problems:
            self.stdout.write(f"audit trail intact: {count} events, every hash checks out")
        if problems:
            detail = "\n".join(f"  {problem}" for problem in problems)
            raise CommandError(f"audit trail tampered with:\n{detail}")
