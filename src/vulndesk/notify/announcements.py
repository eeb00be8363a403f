"""Announcement text from a project's templates (or the defaults shipped for each kind).

A template is Django template syntax over a fixed set of named fields of the report
(`FIELDS`). One that names anything else, includes or extends another template, or does not
parse or render is refused when it is saved and when it is previewed, so a mistake shows on the
desk and never at send time. So is one of a kind that goes public before the Release Date naming
a field that stays embargoed until then (`ALLOWED`), by its name or, as a test render with a
marker in each such field finds, under any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, Variable
from django.template.defaulttags import ForNode, WithNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.template.smartif import TokenBase

from vulndesk.desk.models import Project, Report
from vulndesk.desk.services import audit
from vulndesk.notify.models import AnnouncementTemplate, OutboundEmail

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Kind = OutboundEmail.Kind

# The names a template may use, and what each holds.
FIELDS: dict[str, str] = {
    "key": "the report's key, e.g. VITESS-12",
    "title": "the report's title",
    "project": "the project's name",
    "team": "the security team's name",
    "cve_id": "the CVE ID, or 'no CVE ID yet'",
    "cvss_score": "the CVSS base score, e.g. 8.1",
    "cvss_vector": "the CVSS vector",
    "severity": "the severity, e.g. high",
    "release_date": "the Release Date in UTC, e.g. 2026-11-30 16:00 UTC",
    "release_date_iso": "the Release Date as ISO 8601 with its offset (+00:00)",
    "release_date_local": "the Release Date in the project's time zone, with its offset",
    "planned_merge": "the planned merge in UTC, e.g. 2026-11-28 14:00 UTC (OEDX-20)",
    "affected_versions": "each affected package or line and its range, one a line",
    "fixed_versions": "each fixed version, one a line",
    "upgrade": "how to upgrade: one line per fixed version",
    "mitigation": "the mitigation steps recorded on the report",
}

# Why each field that reveals the vulnerability stays out of a public notice before the date.
_EMBARGOED: dict[str, str] = {
    "title": "the report's title",
    "cve_id": "the CVE ID",
    "cvss_score": "the CVSS base score, which follows from the vector",
    "cvss_vector": "the CVSS vector, which tells how the vulnerability is reached",
    "affected_versions": "each affected package and range, which points at the vulnerable code",
    "fixed_versions": "the fixed versions, which point at the fix",
    "upgrade": "the fixed versions, which point at the fix",
    "mitigation": "the mitigation steps, which describe the vulnerability",
    "planned_merge": "the planned merge, which tells when the fix lands in the public repository",
}
# The report's key is the desk's own name for it and says nothing of the vulnerability.
_BEFORE_THE_DATE = frozenset(
    ("key", "project", "team", "severity", "release_date", "release_date_iso", "release_date_local")
)
# The fields a template of each kind may name. The two kinds that reach the public before the
# Release Date (notify.embargo.BEFORE_RELEASE) say only what the documents give them: that a
# vulnerability was disclosed, its severity and the date a fix comes (EMI-37, VIT-21, VIT-22,
# OEDX-21), the mitigation users can apply meanwhile in the forthcoming-fix notice (EMI-38,
# VIT-23, EMI-39, VIT-24), and in the pre-merge notice the releases the patch goes to
# (OEDX-21) but nothing else: "Details will be published here after release" (OEDX-22). Every
# other kind goes to bound distributors or after the Release Date and may name any field.
ALLOWED: dict[OutboundEmail.Kind, frozenset[str]] = {
    **{kind: frozenset(FIELDS) for kind in Kind},
    Kind.FORTHCOMING_FIX: _BEFORE_THE_DATE | {"mitigation"},
    Kind.PRE_MERGE_NOTICE: _BEFORE_THE_DATE | {"affected_versions", "planned_merge"},
}
_WHY = {
    Kind.FORTHCOMING_FIX: "a forthcoming-fix notice goes public before it (EMI-37, VIT-21)",
    Kind.PRE_MERGE_NOTICE: "a pre-merge notice goes public before it (OEDX-20, OEDX-22)",
}

# Plain text: nothing is HTML-escaped, and no template is found by name.
ENGINE = Engine(dirs=[], app_dirs=False, autoescape=False)


@dataclass(frozen=True)
class Default:
    subject: str
    body: str


_WHEN = "Release Date: {{ release_date }} ({{ release_date_local }}; {{ release_date_iso }})."
_MITIGATION = "Until then: {{ mitigation }}"
DEFAULTS: dict[OutboundEmail.Kind, Default] = {
    Kind.FORTHCOMING_FIX: Default(
        "{{ project }}: a security fix will be released on {{ release_date }}",
        "A security vulnerability in {{ project }} was disclosed to the {{ team }}. A fix will "
        "be made available at {{ release_date }} via this list.\n\n"
        f"{_WHEN}\nSeverity: {{{{ severity }}}}.\n\n{_MITIGATION}\n",
    ),
    Kind.DISTRIBUTOR_NOTICE: Default(
        "[EMBARGOED] {{ key }}: {{ title }}",
        "Embargoed until {{ release_date }} ({{ release_date_iso }}).\n\n{{ title }}\n"
        "CVE: {{ cve_id }}. CVSS {{ cvss_score }} ({{ severity }}): {{ cvss_vector }}\n\n"
        "Affected:\n{{ affected_versions }}\nFixed in:\n{{ fixed_versions }}\n\n"
        "Mitigation: {{ mitigation }}\n\nPlease acknowledge this notice.\n",
    ),
    Kind.DISTRIBUTOR_24H_NOTICE: Default(
        "[EMBARGOED] {{ key }}: public on {{ release_date }}",
        "The announcement of {{ key }} goes out at {{ release_date }} ({{ release_date_iso }})."
        "\n\nUpgrade:\n{{ upgrade }}\n",
    ),
    Kind.PRE_MERGE_NOTICE: Default(
        "{{ project }}: a {{ severity }} security fix will be merged on {{ planned_merge }}",
        "We will be merging a security fix of {{ severity }} importance on {{ planned_merge }}. "
        "Details will be published here after release.\n",
    ),
    Kind.RELEASE: Default(
        "{{ project }}: {{ cve_id }} fixed in {{ fixed_versions }}",
        "{{ title }}\n\nCVE: {{ cve_id }}. CVSS {{ cvss_score }} ({{ severity }}): "
        "{{ cvss_vector }}\n\nAffected:\n{{ affected_versions }}\n\nUpgrade:\n{{ upgrade }}\n\n"
        "If you cannot upgrade yet: {{ mitigation }}\n",
    ),
    Kind.COURTESY_NOTICE: Default(
        "{{ project }}: a security fix landed on the main branch",
        "A security fix for {{ title }} landed on the main branch only; no release is affected.\n",
    ),
    Kind.UNSUPPORTED_NOTICE: Default(
        "{{ project }}: {{ cve_id }} affects unsupported releases: upgrade",
        "{{ title }} affects releases that are no longer supported:\n{{ affected_versions }}\n"
        "\nUpgrade to a supported release:\n{{ upgrade }}\n",
    ),
    Kind.RETROSPECTIVE: Default(
        "{{ key }}: retrospective", "The retrospective of {{ key }} ({{ title }}).\n"
    ),
}


# What a test render gives each field a kind may name: a plausible value of its kind, so a
# filter that fails on such a value fails when the template is saved, not when it is sent.
_SAMPLE: dict[str, str] = {
    "key": "VITESS-12",
    "title": "Bypass of the ACL check in vtgate",
    "project": "Vitess",
    "team": "Vitess security team",
    "cve_id": "CVE-2026-1234",
    "cvss_score": "8.1",
    "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N",
    "severity": "high",
    "release_date": "2026-11-30 16:00 UTC",
    "release_date_iso": "2026-11-30T16:00:00+00:00",
    "release_date_local": "2026-11-30 17:00 Europe/Berlin (UTC+0100)",
    "planned_merge": "2026-11-28 14:00 UTC",
    "affected_versions": "vitess.io/vitess <19.0.4",
    "fixed_versions": "vitess.io/vitess 19.0.4",
    "upgrade": "upgrade vitess.io/vitess 19.0.4",
    "mitigation": "Block port 15999 at the load balancer.",
}


def _marker(name: str) -> str:
    """A value no template writes by itself, letters only so case filters keep it findable."""
    return f"vdembargoed{name.replace('_', '')}x"


class TemplateProblem(ValueError):
    """A template that cannot be rendered; `problems` names each, prefixed by its part."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def check(subject: str, body: str, *, kind: str) -> list[str]:
    """Every problem of a template of `kind`, each naming its part; none means it renders and
    names only fields its kind may carry."""
    allowed = ALLOWED[Kind(kind)]
    problems = []
    for part, source in (("subject", subject), ("body", body)):
        try:
            template = ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            problems.append(f"{part}: {exc}")
            continue
        before = len(problems)
        names, bound, forbidden = _names(template)
        if forbidden:
            problems.append(f"{part}: a template may not include or extend another one")
        for name in sorted(names - bound - FIELDS.keys()):
            problems.append(
                f"{part}: {{{{ {name} }}}} is not a field; use one of {', '.join(FIELDS)}"
            )
        for name in sorted((names - bound) & FIELDS.keys() - allowed):
            problems.append(
                f"{part}: {{{{ {name} }}}} names {_EMBARGOED[name]}, which stays embargoed "
                f"until the Release Date: {_WHY[Kind(kind)]}; use one of "
                f"{', '.join(f for f in FIELDS if f in allowed)}"
            )
        # A loop or `with` variable named like a field hides the field inside it, and the
        # walk above cannot tell which one a name outside means.
        for name in sorted(bound & FIELDS.keys()):
            problems.append(
                f"{part}: a for or with variable may not be called {name}, the name of a field; "
                "choose another name"
            )
        if len(problems) == before:
            problems.extend(_test_render(part, template, kind=Kind(kind)))
    return problems


