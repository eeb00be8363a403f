from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vulndesk.desk.management.commands.report import find_report, find_user, print_report
from vulndesk.desk.models import (
    AssessedRiskChoices,
    DomainChoices,
    EvidenceChoices,
    LayerChoices,
    ScopeChoices,
)
from vulndesk.desk.services.reports import record_triage

YES_NO = {"yes": True, "no": False}

# (option, field, choices, help); choices None means free text.
QUESTIONS: tuple[tuple[str, str, list[str] | None, str], ...] = (
    ("--scope", "scope", ScopeChoices.values, "one app or the whole system? (FOLIO-19)"),
    ("--layer", "layer", LayerChoices.values, "frontend or backend? (FOLIO-20)"),
    ("--domain", "domain", DomainChoices.values, "hosting or software? (FOLIO-21)"),
    ("--pii-exposed", "pii_exposed", list(YES_NO), "may sensitive data leak? (FOLIO-22)"),
    (
        "--privilege-escalation",
        "privilege_escalation",
        list(YES_NO),
        "does it escalate privileges? (FOLIO-23)",
    ),
    ("--affected-versions", "affected_versions", None, "versions or ranges (FOLIO-24)"),
    ("--reproduced", "reproduced", list(YES_NO), "was it reproduced? (FOLIO-16)"),
    ("--evidence", "evidence", EvidenceChoices.values, "how (FOLIO-17)"),
    ("--blast-radius", "blast_radius", None, "who and what it reaches (FOLIO-1)"),
    ("--remediation-plan", "remediation_plan", None, "mitigations, patches (KAR-22)"),
    ("--assessed-risk", "assessed_risk", AssessedRiskChoices.values, "the team's view (KAR-24)"),
    ("--mitigation", "mitigation", None, "what users can do until the fix (EMI-38)"),
    (
        "--may-become-exploitable",
        "may_become_exploitable",
        list(YES_NO),
        "not exploitable now but may be later: then it is never rejected (FOLIO-18)",
    ),
)


class Command(BaseCommand):
    help = "Record triage answers on a report; only the answers given change."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("key", help="e.g. FOLIO-3")
        parser.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")
        for option, _, choices, text in QUESTIONS:
            parser.add_argument(option, choices=choices, help=text)
        parser.add_argument("--duplicate-of", metavar="KEY", help="the report this one repeats")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = find_report(options["key"])
        actor = find_user(options["actor"]) if options["actor"] else None
        answers = {
            # Only a yes/no question's answer becomes a boolean; free text stays as written.
            field: YES_NO[options[field]] if choices == list(YES_NO) else options[field]
            for _, field, choices, _ in QUESTIONS
            if options[field] is not None
        }
        duplicate_of = find_report(options["duplicate_of"]) if options["duplicate_of"] else None
        if not answers and duplicate_of is None:
            raise CommandError("give at least one answer, e.g. --scope system_wide")
        try:
            report = record_triage(report, answers, actor=actor, duplicate_of=duplicate_of)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        print_report(self.stdout, report, as_json=options["json"])
