"""Seed inputs for every fuzz target, generated in code (nothing binary is committed).

Seeds come from the test fixture builders where they exist (tests/fixtures), plus the
official writers (pickle.dumps, numpy, safetensors, gguf, zipfile, tarfile) for valid
files. Payload pickles are harmless (``echo``/``touch /tmp/...``) and never loaded.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from tests.fixtures import archives as ar
from tests.fixtures import gguf_builder as gb
from tests.fixtures import safetensors_builder as sb
from tests.fixtures.pickles import benign_list, call0, call4, ops, os_system, pickle2, pickle4

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "chat_templates"
MAX_SEED = 64 * 1024  # the fuzzers' -max_len; larger seeds are cut


def _benign_objects() -> list[object]:
    return [
        {"a": 1, "b": [1.5, -2, None, True], "c": ("x", b"\x00\xff")},
        OrderedDict(w=list(range(20)), name="layer.0.weight"),
        [set(range(5)), frozenset({"q"}), 2**80, -(2**70), 3.25, complex(1, 2)],
        ["s" * 300, b"b" * 300, bytearray(b"ba"), {"nested": [[[[1]]]]}],
    ]


def pickle_seeds() -> list[bytes]:
    seeds = [pickle.dumps(obj, protocol=p) for obj in _benign_objects() for p in range(6)]
    seeds += [os_system(proto=p) for p in (0, 4)]
    seeds += [ar.P0_PAYLOAD, ar.P2_PAYLOAD, ar.BENIGN, ar.BROKEN_PAYLOAD, benign_list(50)]
    seeds.append(pickle2(call0("builtins", "eval", "print(1)")))
    seeds.append(pickle4(call4("subprocess", "check_output", "echo", "hi")))
    seeds.append(
        pickle2(
            ops.GLOBAL("collections", "OrderedDict")
            + ops.EMPTY_TUPLE
            + ops.REDUCE
            + ops.BINPUT(0)
            + ops.BINGET(0)
            + ops.POP
        )
    )
    seeds.append(pickle4(ops.FRAME(3) + ops.EMPTY_DICT + ops.MEMOIZE + ops.NEXT_BUFFER))
    seeds.append(ar.P2_PAYLOAD + ar.BENIGN)  # two pickles back to back
    # string runs: the engine's fixed-width and per-string fast paths, and their roll-back
    ids = [f"{i:05d}" for i in range(40)]
    seeds.append(pickle.dumps([ids, "\u00e9t\u00e9", ids[:], "x" * 200, "\ud800"], protocol=4))
    seeds.append(benign_list(60) + ops.STOP + pickle4(call4("os", "system", "echo run")))
    seeds += _numpy_pickles()
    return seeds


def _numpy_pickles() -> list[bytes]:
    try:
        import joblib
        import numpy as np
    except ImportError:
        return []
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    buf = io.BytesIO()
    joblib.dump({"w": arr, "meta": [1, 2]}, buf)
    return [pickle.dumps(arr, protocol=2), pickle.dumps(arr, protocol=5), buf.getvalue()]


# -- legacy torch ------------------------------------------------------------------------

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _legacy_tensor_pickle(storage: str, key: str, numel: int) -> bytes:
    pid = (
        ops.MARK
        + ops.BINUNICODE("storage")
        + ops.GLOBAL("torch", storage)
        + ops.BINUNICODE(key)
        + ops.BINUNICODE("cpu")
        + ops.BININT1(numel)
        + ops.TUPLE
        + ops.BINPERSID
    )
    args = (
        pid
        + ops.BININT1(0)
        + ops.BININT1(numel)
        + ops.TUPLE1
        + ops.BININT1(1)
        + ops.TUPLE1
        + ops.NEWFALSE
        + ops.GLOBAL("collections", "OrderedDict")
        + ops.EMPTY_TUPLE
        + ops.REDUCE
    )
    return pickle2(
        ops.GLOBAL("torch._utils", "_rebuild_tensor_v2") + ops.MARK + args + ops.TUPLE + ops.REDUCE
    )


def legacy_torch_file(
    obj_pickle: bytes | None = None, *, storage: str = "FloatStorage", numel: int = 4, item: int = 4
) -> bytes:
    """torch's ``_legacy_save`` layout: five pickles, then each storage with its count."""
    sys_info = {
        "protocol_version": 1001,
        "little_endian": True,
        "type_sizes": {"short": 2, "int": 4, "long": 4},
    }
    body = obj_pickle if obj_pickle is not None else _legacy_tensor_pickle(storage, "0", numel)
    return (
        pickle.dumps(LEGACY_MAGIC, protocol=2)
        + pickle.dumps(1001, protocol=2)
        + pickle.dumps(sys_info, protocol=2)
        + body
        + pickle.dumps(["0"], protocol=2)
        + struct.pack("<q", numel)
        + bytes(numel * item)
    )


