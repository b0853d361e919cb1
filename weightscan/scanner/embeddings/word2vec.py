"""word2vec binary (``.bin``): a text header ``"<words> <dims>\\n"``, then per word its
bytes up to a space and ``dims`` float32 (optionally a newline before the next word), as
word2vec.c and gensim write and read it. Declared sizes are checked before the walk."""

from __future__ import annotations

import re
from dataclasses import dataclass

from weightscan.scanner.context import ScanContext
from weightscan.scanner.embeddings.window import Window
from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.source import Source

HEADER = re.compile(rb"\A[ \t]*([0-9]{1,10})[ \t]+([0-9]{1,7})[ \t]*\r?\n")
MAX_WORD = 1 << 16
MAX_TEXT_LINE = 1 << 20
_CHECKED_LINES = 1000  # lines whose fields are counted; the rest are only counted


@dataclass
class Word2VecFacts:
    words: int
    dims: int
    end: int


def header(head: bytes) -> tuple[int, int, int] | None:
    """(words, dims, header length) when ``head`` starts with a word2vec header."""
    m = HEADER.match(head)
    if m is None or int(m.group(1)) == 0 or int(m.group(2)) == 0:
        return None
    return int(m.group(1)), int(m.group(2)), m.end()


def looks_binary_word2vec(head: bytes) -> bool:
    """A header, then a word and a space, then bytes that are not all text (the floats)."""
    parsed = header(head)
    if parsed is None:
        return False
    _, dims, start = parsed
    space = head.find(b" ", start, start + MAX_WORD)
    if space < 0:
        return False
    floats = head[space + 1 : space + 1 + dims * 4]
    return any(b < 9 or 13 < b < 32 or b > 126 for b in floats)


def walk_word2vec_text(source: Source, ctx: ScanContext) -> Word2VecFacts:
    """The text form (``.vec``): one line per word, the word then ``dims`` numbers. Words
    are bytes (gensim tolerates undecodable ones), so this is checked as lines, not UTF-8:
    the first lines must have ``dims + 1`` fields, and the file must hold every line."""
    parsed = header(source.head(64))
    if parsed is None:
        raise MalformedInput("word2vec: no '<words> <dims>' header")
    words, dims, start = parsed
    w = Window(source, start)
    for i in range(words):
        if i % 65536 == 0:
            ctx.check_time()
        line = w.until(b"\n", MAX_TEXT_LINE) if w.remaining else b""
        if i < _CHECKED_LINES and len(line.rstrip().split(b" ")) != dims + 1:
            raise MalformedInput(
                f"word2vec: line {i + 2} does not hold a word and {dims} numbers", offset=w.pos
            )
    return Word2VecFacts(words, dims, w.pos)


def walk_word2vec(source: Source, ctx: ScanContext) -> Word2VecFacts:
    parsed = header(source.head(64))
    if parsed is None:
        raise MalformedInput("word2vec: no '<words> <dims>' header")
    words, dims, start = parsed
    vector = dims * 4
    if words * (vector + 2) > source.size - start:
        raise MalformedInput(
            f"word2vec: {words} vectors of {dims} floats do not fit in {source.size} bytes"
        )
    w = Window(source, start)
    for i in range(words):
        if i % 65536 == 0:
            ctx.check_time()
        word = w.until(b" ", MAX_WORD).lstrip(b"\n")
        if not word:
            raise MalformedInput(f"word2vec: empty word #{i}", offset=w.pos)
        w.skip(vector, "vector")
    return Word2VecFacts(words, dims, w.pos)
