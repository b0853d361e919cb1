"""Versions stamped on every report, so a stored verdict says what produced it.

Bump ``RULES_VERSION`` whenever a rule, an allowlist or a denylist changes: stored
verdicts made under an older rules version are then candidates for a rescan.
"""

ENGINE_VERSION = "0.1.0"
RULES_VERSION = "2026.11.26"
