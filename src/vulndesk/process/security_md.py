"""A project's SECURITY.md, written from its policy.

The numbers come from the same policy the desk enforces (deadlines, support rule, distributor
lead times), so the process a project publishes and the one its team follows cannot drift
apart. What the policy leaves open is said to be open, never filled with a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from vulndesk.process.policy import WEEKDAY_NAMES, Distributors, Policy, Step
from vulndesk.process.release_lines import Line, Status, supported_lines

# What each timeline step of the presets means to a reader outside the team.
STEP_SUBJECTS = {
    "fix_team_formed": "The Fix Team is formed",
    "fix_developed": "A fix is developed",
    "forthcoming_fix_announced": "Users are told that a fix is coming, without its details,",
    "fix_released": "The fix is released",
    "retrospective_sent": "A blameless retrospective is sent to the project's lists",
    "security_announcement_posted": "A security announcement, without details, is posted",
}
ANCHORS = {
    "disclosure": "the report reaching the security team",
    "release": "the release",
    "public_disclosure": "the public disclosure date",
    "merge": "merging the fix",
}
SUPPORT_RULES = {
    "latest_minor": "Only the most recent minor release line gets security fixes.",
    "latest_named": "Only the most recent named release gets security fixes.",
    "explicit": "The project lists the release lines it supports.",
}


@dataclass(frozen=True)
class ProjectFacts:
    """What the desk knows of the project besides its policy."""

    name: str
    form_url: str  # the public report form, "" when the policy opens none
    email: str  # the address that takes reports by mail, "" when mail is not taken
    already_public_to: str  # whom to tell at once of a public vulnerability
    advisories_url: str
    lines: Sequence[Line] = ()
    distributors_url: str = ""  # the list's public page: its terms, how to apply


def render(policy: Policy, project: ProjectFacts) -> str:
    sections = [
        [
            f"# Security policy: {project.name}",
            "",
            f"This file is generated from {project.name}'s security policy"
            f" ({policy.title}), the one its security team's desk enforces.",
        ],
        _reporting(policy, project),
        _supported(policy, project.lines),
        _timelines(policy, project),
        _distributors(policy.distributors, policy, project),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def _reporting(policy: Policy, project: ProjectFacts) -> list[str]:
    lines = [
        "## Reporting a vulnerability",
        "",
        "Please report privately, not in a public issue: only the security team"
        f" ({policy.team.name}) reads a report until its fix is published.",
        "",
    ]
    if project.form_url:
        lines.append(f"- Use the report form: <{project.form_url}> (no account needed).")
    if project.email:
        lines.append(f"- Email <{project.email}>; your mail becomes a private report.")
    if project.form_url or project.email:
        lines += [
            "",
            "You get a private link to follow your report, talk with the team and choose how"
            " you are credited in the advisory.",
        ]
    else:
        lines.append(f"{project.name} opens no private channel here yet.")
    public = []
    if project.already_public_to:
        public.append(
            f"If the vulnerability is already public, tell <{project.already_public_to}> at once."
        )
    if policy.public_disclosure.ask_reporter_to_go_private:
        public.append("The team may ask whoever made it public to let it be handled privately.")
    if (score := policy.public_disclosure.asap_if_cvss_at_least) is not None:
        public.append(
            f"Once a vulnerability scored CVSS {score} or more is public, every timeline below"
            " becomes as soon as possible."
        )
    return [*lines, "", " ".join(public)] if public else lines


def _supported(policy: Policy, lines: Sequence[Line]) -> list[str]:
    releases = policy.supported_releases
    if releases.rule == "latest_minors":
        rule = f"The {releases.count} most recent minor release lines get security fixes."
    elif releases.rule is None:
        rule = (
            "The policy has no rule for which releases are supported: the project marks the"
            " lines it supports."
        )
    else:
        rule = SUPPORT_RULES[releases.rule]
    if releases.branch_pattern:
        rule += f" Release branches are named `{releases.branch_pattern}`."
    found = ["## Supported versions", "", rule, ""]
    supported = set(supported_lines(lines, releases.rule, releases.count or 1))
    if lines:
        found += ["| Release line | Security fixes |", "| --- | --- |"]
        for line in lines:
            if line.status == Status.DEVELOPMENT:
                status = "development: gets every fix"
            else:
                status = "yes" if line.name in supported else "no"
            found.append(f"| {_cell(line.name)} | {status} |")
    else:
        found.append("No release lines are listed yet.")
    found += [
        "",
        "A vulnerability in a supported line gets a patch release of each affected supported"
        " line, and the fix on the development line. One that affects only unsupported lines"
        " gets no new release: a public notice urges users to upgrade to a supported one.",
    ]
    return found


def _timelines(policy: Policy, project: ProjectFacts) -> list[str]:
    found = ["## Timelines", ""]
    steps = policy.timeline.steps
    if project.form_url or project.email:
        found += ["A report is acknowledged as soon as it arrives.", ""]
    if not steps:
        found.append("The policy commits to no timelines yet.")
    else:
        if policy.timeline.advisory:
            found += [
                "The policy commits to these timelines; they are targets that the team tracks,"
                " and a missed one is flagged rather than a reason to wait:",
                "",
            ]
        else:
            found += ["The policy commits to these timelines, and the desk holds to them:", ""]
        found += [f"- {_step(name, step)}" for name, step in steps.items()]
    calendar = policy.calendar
    if calendar.weekend:
        days = _names([WEEKDAY_NAMES[day].capitalize() for day in sorted(calendar.weekend)])
        found += ["", f"Business days leave out {days}, counted in {calendar.timezone}."]
    release = policy.severity.release
    kinds = {kind: [s.value for s in release if release[s] == kind] for kind in release.values()}
    by_severity = []
    if out_of_band := kinds.get("out_of_band"):
        by_severity.append(
            f"{_names(out_of_band).capitalize()} severity fixes get their own release."
        )
    if next_patch := kinds.get("next_patch"):
        by_severity.append(
            f"{_names(next_patch).capitalize()} severity fixes go in the next patch release."
        )
    if by_severity:
        found += ["", " ".join(by_severity)]
    found += [
        "",
        "Details become public on the Release Date, with an advisory (a web page, OSV, CVE JSON 5"
        f" and CSAF 2.0 records, and Markdown) at <{project.advisories_url}>.",
    ]
    return found


def _distributors(distributors: Distributors, policy: Policy, project: ProjectFacts) -> list[str]:
    found = ["## Distributors list", ""]
    if not distributors.enabled:
        found.append(
            f"{project.name} has no distributors list: nobody outside the security team hears"
            " of a vulnerability before the Release Date."
        )
        return found
    named = f" (the {distributors.list_name})" if distributors.list_name else ""
    found.append(
        f"{project.name} has a private distributors list{named}: organisations that ship"
        f" {project.name} to their users hear of a fix before it is public, under embargo."
    )
    notices = []
    if distributors.requires_cve:
        notices.append("Only vulnerabilities with a CVE ID get advance notice.")
    for subject, step in (
        ("The list is told of a vulnerability", distributors.advance_notice),
        ("The list is told of a pending release with security fixes", distributors.release_notice),
    ):
        if step is not None:
            notices.append(_sentence(subject, step))
    if distributors.embargo_break_default == "release_asap":
        notices.append("If the embargo breaks, the fix is released as soon as possible.")
    if not (distributors.advance_notice or distributors.release_notice):
        notices.append("The policy sets no lead time for notices yet.")
    found += ["", " ".join(notices), ""]
    contact = _team_contact(policy, project)
    if distributors.membership == "application":
        found.append(
            f"To join, apply to the security team{contact}, saying which organisation you"
            f" represent and how it ships {project.name}."
        )
    elif distributors.membership == "invitation":
        found.append(f"Membership is by invitation of the security team{contact}.")
    else:
        found.append(f"How to join is not settled yet: ask the security team{contact}.")
    if project.distributors_url:
        applying = "" if distributors.membership == "invitation" else " and where to apply"
        found.append(
            f"The embargo terms every member accepts{applying}: <{project.distributors_url}>."
        )
    return found


def _team_contact(policy: Policy, project: ProjectFacts) -> str:
    address = project.email or policy.team.email
    return f" at <{address}>" if address else ""


def _step(name: str, step: Step) -> str:
    subject = STEP_SUBJECTS.get(name, f"The step “{name.replace('_', ' ')}” is done")
    return _sentence(subject, step)


def _sentence(subject: str, step: Step) -> str:
    """One dated obligation in words: "A fix is developed within 7 days of …"."""
    anchor = ANCHORS[step.anchor]
    if step.business_days is not None:
        length = _plural(step.business_days, "business day")
    elif step.within is not None:
        length = words(step.within)
    else:
        return f"{subject}; the policy gives no deadline."
    if step.direction == "before":
        if step.window is not None:
            return (
                f"{subject} at least {length}, and at most {words(step.window)}, before {anchor}."
            )
        return f"{subject} at least {length} before {anchor}."
    if step.window is not None:
        return f"{subject} between {words(step.window)} and {length} after {anchor}."
    return f"{subject} within {length} of {anchor}."


def words(duration: timedelta) -> str:
    """7 days, 24 hours, 90 minutes: the unit the policy's ISO duration was most likely in."""
    minutes = int(duration.total_seconds()) // 60
    if minutes % (24 * 60) == 0 and minutes > 24 * 60:
        days = minutes // (24 * 60)
        return _plural(days // 7, "week") if days % 7 == 0 and days > 28 else _plural(days, "day")
    if minutes % 60 == 0:
        return _plural(minutes // 60, "hour")
    return _plural(minutes, "minute")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("" if count == 1 else "s")


def _names(severities: list[str]) -> str:
    return (
        " and ".join(severities)
        if len(severities) <= 2
        else (", ".join(severities[:-1]) + " and " + severities[-1])
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
