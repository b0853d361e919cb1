"""TensorFlow checkpoints (a SavedModel's variables/ folder, or tf.train.Checkpoint files).

``PREFIX.index`` is a sorted table (leveldb's table layout) mapping tensor names to
dtype, shape, shard and byte range; it ends with a 48-byte footer whose last 8 bytes are
the table magic number. ``PREFIX.data-NNNNN-of-MMMMM`` files are the raw tensor bytes;
they have no format of their own and are recognised through their index.
"""

from __future__ import annotations

import os
import re

from weightscan.scanner.context import ScanContext
from weightscan.scanner.errors import MalformedInput
from weightscan.scanner.formats import Format
from weightscan.scanner.source import Source

TABLE_MAGIC = (0xDB4775248B80FB57).to_bytes(8, "little")
_FOOTER = 48
_SHARD = re.compile(r"^(?P<prefix>.+)\.data-(?P<shard>\d{5})-of-(?P<shards>\d{5})$")


def is_checkpoint_index(source: Source) -> bool:
    return source.size >= _FOOTER and source.read_at(source.size - 8, 8) == TABLE_MAGIC


def analyze_checkpoint_index(source: Source, ctx: ScanContext) -> None:
    """Check that the footer's two block handles lie inside the file; report it as data."""
    footer = source.read_at(source.size - _FOOTER, _FOOTER)
    pos = 0
    for what in ("metaindex", "index"):
        offset, pos = _varint(footer, pos)
        size, pos = _varint(footer, pos)
        if offset + size > source.size - _FOOTER:
            raise MalformedInput(
                f"the {what} block lies past the table's end", offset=source.size - _FOOTER
            )
    ctx.report(
        "tensorflow.checkpoint.data",
        "TensorFlow checkpoint index (tensor names, shapes and byte ranges)",
        evidence={"size": source.size},
    )


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    raise MalformedInput("bad block handle in the table footer")


def claim_checkpoint_shard(source: Source, ctx: ScanContext) -> bool:
    """Report ``source`` as a checkpoint data shard when its index sits next to it."""
    path = source.disk_path if ctx.member is None else None
    match = _SHARD.match(os.path.basename(path)) if path else None
    if path is None or match is None or int(match["shard"]) >= int(match["shards"]):
        return False
    index = os.path.join(os.path.dirname(path), match["prefix"] + ".index")
    try:
        with open(index, "rb") as fh:
            if not is_checkpoint_index(Source(fh)):
                return False
    except OSError:
        return False
    ctx.set_format(Format.TENSOR_DATA.value)
    ctx.report(
        "tensorflow.checkpoint.data",
        "TensorFlow checkpoint data shard (raw tensor bytes indexed by the .index file next to it)",
        evidence={"index": os.path.basename(index), "size": source.size},
    )
    return True
