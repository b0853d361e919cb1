"""OpenVINO IR: the ``.xml`` graph is analysed; its ``.bin`` is claimed as data through it.

The weights file is raw bytes with no format of its own: it is recognised only when
scanned from disk next to an IR ``.xml`` of the same stem whose every weight range fits
inside it (and only after content sniffing found nothing else in it: a pickle stays a
pickle). Otherwise it stays unrecognised.
"""

from __future__ import annotations

import functools
import os

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import ScannerError
from weightscan.scanner.formats import Format
from weightscan.scanner.openvino.ir import (
    IR,
    MAX_XML_BYTES,
    DoctypeFound,
    looks_like_openvino_ir,
    read_ir,
)
from weightscan.scanner.source import Source

_LISTED = 50


def analyze_openvino_ir(source: Source, ctx: ScanContext) -> None:
    try:
        ir = read_ir(source, ctx)
    except DoctypeFound:
        ctx.report("openvino.doctype", "the IR XML declares a DOCTYPE or entities; not parsed")
        return
    top = sorted(ir.op_types.items(), key=lambda kv: -kv[1])[:_LISTED]
    ctx.note(
        "openvino", {"ir_version": ir.version, "layers": ir.layers, "weight_bytes": ir.weight_end}
    )
    ctx.report(
        "openvino.model",
        f"OpenVINO IR v{ir.version}: {ir.layers} layers of built-in operations",
        evidence={"layers": ir.layers, "op_types": dict(top)},
    )
    if ir.custom_ops:
        ops = sorted(ir.custom_ops)
        ctx.report(
            "openvino.custom-ops",
            "layers outside the standard opsets; they need an "
            f"extension library the application registers: {', '.join(ops[:10])}",
            evidence={"ops": ops[:_LISTED], "count": len(ops)},
        )


def ir_for_weights(bin_path: str) -> str | None:
    """The IR ``.xml`` of the same stem next to ``bin_path``, when it is one."""
    stem, ext = os.path.splitext(bin_path)
    if ext.lower() != ".bin":
        return None
    xml = stem + ".xml"
    return xml if os.path.isfile(xml) else None


@functools.lru_cache(maxsize=64)
def _weights_end(xml: str, _mtime_ns: int, size: int) -> int | None:
    """How far into the .bin the IR's weight ranges reach, or None if it is no valid IR."""
    if size > MAX_XML_BYTES:
        return None
    with open(xml, "rb") as fh:
        source = Source(fh)
        if not looks_like_openvino_ir(source.head(8192)):
            return None
        try:
            ir: IR = read_ir(source)
        except ScannerError:  # a DOCTYPE too: a broken IR claims nothing
            return None
    return ir.weight_end if ir.ranges else None


def claim_openvino_weights(source: Source, ctx: ScanContext) -> bool:
    """Report ``source`` as IR weights when the IR next to it names ranges that fit it."""
    path = source.disk_path if ctx.member is None else None
    xml = ir_for_weights(path) if path else None
    if xml is None:
        return False
    try:
        st = os.stat(xml)
    except OSError:
        return False
    end = _weights_end(xml, st.st_mtime_ns, st.st_size)
    if end is None or end > source.size:
        return False
    ctx.set_format(Format.TENSOR_DATA.value)
    ctx.report(
        "openvino.weights",
        "raw weight bytes that the OpenVINO IR next to it reads",
        evidence={"model": os.path.basename(xml), "size": source.size, "declared_end": end},
    )
    return True
