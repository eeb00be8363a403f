import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vulndesk.advisories import csaf, cve5, markdown, osv
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.desk.management.commands.report import find_report
from vulndesk.desk.services.advisory_export import AdvisoryDataError, build_advisory

FORMATS = ("osv", "cve", "csaf", "md")


class Command(BaseCommand):
    help = (
        "Export a report's advisory: OSV 1.7 or CVE JSON 5.1 records, a CSAF 2.0 VEX document"
        " or Markdown text."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        export = verbs.add_parser("export", help="print the advisory of a report to stdout")
        export.add_argument("key", metavar="KEY", help="the report, e.g. EMISSARY-12")
        export.add_argument("--format", choices=FORMATS, default="osv")
        export.add_argument(
            "--cna-org-id",
            default=settings.CNA_ORG_ID,
            help="the CNA's organisation UUID in CVE records (default: VULNDESK_CNA_ORG_ID)",
        )
        export.add_argument(
            "--cna-short-name",
            default=settings.CNA_SHORT_NAME,
            help="the CNA's short name (default: VULNDESK_CNA_SHORT_NAME)",
        )
        export.add_argument(
            "--publisher-name",
            default="",
            help="who issues CSAF documents (default: the report's project)",
        )
        export.add_argument(
            "--publisher-namespace",
            default=settings.BASE_URL,
            help="the CSAF publisher's web address (default: VULNDESK_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = find_report(options["key"])
        try:
            advisory = build_advisory(report)
            if options["format"] == "md":
                self.stdout.write(markdown.render(advisory), ending="")
                return
            if options["format"] == "osv":
                record = osv.render(advisory)
            elif options["format"] == "csaf":
                name = options["publisher_name"] or advisory.vendor
                publisher = csaf.Publisher(name, options["publisher_namespace"])
                record = csaf.render(advisory, publisher)
            else:
                cna = cve5.Cna(options["cna_org_id"], options["cna_short_name"])
                record = cve5.render(advisory, cna)
        except AdvisoryDataError as exc:
            raise CommandError(f"{report.key}: {exc}") from None
        except IncompleteAdvisory as exc:
            hint = ""
            if options["format"] == "cve" and not options["cna_org_id"]:
                hint = "\n(give the CNA with --cna-org-id UUID or VULNDESK_CNA_ORG_ID)"
            if options["format"] == "csaf" and not options["publisher_namespace"]:
                hint = "\n(give the publisher's address with --publisher-namespace URL)"
            raise CommandError(f"{report.key}: {exc}{hint}") from None
        self.stdout.write(json.dumps(record, indent=2, ensure_ascii=False))
