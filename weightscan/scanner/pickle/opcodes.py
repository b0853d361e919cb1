"""Opcode names by byte, for messages (the engine dispatches on raw bytes)."""

from __future__ import annotations

import pickletools

NAMES: dict[int, str] = {ord(op.code): op.name for op in pickletools.opcodes}
VALID: frozenset[int] = frozenset(NAMES)
