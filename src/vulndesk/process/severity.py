"""CVSS scoring and the handling decisions that hang off a score.

The thresholds are not constants here: each process document sets its own (Karmada allows a
slow-down below 4.0 *or* at low assessed risk, Emissary only below 4.0), so every decision takes
its numbers as arguments and the policy passes them in.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from cvss import CVSS3, CVSS4, CVSSError

CvssVersion = Literal["3.0", "3.1", "4.0"]

_PREFIXES: dict[str, CvssVersion] = {"CVSS:3.0/": "3.0", "CVSS:3.1/": "3.1", "CVSS:4.0/": "4.0"}
_EXAMPLES = {
    "3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
}


class Severity(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AssessedRisk(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class CvssError(ValueError):
    """A vector that cannot be scored; the message says which part and what a valid one is."""


@dataclass(frozen=True)
class Score:
    version: CvssVersion
    vector: str
    base_score: float
    severity: Severity


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def score(vector: str) -> Score:
    vector = vector.strip()
    version = next((v for prefix, v in _PREFIXES.items() if vector.startswith(prefix)), None)
    if version is None:
        shown = repr(vector[:20]) if vector else "an empty vector"
        raise CvssError(
            f"cannot score {shown}: a vector must start with one of "
            f"{', '.join(_PREFIXES)} (for example {_EXAMPLES['3']})"
        )
    major = version[0]
    try:
        parsed = CVSS4(vector) if major == "4" else CVSS3(vector)
    except CVSSError as exc:
        raise CvssError(
            f"invalid CVSS {version} vector: {exc}. A valid vector lists every base metric once "
            f"as METRIC:VALUE, for example {_EXAMPLES[major]}"
        ) from exc
    base_score = float(parsed.base_score)
    return Score(
        version=version,
        vector=parsed.clean_vector(),
        base_score=base_score,
        severity=severity_for(base_score),
    )


def severity_for(score: float) -> Severity:
    """The qualitative rating of CVSS v3.x (v4.0 uses the same bands)."""
    if not 0.0 <= score <= 10.0:
        raise ValueError(f"a CVSS score lies between 0.0 and 10.0, not {score}")
    # Scores carry one decimal; rounding keeps 3.9000000001 from a float sum in the right band.
    score = round(score, 1)
    if score == 0.0:
        return Severity.NONE
    if score < 4.0:
        return Severity.LOW
    if score < 7.0:
        return Severity.MEDIUM
    if score < 9.0:
        return Severity.HIGH
    return Severity.CRITICAL


def may_slow_down(
    score: float | None, assessed_risk: str | None, *, cvss_below: float | None, or_risk_low: bool
) -> Decision:
    """May the fix team push the timeline past the suggested windows? (KAR-24, EMI-34)"""
    if cvss_below is None:
        return Decision(False, "this policy has no slow-down rule")
    if score is not None and score < cvss_below:
        return Decision(True, f"CVSS {score:.1f} is below the slow-down threshold {cvss_below:.1f}")
    shown = "the report has no CVSS score yet" if score is None else f"CVSS {score:.1f}"
    if or_risk_low:
        if assessed_risk == AssessedRisk.LOW:
            return Decision(True, f"the assessed risk is low ({shown})")
        risk = f"the assessed risk is {assessed_risk}" if assessed_risk else "no risk is assessed"
        return Decision(
            False,
            f"a slow-down needs CVSS below {cvss_below:.1f} or a low assessed risk; "
            f"{shown} and {risk}",
        )
    return Decision(False, f"a slow-down needs CVSS below {cvss_below:.1f}; {shown}")


def may_fix_semi_publicly(score: float | None, *, cvss_below: float | None) -> Decision:
    """May the fix be developed in the public repository? (KAR-25) None: never offered."""
    if cvss_below is None:
        return Decision(False, "this policy does not offer a semi-public fix")
    if score is None:
        return Decision(False, f"a semi-public fix needs a CVSS score below {cvss_below:.1f}")
    if score < cvss_below:
        return Decision(True, f"CVSS {score:.1f} is below {cvss_below:.1f}")
    return Decision(
        False, f"a semi-public fix needs CVSS below {cvss_below:.1f}; this report has {score:.1f}"
    )


def release_kind(
    severity: Severity | None, release_map: Mapping[Severity, str | None]
) -> str | None:
    """How the fix ships for this severity (KAR-28/29), e.g. "out_of_band" or "next_patch";
    None where the policy does not tie the release to severity, or the report has none yet.

    Pass the overridden severity where the Security Team has reclassified the report (KAR-30).
    """
    return None if severity is None else release_map.get(severity)


def timelines_asap(public: bool, score: float | None, *, at_least: float | None) -> bool:
    """Does a public disclosure make every open deadline due now? (EMI-14)

    An unscored public report counts as ASAP: waiting for a score must not slow the response.
    """
    if not public or at_least is None:
        return False
    return score is None or score >= at_least
