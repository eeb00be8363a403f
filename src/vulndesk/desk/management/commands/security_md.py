from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from vulndesk.desk.management.commands.report import find_project
from vulndesk.desk.services.security_policy import security_md


class Command(BaseCommand):
    help = "Print a project's SECURITY.md, written from its policy, on stdout."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("project", metavar="PROJECT", help="the project's slug, e.g. karmada")
        parser.add_argument(
            "--base-url",
            default=settings.BASE_URL,
            help="where people reach this desk, for the links (default: VULNDESK_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = find_project(options["project"])
        base = options["base_url"].rstrip("/")
        if not base:
            self.stderr.write(
                "links are paths on this desk: give --base-url or set VULNDESK_BASE_URL to make"
                " them whole addresses"
            )
        self.stdout.write(security_md(project, lambda path: base + path), ending="")
