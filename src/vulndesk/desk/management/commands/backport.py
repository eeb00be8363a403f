from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, cast

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from vulndesk.desk.backport_json import backport_to_json
from vulndesk.desk.management.commands.report import find_report, find_user
from vulndesk.desk.management.output import print_json, print_table
from vulndesk.desk.models import Backport, Package, Project, Report
from vulndesk.desk.services import backport_setup, backports
from vulndesk.desk.services.backports import Progress as Tick
from vulndesk.gitops import display_remote
from vulndesk.versions.plan import Compatibility, Ecosystem

# Statuses that leave work for a person before the plan is carried out in full.
UNFINISHED = {"conflict", "failed", "blocked"}


class Command(BaseCommand):
    help = (
        "Backports (the Open edX playbook): register packages and the dependents that install "
        "them; plan a report's backport, try its cherry-picks, carry it out."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        plan = verbs.add_parser("plan", help="plan the backport of a fix in a package")
        plan.add_argument("key", help="report, e.g. OPENEDX-3")
        plan.add_argument("--package", required=True, help="the package's name")
        plan.add_argument(
            "--fix", action="append", required=True, metavar="SHA", help="a fix commit on main"
        )
        plan.add_argument(
            "--compatible",
            action="append",
            default=[],
            metavar="VERSION=yes|no",
            help="is a release line pinning VERSION compatible with the new release? (OEDX-8)",
        )
        plan.add_argument(
            "--compatibility",
            choices=[c.value for c in Compatibility],
            default=Compatibility.SAME_MAJOR.value,
            help="the default answer (OEDX-9: same major version)",
        )
        show = verbs.add_parser("show", help="the stored plan and each step's status")
        dry = verbs.add_parser("dry-run", help="try each cherry-pick aside; nothing moves")
        execute = verbs.add_parser("execute", help="carry out the plan in vulndesk's clones")
        for sub in (show, dry, execute):
            sub.add_argument("key", help="report, e.g. OPENEDX-3")
            sub.add_argument("--package", help="needed when the report has several backports")
        execute.add_argument("--push", action="store_true", help="push to the private remotes")
        execute.add_argument(
            "--test", action="store_true", help="run the test command on each new branch head"
        )
        for sub in (plan, show, dry, execute):
            sub.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")
            sub.add_argument("--json", action="store_true", help="print JSON")
        self._registry(verbs)

    def _registry(self, verbs: Any) -> None:
        package = verbs.add_parser("package", help="a project's packages")
        actions = package.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="register a package the project publishes")
        add.add_argument("project", help="project slug")
        add.add_argument("name", help="as published, e.g. openedx-animals")
        add.add_argument("--repository", required=True, help="URL or path of its git repository")
        add.add_argument("--ecosystem", choices=[e.value for e in Ecosystem], default="PyPI")
        add.add_argument("--tag-pattern", default="v{version}")
        add.add_argument("--main-branch", default="main")
        add.add_argument("--private-remote", default="", help="blank: the report's")
        dependent = verbs.add_parser("dependent", help="repositories that install the packages")
        dep_actions = dependent.add_subparsers(dest="action", required=True)
        dep_add = dep_actions.add_parser("add", help="register a dependent and its branches")
        dep_add.add_argument("project", help="project slug")
        dep_add.add_argument("name", help="e.g. edx-platform")
        dep_add.add_argument("--repository", required=True)
        dep_add.add_argument("--private-remote", default="", help="blank: never pushed")
        dep_add.add_argument(
            "--branch",
            action="append",
            default=[],
            metavar="BRANCH[=LINE]",
            help="main, or open-release/zebrawood.master=zebrawood (a release line's branch)",
        )
        for sub in (add, dep_add):
            sub.add_argument("--as", dest="actor", metavar="USERNAME")
        for parent in (actions, dep_actions):
            listing = parent.add_parser("list", help="list them")
            listing.add_argument("project", help="project slug")
            listing.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = find_user(options["actor"]) if options.get("actor") else None
        verb = options["verb"]
        try:
            if verb in {"package", "dependent"}:
                project = find_project(options["project"])
                getattr(self, f"{verb}_{options['action']}")(project, actor, options)
                return
            report = find_report(options["key"])
            # Prefixed: `execute` and others are BaseCommand's own methods.
            getattr(self, "verb_" + verb.replace("-", "_"))(report, actor, options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def verb_plan(self, report: Report, actor: User | None, options: dict[str, Any]) -> None:
        package = find_package(report.project, options["package"])
        with self.progress("discovering") as tick:
            backport = backports.plan(
                report,
                package,
                options["fix"],
                actor=actor,
                compatibility=options["compatibility"],
                decisions=decisions(options["compatible"]),
                progress=tick,
            )
        self.show_backport(backport, options)

    def verb_show(self, report: Report, actor: User | None, options: dict[str, Any]) -> None:
        self.show_backport(find_backport(report, options["package"]), options)

    def verb_dry_run(self, report: Report, actor: User | None, options: dict[str, Any]) -> None:
        backport = find_backport(report, options["package"])
        with self.progress("fetching") as tick:
            backports.dry_run(backport, actor=actor, progress=tick)
        self.show_backport(backport, options)
        conflicts = backport.steps.filter(checked="conflict").count()
        if conflicts:
            raise CommandError(
                f"{conflicts} cherry-pick{'s' if conflicts != 1 else ''} would conflict: see the "
                "files and hunks above"
            )

    def verb_execute(self, report: Report, actor: User | None, options: dict[str, Any]) -> None:
        backport = find_backport(report, options["package"])
        with self.progress("fetching") as tick:
            backports.execute(
                backport,
                actor=actor,
                push=options["push"],
                run_tests=options["test"],
                progress=tick,
            )
        self.show_backport(backport, options)
        if not options["json"] and not options["push"]:
            where = backports.clone_dir(report, backport.package.name).parent
            self.stdout.write(f"Nothing was pushed; the work is in {where} (--push sends it).")
        left = backport.steps.filter(status__in=UNFINISHED).count()
        if left:
            raise CommandError(
                f"{left} step{'s' if left != 1 else ''} not done: resolve the conflict or "
                "failure shown above, then run `vulndesk backport execute` again"
            )

    def show_backport(self, backport: Backport, options: dict[str, Any]) -> None:
        data = backport_to_json(backport)
        if options["json"]:
            print_json(self.stdout, data)
            return
        rows = [
            (
                index,
                step["kind"],
                step["repository"],
                step["branch"],
                versions(step),
                step["status"] + (f" (dry run: {step['checked']})" if step["checked"] else ""),
                step["detail"] or step["reason"],
            )
            for index, step in enumerate(data["steps"], start=1)
        ]
        print_table(
            self.stdout,
            f"backport of {data['package']} for {backport.report.key}",
            ["#", "step", "repository", "branch", "versions", "status", "detail"],
            rows,
        )
        for step in data["steps"]:
            for conflict in step["conflicts"]:
                self.stdout.write(f"conflict in {conflict['path']} ({step['id']}):")
                for hunk in conflict["hunks"]:
                    self.stdout.write(hunk)
        for problem in data["problems"]:
            self.stdout.write(
                f"problem: {problem['repository']}@{problem['branch']}: {problem['reason']}"
            )
        for note in data["notes"]:
            self.stdout.write(f"note: {note}")

    @contextmanager
    def progress(self, doing: str) -> Iterator[Tick]:
        """A progress bar on stderr over the repositories fetched and read."""
        # OutputWrapper is a text stream (TextIOBase) that the stubs do not call IO[str].
        console = Console(file=cast(IO[str], self.stderr), stderr=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(doing, total=None)

            def tick(what: str, total: int) -> None:
                bar.update(task, total=total, advance=1, description=what)

            yield tick

    def package_add(self, project: Project, actor: User | None, options: dict[str, Any]) -> None:
        package = backport_setup.add_package(
            project,
            name=options["name"],
            ecosystem=options["ecosystem"],
            repository=options["repository"],
            tag_pattern=options["tag_pattern"],
            main_branch=options["main_branch"],
            private_remote=options["private_remote"],
            actor=actor,
        )
        self.stdout.write(f"{project.slug}: package {package}")

    def package_list(self, project: Project, actor: User | None, options: dict[str, Any]) -> None:
        listed = [
            {
                "name": p.name,
                "ecosystem": p.ecosystem,
                "repository": display_remote(p.repository),
                "tag_pattern": p.tag_pattern,
                "main_branch": p.main_branch,
                "private_remote": display_remote(p.private_remote) if p.private_remote else "",
            }
            for p in backport_setup.packages(project)
        ]
        if options["json"]:
            print_json(self.stdout, listed)
            return
        columns = ["name", "ecosystem", "repository", "tag_pattern", "main_branch"]
        rows = [[p[c] for c in columns] for p in listed]
        print_table(self.stdout, f"packages of {project.slug}", columns, rows)

    def dependent_add(self, project: Project, actor: User | None, options: dict[str, Any]) -> None:
        dependent = backport_setup.add_dependent(
            project,
            name=options["name"],
            repository=options["repository"],
            private_remote=options["private_remote"],
            branches=[backport_setup.parse_branch(text) for text in options["branch"]],
            actor=actor,
        )
        self.stdout.write(
            f"{project.slug}: dependent {dependent} ({len(options['branch'])} branches)"
        )

    def dependent_list(self, project: Project, actor: User | None, options: dict[str, Any]) -> None:
        listed: list[dict[str, Any]] = [
            {
                "name": d.name,
                "repository": display_remote(d.repository),
                "branches": [
                    {"branch": b.branch, "line": b.release_line.name if b.release_line else None}
                    for b in d.branches.all()
                ],
            }
            for d in backport_setup.dependents(project)
        ]
        if options["json"]:
            print_json(self.stdout, listed)
            return
        rows = [
            (d["name"], d["repository"], ", ".join(branch_text(b) for b in d["branches"]))
            for d in listed
        ]
        print_table(
            self.stdout, f"dependents of {project.slug}", ["name", "repository", "branches"], rows
        )


def branch_text(branch: dict[str, Any]) -> str:
    return str(branch["branch"]) + (f"={branch['line']}" if branch["line"] else "")


def versions(step: dict[str, Any]) -> str:
    if step["old_version"] and step["version"]:
        return f"{step['old_version']} → {step['version']}"
    return str(step["version"] or step["base"] or "")


def decisions(answers: list[str]) -> dict[str, bool]:
    """`2.5.0=no` → {"2.5.0": False}: a person's answer to OEDX-8 for that pinned version."""
    found = {}
    for answer in answers:
        version, _, said = answer.partition("=")
        if said.strip().lower() not in {"yes", "no"} or not version.strip():
            raise CommandError(f"--compatible {answer!r}: write VERSION=yes or VERSION=no")
        found[version.strip()] = said.strip().lower() == "yes"
    return found


def find_project(slug: str) -> Project:
    try:
        return Project.objects.get(slug=slug)
    except Project.DoesNotExist:
        raise CommandError(f"no project {slug!r}") from None


def find_package(project: Project, name: str) -> Package:
    package = project.packages.filter(name=name).first()
    if package is None:
        known = ", ".join(p.name for p in backport_setup.packages(project)) or "none yet"
        raise CommandError(
            f"{project.slug} has no package {name!r} (its packages: {known}); register it with "
            "`vulndesk backport package add`"
        )
    return package


def find_backport(report: Report, package: str | None) -> Backport:
    found = report.backports.select_related("package", "report__project")
    if package is not None:
        found = found.filter(package__name=package)
    chosen = list(found)
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        raise CommandError(
            f"{report.key} has no backport{' of ' + package if package else ''} planned; "
            "run `vulndesk backport plan` first"
        )
    names = ", ".join(b.package.name for b in chosen)
    raise CommandError(f"{report.key} has backports of {names}: say which with --package")
