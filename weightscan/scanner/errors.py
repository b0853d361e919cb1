"""Errors raised inside the scanner. Analyzers turn them into findings; callers rarely see them.

ScannerError
 ├── MalformedInput      the bytes break the format's rules (offset, reason)
 ├── LimitExceeded       a ScanLimits budget ran out (resource, limit)
 └── UnsupportedFormat   nothing in the scanner reads this format
"""

from __future__ import annotations


class ScannerError(Exception):
    """Root of every error the scanner raises on purpose."""


class MalformedInput(ScannerError):
    """The input does not follow its format."""

    def __init__(self, reason: str, *, offset: int | None = None) -> None:
        super().__init__(reason if offset is None else f"{reason} (at byte {offset})")
        self.reason = reason
        self.offset = offset


class LimitExceeded(ScannerError):
    """A resource budget from ``ScanLimits`` ran out."""

    def __init__(self, resource: str, limit: float | int, *, offset: int | None = None) -> None:
        super().__init__(f"{resource} limit of {limit} reached")
        self.resource = resource
        self.limit = limit
        self.offset = offset


class UnsupportedFormat(ScannerError):
    """The scanner has no reader for this content."""
