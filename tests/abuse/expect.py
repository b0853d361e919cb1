"""What every abuse case must show: it ended in time and memory, and was not waved through."""

from __future__ import annotations

from tests.abuse.scanproc import PEAK_RSS_BUDGET_MB, Outcome

LIMIT_RULES = frozenset({"limits.time", "limits.resource", "limits.nesting"})


def bounded(outcome: Outcome, *, seconds: float, rss_mb: float = PEAK_RSS_BUDGET_MB) -> None:
    """Ended within ``seconds`` of scanning and ``rss_mb`` of peak memory, without error."""
    assert outcome.verdict != "error", str(outcome)
    assert "scanner.internal-error" not in outcome.rules, str(outcome)
    assert outcome.seconds < seconds, str(outcome)
    assert outcome.peak_rss_mb < rss_mb, str(outcome)


def flagged(outcome: Outcome, *rules: str) -> None:
    """Never clean, and one of ``rules`` (or a generic ``limits.*`` rule) says why."""
    assert outcome.verdict in ("suspicious", "malicious"), str(outcome)
    wanted = set(rules) | LIMIT_RULES
    assert outcome.rules & wanted, f"expected one of {sorted(wanted)}: {outcome}"
