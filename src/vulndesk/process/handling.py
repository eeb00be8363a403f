"""The handling decisions a policy implies for one report: slow down, fix semi-publicly,
release out of band or in the next patch, and whether a public disclosure makes it ASAP."""

from dataclasses import dataclass

from vulndesk.process.policy import Policy
from vulndesk.process.severity import (
    Decision,
    Severity,
    may_fix_semi_publicly,
    may_slow_down,
    release_kind,
    timelines_asap,
)


@dataclass(frozen=True)
class Handling:
    """What the policy lets the team do with one report, each with the reason why."""

    slow_down: Decision
    semi_public: Decision
    release: str | None  # "out_of_band", "next_patch", or None where the policy does not say
    asap: bool  # public and scored at the threshold or above: every timeline is due now


def handling(
    policy: Policy,
    *,
    score: float | None,
    severity: Severity | None,
    assessed_risk: str | None,
    public: bool,
) -> Handling:
    """The handling decisions `policy` implies for a report (EMI-14, EMI-34, KAR-24…29)."""
    rules = policy.severity
    slow = rules.slow_down
    return Handling(
        slow_down=may_slow_down(
            score, assessed_risk, cvss_below=slow.cvss_below, or_risk_low=slow.or_risk_low
        ),
        semi_public=may_fix_semi_publicly(score, cvss_below=rules.semi_public.cvss_below),
        release=release_kind(severity, rules.release),
        asap=timelines_asap(public, score, at_least=policy.public_disclosure.asap_if_cvss_at_least),
    )
