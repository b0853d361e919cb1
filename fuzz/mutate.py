"""A small seeded byte mutator: the fallback engine where atheris is not installed.

Not coverage-guided (that is atheris' job); it stacks a few libFuzzer-style mutations
(bit flips, interesting integers, block copy/erase/insert, splicing two inputs) on a
seed, deterministically for a given ``random.Random``.
"""

from __future__ import annotations

import random
import struct

_INTERESTING = (
    0,
    1,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFF,
    0x100000000,
    0x7FFFFFFFFFFFFFFF,
    0xFFFFFFFFFFFFFFFF,
)
_FORMATS = ("<B", "<H", "<I", "<Q", ">H", ">I", ">Q")


def mutate(data: bytes, rng: random.Random, corpus: list[bytes], max_len: int) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        _one(buf, rng, corpus)
    return bytes(buf[:max_len])


def _one(buf: bytearray, rng: random.Random, corpus: list[bytes]) -> None:
    op = rng.randrange(8)
    if not buf or op == 0:  # insert random bytes
        at = rng.randint(0, len(buf))
        buf[at:at] = rng.randbytes(rng.randint(1, 8))
    elif op == 1:  # flip a bit
        at = rng.randrange(len(buf))
        buf[at] ^= 1 << rng.randrange(8)
    elif op == 2:  # set a random byte
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif op == 3:  # overwrite with an interesting integer
        fmt = rng.choice(_FORMATS)
        size = struct.calcsize(fmt)
        value = rng.choice(_INTERESTING) & ((1 << (8 * size)) - 1)
        at = rng.randint(0, max(0, len(buf) - size))
        buf[at : at + size] = struct.pack(fmt, value)
    elif op == 4:  # erase a block
        at = rng.randrange(len(buf))
        del buf[at : at + rng.randint(1, 64)]
    elif op == 5:  # duplicate a block elsewhere
        at = rng.randrange(len(buf))
        block = buf[at : at + rng.randint(1, 64)]
        to = rng.randint(0, len(buf))
        buf[to:to] = block
    elif op == 6:  # splice with another input
        other = rng.choice(corpus) if corpus else b""
        if other:
            cut = rng.randint(0, len(buf))
            start = rng.randrange(len(other))
            buf[cut:] = other[start : start + rng.randint(1, 4096)]
    else:  # truncate
        del buf[rng.randint(0, len(buf)) :]
