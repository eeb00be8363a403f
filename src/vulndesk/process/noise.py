"""Noise control without auto-rejection: what a triager should look at in a new report.

Nothing here decides anything. Quality signals say what a report has and lacks; `similar`
finds earlier reports that read alike; the canned reasons make a polite answer one click away.
The triager judges.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# Below this cosine two reports share little more than boilerplate: showing them is noise too.
SIMILARITY_THRESHOLD = 0.35
# Words that say nothing about what a report is about.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "when",
        "which",
        "with",
    ]
)

# Why a report is turned down, worded for the reporter: (code, what the reporter reads).
REJECTION_REASONS: tuple[tuple[str, str], ...] = (
    (
        "expected",
        "Thank you for the report. We looked at it carefully and this is expected behaviour, "
        "not a vulnerability.",
    ),
    (
        "out_of_scope",
        "Thank you for the report. It concerns something outside the scope of this project's "
        "security policy.",
    ),
    (
        "cannot_reproduce",
        "Thank you for the report. We could not reproduce it with the information given; we "
        "are glad to look again if you can send steps to reproduce and the affected version.",
    ),
    (
        "public_and_fixed",
        "Thank you for the report. This issue is already public and fixed in a released version.",
    ),
    (
        "no_security_impact",
        "Thank you for the report. We found no security impact: it does not let anyone do "
        "something they could not already do.",
    ),
)


@dataclass(frozen=True)
class ReporterHistory:
    """The reporter's other reports (by the same address), counted by outcome."""

    others: int = 0
    accepted: int = 0
    turned_down: int = 0  # rejected or duplicate


@dataclass(frozen=True)
class Signal:
    name: str
    present: bool
    reason: str


_WORD = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
_NUMBERED_STEPS = re.compile(r"^\s*(?:\d+[.)]|step\s+\d+)\s+\S", re.IGNORECASE | re.MULTILINE)
_STEPS_WORDS = re.compile(r"steps?\s+to\s+reproduce|to\s+reproduce|reproduc(?:e|tion)\s*:", re.I)
_REQUEST = re.compile(r"\bcurl\s|\b(?:GET|POST|PUT|PATCH|DELETE)\s+/\S*|\bHTTP/[12]", re.I)
_CODE_BLOCK = re.compile(r"```|^(?: {4}|\t)\S", re.MULTILINE)
_VERSION = re.compile(r"\bv?\d+\.\d+(?:\.\d+)*(?:[-.+]?[a-z0-9]+)?\b|\bversions?\b", re.I)
_POC_WORDS = re.compile(
    r"\bpoc\b|proof[\s-]+of[\s-]+concept|\bexploit\b|\bpayload\b|\battach(?:ed|ment)\b", re.I
)


def _found(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0).strip() if match else None


def quality_signals(title: str, description: str, history: ReporterHistory) -> list[Signal]:
    """What the report offers a triager, each with the evidence or what is missing."""
    text = f"{title}\n{description}"
    steps = (
        ("numbered steps", _found(_NUMBERED_STEPS, description)),
        ("steps to reproduce", _found(_STEPS_WORDS, text)),
        ("a request", _found(_REQUEST, description)),
        ("a code block", "```" if _CODE_BLOCK.search(description) else None),
    )
    step_evidence = [kind for kind, hit in steps if hit]
    version = _found(_VERSION, text)
    poc = _found(_POC_WORDS, text)
    code = bool(_CODE_BLOCK.search(description))
    return [
        Signal(
            "Reproduction steps",
            bool(step_evidence),
            f"has {', '.join(step_evidence)}" if step_evidence else "no steps to reproduce found",
        ),
        Signal(
            "Affected version",
            version is not None,
            f'names "{version}"' if version else "names no affected version",
        ),
        Signal(
            "Proof of concept",
            bool(poc or code),
            (f'mentions "{poc}"' if poc else "has a code block")
            if poc or code
            else "no proof of concept, code or attachment mentioned",
        ),
        _history_signal(history),
    ]


def _history_signal(history: ReporterHistory) -> Signal:
    if history.others == 0:
        return Signal("Reporter's history", False, "first report from this address")
    reason = (
        f"{history.others} other report{'s' if history.others != 1 else ''}: "
        f"{history.accepted} accepted, {history.turned_down} rejected or duplicate"
    )
    return Signal("Reporter's history", history.accepted > 0, reason)


def tokens(text: str) -> list[str]:
    """Lower-case word tokens but stop words; a dotted or dashed word (a version) stays whole."""
    return [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def _weights(counts: Counter[str], idf: Mapping[str, float]) -> dict[str, float]:
    return {word: count * idf[word] for word, count in counts.items()}


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    dot = sum(weight * b[word] for word, weight in a.items() if word in b)
    if dot == 0:
        return 0.0
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return min(dot / norm, 1.0)  # rounding may overshoot 1.0 by an ulp


def similar(
    text: str,
    candidates: Mapping[K, str],
    limit: int = 5,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[tuple[K, float]]:
    """The candidates most like `text`, best first, with a TF-IDF cosine score in 0..1.

    Words common to many candidates weigh less than rare ones, so "the" and the project's
    name do not make two reports alike; those scoring below `threshold` are left out.
    """
    query = Counter(tokens(text))
    documents = {key: Counter(tokens(body)) for key, body in candidates.items()}
    frequency: Counter[str] = Counter()
    for counts in (query, *documents.values()):
        frequency.update(counts.keys())
    total = len(documents) + 1
    # Smoothed, so a word in every document still counts a little: identical texts score 1.
    idf = {word: math.log((1 + total) / (1 + df)) + 1 for word, df in frequency.items()}
    wanted = _weights(query, idf)
    scored = [(key, _cosine(wanted, _weights(counts, idf))) for key, counts in documents.items()]
    kept = [(key, score) for key, score in scored if score >= threshold and score > 0]
    kept.sort(key=lambda pair: -pair[1])
    return kept[:limit]
