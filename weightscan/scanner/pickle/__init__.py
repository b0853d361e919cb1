"""Pickle-family analysis: the streaming opcode engine and the import policy."""
