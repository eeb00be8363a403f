from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vulndesk.desk.management.commands.report import find_report, find_user
from vulndesk.desk.management.output import print_json, print_table
from vulndesk.desk.models import FixBranch, Report, TestRun
from vulndesk.desk.services import fix_integrity, fix_repo
from vulndesk.gitops import display_remote


class Command(BaseCommand):
    help = (
        "A report's private security repository: link its remote, sync its fix branches, run "
        "the project's tests on one, record a review; freeze the fix as sent to distributors "
        "and verify that what landed is exactly that (EMI-42, KAR-41)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        repo = verbs.add_parser("repo", help="link the report to its private remote")
        repo.add_argument("key", help="report, e.g. VITESS-3")
        repo.add_argument(
            "remote", help="https://, ssh:// or file:// URL, git@host:path, or a path"
        )
        repo.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")
        sync = verbs.add_parser("sync", help="fetch the remote and list its fix branches")
        sync.add_argument("key")
        sync.add_argument("--as", dest="actor", metavar="USERNAME")
        sync.add_argument("--json", action="store_true", help="print JSON")
        test = verbs.add_parser("test", help="run the project's test command on a fix branch")
        test.add_argument("key")
        test.add_argument("branch", help="the fix branch's name, e.g. fix/header-1.13")
        test.add_argument("--as", dest="actor", metavar="USERNAME")
        test.add_argument(
            "--wait", action="store_true", help="run it here and now and print the result"
        )
        review = verbs.add_parser("review", help="approve a fix branch or request changes")
        review.add_argument("key")
        review.add_argument("branch")
        review.add_argument("--as", dest="actor", metavar="USERNAME", required=True)
        verdict = review.add_mutually_exclusive_group(required=True)
        verdict.add_argument("--approve", action="store_true")
        verdict.add_argument("--request-changes", action="store_true")
        review.add_argument("--comment", default="")
        freeze = verbs.add_parser(
            "freeze", help="record the patch-ids of the fix commits, as sent to distributors"
        )
        freeze.add_argument("key")
        freeze.add_argument("--as", dest="actor", metavar="USERNAME")
        verify = verbs.add_parser(
            "verify", help="compare what landed on each branch with the frozen fix"
        )
        verify.add_argument("key")
        verify.add_argument("--as", dest="actor", metavar="USERNAME")
        verify.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = find_report(options["key"])
        actor = find_user(options["actor"]) if options.get("actor") else None
        try:
            getattr(self, options["verb"])(report, actor, options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def repo(self, report: Report, actor: Any, options: dict[str, Any]) -> None:
        report = fix_repo.link_repository(report, options["remote"], actor=actor)
        remote = display_remote(report.security_repository)
        self.stdout.write(f"{report.key}: private repository {remote}")

    def sync(self, report: Report, actor: Any, options: dict[str, Any]) -> None:
        result = fix_repo.sync_fix_branches(report, actor=actor)
        listed: list[dict[str, Any]] = [
            {
                "branch": branch.name,
                "line": branch.release_line.name if branch.release_line else None,
                "head": branch.head_sha,
                "commits": [
                    {"sha": c.sha, "subject": c.subject, "author": c.author, "date": c.date}
                    for c in fix_repo.branch_commits(branch)
                ],
            }
            for branch in result.branches
        ]
        if options["json"]:
            print_json(self.stdout, {"changes": result.changes, "branches": listed})
            return
        for change in result.changes:
            self.stdout.write(change)
        rows = [
            (
                b["branch"],
                b["line"] or report.project.main_branch,
                b["head"][:12],
                len(b["commits"]),
            )
            for b in listed
        ]
        print_table(
            self.stdout,
            f"fix branches of {report.key}",
            ["branch", "fixes", "head", "commits"],
            rows,
        )

    def test(self, report: Report, actor: Any, options: dict[str, Any]) -> None:
        run = fix_repo.request_test_run(branch_named(report, options["branch"]), actor=actor)
        if not options["wait"]:
            self.stdout.write(f"queued test run {run.pk} on {run.sha[:12]}: a worker runs it")
            return
        # The queued task then finds the run taken and does nothing.
        fix_repo.execute_test_run(run.pk)
        run = TestRun.objects.get(pk=run.pk)
        self.stdout.write(run.log, ending="" if run.log.endswith("\n") else "\n")
        code = "" if run.exit_code is None else f" (exit code {run.exit_code})"
        message = f"{run.fix_branch.name} at {run.sha[:12]}: {run.status}{code}"
        if run.status != TestRun.Status.PASSED:
            raise CommandError(message)
        self.stdout.write(message)

    def review(self, report: Report, actor: Any, options: dict[str, Any]) -> None:
        branch = branch_named(report, options["branch"])
        review = fix_repo.record_review(
            branch, reviewer=actor, approved=options["approve"], comment=options["comment"]
        )
        verdict = "approved" if review.approved else "changes requested"
        self.stdout.write(f"{branch.name} at {review.sha[:12]}: {verdict} by {actor}")

    def freeze(self, report: Report, actor: Any, options: dict[str, Any]) -> None:
        frozen = fix_integrity.freeze_fix(report, actor=actor)
        for entry in frozen.branches:
            fixes = ", ".join(entry["fix_branches"])
            self.stdout.write(f"{entry['branch']} (from {fixes}, over {entry['base'][:12]}):")
            for commit in entry["commits"]:
                self.stdout.write(
                    f"  {commit['sha'][:12]} {commit['patch_id'][:12]} {commit['subject']}"
                )
        self.stdout.write(f"{report.key}: fix frozen at {frozen.frozen_at:%Y-%m-%d %H:%M} UTC")

    def verify(self, report: Report, actor: Any, options: dict[str, Any]) -> None:
        checked = fix_integrity.check_release_integrity(report, actor=actor)
        result = checked.check_result
        if options["json"]:
            print_json(self.stdout, result | {"frozen_at": checked.frozen_at})
        else:
            self.stdout.write(f"what landed on {result['repository'] or '(no repository)'}:")
            for branch in result["branches"]:
                state = "differs" if branch["problem"] or branch["findings"] else "as sent"
                self.stdout.write(f"{branch['branch']}: {state}")
                if branch["problem"]:
                    self.stdout.write(f"  {branch['problem']}")
                for finding in branch["findings"]:
                    self.stdout.write(f"  {finding['kind']}: {finding['text']}")
            if not result["branches"]:
                for problem in result["problems"]:
                    self.stdout.write(f"  {problem}")
        if result["problems"]:
            raise CommandError(
                f"{report.key}: what landed is not the fix sent to distributors "
                f"({len(result['problems'])} problems)"
            )
        if not options["json"]:
            self.stdout.write(f"{report.key}: every commit landed as sent to distributors")


def branch_named(report: Report, name: str) -> FixBranch:
    branch = report.fix_branches.filter(name=name).first()
    if branch is None:
        known = ", ".join(report.fix_branches.order_by("name").values_list("name", flat=True))
        hint = f"its fix branches: {known}" if known else "run `vulndesk fix sync` first"
        raise CommandError(f"{report.key} has no fix branch {name!r}; {hint}")
    return branch
