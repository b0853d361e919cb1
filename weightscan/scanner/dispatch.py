"""Route a source to the analyzer for its sniffed format, and fail closed.

This is the one place where an analyzer's unexpected exception is caught: it becomes a
``scanner.internal-error`` finding (verdict ``error``), a ``LimitExceeded`` becomes a
``limits.*`` finding, a stray ``MalformedInput`` a ``format.malformed`` finding. Nothing
escapes as a traceback, and nothing that was not fully analysed comes out ``clean``.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from typing import Any

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput, UnsupportedFormat
from weightscan.scanner.formats import Format
from weightscan.scanner.source import Source

Analyzer = Callable[[Source, ScanContext], None]

# Format -> "module:function". Imported lazily so an embedding program pays only for
# the formats it meets.
_ANALYZERS: dict[Format, str] = {
    Format.PICKLE: "weightscan.scanner.pickle.analyzer:analyze_pickle_file",
    Format.PYTORCH_LEGACY: "weightscan.scanner.pickle.legacy_torch:analyze_legacy_torch",
    Format.NUMPY: "weightscan.scanner.pickle.numpy_npy:analyze_npy",
    Format.ZIP: "weightscan.scanner.containers.zip:analyze_zip",
    Format.GZIP: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.BZIP2: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.XZ: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.LZMA: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.ZLIB: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.ZSTD: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.LZ4: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.JOBLIB_ZLIB: "weightscan.scanner.containers.compressed:analyze_compressed",
    Format.TAR: "weightscan.scanner.containers.archives:analyze_tar",
    Format.PYTORCH_TAR: "weightscan.scanner.containers.archives:analyze_tar",
    Format.SEVEN_ZIP: "weightscan.scanner.containers.archives:analyze_unopenable",
    Format.RAR: "weightscan.scanner.containers.archives:analyze_unopenable",
    Format.SAFETENSORS: "weightscan.scanner.safetensors.analyzer:analyze_safetensors",
    Format.GGUF: "weightscan.scanner.gguf.analyzer:analyze_gguf",
    Format.HDF5: "weightscan.scanner.hdf5.analyzer:analyze_hdf5",
    Format.KERAS_CONFIG: "weightscan.scanner.keras.analyzer:analyze_keras_config",
    Format.NEMO_CONFIG: "weightscan.scanner.nemo.analyzer:analyze_nemo_config",
    Format.ONNX: "weightscan.scanner.onnx.analyzer:analyze_onnx",
    Format.ONNX_TENSOR: "weightscan.scanner.onnx.analyzer:analyze_onnx_tensor",
    Format.FASTTEXT: "weightscan.scanner.embeddings.analyzer:analyze_fasttext",
    Format.WORD2VEC: "weightscan.scanner.embeddings.analyzer:analyze_word2vec",
    Format.MSGPACK: "weightscan.scanner.msgpack_format.analyzer:analyze_msgpack",
    Format.TF_SAVED_MODEL: "weightscan.scanner.tensorflow.analyzer:analyze_saved_model",
    Format.TF_GRAPHDEF: "weightscan.scanner.tensorflow.analyzer:analyze_graphdef",
    Format.TF_KERAS_METADATA:
        "weightscan.scanner.tensorflow.keras_metadata:analyze_keras_metadata",
    Format.TFLITE: "weightscan.scanner.tflite.analyzer:analyze_tflite",
    Format.COREML: "weightscan.scanner.coreml.analyzer:analyze_coreml",
    Format.COREML_WEIGHTS: "weightscan.scanner.coreml.weights:analyze_coreml_weights",
    Format.CTRANSLATE2: "weightscan.scanner.ctranslate2.analyzer:analyze_ctranslate2",
    Format.OPENVINO_IR: "weightscan.scanner.openvino.analyzer:analyze_openvino_ir",
    Format.GGML: "weightscan.scanner.ggml_legacy.analyzer:analyze_ggml",
    Format.PADDLE_PROGRAM: "weightscan.scanner.paddle.analyzer:analyze_paddle_program",
    Format.TF_CHECKPOINT_INDEX:
        "weightscan.scanner.tensorflow.checkpoint:analyze_checkpoint_index",
    Format.TEXT: "weightscan.scanner.containers.plain:analyze_text",
    Format.PYTHON: "weightscan.scanner.pycode.analyzer:analyze_python",
    Format.OTHER: "weightscan.scanner.containers.plain:analyze_other",
    Format.UNKNOWN: "weightscan.scanner.containers.plain:analyze_unknown",
    Format.EMPTY: "weightscan.scanner.containers.plain:analyze_empty",
}


def _load(fmt: Format) -> Analyzer:
    target = _ANALYZERS.get(fmt)
    if target is None:
        raise UnsupportedFormat(fmt.value)
    module_name, func_name = target.split(":")
    analyzer: Analyzer = getattr(importlib.import_module(module_name), func_name)
    return analyzer


def sniff(source: Source) -> Format:
    from weightscan.scanner.sniff import sniff_format

    return sniff_format(source)


def analyze(source: Source, ctx: ScanContext, fmt: Format | None = None) -> Format:
    """Sniff (unless ``fmt`` is given) and analyse ``source``; returns the format used.

    Whatever the format, a file that also unpickles from its first byte is analysed as a
    pickle too: the standard unpickler, torch.load and joblib.load read any file that way.
    """
    sniffed = fmt is None
    if fmt is None:
        fmt = sniff(source)
    ctx.set_format(fmt.value)
    _guarded(source, ctx, fmt, lambda src, c: _load(fmt)(src, c))
    if fmt not in _PICKLE_READ and not (sniffed and fmt in _SNIFF_PROBED):
        _guarded(source, ctx, fmt, _also_as_pickle)
    return fmt


# Formats already read as a pickle from offset 0 by their own analyzer.
_PICKLE_READ = frozenset({Format.PICKLE, Format.PYTORCH_LEGACY, Format.EMPTY})
# Classes the sniffer gives only after the same offset-0 probe found no pickle.
_SNIFF_PROBED = frozenset({Format.TEXT, Format.OTHER, Format.UNKNOWN})


# A first protocol-0 line longer than this is not followed through a file another format
# claims (a safetensors file whose length byte is "V" would otherwise be read whole).
_MAX_FOLLOWED_LINE = 64 << 20


def _also_as_pickle(source: Source, ctx: ScanContext) -> None:
    from weightscan.scanner.pickle.probe import reaches_import

    found = reaches_import(source, max_line=_MAX_FOLLOWED_LINE)
    if found is None:
        ctx.report("limits.resource", "the first bytes also start a pickle text line longer "
                   f"than {_MAX_FOLLOWED_LINE} bytes; the file was not read as a pickle past it",
                   evidence={"resource": "pickle line", "limit": _MAX_FOLLOWED_LINE})
    elif found:
        ctx.report("archive.polyglot", "the file also unpickles from its first byte, as "
                   "the standard unpickler reads any file; analysed as a pickle too")
        analyze_nested(source, ctx, "<as pickle>", Format.PICKLE)


def _guarded(source: Source, ctx: ScanContext, fmt: Format, analyzer: Analyzer) -> None:
    """Run one analyzer; whatever stops it becomes a finding (fail closed)."""
    try:
        ctx.check_time()
        analyzer(source, ctx)
    except LimitExceeded as exc:
        rule_id = "limits.time" if exc.resource == "time" else "limits.resource"
        ctx.report(rule_id, f"analysis stopped: {exc}", offset=exc.offset,
                   evidence={"resource": exc.resource, "limit": exc.limit})
    except MalformedInput as exc:
        ctx.report("format.malformed", f"{fmt.value}: {exc.reason}", offset=exc.offset)
    except UnsupportedFormat as exc:
        ctx.report("format.unrecognized", f"no analyzer for {exc}")
    except RecursionError:
        ctx.report("limits.resource", "analysis stopped: structure nested too deeply",
                   evidence={"resource": "recursion"})
    except MemoryError:
        ctx.report("limits.resource", "analysis stopped: out of memory",
                   evidence={"resource": "memory"})
    except Exception as exc:  # fail closed: any bug becomes verdict "error"
        ctx.report("scanner.internal-error",
                   f"the scanner failed on this content: {type(exc).__name__}: {exc}"[:500],
                   evidence={"exception": type(exc).__name__})


_HASHED_REGION_MAX = 256 << 10  # small members are recognised by content, large ones by place


def region_key(source: Source, fmt: Format | None) -> tuple[Any, ...]:
    """What identifies these bytes for "analysed already": their content when small
    (copies made by decompression or spooling are equal), else their place in the file."""
    forced = None if fmt is None else fmt.value
    if source.size <= _HASHED_REGION_MAX:
        return ("content", hashlib.sha256(source.head(source.size)).digest(), forced)
    return ("place", *source.region, forced)


def analyze_nested(source: Source, ctx: ScanContext, member_name: str,
                   fmt: Format | None = None) -> Format | None:
    """Analyse a container member in a child context, within the nesting limit.

    ``fmt`` forces the format (e.g. a torch zip's ``data.pkl`` is a pickle whatever its
    bytes look like); by default the member is sniffed.
    """
    child = ctx.child(member_name)
    region = region_key(source, fmt)
    regions = ctx.state.regions
    if region in regions:
        # The same bytes were analysed already (identical or overlapping members, an
        # archive holding itself): their findings stand, and re-walking them would only
        # multiply work. What their analysis decompressed still counts against the
        # budget, so a 42.zip-style bomb is reported as one, without the work.
        child.note("analysed", "same bytes as an earlier member")
        try:
            ctx.charge_decompressed(regions[region])
        except LimitExceeded as exc:
            child.report("limits.resource", f"analysis stopped: {exc}",
                         evidence={"resource": exc.resource, "limit": exc.limit})
        return None
    regions[region] = 0
    if child.depth > ctx.limits.max_nesting_depth:
        child.report("limits.nesting",
                     f"not opened: nested deeper than {ctx.limits.max_nesting_depth} levels",
                     evidence={"limit": ctx.limits.max_nesting_depth})
        return None
    before = ctx.state.decompressed_bytes
    used = analyze(source, child, fmt)
    regions[region] = ctx.state.decompressed_bytes - before
    return used
