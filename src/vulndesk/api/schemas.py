"""What goes in and out of the API. Inputs refuse unknown fields and loose types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Strict

from vulndesk.desk.models import AffectStatus, CreditChoices, SeverityChoices, StateChoices
from vulndesk.process.deadlines import Miss, Status

# The databases refuse NUL characters and unpaired surrogates in text: refuse them first.
STORABLE = r"^[^\x00]*$"


def storable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no unpaired surrogates)") from None
    return text


Storable = Annotated[str, Field(pattern=STORABLE), AfterValidator(storable)]
StrictBool = Annotated[bool, Strict()]


def not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


def email_or_empty(text: str) -> str:
    try:
        if text:
            validate_email(text)
    except ValidationError:
        raise ValueError("not an email address, e.g. dana@example.org") from None
    return text


def web_url_or_empty(text: str) -> str:
    try:
        if text:
            URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise ValueError("not a web address, e.g. https://github.com/org/repo/issues/12") from None
    return text


# Older than this is a typo, and datetimes near year 1 overflow on their way to the database.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


def not_ancient(moment: datetime) -> datetime:
    if moment < EARLIEST:
        raise ValueError("is before 1970; give when the original tracker received the report")
    return moment


# Strict: "3" is not a version; a client sending it has a bug worth hearing about.
Version = Annotated[
    int, Strict(), Field(ge=1, le=2**31 - 1, description="the report version you read")
]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class FieldError(Schema):
    code: str
    message: str
    field: str | None


class Error(Schema):
    code: str = Field(description="machine-readable, e.g. stale_version, too_large")
    message: str
    field: str | None = Field(description="where the fault is, e.g. body.version")
    errors: list[FieldError] = Field(description="every field at fault, for validation errors")


class ProjectOut(Schema):
    slug: str
    name: str
    preset: str
    security_email: str
    repository_url: str


class ReleaseLineOut(Schema):
    name: str
    branch: str
    status: str
    latest_version: str


class ReportItem(Schema):
    project: str
    number: int
    key: str
    title: str
    state: StateChoices
    severity: SeverityChoices | None = Field(
        description="the Security Team's override, else the score's"
    )
    cvss_score: float | None
    embargoed: bool
    received_at: datetime


class ReportPage(Schema):
    items: list[ReportItem]
    next: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class DecisionOut(Schema):
    allowed: bool
    reason: str


class HandlingOut(Schema):
    slow_down: DecisionOut
    semi_public: DecisionOut
    release: str | None
    asap: bool


class PatchReleaseOut(Schema):
    line: str
    from_version: str = Field(description="the line's latest release; empty if not recorded")
    version: str = Field(description="the next patch release; empty if it cannot be told")


class ReleasePlanOut(Schema):
    case: Literal["nothing_affected", "development_only", "supported", "unsupported_only"]
    supported_lines: list[str] = Field(description="the lines the policy supports now")
    patch_releases: list[PatchReleaseOut]
    fix_on_development: bool
    release_blocker: bool = Field(description="EMI-19")
    courtesy_notice: bool = Field(description="VIT-11")
    upgrade_notice: bool = Field(description="VIT-13, EMI-21")
    cve_warranted: bool | None = Field(description="null: the team decides (no threshold)")
    fix_issued: bool
    reasons: list[str]


class DeadlineSummary(Schema):
    running: int
    overdue: int
    next_due_at: datetime | None


class ReportDetail(ReportItem):
    version: int
    description: str = Field(description="Markdown, as written")
    description_html: str = Field(description="the Markdown rendered and sanitised")
    cvss_vector: str
    cvss_version: str
    disclosure_level: str
    public_disclosure_at: datetime | None
    cve_id: str
    release_date: datetime | None
    fixed_version: str
    fix_lead: str | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str
    handling: HandlingOut
    release_plan: ReleasePlanOut
    deadlines: DeadlineSummary


class Conflict(Error):
    current: ReportDetail | None = Field(
        None, description="the report as it is now (stale_version): redo the edit on it"
    )


class DeadlineOut(Schema):
    name: str
    rule: str
    quote: str
    due_at: datetime | None
    opens_at: datetime | None
    met_at: datetime | None
    asap: bool
    advisory: bool
    status: Status
    miss: Miss | None


class AuditEventOut(Schema):
    seq: int
    created_at: datetime
    actor: str
    action: str
    data: dict[str, Any]


class AffectOut(Schema):
    id: int
    release_line: str | None
    package: str
    affected_range: str
    fixed_version: str
    status: AffectStatus


class CommentOut(Schema):
    id: int
    author: str
    body: str = Field(description="Markdown, as written")
    html: str = Field(description="the Markdown rendered and sanitised")
    created_at: datetime


class TransitionIn(Input):
    to: StateChoices
    reason: Storable = Field("", max_length=2000)
    version: Version
    force: bool = Field(
        False,
        description="publish although a publication guard fails (embargo, fixed versions "
        "tagged): needs a reason and the project's security team or an operator; audited",
    )


class ScoreIn(Input):
    vector: Storable = Field(max_length=300)
    version: Version


class AffectIn(Input):
    release_line: Storable | None = Field(None, max_length=100)
    package: Storable = Field("", max_length=200)
    affected_range: Storable = Field("", max_length=300)
    fixed_version: Storable = Field("", max_length=100)
    status: AffectStatus = AffectStatus.AFFECTED
    version: Version


class CommentIn(Input):
    body: Storable = Field(max_length=50_000)


class ReportImportIn(Input):
    title: Annotated[Storable, AfterValidator(not_blank)] = Field(min_length=1, max_length=300)
    description: Storable = Field("", max_length=100_000, description="Markdown")
    affected_versions: Storable = Field("", max_length=2000)
    reporter_name: Storable = Field("", max_length=200)
    reporter_email: Annotated[Storable, AfterValidator(email_or_empty)] = Field(
        "", max_length=254, description="acknowledged here unless `acknowledge` is false"
    )
    received_at: Annotated[AwareDatetime, AfterValidator(not_ancient)] | None = Field(
        None,
        description="when the original tracker received it (not in the future): T0 of every "
        "timeline; now if omitted",
    )
    public_disclosure_url: Annotated[Storable, AfterValidator(web_url_or_empty)] = Field(
        "", max_length=200, description="where it is already public: the report starts public"
    )
    third_party: StrictBool = Field(
        False,
        description="a third-party dependency's vulnerability already published upstream; "
        "needs `public_disclosure_url`",
    )
    external_ref: Storable = Field(
        "",
        max_length=300,
        description="the source tracker's URL or ID: importing it again into this project "
        "returns the report it made (200) instead of filing another",
    )
    credit_kind: CreditChoices | None = Field(None, description="how the advisory credits")
    credit_name: Storable = Field("", max_length=200, description="the name or handle to print")
    acknowledge: StrictBool = Field(
        True, description="mail the reporter an acknowledgement; false if the source already did"
    )
    reporter_link: StrictBool = Field(
        True, description="issue the reporter's private link; its URL is returned once"
    )


class ImportedReport(ReportDetail):
    reporter_link: str | None = Field(
        description="the reporter's private link, shown this once: give it to the reporter"
    )


def error_responses(*statuses: int) -> dict[int, type[Error]]:
    """The refusals an endpoint may answer with, so the OpenAPI lists each one it can send."""
    return {status: Conflict if status == 409 else Error for status in statuses}


READ_ERRORS = error_responses(401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