def legacy_torch_seeds() -> list[bytes]:
    seeds = [
        legacy_torch_file(),
        legacy_torch_file(storage="HalfStorage", numel=6, item=2),
        legacy_torch_file(storage="UntypedStorage", numel=8, item=1),
        legacy_torch_file(storage="LongStorage", numel=3, item=8),
        legacy_torch_file(os_system(proto=2) + b""),
    ]
    # five hand-built seeds: the target keeps its minimum without torch installed
    try:
        import torch
    except ImportError:
        return seeds
    buf = io.BytesIO()
    torch.save(
        {"w": torch.arange(6.0), "b": torch.zeros(2, dtype=torch.int64)},
        buf,
        _use_new_zipfile_serialization=False,
    )
    seeds.append(buf.getvalue())
    return seeds


# -- numpy -------------------------------------------------------------------------------


def npy_seeds() -> list[bytes]:
    import numpy as np
    from numpy.lib import format as npformat

    arrays = [
        np.arange(10, dtype="<f4"),
        np.zeros((2, 3), dtype=">i8"),
        np.asfortranarray(np.ones((3, 2))),
        np.array([True, False]),
        np.zeros(2, dtype=[("x", "<i4"), ("y", "U3")]),
        np.array(["ab", "c"]),
        np.array([1 + 2j]),
        np.zeros((0, 4), dtype=np.uint8),
    ]
    seeds = []
    for arr in arrays:
        buf = io.BytesIO()
        np.save(buf, arr)
        seeds.append(buf.getvalue())
    for version in ((2, 0), (3, 0)):
        buf = io.BytesIO()
        npformat.write_array(buf, np.arange(3, dtype="<u2"), version=version)
        seeds.append(buf.getvalue())
    buf = io.BytesIO()
    np.save(buf, np.array([{"k": 1}, None], dtype=object), allow_pickle=True)
    seeds.append(buf.getvalue())
    # an object array whose pickle calls os.system (never loaded)
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    seeds.append(
        b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + os_system(proto=2)
    )
    return seeds


# -- zip ---------------------------------------------------------------------------------


def zip_seeds() -> list[bytes]:
    seeds = [
        ar.torch_like_zip(),
        ar.torch_like_zip(ar.P2_PAYLOAD),
        ar.torch_like_zip(compression=zipfile.ZIP_DEFLATED),
        ar.torch_like_zip(prefix="model", pkl_name="constants.pkl"),
        ar.make_zip({"a.pkl": ar.BENIGN, "b.txt": b"hello"}, compression=zipfile.ZIP_BZIP2),
        ar.make_zip({"x.pkl": ar.BENIGN}, compression=zipfile.ZIP_LZMA),
        ar.make_zip({"../evil.pkl": ar.P0_PAYLOAD, "dir/": b""}),
        ar.overlapping_zip(copies=3, kernel_size=4096),
        ar.nested_zip(ar.torch_like_zip(), 2),
        ar.set_flags(ar.torch_like_zip(), 0, 0x1),  # "encrypted" flag
        ar.break_crc(ar.torch_like_zip(), 0),
        b"prefix bytes" + ar.torch_like_zip(),
    ]
    seeds += _npz_seeds()
    try:
        import torch
    except ImportError:
        return seeds
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, buf)
    seeds.append(buf.getvalue())
    return seeds


def _npz_seeds() -> list[bytes]:
    import numpy as np

    out = []
    for save in (np.savez, np.savez_compressed):
        buf = io.BytesIO()
        save(buf, a=np.arange(5), b=np.ones((2, 2)))
        out.append(buf.getvalue())
    return out


# -- safetensors -------------------------------------------------------------------------


