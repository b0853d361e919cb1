"""Builders for resource-abuse inputs: bombs, floods, deep nesting, lying headers.

Everything is generated in code, quickly (a deflate stream of zeros is one compressed
megabyte repeated). Pickle payloads are harmless and never loaded.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

from tests.fixtures import gguf_builder as gb
from tests.fixtures import safetensors_builder as sb
from tests.fixtures.archives import BENIGN, P2_PAYLOAD, make_tar, make_zip
from tests.fixtures.pickles import call0, ops, pickle2

MiB = 1 << 20
GiB = 1 << 30
SPARSE_SIZE = 50 * GiB


# -- compression bombs -------------------------------------------------------------------


def zero_deflate(megabytes: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``megabytes`` MiB of zeros and its CRC-32, built in ~1 s.

    Each MiB is compressed after a full flush, so every block is the same bytes.
    """
    chunk = bytes(MiB)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return block * megabytes + comp.flush(), crc


def deflated_zip_member(name: str, megabytes: int) -> bytes:
    """A one-member zip of ``megabytes`` MiB of deflated zeros (ratio ~1000)."""
    body, crc = zero_deflate(megabytes)
    size = megabytes * MiB
    raw = name.encode()
    local = (
        struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(body), size, len(raw), 0
        )
        + raw
    )
    central = (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(body),
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + raw
    )
    eocd = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(body), 0
    )
    return local + body + central + eocd


def gzip_bomb(megabytes: int) -> bytes:
    body, crc = zero_deflate(megabytes)
    header = b"\x1f\x8b\x08\x00" + bytes(4) + b"\x02\xff"
    return header + body + struct.pack("<II", crc, (megabytes * MiB) & 0xFFFFFFFF)


def nested_zip_bomb(inner: bytes, fanout: int, levels: int) -> bytes:
    """42.zip-style: each level holds ``fanout`` copies of the level below."""
    data = inner
    for level in range(levels):
        data = make_zip({f"l{level}_{i}.zip": data for i in range(fanout)})
    return data


def nested_gzip(data: bytes, levels: int) -> bytes:
    for _ in range(levels):
        data = gzip.compress(data, mtime=0)
    return data


def mixed_nesting(data: bytes, rounds: int) -> bytes:
    """zip in tar in gzip in zip in tar in gzip ... ``rounds`` times."""
    for i in range(rounds):
        data = make_zip({f"r{i}.pkl": data})
        data = make_tar([(f"r{i}.zip", data)])
        data = gzip.compress(data, mtime=0)
    return data


def many_members_zip(n: int, payload: bytes = BENIGN) -> bytes:
    return make_zip({f"shard/{i:05d}.pkl": payload for i in range(n)})


def many_members_tar(n: int, payload: bytes = BENIGN) -> bytes:
    return make_tar([(f"shard/{i:05d}.pkl", payload) for i in range(n)])


# -- pickle floods -----------------------------------------------------------------------


def opcode_flood(pairs: int) -> bytes:
    """``2 * pairs`` opcodes of push-and-pop, then a payload the budget never reaches."""
    return b"\x80\x02" + b"N0" * pairs + P2_PAYLOAD[2:]


def memo_flood(entries: int, *, read_back: bool = False) -> bytes:
    """``entries`` MEMOIZE opcodes (protocol 4), each a new memo slot.

    With ``read_back`` the last slot is read again (LONG_BINGET) before STOP, so a
    scanner that dropped slots past its memo budget must say the value is unknown.
    """
    tail = b"j" + struct.pack("<I", entries - 1) + b"." if read_back else b"N."
    return b"\x80\x04" + b"N\x940" * entries + tail


def put_flood(entries: int, *, read_back: bool = False) -> bytes:
    """Protocol 0 PUTs with ever-larger keys: memo slots without MEMOIZE."""
    tail = b"g%d\n." % (entries - 1) if read_back else b"."
    return b"N" + b"".join(b"p%d\n" % i for i in range(entries)) + tail


def memo_laughs(levels: int, fanout: int = 10, *, call: bool = True) -> bytes:
    """Billion laughs: each level is a list of ``fanout`` memo references to the last.

    Logically ``fanout ** levels`` strings, physically a few KB; a scanner that expands
    memo references into copies (to render a call argument) explodes. With ``call``,
    the tree is the argument of ``builtins.print`` so the call must be rendered.
    """
    body = ops.SHORT_BINUNICODE("lol") + ops.BINPUT(0) + ops.POP
    for level in range(1, levels + 1):
        body += ops.MARK + ops.BINGET(level - 1) * fanout + ops.LIST + ops.BINPUT(level) + ops.POP
    body += ops.BINGET(levels)
    if call:
        body = ops.GLOBAL("os", "system") + body + ops.TUPLE1 + ops.REDUCE
    return pickle2(body)


def stack_flood(items: int) -> bytes:
    return b"\x80\x02" + b"N" * items + b"."


def mark_flood(marks: int) -> bytes:
    return b"\x80\x02" + b"(" * marks + b"N."


def nested_tuples(depth: int, inner: bytes = b")") -> bytes:
    """``((((),),),)`` ``depth`` levels deep: ``inner`` wrapped by ``depth`` TUPLE1."""
    return b"\x80\x02" + inner + b"\x85" * depth + b"."