def _test_render(part: str, template: Template, *, kind: OutboundEmail.Kind) -> list[str]:
    """Render with sample values, and each field the kind may not name set to a marker: a
    marker in the text is a field shown under another name (the walk of `_names` is a first
    line, this is the proof); any error is one the send would hit."""
    allowed = ALLOWED[kind]
    values = {name: _SAMPLE[name] if name in allowed else _marker(name) for name in FIELDS}
    try:
        text = template.render(Context(values, autoescape=False)).lower()
    except Exception as exc:  # any filter or tag may fail; each is the template's mistake
        return [f"{part}: rendering failed: {type(exc).__name__}: {exc}; fix the template"]
    return [
        f"{part}: the text shows {{{{ {name} }}}} under another name, and it names "
        f"{_EMBARGOED[name]}, which stays embargoed until the Release Date: {_WHY[kind]}; use "
        f"one of {', '.join(f for f in FIELDS if f in allowed)}"
        for name in FIELDS
        if name not in allowed and _marker(name) in text
    ]


def render(report: Report, kind: str, *, subject: str, body: str) -> tuple[str, str]:
    """The announcement's subject and body, or TemplateProblem before anything is queued."""
    problems = check(subject, body, kind=kind)
    if problems:
        raise TemplateProblem(problems)
    values = fields(report)
    rendered = []
    for part, source in (("subject", subject), ("body", body)):
        try:
            rendered.append(ENGINE.from_string(source).render(Context(values, autoescape=False)))
        except Exception as exc:  # a report's value can fail where the sample did not
            raise TemplateProblem(
                [f"{part}: rendering failed: {type(exc).__name__}: {exc}; fix the template"]
            ) from exc
    return " ".join(rendered[0].split())[:300], rendered[1]