def safetensors_seeds() -> list[bytes]:
    seeds = [sb.valid_file(), sb.valid_file({"format": "pt", "note": "x" * 40})]
    header, data = sb.contiguous([("a", "BF16", [4, 4]), ("b", "I64", [2]), ("c", "U8", [0])])
    seeds.append(sb.make_safetensors(header, data))
    seeds.append(sb.make_safetensors(header, data + sb.PICKLE_PAYLOAD))
    seeds.append(sb.make_safetensors(header, data, padding=b"    "))
    seeds.append(sb.make_safetensors({"t": sb.tensor("F32", [2], 0, 12)}, bytes(8)))
    try:
        import numpy as np
        from safetensors.numpy import save
    except ImportError:
        return seeds
    seeds.append(
        save(
            {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "y": np.zeros(3, dtype=np.int8)},
            metadata={"k": "v"},
        )
    )
    return seeds


# -- GGUF --------------------------------------------------------------------------------


def gguf_seeds() -> list[bytes]:
    seeds = [gb.small_model(v).build() for v in (1, 2, 3)]
    seeds.append(gb.small_model(3, big_endian=True).build())
    seeds.append(gguf_with_template("{% for m in messages %}{{ m['content'] }}{% endfor %}"))
    b = gb.small_model()
    b.kv("general.name", gb.STRING, "tiny").kv("x.nested", gb.ARRAY, (gb.U8, [1, 2, 3]))
    b.kv("x.f64", gb.F64, 1.5).kv("x.bool", gb.BOOL, True).kv("x.i64", gb.I64, -3)
    seeds.append(b.build(trailing=b"PK\x03\x04 trailing"))
    b = gb.GGUFBuilder()
    b.kv("general.alignment", gb.U32, 64).tensor("t", [32, 8], "Q8_0").tensor("u", [4], "BF16")
    seeds.append(b.build())
    return seeds


def gguf_with_template(template: str | bytes, key: str = "tokenizer.chat_template") -> bytes:
    """A minimal GGUF file carrying ``template`` as its chat template."""
    b = gb.GGUFBuilder()
    b.kv("general.architecture", gb.STRING, "llama").kv(key, gb.STRING, template)
    return b.build()


# -- chat templates ----------------------------------------------------------------------

MALICIOUS_TEMPLATES = (
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('echo hi').read() }}",
    "{{ self._TemplateReference__context.joiner.__init__.__globals__ }}",
    "{{ ()|attr('__cl' ~ 'ass__') }}",
    "{{ lipsum['__glo' + 'bals__']['os'] }}",
    "{{ namespace.__init__.__globals__['__builtins__']['eval']('1') }}",
    "{{ request|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{% set x = 'a'|format() %}{{ x.upper() }}{{ range(10)|join(',') }}",
    "{% macro m(a) %}{{ caller() }}{% endmacro %}{% call m(1) %}x{% endcall %}",
    "{% raw %}{{ not parsed }}{% endraw %}{# comment #}{{ messages[0]['role'] | tojson }}",
)


def template_texts() -> list[bytes]:
    texts = [t.encode() for t in MALICIOUS_TEMPLATES]
    if TEMPLATE_DIR.is_dir():
        texts += [p.read_bytes() for p in sorted(TEMPLATE_DIR.rglob("*.jinja"))]
    return texts


# -- everything the sniffer tells apart -------------------------------------------------


def sniff_seeds() -> list[bytes]:
    seeds = [compress(ar.P2_PAYLOAD) for compress in ar.COMPRESSORS.values()]
    seeds += [compress(ar.torch_like_zip()) for compress in list(ar.COMPRESSORS.values())[:2]]
    seeds.append(ar.make_tar([("archive/data.pkl", ar.BENIGN), ("notes.txt", b"hi")]))
    seeds.append(
        ar.make_tar(
            [
                ("sys_info", ar.BENIGN),
                ("pickle", ar.BENIGN),
                ("storages", ar.BENIGN),
                ("tensors", ar.BENIGN),
            ]
        )
    )
    seeds.append(ar.make_tar([ar.tar_special("link", b"2", "../../etc/passwd")]))
    seeds.append(
        json.dumps(
            {
                "chat_template": [
                    {"name": "default", "template": "{{ x }}"},
                    {"name": "tool_use", "template": "{{ y }}"},
                ]
            }
        ).encode()
    )
    seeds += [
        b"",
        b'{"architectures": ["X"]}\n',
        b"# model card\n\nhello\n",
        b"7z\xbc\xaf\x27\x1c" + bytes(26),
        b"Rar!\x1a\x07\x01\x00" + bytes(8),
        b"\x89PNG\r\n\x1a\n" + bytes(16),
        b"\x00\x01\x02\x03 unknown binary",
        b"text first\n" + b"\x00\x01" * 8,
    ]
    for builder in (
        pickle_seeds,
        zip_seeds,
        legacy_torch_seeds,
        npy_seeds,
        safetensors_seeds,
        gguf_seeds,
    ):
        seeds += builder()[:2]
    return seeds


