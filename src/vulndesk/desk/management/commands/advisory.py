import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from vulndesk.advisories import cve5
from vulndesk.advisories.errors import IncompleteAdvisory, InvalidRecord
from vulndesk.advisories.parse import FORMATS as IMPORT_FORMATS
from vulndesk.advisories.parse import parse
from vulndesk.desk.management.commands.report import find_project, find_report, find_user
from vulndesk.desk.services.advisory_export import AdvisoryDataError, build_advisory
from vulndesk.desk.services.advisory_import import import_advisory
from vulndesk.desk.services.public_advisories import FILENAMES, FORMATS, Issuer


class Command(BaseCommand):
    help = (
        "Export a report's advisory: OSV 1.7 or CVE JSON 5.1 records, a CSAF 2.0 VEX document"
        " or Markdown text; import an OSV record or GitHub advisory as a published report."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        export = verbs.add_parser("export", help="print the advisory of a report to stdout")
        export.add_argument("key", metavar="KEY", help="the report, e.g. EMISSARY-12")
        export.add_argument("--format", choices=tuple(FILENAMES), default="osv")
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

        imports = verbs.add_parser("import", help="an OSV or GitHub advisory as a past report")
        imports.add_argument("file", metavar="FILE", help="the record's JSON file")
        imports.add_argument("--project", required=True, metavar="SLUG")
        imports.add_argument(
            "--format", choices=tuple(IMPORT_FORMATS), help="default: told by the record's fields"
        )
        imports.add_argument("--as", dest="actor", metavar="USERNAME", help="act as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "import":
            self.do_import(options)
            return
        report = find_report(options["key"])
        chosen = FORMATS[FILENAMES[options["format"]]]
        issuer = Issuer(
            cve5.Cna(options["cna_org_id"], options["cna_short_name"]),
            options["publisher_name"],
            options["publisher_namespace"],
        )
        try:
            text = chosen.render(build_advisory(report), issuer)
        except AdvisoryDataError as exc:
            raise CommandError(f"{report.key}: {exc}") from None
        except IncompleteAdvisory as exc:
            hint = ""
            if options["format"] == "cve" and not options["cna_org_id"]:
                hint = "\n(give the CNA with --cna-org-id UUID or VULNDESK_CNA_ORG_ID)"
            if options["format"] == "csaf" and not options["publisher_namespace"]:
                hint = "\n(give the publisher's address with --publisher-namespace URL)"
            raise CommandError(f"{report.key}: {exc}{hint}") from None
        self.stdout.write(text, ending="")

    def do_import(self, options: dict[str, Any]) -> None:
        project = find_project(options["project"])
        actor = find_user(options["actor"]) if options["actor"] else None
        try:
            with open(options["file"], encoding="utf-8") as file:
                data = json.load(file)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{options['file']}: cannot read it as JSON: {exc}") from None
        try:
            parsed = parse(data, vendor=project.name, format_name=options["format"])
            imported = import_advisory(project, parsed, actor=actor)
        except InvalidRecord as exc:
            raise CommandError(f"{options['file']}: {exc}\nnothing was imported") from None
        report = imported.report
        self.stdout.write(f"{parsed.source_id} imported as {report.key}, published")
        for note in imported.not_kept:
            self.stderr.write(f"not kept: {note}")