def fields(report: Report, *, now: datetime | None = None) -> dict[str, str]:
    """The values of FIELDS for a report, written for a reader: times in UTC with the offset,
    versions exact, and a plain "not known yet" where the report has nothing."""
    affects = list(report.affects.select_related("release_line").order_by("pk"))

    def where(affect: Any) -> str:
        return affect.package or (affect.release_line.name if affect.release_line else "")

    release_date = report.release_date.astimezone(UTC) if report.release_date else None
    merge = report.planned_merge_at.astimezone(UTC) if report.planned_merge_at else None
    zone = report.project.policy().calendar.timezone
    local = release_date.astimezone(ZoneInfo(zone)) if release_date else None
    fixed = [f"{where(a)} {a.fixed_version}".strip() for a in affects if a.fixed_version]
    return {
        "key": report.key,
        "title": report.title,
        "project": report.project.name,
        "team": report.project.policy().team.name,
        "cve_id": report.cve_id or "no CVE ID yet",
        "cvss_score": "not scored yet" if report.cvss_score is None else str(report.cvss_score),
        "cvss_vector": report.cvss_vector or "not scored yet",
        "severity": str(report.effective_severity or "not assessed yet"),
        "release_date": f"{release_date:%Y-%m-%d %H:%M} UTC" if release_date else "not set yet",
        "release_date_iso": release_date.isoformat() if release_date else "not set yet",
        "release_date_local": f"{local:%Y-%m-%d %H:%M} {zone} (UTC{local:%z})"
        if local
        else "not set yet",
        "planned_merge": f"{merge:%Y-%m-%d %H:%M} UTC" if merge else "not planned yet",
        "affected_versions": "\n".join(f"{where(a)} {a.affected_range}".strip() for a in affects)
        or "not known yet",
        "fixed_versions": "\n".join(fixed) or "not released yet",
        "upgrade": "\n".join(f"upgrade {version}" for version in fixed) or "not released yet",
        "mitigation": report.mitigation or "none known",
    }


