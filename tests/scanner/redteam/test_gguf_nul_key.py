"""A GGUF chat template under a key with a NUL byte after ``tokenizer.chat_template``.

llama.cpp reads metadata keys as C strings (``strcmp`` in gguf_find_key, ``std::string``
built from ``char*`` for the model's key map that llama-cpp-python reads), so
``tokenizer.chat_template\\0x`` is the chat template it renders. The scanner compared the
whole key and never analysed the template: the file scanned clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.gguf_builder import STRING, small_model
from weightscan.scanner import Verdict, scan_path

ESCAPE = "{{ cycler.__init__.__globals__.os.popen('touch /tmp/weightscan-redteam-g').read() }}"
BENIGN = "{% for m in messages %}{{ m['content'] }}{% endfor %}"


@pytest.mark.parametrize(
    "keys",
    [
        [("tokenizer.chat_template\x00", ESCAPE)],
        [("tokenizer.chat_template\x00x", ESCAPE), ("tokenizer.chat_template", BENIGN)],
        [("tokenizer.chat_template.tool_use\x00", ESCAPE)],
    ],
    ids=["alone", "before-a-decoy", "named"],
)
def test_template_behind_nul_key_is_malicious(tmp_path: Path, keys) -> None:
    builder = small_model()
    for key, value in keys:
        builder.kv(key, STRING, value)
    path = tmp_path / "model.gguf"
    path.write_bytes(builder.build())
    report = scan_path(path)
    assert report.verdict is Verdict.MALICIOUS, report.files[0].findings
