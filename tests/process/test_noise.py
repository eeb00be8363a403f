"""Quality signals and similarity: evidence for a triager, never a verdict."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vulndesk.process.noise import (
    REJECTION_REASONS,
    STOP_WORDS,
    ReporterHistory,
    Signal,
    quality_signals,
    similar,
)

GOOD = """Steps to reproduce:

1. Install emissary 2.4.1
2. Send the request below

```
curl -X POST http://localhost/api/login -d 'user=admin%00'
```
"""

word = st.from_regex(r"[a-z]{3,8}", fullmatch=True).filter(lambda w: w not in STOP_WORDS)
words = st.lists(word, min_size=1, max_size=12)


def signals(
    title: str, description: str, history: ReporterHistory | None = None
) -> dict[str, Signal]:
    found = quality_signals(title, description, history or ReporterHistory())
    return {signal.name: signal for signal in found}


def test_a_careful_report_shows_steps_version_and_proof() -> None:
    found = signals("Login bypass with a NUL byte", GOOD)
    assert found["Reproduction steps"].present
    assert "numbered steps" in found["Reproduction steps"].reason
    assert found["Affected version"].present
    assert "2.4.1" in found["Affected version"].reason
    assert found["Proof of concept"].present


def test_a_vague_report_lacks_each_signal_and_says_so() -> None:
    found = signals("Your site is hackable", "I found a serious bug, please pay me.")
    assert [s.present for s in found.values()] == [False, False, False, False]
    assert found["Reproduction steps"].reason == "no steps to reproduce found"
    assert found["Affected version"].reason == "names no affected version"
    assert found["Reporter's history"].reason == "first report from this address"


def test_a_request_line_counts_as_reproduction_steps() -> None:
    found = signals("XSS", "Send GET /search?q=<script> and see it run.")
    assert found["Reproduction steps"].present
    assert "a request" in found["Reproduction steps"].reason


def test_the_word_version_names_a_version() -> None:
    assert signals("Crash", "Happens in the latest version only.")["Affected version"].present


def test_a_mentioned_attachment_counts_as_proof_of_concept() -> None:
    found = signals("RCE", "See the attached script.")
    assert found["Proof of concept"].present
    assert "attached" in found["Proof of concept"].reason


def test_history_counts_accepted_and_turned_down_reports() -> None:
    history = ReporterHistory(others=3, accepted=1, turned_down=2)
    found = signals("t", "d", history)["Reporter's history"]
    assert found.present
    assert found.reason == "3 other reports: 1 accepted, 2 rejected or duplicate"


def test_a_history_of_only_turned_down_reports_is_not_a_good_sign() -> None:
    found = signals("t", "d", ReporterHistory(others=1, turned_down=1))["Reporter's history"]
    assert not found.present
    assert found.reason.startswith("1 other report:")


def test_the_most_similar_report_comes_first_and_unrelated_ones_are_left_out() -> None:
    candidates = {
        "EM-1": "SQL injection in the login form username field",
        "EM-2": "Cross-site scripting in the search page",
        "EM-3": "Login form username field allows SQL injection via quotes",
    }
    found = similar("SQL injection in login username", candidates)
    assert [key for key, _ in found][:2] in (["EM-1", "EM-3"], ["EM-3", "EM-1"])
    assert "EM-2" not in [key for key, _ in found]
    assert all(0 < score <= 1 for _, score in found)


def test_the_limit_caps_the_list() -> None:
    candidates = dict.fromkeys(range(10), "buffer overflow in parser")
    assert len(similar("buffer overflow in parser", candidates, limit=3)) == 3


def test_nothing_is_shown_below_the_threshold() -> None:
    candidates = {"a": "alpha beta gamma delta epsilon", "b": "zeta eta theta"}
    assert similar("alpha zeta iota kappa lambda mu nu xi", candidates, threshold=0.9) == []


@given(words)
def test_identical_text_scores_one(text: list[str]) -> None:
    body = " ".join(text)
    [(key, score)] = similar(body, {"same": body}, threshold=0)
    assert key == "same"
    assert abs(score - 1.0) < 1e-9


@given(words, words)
def test_disjoint_texts_score_nothing(left: list[str], right: list[str]) -> None:
    right = [f"q{word}" for word in right]  # no word of one is a word of the other
    assert similar(" ".join(left), {"other": " ".join(right)}, threshold=0) == []


@given(words, words, words)
def test_similarity_is_symmetric_within_the_same_collection(
    a: list[str], b: list[str], c: list[str]
) -> None:
    texts = {"a": " ".join(a), "b": " ".join(b), "c": " ".join(c)}
    ab = dict(similar(texts["a"], {"b": texts["b"], "c": texts["c"]}, threshold=0)).get("b", 0.0)
    ba = dict(similar(texts["b"], {"a": texts["a"], "c": texts["c"]}, threshold=0)).get("a", 0.0)
    assert abs(ab - ba) < 1e-9


def test_every_canned_reason_is_polite_and_distinct() -> None:
    codes = [code for code, _ in REJECTION_REASONS]
    assert len(set(codes)) == len(codes) >= 4
    assert all(text.startswith("Thank you") for _, text in REJECTION_REASONS)


def test_stop_words_alone_make_nothing_alike() -> None:
    assert similar("report code", {"x": "it is the report in the code"}) != []
    assert similar("this is for the", {"x": "that was with the"}, threshold=0) == []