# -- Keras, HDF5, NeMo, word vectors, Flax msgpack -----------------------------------------


def keras_seeds() -> list[bytes]:
    from tests.fixtures import keras_builder as kb

    custom = kb.k3(
        "MyLayer", {"name": "m"}, module="my_pkg.layers", registered_name="my_pkg>MyLayer"
    )
    tfsm = kb.k3("TFSMLayer", {"name": "sm", "filepath": "/srv/m"})
    return [
        kb.keras_archive(kb.keras3_sequential()),
        kb.keras_archive(kb.keras3_functional()),
        kb.keras_archive(kb.keras3_sequential([kb.keras3_lambda_layer()])),
        kb.keras_archive(kb.keras3_sequential([custom])),
        kb.keras_archive(kb.keras3_sequential([tfsm])),
    ]


def hdf5_seeds() -> list[bytes]:
    from tests.fixtures import hdf5_builder as hb
    from tests.fixtures import keras_builder as kb

    block = hb.string_attribute("model_config", json.dumps(kb.keras2_sequential()))
    where = hb.ROOT_HEADER + len(hb.object_header([hb.continuation(0, 0)]))
    chained = hb.superblock() + hb.object_header([hb.continuation(where, len(block))]) + block
    return [
        kb.keras2_h5(kb.keras2_sequential()),
        kb.keras2_h5(kb.keras2_sequential([kb.keras2_lambda(), kb.keras2_tf_op("os.system")])),
        kb.keras2_h5(kb.keras2_sequential([kb.keras2_tf_op("math.add")])),
        hb.hdf5_file({"layer_names": "dense", "backend": "tensorflow"}),
        chained,
    ]


def nemo_config_seeds() -> list[bytes]:
    from tests.scanner.modelformats.test_nemo import CONFIG, with_target

    return [
        CONFIG.encode(),
        with_target("os.system").encode(),
        with_target("my_pkg.Model").encode(),
        b"model: {_target_: [1, 2]}\n- x\n",
        b"a: &a {_target_: x.Y}\nb: [*a, *a]\nc: !!python/name:os.system ''\n",
    ]


def wordvec_seeds() -> list[bytes]:
    from tests.scanner.modelformats.test_embeddings import fasttext, word2vec

    return [
        fasttext(),
        fasttext(quantized=True),
        fasttext(version=11),
        word2vec(),
        word2vec(newline=False),
    ]


FLAX_MSGPACK = (  # flax.serialization.to_bytes of a small state: arrays, scalar, complex
    b"\x84\xa6params\x81\xa7Dense_0\x82\xa6kernel\xc7\x1e\x01\x93\x92\x02\x02\xa7float32"
    b"\xc4\x10\x00\x00\x80?\x00\x00\x80?\x00\x00\x80?\x00\x00\x80?\xa4bias\xc7\x15\x01\x93"
    b"\x91\x02\xa7float32\xc4\x08\x00\x00\x00\x00\x00\x00\x00\x00\xa4step\xc7\x11\x03\x92"
    b"\xa5int64\xc4\x08\x03\x00\x00\x00\x00\x00\x00\x00\xa1z\xc7\x13\x02\x92\xcb?\xf0\x00"
    b"\x00\x00\x00\x00\x00\xcb@\x00\x00\x00\x00\x00\x00\x00\xa3opt\x96\xc0\xc3\xcb?\xe0"
    b"\x00\x00\x00\x00\x00\x00\xa4adam\xfd\xce\x00\x01\x11p"
)


