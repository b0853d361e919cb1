"""Files that are not model containers: text, recognised other binaries, unknown, empty.

Text gets a second look before it is called harmless: a protocol-0 pickle is valid text,
and a file that is text only at its head may hide binary data further on.
"""

from __future__ import annotations

import codecs

from weightscan.scanner.containers import signatures as sig
from weightscan.scanner.context import ScanContext
from weightscan.scanner.dispatch import analyze
from weightscan.scanner.encoded.text import check_text_values
from weightscan.scanner.formats import Format
from weightscan.scanner.keras.analyzer import analyze_keras_json
from weightscan.scanner.pickle.probe import looks_like_pickle
from weightscan.scanner.pycode.analyzer import analyze_config_auto_map
from weightscan.scanner.sidecars import claim_tensor_data
from weightscan.scanner.sniff import HEAD_BYTES
from weightscan.scanner.source import Source
from weightscan.scanner.templates.textfiles import analyze_text_templates
from weightscan.scanner.tensorflow.pbtxt import analyze_tf_text
from weightscan.scanner.yamlconfig.analyzer import analyze_yaml_text

_TEXT_CHUNK = 1 << 20


def analyze_text(source: Source, ctx: ScanContext) -> None:
    head = source.head(HEAD_BYTES)
    if looks_like_pickle(head):
        analyze(source, ctx, Format.PICKLE)
        return
    bad = _first_binary_offset(source, ctx)
    if bad is not None:
        ctx.report(
            "format.text-binary",
            f"text up to byte {bad}, then binary data",
            offset=bad,
            evidence={"offset": bad},
        )
        return
    analyze_text_configs(source, ctx)
    check_text_values(source, ctx)  # base64/hex of a pickle, archive or code
    if ctx.member is not None:
        # inside an archive the member summary says "text"; a finding per config file or
        # source file of a large archive would only bury the findings that matter
        ctx.note("format", "text")
        return
    ctx.report(
        "format.text", "plain text; nothing a model loader executes", evidence={"size": source.size}
    )


def analyze_text_configs(source: Source, ctx: ScanContext) -> None:
    """What loaders that read this text by name run: templates, configs naming code."""
    analyze_text_templates(source, ctx)
    analyze_config_auto_map(source, ctx)
    analyze_keras_json(source, ctx)
    analyze_tf_text(source, ctx)  # saved_model.pbtxt runs the ops it names
    analyze_yaml_text(source, ctx)  # hyperparams.yaml, Hydra configs: tags and targets


def also_as_text(source: Source, ctx: ScanContext) -> None:
    """A pickle that is text throughout (protocol 0) is also a config or template to a
    loader that reads it by name: ``Vk: !apply:os.system [...]\\nJ:\\n...`` is both."""
    if _first_binary_offset(source, ctx) is None:
        analyze_text_configs(source, ctx)


def _first_binary_offset(source: Source, ctx: ScanContext) -> int | None:
    """Where the file stops being UTF-8 text without control characters, if it does."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pos = 0
    with source.open() as f:
        while chunk := f.read(_TEXT_CHUNK):
            ctx.check_time()
            control = sig.first_text_control(chunk)
            if control is not None:
                return pos + control
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return pos + max(0, exc.start)
            pos += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return max(0, pos - 3)
    return None


def analyze_other(source: Source, ctx: ScanContext) -> None:
    ctx.report(
        "format.other",
        "recognised non-model content (image, document or tokenizer "
        "model); not executed by model loaders",
        evidence={"size": source.size},
    )


def analyze_unknown(source: Source, ctx: ScanContext) -> None:
    if claim_tensor_data(source, ctx):  # raw tensor bytes a model next to it declares
        return
    head = source.head(16)
    ctx.report(
        "format.unrecognized",
        "content of no format weightscan analyses; it cannot be shown safe",
        evidence={"size": source.size, "head": head.hex()},
    )


def analyze_empty(source: Source, ctx: ScanContext) -> None:
    ctx.report("format.empty", "empty file")
