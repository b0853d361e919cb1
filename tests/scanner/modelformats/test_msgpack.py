"""Flax msgpack checkpoints, packed the way flax.serialization.to_bytes packs them."""

from __future__ import annotations

import pytest

from tests.fixtures.archives import P0_PAYLOAD, scan_bytes
from weightscan.scanner import Verdict

msgpack = pytest.importorskip("msgpack")
np = pytest.importorskip("numpy")


def _ext(obj):
    """Flax's _msgpack_ext_pack: ndarray (1), native complex (2), numpy scalar (3)."""
    if isinstance(obj, np.ndarray):
        return msgpack.ExtType(1, msgpack.packb((obj.shape, obj.dtype.name, obj.tobytes())))
    if isinstance(obj, complex):
        return msgpack.ExtType(2, msgpack.packb((obj.real, obj.imag)))
    if isinstance(obj, np.generic):
        return msgpack.ExtType(3, msgpack.packb((obj.dtype.name, obj.tobytes())))
    raise TypeError(type(obj))


def flax_bytes(state) -> bytes:
    return msgpack.packb(state, default=_ext, strict_types=True)


STATE = {
    "params": {
        "Dense_0": {"kernel": np.ones((8, 4), np.float32), "bias": np.zeros(4, np.float32)},
        "Conv_0": {"kernel": np.ones((3, 3, 1, 2), np.float16)},
    },
    "batch_stats": {"BatchNorm_0": {"mean": np.zeros(2, np.float32)}},
    "step": np.int64(1200),
    "phase": complex(1, 2),
    "opt_state": [{"count": 3, "mu": {"w": np.ones(2, np.float32)}}, None, True, 0.5, "adam"],
}


def test_flax_checkpoint_is_clean():
    report = scan_bytes(flax_bytes(STATE), "flax_model.msgpack")
    assert report.format == "msgpack"
    assert report.verdict is Verdict.CLEAN, report.findings
    facts = report.summary["msgpack"]
    assert facts["top_keys"][:2] == ["params", "batch_stats"]
    assert facts["extensions"]["ndarray"] == 5


def test_large_array_checkpoint_is_clean():
    state = {"params": {"w": np.ones((512, 512), np.float32)}}
    assert scan_bytes(flax_bytes(state), "m.msgpack").verdict is Verdict.CLEAN


def test_unknown_extension_type_is_suspicious():
    data = msgpack.packb({"params": {"w": msgpack.ExtType(42, P0_PAYLOAD)}})
    report = scan_bytes(data, "m.msgpack")
    assert report.verdict is Verdict.SUSPICIOUS
    assert "msgpack.unknown-ext" in {f.rule_id for f in report.findings}


@pytest.mark.parametrize(
    "data",
    [
        b"\x81\xa6params\xdd\xff\xff\xff\xff",  # an array longer than the file
        b"\x81\xa6params\xc6\x7f\xff\xff\xff",  # bytes longer than the file
        b"\x81\xa6params\xc1",  # a byte that starts no type
    ],
    ids=["array", "bin", "reserved"],
)
def test_lying_lengths_are_malformed(data):
    report = scan_bytes(data, "m.msgpack")
    assert report.verdict is Verdict.SUSPICIOUS
    assert "format.malformed" in {f.rule_id for f in report.findings}


def test_trailing_bytes_are_malformed():
    report = scan_bytes(flax_bytes(STATE) + b"\x00", "m.msgpack")
    assert "format.malformed" in {f.rule_id for f in report.findings}


def test_deep_nesting_stops_at_the_limit():
    data = b"\x81\xa1a" + b"\x91" * 100_000 + b"\xc0"
    report = scan_bytes(data, "m.msgpack")
    assert report.verdict is Verdict.SUSPICIOUS


def test_nested_extension_payloads_are_bounded():
    payload = msgpack.packb(None)
    for _ in range(10):
        payload = msgpack.packb(msgpack.ExtType(1, payload))
    report = scan_bytes(msgpack.packb({"params": msgpack.ExtType(1, payload)}), "m.msgpack")
    assert report.verdict is Verdict.SUSPICIOUS


def test_msgpack_that_also_unpickles_into_a_call_is_malicious():
    """fixmap(10) is LONG1 to a pickle: its length byte (the first key's marker) skips
    into a bin value that holds a protocol-0 call; the map is still valid msgpack."""
    program = b"cos\nsystem\n(S'echo weightscan'\ntR."
    payload = bytes(158) + program + bytes(8)
    data = b"\x8a\xa6abcdef\xc4" + bytes([len(payload)]) + payload
    data += b"".join(b"\xa2k" + bytes([0x30 + i]) + b"\xc0" for i in range(9))
    assert msgpack.unpackb(data)["abcdef"] == payload  # valid for the msgpack loader
    report = scan_bytes(data, "m.msgpack")
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.import.malicious" in {f.rule_id for f in report.findings}


def test_flax_state_of_two_collections_is_clean():
    state = {"params": STATE["params"], "batch_stats": STATE["batch_stats"]}
    assert scan_bytes(flax_bytes(state), "m.msgpack").verdict is Verdict.CLEAN
