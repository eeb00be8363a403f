"""A report's advisory in each format of the one table (`public_advisories.FORMATS`), and an
OSV record or GitHub advisory imported as a past, published report.

A record that cannot be valid yet is a 409, not a 422: the request is right, the report lacks
facts (a CVE ID, what is affected), and `errors` lists each one with how to give it.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Body, Query, Router, Schema, Status

from vulndesk.advisories.errors import InvalidRecord
from vulndesk.advisories.parse import FORMATS as IMPORT_FORMATS
from vulndesk.advisories.parse import parse
from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import ProjectSlug, ReportNumber, report_for, require_project, token_of
from vulndesk.api.errors import ApiError
from vulndesk.api.schemas import WRITE_ERRORS, error_responses
from vulndesk.desk.access import can_file_reports, get_project_for_user
from vulndesk.desk.services.advisory_import import AlreadyImported, import_advisory
from vulndesk.desk.services.public_advisories import FILENAMES, rendered

router = Router(tags=["advisories"])

AdvisoryFormat = Annotated[
    str,
    Query(
        alias="format",
        pattern=f"^({'|'.join(FILENAMES)})$",
        description=f"one of {', '.join(FILENAMES)}",
    ),
]
ImportFormat = Annotated[
    str | None,
    Query(
        alias="format",
        pattern=f"^({'|'.join(IMPORT_FORMATS)})$",
        description="the record's format; told by its fields if omitted",
    ),
]
RENDERED = {
    200: {
        "description": "the advisory in that format: a draft while the report is embargoed",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/markdown": {"schema": {"type": "string"}},
        },
    }
}


class AdvisoryImported(Schema):
    project: str
    number: int
    key: str
    state: str
    not_kept: list[str]


@router.get(
    "/reports/{project}/{number}/advisory",
    response=error_responses(401, 404, 409, 422),
    auth=read_token,
    openapi_extra={"responses": RENDERED},
)
def get_advisory(
    request: HttpRequest,
    project: ProjectSlug,
    number: ReportNumber,
    format_: AdvisoryFormat = "osv",
) -> Any:
    """The report's advisory as OSV JSON, a CVE JSON 5 record, a CSAF 2.0 VEX document or
    Markdown; 409 with what is missing where the record cannot be valid yet."""
    report = report_for(request, project, number)
    found = rendered(report, FILENAMES[format_])
    if found.problems:
        raise ApiError(
            409,
            "advisory_incomplete",
            f"{report.key} has no valid {found.format.label} record yet; errors lists what it"
            " lacks and how to give it",
            errors=[{"code": "missing", "message": p, "field": None} for p in found.problems],
        )
    return HttpResponse(found.body, content_type=found.format.content_type)


@router.post(
    "/projects/{slug}/advisories/import",
    response={201: AdvisoryImported, **WRITE_ERRORS},
    auth=write_token,
)
def import_advisory_record(
    request: HttpRequest,
    slug: ProjectSlug,
    payload: Annotated[dict[str, Any], Body(description="an OSV record or a GitHub advisory")],
    format_: ImportFormat = None,
) -> Any:
    """The record as a past, published report of the project (201, with what the report does
    not keep). Refused whole: 422 with each problem at its JSON path in the record (`field`,
    `$` being the body), 409 if the desk holds the vulnerability already (the record's id
    imported before, or its CVE or GHSA id on a report)."""
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    require_project(can_file_reports(user, project), "import advisories into it")
    try:
        imported = import_advisory(
            project, parse(payload, vendor=project.name, format_name=format_), actor=user
        )
    except AlreadyImported as exc:
        raise refusal(
            409, "already_imported", exc, f"already on the desk as {', '.join(exc.keys)}"
        ) from None
    except InvalidRecord as exc:
        raise refusal(422, "invalid_record", exc, "nothing was imported") from None
    report = imported.report
    return Status(
        201,
        {
            "project": project.slug,
            "number": report.number,
            "key": report.key,
            "state": report.state,
            "not_kept": list(imported.not_kept),
        },
    )


def refusal(status: int, code: str, exc: InvalidRecord, outcome: str) -> ApiError:
    """Every problem of a refused record at its JSON path ("$.affected[0].package: …")."""
    errors = []
    for problem in exc.problems:
        path, _, message = problem.partition(": ")
        errors.append({"code": code, "message": message, "field": path})
    summary = f"the {exc.format_name} record cannot be imported: {outcome}; errors lists why"
    return ApiError(status, code, summary, field=errors[0]["field"], errors=errors)