def _names(template: Template) -> tuple[set[str], set[str], bool]:
    """The first part of every variable the template reads, the names its loops and `with`
    bind, and whether it includes or extends another template."""
    names: set[str] = set()
    bound: set[str] = {"forloop"}
    forbidden = False
    seen: set[int] = set()

    def visit(obj: object) -> None:
        nonlocal forbidden
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Variable):
            if obj.lookups:
                names.add(obj.lookups[0])
        elif isinstance(obj, FilterExpression):
            visit(obj.var)
            for _, args in obj.filters:
                for _, arg in args:
                    visit(arg)
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item)
        elif isinstance(obj, dict):  # `with`'s names and what each holds
            for item in obj.values():
                visit(item)
        elif isinstance(obj, (Node, TokenBase)):
            if isinstance(obj, (IncludeNode, ExtendsNode)):
                forbidden = True
            if isinstance(obj, ForNode):
                bound.update(obj.loopvars)
            if isinstance(obj, WithNode):
                bound.update(obj.extra_context)
            for value in vars(obj).values():
                visit(value)

    visit(template.nodelist)
    return names, bound, forbidden


def template_for(project: Project, kind: str) -> tuple[str, str]:
    """The project's subject and body for `kind`, or the default shipped."""
    own = AnnouncementTemplate.objects.filter(project=project, kind=kind).first()
    if own is not None:
        return own.subject, own.body
    default = DEFAULTS[Kind(kind)]
    return default.subject, default.body


def preview(report: Report, kind: str) -> tuple[str, str]:
    """What the announcement would say now; TemplateProblem names what the template gets wrong."""
    subject, body = template_for(report.project, kind)
    return render(report, kind, subject=subject, body=body)


def save_template(
    project: Project, kind: str, *, subject: str, body: str, actor: User | None
) -> AnnouncementTemplate:
    """Keep the project's template for `kind`, refused whole if it would not render."""
    if kind not in DEFAULTS:
        raise TemplateProblem(
            [f"kind: {kind!r} is not an announcement; use one of {', '.join(DEFAULTS)}"]
        )
    problems = check(subject, body, kind=kind)
    if problems:
        raise TemplateProblem(problems)
    with transaction.atomic():
        template, _ = AnnouncementTemplate.objects.update_or_create(
            project=project,
            kind=kind,
            defaults={"subject": subject, "body": body, "updated_by": actor},
        )
        audit.record(
            "announcement_template.saved",
            actor=actor,
            project=project,
            data={"kind": kind, "subject": subject, "body": body},
        )
    return template
