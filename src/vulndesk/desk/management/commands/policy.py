from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError

from vulndesk.desk.management.output import print_json, print_table
from vulndesk.process.calendar import format_duration
from vulndesk.process.policy import Policy, PolicyError, load_policy, preset_names, resolve_policy


class Command(BaseCommand):
    help = "Show a preset's policy, or check a policy file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        show = verbs.add_parser("show", help=f"show a preset: {', '.join(preset_names())}")
        show.add_argument("name", choices=preset_names())
        show.add_argument("--json", action="store_true", help="print JSON")
        check = verbs.add_parser("check", help="validate a policy file (YAML)")
        check.add_argument("file", type=Path)
        check.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "show":
            policy = resolve_policy(options["name"])
        else:
            policy = self.check_file(options["file"])
        if options["json"]:
            print_json(self.stdout, policy.model_dump(mode="json"))
            return
        if options["verb"] == "show":
            self.stdout.write(yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=False))
        # For a file, the deadlines it sets are the summary to check against the document.
        self.print_deadlines(policy)

    def check_file(self, path: Path) -> Policy:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"cannot read {path}: it is not UTF-8 text (byte {exc.object[exc.start]:#04x} "
                f"at offset {exc.start}); a policy file is YAML saved as UTF-8"
            ) from None
        try:
            policy = load_policy(text)
        except PolicyError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stderr.write(f"{path}: a valid policy (preset {policy.preset})")
        return policy

    def print_deadlines(self, policy: Policy) -> None:
        rows = [
            (
                rule.name,
                rule.direction,
                rule.anchor,
                f"{rule.business_days} business days"
                if rule.business_days
                else format_duration(rule.within or timedelta()),
                rule.rule_id,
            )
            for rule in policy.deadline_rules()
        ]
        print_table(self.stdout, "deadlines", ["name", "", "anchor", "offset", "rule"], rows)
