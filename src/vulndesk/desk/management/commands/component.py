from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vulndesk.desk.management.commands.report import find_component, find_project, find_user
from vulndesk.desk.management.output import print_json, print_table
from vulndesk.desk.models import Project
from vulndesk.desk.services import components


class Command(BaseCommand):
    help = (
        "A project's components and the people responsible for each (FOLIO): a report's "
        "component proposes its Fix Team (FOLIO-27)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        add = verbs.add_parser("add", help="add a component to a project")
        add.add_argument("slug", metavar="PROJECT")
        add.add_argument("name")
        listing = verbs.add_parser("list", help="the project's components and their owners")
        listing.add_argument("slug", metavar="PROJECT")
        listing.add_argument("--json", action="store_true", help="print JSON")
        rename = verbs.add_parser("rename", help="rename a component")
        rename.add_argument("slug", metavar="PROJECT")
        rename.add_argument("name")
        rename.add_argument("new_name", metavar="NEW")
        owners = verbs.add_parser(
            "owners", help="set the people responsible for a component (none: nobody)"
        )
        owners.add_argument("slug", metavar="PROJECT")
        owners.add_argument("name")
        owners.add_argument("users", nargs="*", metavar="USER")
        for verb in (add, rename, owners):
            verb.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        project = find_project(options["slug"])
        try:
            getattr(self, f"do_{options['verb']}")(project, options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def actor(self, options: dict[str, Any]) -> Any:
        return find_user(options["actor"]) if options["actor"] else None

    def do_add(self, project: Project, options: dict[str, Any]) -> None:
        component = components.create_component(project, options["name"], actor=self.actor(options))
        self.stdout.write(f"{project.slug}: component {component.name} added")

    def do_list(self, project: Project, options: dict[str, Any]) -> None:
        rows = [
            {
                "name": component.name,
                "owners": sorted(owner.get_username() for owner in component.owners.all()),
            }
            for component in project.components.prefetch_related("owners").order_by("name")
        ]
        if options["json"]:
            print_json(self.stdout, rows)
            return
        print_table(
            self.stdout,
            f"components of {project.slug}",
            ["component", "owners"],
            [(row["name"], ", ".join(row["owners"])) for row in rows],
        )

    def do_rename(self, project: Project, options: dict[str, Any]) -> None:
        component = components.rename_component(
            find_component(project, options["name"]),
            options["new_name"],
            actor=self.actor(options),
        )
        self.stdout.write(f"{project.slug}: component {options['name']} is now {component.name}")

    def do_owners(self, project: Project, options: dict[str, Any]) -> None:
        users = [find_user(username) for username in options["users"]]
        component = components.set_owners(
            find_component(project, options["name"]), users, actor=self.actor(options)
        )
        names = ", ".join(sorted(user.get_username() for user in users)) or "nobody"
        self.stdout.write(f"{project.slug}: {component.name} is owned by {names}")
