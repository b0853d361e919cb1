"""Read an OpenVINO IR ``.xml`` safely: bounded, no DTD, no entities.

An IR is ``<net name=.. version="10|11">`` holding ``<layers>`` of ``<layer type=..
version="opsetN">`` (a ``Const`` layer's ``<data offset=.. size=..>`` names its bytes in
the ``.bin`` next to it), ``<edges>`` and ``<rt_info>``. Old IR v7 lists weight ranges in a
layer's ``<blobs>`` children instead; both are collected. Expat never fetches external
entities; declarations are refused before parsing, so no entity can expand.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # no DTD ever reaches the parser: see read_ir
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import LimitExceeded, MalformedInput
from weightscan.scanner.source import Source

MAX_XML_BYTES = 256 << 20
_MAX_ELEMENTS = 20_000_000
_CHUNK = 1 << 20
_STANDARD_OPSET = re.compile(r"opset\d{1,3}")
# what may come before <net>: BOM, XML declaration, comments, a DOCTYPE (sniffed so that
# the analyzer refuses it), blank space
_IR_START = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?"
    rb"(?:<!--(?:(?!-->).){0,4096}-->\s*"
    rb"|<!DOCTYPE(?:[^>\[]|\[[^\]]{0,4096}\]){0,4096}>\s*)*<net[\s>]",
    re.DOTALL,
)
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")


class DoctypeFound(MalformedInput):
    pass


def looks_like_openvino_ir(head: bytes) -> bool:
    return _IR_START.match(head) is not None


@dataclass
class IR:
    version: str = ""
    layers: int = 0
    op_types: dict[str, int] = field(default_factory=dict)
    custom_ops: set[str] = field(default_factory=set)  # "version:type" outside the opsets
    weight_end: int = 0  # end of the furthest byte range the IR names in its .bin
    ranges: int = 0


def read_ir(source: Source, ctx: ScanContext | None = None) -> IR:
    """Parse the whole IR; raises MalformedInput for anything that is not one."""
    if source.size > MAX_XML_BYTES:
        raise LimitExceeded("OpenVINO IR XML bytes", MAX_XML_BYTES)
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    ir = IR()
    depth = elements = 0
    tail = b""
    with source.open() as fh:
        while chunk := fh.read(_CHUNK):
            if ctx is not None:
                ctx.check_time()
            window = tail + chunk
            if any(d in window for d in _DECLARATIONS):
                raise DoctypeFound("a DOCTYPE or entity declaration")
            tail = window[-16:]
            try:
                parser.feed(chunk)
                events = cast(Iterator[tuple[str, ET.Element]], parser.read_events())
                for event, elem in events:  # only "start"/"end" were asked for: elements
                    elements += 1
                    if elements > _MAX_ELEMENTS:
                        raise LimitExceeded("OpenVINO IR XML elements", _MAX_ELEMENTS)
                    depth += 1 if event == "start" else -1
                    if event == "start" and depth == 1:
                        if elem.tag != "net":
                            raise MalformedInput(f"root element <{elem.tag[:50]}>, not <net>")
                        ir.version = elem.get("version", "")
                    elif event == "end":
                        _take(ir, elem)
                        if depth <= 2:
                            elem.clear()  # keep memory flat: finished subtrees are dropped
            except ET.ParseError as exc:
                raise MalformedInput(f"not well-formed XML: {exc}") from None
    try:
        parser.close()
    except ET.ParseError as exc:
        raise MalformedInput(f"not well-formed XML: {exc}") from None
    if ir.version not in ("10", "11") and ir.version != "7":
        raise MalformedInput(f"unknown IR version {ir.version[:20]!r}")
    return ir


def _take(ir: IR, elem: ET.Element) -> None:
    if elem.tag == "layer":
        ir.layers += 1
        op = elem.get("type", "")[:100]
        ir.op_types[op] = ir.op_types.get(op, 0) + 1
        opset = elem.get("version", "")[:100]
        if opset and not _STANDARD_OPSET.fullmatch(opset):
            ir.custom_ops.add(f"{opset}:{op}")
        for ref in _weight_refs(elem, op):
            _add_range(ir, ref)


def _weight_refs(layer: ET.Element, op: str) -> list[ET.Element]:
    refs = [child for blobs in layer.findall("blobs") for child in blobs]
    if op == "Const":
        refs += [d for d in layer.findall("data") if "offset" in d.attrib or "size" in d.attrib]
    return refs


def _add_range(ir: IR, ref: ET.Element) -> None:
    try:
        offset, size = int(ref.get("offset", "")), int(ref.get("size", ""))
    except ValueError:
        raise MalformedInput("a weight range whose offset or size is no integer") from None
    if offset < 0 or size < 0:
        raise MalformedInput("a negative weight offset or size")
    ir.ranges += 1
    ir.weight_end = max(ir.weight_end, offset + size)
