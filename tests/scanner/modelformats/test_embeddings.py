"""fastText and word2vec binaries, written here in the layouts their tools write."""

from __future__ import annotations

import struct

import pytest

from tests.fixtures.archives import P2_PAYLOAD, scan_bytes
from weightscan.scanner import Verdict

WORDS = [b"</s>", b"the", b"model", b"\xc3\xa9t\xc3\xa9", b"__label__spam"]


def fasttext(
    *, quantized: bool = False, rows: int | None = None, dim: int = 4, version: int = 12
) -> bytes:
    """``version=0``: the layout from before the magic number (no prune index, no
    quantisation flags), which gensim still reads."""
    old = version == 0
    out = b"" if old else struct.pack("<ii", 793712314, version)
    out += struct.pack("<12id", dim, 5, 5, 1, 5, 1, 1, 1, 2000, 3, 6, 100, 1e-4)
    out += struct.pack("<iiiq", len(WORDS), len(WORDS) - 1, 1, 1000)
    out += b"" if old else struct.pack("<q", 0)
    for w in WORDS:
        out += w + b"\0" + struct.pack("<qb", 10, 1 if w.startswith(b"__label__") else 0)
    n_in = len(WORDS) + 2000
    if old:
        out += struct.pack("<qq", n_in, dim) + bytes(n_in * dim * 4)
        return out + struct.pack("<qq", 1, dim) + bytes(dim * 4)
    if quantized:
        codes = bytes(n_in)
        out += struct.pack("<??qqi", True, False, n_in, dim, len(codes)) + codes
        out += struct.pack("<iiii", dim, 2, 2, 2) + bytes(dim * 256 * 4)
    else:
        out += struct.pack("<?qq", False, n_in if rows is None else rows, dim)
        out += bytes(n_in * dim * 4)
    out += struct.pack("<?qq", False, 1, dim) + bytes(dim * 4)
    return out


def word2vec(*, newline: bool = True, count: int | None = None, dims: int = 3) -> bytes:
    words = [b"king", b"queen", b"\xc3\xa9t\xc3\xa9"]
    out = f"{len(words) if count is None else count} {dims}\n".encode()
    for i, w in enumerate(words):
        out += w + b" " + struct.pack(f"<{dims}f", *[i + 0.5] * dims)
        out += b"\n" if newline else b""
    return out


@pytest.mark.parametrize(
    ("quantized", "version"),
    [(False, 12), (True, 12), (False, 11), (False, 0)],
    ids=["bin", "ftz", "v11", "before-magic"],
)
def test_fasttext_models_are_clean(quantized, version):
    report = scan_bytes(fasttext(quantized=quantized, version=version), "cc.en.bin")
    assert report.format == "fasttext"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["fasttext"]["words"] == 4
    assert report.summary["fasttext"]["labels"] == 1


def test_fasttext_matrix_larger_than_the_file_is_malformed():
    report = scan_bytes(fasttext(rows=1 << 40), "m.bin")
    assert report.verdict is Verdict.SUSPICIOUS
    assert "format.malformed" in {f.rule_id for f in report.findings}


def test_fasttext_truncated_and_wrong_version_are_malformed():
    for data in (fasttext()[:200], fasttext(version=13)):
        report = scan_bytes(data, "m.bin")
        assert report.verdict is Verdict.SUSPICIOUS
        assert "format.malformed" in {f.rule_id for f in report.findings}


def test_fasttext_with_a_pickle_appended_is_not_clean():
    report = scan_bytes(fasttext() + P2_PAYLOAD, "m.bin")
    assert report.verdict is not Verdict.CLEAN
    assert "embeddings.trailing-data" in {f.rule_id for f in report.findings}


@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_binaries_are_clean(newline):
    report = scan_bytes(word2vec(newline=newline), "vectors.bin")
    assert report.format == "word2vec"
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.summary["word2vec"] == {"words": 3, "dims": 3, "binary": True}


def test_word2vec_declaring_more_words_than_fit_is_malformed():
    report = scan_bytes(word2vec(count=10_000_000), "vectors.bin")
    assert report.verdict is Verdict.SUSPICIOUS
    assert "format.malformed" in {f.rule_id for f in report.findings}


def test_word2vec_with_data_after_the_last_vector_is_suspicious():
    report = scan_bytes(word2vec() + b"x" * 5000, "vectors.bin")
    assert report.verdict is Verdict.SUSPICIOUS
    assert "embeddings.trailing-data" in {f.rule_id for f in report.findings}


def test_word2vec_text_vectors_are_clean_even_with_undecodable_words():
    data = b"3 3\nking 0.1 0.2 0.3\nqueen 0.4 0.5 0.6\n\x97 0.1 0.1 0.1\n"  # cp1252 byte
    report = scan_bytes(data, "vectors.vec")
    assert report.verdict is Verdict.CLEAN, report.findings
    assert report.format == "word2vec"
    assert report.summary["word2vec"] == {"words": 3, "dims": 3, "binary": False}


@pytest.mark.parametrize(
    "data",
    [b"3 3\nking 0.1 0.2 0.3\n", b"1 3\nking 0.1 0.2\n"],
    ids=["fewer-lines", "fewer-numbers"],
)
def test_word2vec_text_that_the_loader_refuses_is_malformed(data):
    report = scan_bytes(data, "vectors.vec")
    assert report.verdict is Verdict.SUSPICIOUS
    assert "format.malformed" in {f.rule_id for f in report.findings}