def msgpack_seeds() -> list[bytes]:
    return [
        FLAX_MSGPACK,
        FLAX_MSGPACK[:1].replace(b"\x84", b"\x81") + FLAX_MSGPACK[1:110],
        b"\x81\xa6params\x80",
        b"\x81\xa6params\xd4\x2a\x00",
        b"\x81\xa1a" + b"\x91" * 64 + b"\xc0",
    ]


def onnx_seeds() -> list[bytes]:
    from tests.fixtures.protobuf_builder import f, msg, packed

    def tensor(name: str, *extra: bytes) -> bytes:
        return msg(packed(1, [2, 3]), f(2, 1), f(8, name), *extra)

    raw = tensor("w", f(9, b"\0" * 24))
    far = tensor("v", f(13, msg(f(1, "location"), f(2, "../../etc/passwd"))), f(14, 1))
    node = msg(f(1, "x"), f(1, "w"), f(2, "y"), f(4, "Add"))
    body = msg(f(1, msg(f(2, "z"), f(4, "Identity"))), f(2, "then"))
    branch = msg(f(1, "c"), f(2, "y"), f(4, "If"), f(5, msg(f(1, "then_branch"), f(6, body))))
    custom = msg(f(1, "x"), f(2, "y"), f(4, "MyOp"), f(7, "my.ops"))

    def model(*nodes: bytes, inits: tuple[bytes, ...] = (raw,)) -> bytes:
        graph = msg(*(f(1, n) for n in nodes), f(2, "g"), *(f(5, t) for t in inits))
        return msg(f(1, 8), f(2, "seed"), f(7, graph), f(8, msg(f(2, 17))))

    return [
        model(node),
        model(node, inits=(raw, far)),
        model(branch),
        model(custom),
        model(node, branch, custom, inits=()),
    ]


def tensorflow_seeds() -> list[bytes]:
    from tests.fixtures import tensorflow_builder as tb

    return [
        tb.saved_model(tb.benign_graph()),
        tb.saved_model(tb.benign_graph(tb.node("p", "PyFunc")), assets=("vocab.txt",)),
        tb.saved_model(tb.benign_graph(functions=(tb.function("f", tb.node("r", "ReadFile")),))),
        tb.saved_model(
            tb.benign_graph(tb.node("p", "PrintV2", tb.s_attr("output_stream", "file:///tmp/x")))
        ),
        tb.saved_model(tb.graph_def(tb.node("a", "Const"))),
    ]


def tflite_seeds() -> list[bytes]:
    from tests.fixtures.flatbuffer_builder import tflite_model

    return [
        tflite_model([0, 3]),
        tflite_model([0], customs=["MyOp"]),
        tflite_model([130], customs=["FlexAddV2", "FlexPyFunc"]),
        tflite_model([0], buffers=[(b"", 0, 0), (b"", 4096, 64)]),
        tflite_model([], customs=[], buffers=[]),
    ]


def coreml_seeds() -> list[bytes]:
    from tests.fixtures import coreml_builder as cb
    from tests.fixtures.protobuf_builder import f, msg

    nn = cb.model(500, cb.network(cb.layer("fc"), cb.custom_layer("c", "MyLayer")))
    loop = cb.layer("loop", 615, msg(f(4, cb.network(cb.layer("in")))))
    return [
        nn,
        cb.model(403, cb.network(loop)),
        cb.model(202, cb.pipeline(nn, nn)),
        cb.model(556, cb.linked("F.mlmodelc", "$BUNDLE_MAIN")),
        cb.model(555, msg(f(10, "MyModel"))),
    ]


def yaml_config_seeds() -> list[bytes]:
    touch = "touch /tmp/weightscan-fuzz-yaml"
    return [
        b"sample_rate: 16000\nmodel: !new:speechbrain.nnet.linear.Linear\n"
        b"  input_size: 80\n  n_neurons: 10\nopt: !name:torch.optim.Adam\n  lr: 0.001\n"
        b"seed: !apply:torch.manual_seed [1234]\nref: !ref <model>\n",
        f"run: !apply:os.system ['{touch}']\n".encode(),
        f"x: !!python/object/apply:subprocess.call [['{touch}']]\n".encode(),
        b"model:\n  _target_: nemo.collections.asr.models.EncDecCTCModel\n"
        b"  cfg: {a: [1, 2, {_target_: torch.nn.ReLU}], b: ${model.cfg.a}}\n",
        b"%TAG !py! tag:yaml.org,2002:python/\n---\nlr: 0.1\np: !py!name:pathlib.Path\n"
        b"...\n---\nsecond: !!python/tuple [1, 2]\n",
        b"base: &b {target: ldm.models.autoencoder.AutoencoderKL, params: {k: 1}}\n"
        b"model:\n  <<: *b\n  ? !!python/name:os.system\n  : v\nlist: [*b, *b, *b]\n",
        b"\xef\xbb\xbfhparams:\n  lr: 1e-3\n  dirpath: !!python/object/apply:pathlib.PosixPath\n"
        b"  - /tmp\n  ns: !!python/object:argparse.Namespace {a: 1}\n",
        b"cls: ${oc.env:X}.Model\n_target_: '\\x6fs.system'\n\"a\\tb\": |\n  block\n",
    ]