def nested_lists(depth: int, inner: bytes = b"]") -> bytes:
    return b"\x80\x02" + b"]" * depth + inner + b"a" * depth + b"."


def nested_dicts(depth: int, inner: bytes = b"}") -> bytes:
    return b"\x80\x02" + b"}K\x01" * depth + inner + b"s" * depth + b"."


def nested_calls(depth: int) -> bytes:
    """``print(print(print(...)))`` ``depth`` deep, around an ``os.system`` payload."""
    inner = call0("os", "system", "echo nested")
    body = ops.GLOBAL("builtins", "print") * depth + inner + (ops.TUPLE1 + ops.REDUCE) * depth
    return pickle2(body)


def long_string_flood(count: int, size: int) -> bytes:
    """Many long strings: the scanner keeps prefixes, not copies."""
    s = ops.BINUNICODE("x" * size)
    return b"\x80\x02" + ops.EMPTY_LIST + ops.MARK + s * count + ops.APPENDS + ops.STOP


# -- allocation bombs: counts and lengths that lie ---------------------------------------

U64_MAX = (1 << 64) - 1


def gguf_bombs() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out["tensor-count"] = gb.small_model().build(tensor_count=U64_MAX)
    out["kv-count"] = gb.small_model().build(kv_count=1 << 62)
    b = gb.GGUFBuilder()
    b.raw_kv(b.string("general.name") + struct.pack("<I", gb.STRING) + b.count(U64_MAX) + b"x")
    out["string-length"] = b.build()
    b = gb.GGUFBuilder()
    b.raw_kv(b.string("big.array") + struct.pack("<II", gb.ARRAY, gb.U64) + b.count(1 << 61))
    out["array-count"] = b.build()
    b = gb.GGUFBuilder()
    nested = struct.pack("<I", gb.ARRAY) + b.count(1)
    b.raw_kv(
        b.string("deep.array")
        + struct.pack("<I", gb.ARRAY)
        + nested * 5000
        + struct.pack("<I", gb.U8)
        + b.count(1)
        + b"\x01"
    )
    out["nested-arrays"] = b.build()
    b = gb.GGUFBuilder().tensor("t", [1 << 40, 1 << 40, 1 << 40], "F32", offset=0, nbytes=0)
    out["tensor-dims"] = b.build(data=b"")
    b = gb.GGUFBuilder()
    info = b.string("t") + struct.pack("<I", 0xFFFFFFFF) + b.count(4) * 4
    out["n-dims"] = b.build(tensor_count=1) + info
    b = gb.GGUFBuilder()
    for i in range(20_000):
        b.kv(f"k.{i}", gb.U8, 1)
    out["many-kv-over-limit"] = b.build()
    return out


def safetensors_bombs() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out["header-length-u64-max"] = sb.make_safetensors(b"{}", declared_len=U64_MAX)
    out["header-length-over-cap"] = sb.make_safetensors(b"{}", declared_len=200 * MiB)
    out["header-length-past-eof"] = sb.make_safetensors(b"{}", declared_len=90 * MiB)
    out["shape-product-overflow"] = sb.make_safetensors(
        {"t": sb.tensor("F32", [1 << 62, 1 << 62, 1 << 62], 0, 16)}, bytes(16)
    )
    out["offsets-u64-max"] = sb.make_safetensors(
        {"t": sb.tensor("U8", [16], 0, U64_MAX)}, bytes(16)
    )
    out["deep-json-array"] = sb.make_safetensors(b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    out["deep-json-object"] = sb.make_safetensors(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    header, data = sb.contiguous([(f"t{i}", "U8", [1]) for i in range(30_000)])
    out["thirty-thousand-tensors"] = sb.make_safetensors(header, data)
    return out


# -- 50 GB sparse files ------------------------------------------------------------------


def sparse_file(path: Path, head: bytes, size: int = SPARSE_SIZE) -> Path:
    """``head`` followed by a hole up to ``size`` bytes: no disk is used for the hole."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def sparse_safetensors_consistent(path: Path) -> Path:
    """A valid header for one 50 GB tensor, the data a hole: the file is what it says."""
    n = SPARSE_SIZE // 4
    raw = sb.make_safetensors({"w": sb.tensor("F32", [n], 0, 4 * n)})
    return sparse_file(path, raw, len(raw) + 4 * n)


def sparse_safetensors_hidden(path: Path) -> Path:
    """A valid 24-byte tensor, then ~50 GB nobody declared."""
    header, data = sb.contiguous([("w", "F32", [2, 3])])
    return sparse_file(path, sb.make_safetensors(header, data))


def sparse_gguf_consistent(path: Path) -> Path:
    b = gb.GGUFBuilder()
    b.kv("general.architecture", gb.STRING, "llama")
    b.tensor("big", [SPARSE_SIZE // 4], "F32")
    head = b.build(data=b"")
    return sparse_file(path, head, len(head) + SPARSE_SIZE)


def sparse_gguf_hidden(path: Path) -> Path:
    return sparse_file(path, gb.small_model().build())


def sparse_pickle(path: Path) -> Path:
    """A benign pickle, then a 50 GB hole after STOP."""
    return sparse_file(path, BENIGN)


def sparse_npy(path: Path) -> Path:
    n = SPARSE_SIZE // 8
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % n
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    head = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    return sparse_file(path, head, len(head) + 8 * n)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
