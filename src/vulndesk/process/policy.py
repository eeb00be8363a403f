"""The policy: a project's security release process as data.

A policy is YAML validated into frozen pydantic models. Every rule-bearing section names the
RULES.md IDs it enforces; where a source document gives no number the field is null and a
`note` says so, so that nothing in a preset is invented. Durations are ISO 8601 (`PT24H`, `P7D`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from importlib import resources
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from vulndesk.process.calendar import BusinessCalendar, Freeze, parse_duration
from vulndesk.process.deadlines import DeadlineRule
from vulndesk.process.release_lines import SupportRule
from vulndesk.process.severity import Severity

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RULE_ID = re.compile(r"^(OEDX|FOLIO|EMI|VIT|KAR)-(Q)?(\d+)$")
# How many rules each document has (RULES.md section 6); an ID outside its range is a typo.
RULE_COUNTS = {"OEDX-": 24, "FOLIO-": 36, "FOLIO-Q": 14, "EMI-": 49, "VIT-": 28, "KAR-": 46}
# Calendar periods such as "3 months" have no fixed length, so they stay ISO strings.
PERIOD = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")


class PolicyError(ValueError):
    """A policy that cannot be used; `problems` holds one "field.path: what is wrong" per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid policy:\n" + "\n".join(f"  {p}" for p in problems))


def _weekday(value: object) -> object:
    if isinstance(value, str):
        for names in (WEEKDAYS, WEEKDAY_NAMES):
            if value.lower() in names:
                return names.index(value.lower())
        raise ValueError(f"expected a weekday such as mon or saturday, got {value!r}")
    return value


def _period(value: object) -> object:
    if isinstance(value, str) and not PERIOD.match(value):
        raise ValueError(f"expected an ISO 8601 period such as P3M or P2W, got {value!r}")
    return value


def _duration(value: object) -> object:
    # A bare number would be read as seconds, and P1M as 30 days: refuse both.
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, timedelta):
        return value
    raise ValueError(f"expected an ISO 8601 duration such as P7D or PT24H, got {value!r}")


def _month_day(value: object) -> object:
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        if not match:
            raise ValueError(f"expected a month-day such as 12-24, got {value!r}")
        month, day = int(match[1]), int(match[2])
        date(2024, month, day)  # a leap year, so 02-29 is accepted
        return (month, day)
    return value


def _rule_ids(value: object) -> object:
    for rule in value if isinstance(value, list) else []:
        match = RULE_ID.match(rule) if isinstance(rule, str) else None
        if not match:
            raise ValueError(f"expected rule IDs from RULES.md such as EMI-27, got {rule!r}")
        prefix = f"{match[1]}-{match[2] or ''}"
        count = RULE_COUNTS.get(prefix, 0)  # OEDX-Q1 and the like: no such questions
        if not 1 <= int(match[3]) <= count:
            known = f"{prefix}1 … {prefix}{count}" if count else f"no {prefix} IDs"
            raise ValueError(f"RULES.md has {known}, so {rule!r} is not a rule ID")
    return value


