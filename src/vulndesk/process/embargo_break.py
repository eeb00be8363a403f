"""An embargo break: what the policy advises, and what "release now" means for the date.

Karmada: "What if a vendor breaks embargo? The Security Team will assess the damage and will make
the call" (KAR-37), and "When in doubt push forward and go public ASAP" (KAR-38). The other
documents state no rule, so their policies leave the default open and the Fix Lead decides.
Releasing now waives the distributors' lead times: the secret is out, and KAR-32 lets a release
for an issue already made public shorten them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vulndesk.process.calendar import BusinessCalendar, require_aware
from vulndesk.process.release_date import round_up

Choice = Literal["release_now", "keep_date"]
CHOICES: tuple[Choice, ...] = ("release_now", "keep_date")
PolicyDefault = Literal["release_asap", "continue"] | None

DECISION_RULES = ("KAR-37",)
ASAP_RULES = ("KAR-38",)
LEAD_TIME_RULES = ("KAR-32",)


@dataclass(frozen=True)
class Guidance:
    """What the policy advises after a break: the choice it leans to (None: it says nothing),
    why, and what the Fix Lead should know before choosing."""

    default: Choice | None
    text: str
    rule_ids: tuple[str, ...]
    warnings: tuple[str, ...]


def guidance(
    policy_default: PolicyDefault,
    *,
    fix_ready: bool,
    release_date: datetime | None,
    release_now_at: datetime,
) -> Guidance:
    """The policy's advice on one break; `release_now_at` is where releasing now would put the
    Release Date (see `release_now_date`)."""
    require_aware(release_now_at, "release_now_at")
    warnings = []
    if not fix_ready:
        warnings.append(
            "no fix or mitigation is ready yet: releasing now sets the date, and the fix must "
            "be ready by then (KAR-31)"
        )
    if release_date is None:
        warnings.append("the report has no Release Date yet: keeping the date keeps none")
    elif release_date <= release_now_at:
        warnings.append(
            "the Release Date is already at or before the earliest slot, so releasing now "
            "keeps it and only waives the distributors' lead times (KAR-32)"
        )
    if policy_default == "release_asap":
        return Guidance(
            "release_now",
            "the security team assesses the damage and makes the call; when in doubt, push "
            "forward and go public as soon as possible",
            DECISION_RULES + ASAP_RULES,
            tuple(warnings),
        )
    if policy_default == "continue":
        return Guidance(
            "keep_date",
            "the policy continues with the plan after a break unless the damage calls for more",
            DECISION_RULES,
            tuple(warnings),
        )
    return Guidance(
        None,
        "the policy states no embargo-break rule: the Fix Lead or the security team assesses "
        "the damage and chooses",
        (),
        tuple(warnings),
    )


def release_now_date(
    calendar: BusinessCalendar, now: datetime, current: datetime | None
) -> datetime:
    """The new Release Date after a break: the first quarter hour from now the calendar takes
    for an announcement. Lead times owed to distributors no longer hold it back (KAR-32, KAR-38);
    a current date already sooner than that (and not past) stays."""
    require_aware(now, "now")
    slot = calendar.announcement_slot(round_up(now))
    if current is not None and now <= current <= slot:
        return current
    return slot