def ubjson_seeds() -> list[bytes]:
    from tests.scanner.modelformats.test_ubjson import ubj

    model = {
        "learner": {
            "attributes": {},
            "gradient_booster": {
                "model": {"trees": [{"split_conditions": (0.5, 1.0), "left_children": [1, -1]}]},
                "name": "gbtree",
            },
            "objective": {"name": "reg:squarederror"},
        },
        "version": [2, 0, 3],
    }
    return [
        ubj(model),
        ubj({"v": [1, 2.5, None, True, "text", (1.0,)]}),
        b"{U\x01a[$i#U\x03\x01\x02\x03U\x01b{$S#U\x01U\x01kU\x01vU\x01c[NNZ]}",
        b"[$[#U\x02#U\x00[#U\x01i\x05",
        b"{i\x04nameSU\x06gbtreeU\x01hHU\x0412.5}",
    ]


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def json_config_seeds() -> list[bytes]:
    remote = "attacker/repo--modeling.Evil"
    return [
        _json({"model_type": "bert", "auto_map": {"AutoModel": remote}}),
        b'  \n{"auto\\u005fmap": {"AutoConfig": "configuration.C"}, "x": NaN}',
        _json({"custom_pipelines": {"task": {"impl": remote, "pt": ["AutoModel"]}}}),
        _json({"auto_mapping": {"parent_library": "evil.lib", "base_model_class": "M"}}),
        _json({"_class_name": ["pipeline", "MyPipeline"], "unet": ["diffusers", "UNet"]}),
        _json({"tokenizer_class": "X", "chat_template": "{{ messages[0]['content'] }}"}),
        _json({"class_name": "Sequential", "config": {"layers": []}, "keras_version": "3"}),
        b'\xef\xbb\xbf{"a": [[[[{"type": "x"}]]]], "auto_map": {"AutoModel": "a--b.C"}}',
    ]


def modules_json_seeds() -> list[bytes]:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "attacker/repo--pool.Evil"},
    ]
    return [
        _json(modules),
        _json(modules[:1]),
        _json([{"type": "custom_module.Layer"}, 1, None, "x"]),
        b'[{"t\\u0079pe": "evil.Mod"}, {"type": "sentence_transformers.models.Dense"}]',
        _json({"auto_map": {"AutoModel": "x.Y"}, "type": "z"}),
    ]


SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "pickle": pickle_seeds,
    "zip": zip_seeds,
    "legacy_torch": legacy_torch_seeds,
    "npy": npy_seeds,
    "safetensors": safetensors_seeds,
    "gguf": gguf_seeds,
    "template": template_texts,
    "template_json": template_texts,
    "sniff": sniff_seeds,
    "keras": keras_seeds,
    "hdf5": hdf5_seeds,
    "nemo_config": nemo_config_seeds,
    "wordvec": wordvec_seeds,
    "msgpack": msgpack_seeds,
    "onnx": onnx_seeds,
    "tensorflow": tensorflow_seeds,
    "tflite": tflite_seeds,
    "coreml": coreml_seeds,
    "yaml_config": yaml_config_seeds,
    "ubjson": ubjson_seeds,
    "json_config": json_config_seeds,
    "modules_json": modules_json_seeds,
}


def seeds_for(target: str) -> list[bytes]:
    """The seed inputs of ``target``, each cut to ``MAX_SEED`` bytes, duplicates removed."""
    out: dict[bytes, None] = {}
    for seed in SEEDS[target]():
        out.setdefault(seed[:MAX_SEED], None)
    return list(out)