Weekday = Annotated[int, BeforeValidator(_weekday), Field(ge=0, le=6)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
Period = Annotated[str, BeforeValidator(_period)]
MonthDay = Annotated[tuple[int, int], BeforeValidator(_month_day)]
RuleIds = Annotated[list[str], BeforeValidator(_rule_ids)]
ReleaseKind = Literal["out_of_band", "next_patch"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: RuleIds = []
    note: str | None = None


class FixLead(Section):
    # None: the document names no Fix Lead role, or says nothing on this point (see the note).
    rotation: Literal["round_robin", "volunteer"] | None = "volunteer"
    must_be_team_member: bool | None = True
    finalises_score: bool | None = True


class Associates(Section):
    allowed: bool = False
    min_service: Period | None = None
    nominated_by: str | None = None
    may_lead: list[str] = []


class RemovalVote(Section):
    threshold: float | None = Field(default=None, gt=0, le=1)
    kind: Literal["simple_majority", "super_majority"] | None = None


class Inactivity(Section):
    after: Period | None = None
    removal_vote: RemovalVote = RemovalVote()


class Caps(Section):
    """Optional limits checked when someone joins the team (members and associates); None:
    no limit."""

    size: int | None = Field(default=None, ge=1)
    per_company: int | None = Field(default=None, ge=1)


class Team(Section):
    name: str
    roster: Literal["maintainers", "explicit"]
    email: str | None = None
    fix_lead: FixLead = FixLead()
    associates: Associates = Associates()
    inactivity: Inactivity = Inactivity()
    caps: Caps = Caps()


class Intake(Section):
    channels: list[Literal["email", "web_form", "issue_tracker"]] = ["email"]
    email: str | None = None
    already_public_alert: str | None = None


class Triage(Section):
    required_fields: list[
        Literal[
            "scope",
            "layer",
            "domain",
            "pii_exposed",
            "privilege_escalation",
            "affected_versions",
            "reproduced",
            "blast_radius",
            "remediation_plan",
        ]
    ] = []


class SlowDown(Section):
    cvss_below: float | None = None
    or_risk_low: bool = False
    requires_discussion_on: str | None = None
    decided_by: Literal["fix_team", "maintainers", "security_team"] | None = "security_team"


class SemiPublic(Section):
    cvss_below: float | None = None
    requires_no_harm_determination: bool = True


class SeverityPolicy(Section):
    slow_down: SlowDown = SlowDown()
    semi_public: SemiPublic = SemiPublic()
    release: dict[Severity, ReleaseKind | None] = {}
    score_owner: Literal["fix_lead", "security_team"] | None = "fix_lead"  # None: not stated
    risk_priority: dict[str, str] | None = None


class PublicDisclosure(Section):
    ask_reporter_to_go_private: bool = False
    asap_if_cvss_at_least: float | None = None


class Step(Section):
    """One dated obligation: `within` (or `business_days`) of its anchor, after or before it."""

    quote: str
    anchor: Literal["disclosure", "release", "public_disclosure", "merge"]
    direction: Literal["after", "before"] = "after"
    within: Duration | None = None
    business_days: int | None = Field(default=None, ge=1)
    window: Duration | None = None
    asap_on_public_disclosure: bool = True

    @model_validator(mode="after")
    def _one_offset(self) -> Step:
        if self.within is not None and self.business_days is not None:
            raise ValueError("give either within or business_days, not both")
        if self.within is None and self.business_days is None and not self.note:
            raise ValueError("give within or business_days, or a note saying the document has none")
        if self.window is not None and self.within is None:
            raise ValueError("a window needs within (a duration such as P7D), not business_days")
        if self.window is not None and self.within is not None:
            # After the anchor the window opens before the due time; before it, earlier still.
            if self.direction == "after" and self.window > self.within:
                raise ValueError("window (when the step may start) must not exceed within")
            if self.direction == "before" and self.window < self.within:
                raise ValueError("window (the earliest notice) must be at least within")
        return self

    def deadline_rule(self, name: str, *, advisory: bool) -> DeadlineRule | None:
        if self.within is None and self.business_days is None:
            return None
        return DeadlineRule(
            name=name,
            rule_id=self.rules[0] if self.rules else "",
            quote=self.quote,
            anchor=self.anchor,
            direction=self.direction,
            within=self.within,
            business_days=self.business_days,
            window=self.window,
            asap_on_public_disclosure=self.asap_on_public_disclosure,
            advisory=advisory,
        )


class Timeline(Section):
    advisory: bool = True
    steps: dict[str, Step] = {}


class Distributors(Section):
    enabled: bool
    list_name: str | None = None
    membership: Literal["application", "invitation"] | None = None
    # Whether the members' names are public (a page per project lists them); None: the document
    # does not say, and nothing is published until the project decides.
    publish_members: bool | None = None
    requires_cve: bool = False
    advance_notice: Step | None = None
    release_notice: Step | None = None
    embargo_break_default: Literal["release_asap", "continue"] | None = None

    @model_validator(mode="after")
    def _no_notices_when_off(self) -> Distributors:
        if not self.enabled and (self.advance_notice or self.release_notice):
            raise ValueError("a disabled distributors list cannot have notices")
        return self


class SupportedReleases(Section):
    # None: the document gives no rule; the project marks its supported lines (as `explicit`).
    rule: SupportRule | None
    count: int | None = Field(default=None, ge=1, description="for latest_minors: how many")
    branch_pattern: str | None = None
    # The CVSS score from which an unsupported-only report still gets a CVE (EMI-21); None: the
    # document gives none, and the team decides.
    cve_at_least: float | None = Field(default=None, ge=0, le=10)

    @model_validator(mode="after")
    def _count_for_latest_minors(self) -> SupportedReleases:
        if (self.rule == "latest_minors") != (self.count is not None):
            raise ValueError("count goes with rule latest_minors, and only with it")
        return self


class CalendarPolicy(Section):
    """Business days and quiet periods. The default has no weekend: a document that says
    "within 24 hours" means calendar time (EMI-27), so nothing is rolled unless a policy says."""

    timezone: str = "UTC"
    weekend: list[Weekday] = []
    holidays: list[date] = []
    freezes: list[tuple[MonthDay, MonthDay]] = []
    no_deadline_on: list[Weekday] = []
    announcement_time: time | None = None
    announcement_avoid: list[Weekday] = []

    def business_calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            timezone=self.timezone,
            weekend=frozenset(self.weekend),
            holidays=frozenset(self.holidays),
            freezes=tuple(Freeze(start=start, end=end) for start, end in self.freezes),
            no_deadline_on=frozenset(self.no_deadline_on),
            announcement_time=self.announcement_time,
            announcement_avoid=frozenset(self.announcement_avoid),
        )


class DisclosureLevelDefinition(Section):
    name: Literal["private", "semi_public", "public"]
    definition: str


class FixReview(Section):
    """Approving reviews each fix branch needs on its current head before `fix_ready` (VIT-18,
    OEDX-18). None: the document gives no number, so there is no review gate until the project
    sets one. "maintainers" counts the project's maintainers and its security team."""

    required_approvals: int | None = Field(default=None, ge=1)
    reviewers: Literal["maintainers", "security_team"] = "maintainers"


class ReleaseIntegrity(Section):
    """Whether the fix must be frozen (its commits' patch-ids recorded as sent to distributors)
    before it is released, so that release day can check nothing changed (EMI-42, KAR-41). A
    frozen fix is checked whatever this says."""

    frozen_fix_required: bool = False


class Announcements(Section):
    """Where the process announces (issue 8). None: the document names no address, and the
    project sets one; an announcement with nowhere to go is not queued."""

    # The public list the forthcoming-fix, pre-merge and release announcements go to (VIT-21,
    # VIT-25), and a Slack-compatible webhook for the same (EMI-37, EMI-44).
    announce_list: str | None = None
    announce_webhook: str | None = None
    # A fix on the main branch only gets a courtesy notice instead of a release (VIT-11).
    courtesy_list: str | None = None
    courtesy_webhook: str | None = None
    # A report affecting unsupported releases only tells the announce list to upgrade (VIT-13).
    unsupported_notice: bool = False
    # The retrospective goes to the team's address (or this one) and this webhook (EMI-48).
    retrospective_to: str | None = None
    retrospective_webhook: str | None = None


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str
    title: str
    source: str
    team: Team
    intake: Intake = Intake()
    triage: Triage = Triage()
    severity: SeverityPolicy = SeverityPolicy()
    public_disclosure: PublicDisclosure = PublicDisclosure()
    timeline: Timeline = Timeline()
    calendar: CalendarPolicy = CalendarPolicy()
    distributors: Distributors
    supported_releases: SupportedReleases
    disclosure_levels: list[DisclosureLevelDefinition] = []
    fix_review: FixReview = FixReview()
    release_integrity: ReleaseIntegrity = ReleaseIntegrity()
    announcements: Announcements = Announcements()

    def deadline_rules(self, *, cve_assigned: bool = True) -> list[DeadlineRule]:
        """Every dated obligation this policy sets for a report, in the document's order.

        Where the advance notice is owed only for a vulnerability with a CVE (KAR-33), a report
        without one gets no such deadline.
        """
        advisory = self.timeline.advisory
        named = self.steps(cve_assigned=cve_assigned)
        rules = (step.deadline_rule(name, advisory=advisory) for name, step in named)
        return [rule for rule in rules if rule is not None]

    def steps(self, *, cve_assigned: bool = True) -> list[tuple[str, Step]]:
        """The timeline's steps and the distributor notices owed, by deadline name."""
        named = list(self.timeline.steps.items())
        distributors = self.distributors
        if distributors.enabled:
            advance = distributors.advance_notice
            if distributors.requires_cve and not cve_assigned:
                advance = None
            named += [
                (name, step)
                for name, step in (
                    ("distributor_advance_notice", advance),
                    ("distributor_release_notice", distributors.release_notice),
                )
                if step is not None
            ]
        return named


def preset_names() -> list[str]:
    folder = resources.files("vulndesk.process") / "presets"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def preset_data(name: str) -> dict[str, Any]:
    if name not in preset_names():
        raise PolicyError([f"preset: unknown preset {name!r}; choose one of {preset_names()}"])
    text = (resources.files("vulndesk.process") / "presets" / f"{name}.yaml").read_text()
    data = yaml.safe_load(text)
    assert isinstance(data, dict)  # noqa: S101  # presets ship with the code and are tested
    return data


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides replace leaves and merge nested mappings, so a project changes one number."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate(data: object) -> Policy:
    if not isinstance(data, Mapping):
        raise PolicyError([f"(top level): expected a mapping of fields, got {type(data).__name__}"])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([_describe(error) for error in exc.errors()]) from None


def _describe(error: Mapping[str, Any]) -> str:
    path = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        model = _model_at(error["loc"][:-1])
        known = (
            f"expected one of {', '.join(model.model_fields)}" if model else "check its spelling"
        )
        return f"{path}: unknown field; {known}"
    if error["type"] == "missing":
        return f"{path}: required field is missing"
    if error["type"] == "value_error":  # our own validators name the bad value already
        return f"{path}: {message}"
    return f"{path}: {message}; got {error.get('input')!r}"


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model whose fields sit at `loc` (("team", "fix_lead") gives FixLead), if any."""
    current: Any = Policy
    for part in loc:
        current = _without_none(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (dict, list):
            current = get_args(current)[-1]  # `part` is a key or an index
        else:
            return None
    current = _without_none(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


def resolve_policy(preset: str, overrides: Mapping[str, Any] | None = None) -> Policy:
    """A project's policy: its preset with the project's overrides merged in."""
    return _resolve(preset, json.dumps(overrides or {}, sort_keys=True, default=str))


@functools.lru_cache(maxsize=512)
def _resolve(preset: str, overrides_json: str) -> Policy:
    # Policies are frozen, so one resolved copy serves every report of every project using it.
    overrides = json.loads(overrides_json)
    if not isinstance(overrides, dict):
        raise PolicyError([f"(overrides): expected a mapping of fields, got {overrides!r}"])
    data = merge(preset_data(preset), overrides)
    data["preset"] = preset
    return validate(data)


def load_policy(text: str) -> Policy:
    """A policy file: a whole policy, or `extends: PRESET` plus the fields it changes."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise PolicyError([f"(YAML): not valid YAML at {where}: {exc}"]) from None
    if isinstance(data, dict) and "extends" in data:
        overrides = dict(data)
        base = overrides.pop("extends")
        if not isinstance(base, str):
            raise PolicyError([f"extends: expected a preset name, got {base!r}"])
        return resolve_policy(base, overrides)
    return validate(data)
