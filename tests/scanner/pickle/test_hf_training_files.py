"""What Hugging Face and Lightning training runs pickle (training_args.bin, .ckpt).

Their classes are on the generated allowlist (bench/gen_allowlist.py HF_MODULES): enums
and plain dataclasses fully, and classes whose __init__ does real work (TrainingArguments
sets up devices, accelerate's PartialState may start a process group, ModelCheckpoint
makes folders) as STATE-ONLY: ``cls.__new__(cls)`` by NEWOBJ with no arguments, then
BUILD, exactly what pickle writes for them. Every allow has a twin here with the same
class names and a dangerous use, which must stay not clean.
"""

from __future__ import annotations

import io

import pytest

from tests.fixtures.pickles import call0, ops, pickle2, pickle4
from tests.scanner.pickle.helpers import rules, scan
from weightscan.scanner import Verdict
from weightscan.scanner.pickle import policy

ARGS = ("transformers.training_args", "TrainingArguments")
STATE = ("accelerate.state", "PartialState")
CHECKPOINT = ("lightning.pytorch.callbacks.model_checkpoint", "ModelCheckpoint")
DISTRIBUTED = ("accelerate.utils.dataclasses", "DistributedType")
SCHEDULER = ("transformers.trainer_utils", "SchedulerType")
VERSION = ("torch.torch_version", "TorchVersion")
SAVE = ("transformers.trainer_utils", "SaveStrategy")
OPTIM = ("transformers.training_args", "OptimizerNames")


def _str(text: str) -> bytes:
    return ops.SHORT_BINUNICODE(text)


def _bare(module: str, name: str, state: bytes) -> bytes:
    """What pickle writes for a plain instance: NEWOBJ(cls, ()) then BUILD(state)."""
    return ops.GLOBAL(module, name) + ops.EMPTY_TUPLE + ops.NEWOBJ + state + ops.BUILD


def _state(*items: bytes) -> bytes:
    return ops.EMPTY_DICT + ops.MARK + b"".join(items) + ops.SETITEMS


def _enum(module: str, name: str, value: str) -> bytes:
    return ops.GLOBAL(module, name) + _str(value) + ops.TUPLE1 + ops.REDUCE


def _training_args() -> bytes:
    """The shape of torch.save(TrainingArguments)'s data.pkl, written by hand."""
    partial_state = _bare(
        *STATE,
        _state(
            _str("_cpu") + ops.NEWTRUE,
            _str("device") + ops.GLOBAL("torch", "device") + _str("cpu") + ops.TUPLE1 + ops.REDUCE,
            _str("distributed_type") + _enum(*DISTRIBUTED, "NO"),
            _str("num_processes") + ops.BININT1(1),
        ),
    )
    return pickle2(
        _bare(
            *ARGS,
            _state(
                _str("output_dir") + _str("out"),
                _str("lr_scheduler_type") + _enum(*SCHEDULER, "linear"),
                _str("save_strategy")
                + _enum("transformers.trainer_utils", "SaveStrategy", "steps"),
                _str("optim")
                + _enum("transformers.training_args", "OptimizerNames", "adamw_torch"),
                _str("distributed_state") + partial_state,
            ),
        )
    )


def test_the_classes_are_on_the_generated_lists():
    for module, name in (ARGS, STATE, CHECKPOINT):
        assert policy.classify(module, name).decision is policy.Decision.STATE_ONLY
    for module, name in (DISTRIBUTED, SCHEDULER, VERSION):
        assert policy.classify(module, name).decision is policy.Decision.ALLOWED


def test_hand_written_training_args_are_clean():
    report = scan(_training_args(), "training_args.bin")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_a_bare_lightning_checkpoint_callback_and_torch_version_are_clean():
    data = pickle2(
        ops.EMPTY_DICT
        + ops.MARK
        + _str("callbacks")
        + _bare(*CHECKPOINT, _state(_str("monitor") + _str("val_loss")))
        + _str("torch_version")
        + ops.GLOBAL(*VERSION)
        + _str("2.13.0")
        + ops.TUPLE1
        + ops.NEWOBJ
        + ops.SETITEMS
    )
    report = scan(data, "last.ckpt")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


# ---- twins: the same names, used as no real file uses them --------------------------


@pytest.mark.parametrize("target", [ARGS, STATE, CHECKPOINT], ids=lambda t: t[1])
@pytest.mark.parametrize(
    "call",
    [
        ops.EMPTY_TUPLE + ops.REDUCE,  # cls(): runs __init__
        _str("/tmp/weightscan-test") + ops.TUPLE1 + ops.REDUCE,  # cls(arg)
        _str("/tmp/weightscan-test") + ops.TUPLE1 + ops.NEWOBJ,  # cls.__new__(cls, arg)
        ops.EMPTY_TUPLE + ops.EMPTY_DICT + ops.NEWOBJ_EX,  # keywords
        ops.MARK + ops.OBJ,  # OBJ: cls() by the old opcode
    ],
    ids=["reduce", "reduce-arg", "newobj-arg", "newobj-ex", "obj"],
)
def test_a_state_only_class_called_any_other_way_is_not_clean(target, call):
    module, name = target
    if call.startswith(ops.MARK):
        body = ops.MARK + ops.GLOBAL(module, name) + ops.OBJ
    else:
        body = ops.GLOBAL(module, name) + call
    report = scan(pickle4(body + ops.POP + ops.NONE))
    assert report.verdict is not Verdict.CLEAN
    assert "pickle.import.unknown" in rules(report)


def test_a_state_only_class_reached_through_copyreg_is_not_clean():
    # copyreg._reconstructor(object, PartialState, state) calls PartialState.__init__
    body = (
        ops.GLOBAL("copyreg", "_reconstructor")
        + ops.GLOBAL("builtins", "object")
        + ops.GLOBAL(*STATE)
        + ops.NEWTRUE
        + ops.TUPLE3
        + ops.REDUCE
    )
    assert scan(pickle2(body)).verdict is not Verdict.CLEAN


def test_a_state_only_class_as_build_target_or_called_instance_is_not_clean():
    as_target = ops.GLOBAL(*ARGS) + _state(_str("x") + ops.NONE) + ops.BUILD
    assert scan(pickle2(as_target)).verdict is not Verdict.CLEAN
    called = _bare(*STATE, ops.EMPTY_DICT) + ops.EMPTY_TUPLE + ops.REDUCE
    assert scan(pickle2(called)).verdict is not Verdict.CLEAN


def test_training_args_carrying_a_payload_are_malicious():
    payload = call0("os", "system", "touch /tmp/weightscan-test")
    data = pickle2(_bare(*ARGS, _state(_str("output_dir") + payload)))
    assert scan(data, "training_args.bin").verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("target", [DISTRIBUTED, SCHEDULER, VERSION], ids=lambda t: t[1])
def test_an_allowed_enum_or_version_wrapping_a_payload_is_malicious(target):
    payload = call0("os", "system", "touch /tmp/weightscan-test")
    data = pickle2(ops.GLOBAL(*target) + payload + ops.TUPLE1 + ops.REDUCE)
    assert scan(data).verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "name",
    [
        "TrainingArguments.__init__.__globals__",  # a walk into the module's globals
        "os",  # the module's own import of os
        "TrainingArguments._setup_devices",  # a method, not the class
    ],
)
def test_walks_from_an_allowed_module_are_not_clean(name):
    data = pickle2(ops.GLOBAL("transformers.training_args", name) + ops.POP + ops.NONE)
    assert scan(data).verdict is not Verdict.CLEAN


def test_a_forwarding_class_is_not_allowed():
    # CallbackHandler instantiates any class it is given: excluded by review
    found = policy.classify("transformers.trainer_callback", "CallbackHandler")
    assert found.decision is policy.Decision.UNKNOWN


# ---- real files, where the libraries are installed -----------------------------------


def _torch_save(obj: object) -> bytes:
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["TrainingArguments", "Seq2SeqTrainingArguments"])
def test_real_training_args_bin_is_clean(tmp_path, kind):
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    args = getattr(transformers, kind)(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    args.device  # noqa: B018 - what a Trainer does first: sets up (and pickles) the devices
    report = scan(_torch_save(args), "training_args.bin")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]


def test_real_lightning_callbacks_pickled_are_clean():
    pl = pytest.importorskip("lightning.pytorch")
    torch = pytest.importorskip("torch")
    ckpt = {
        "callbacks": {
            pl.callbacks.ModelCheckpoint: {"best_model_path": "epoch=1.ckpt"},
            "EarlyStopping{'monitor': 'val_loss'}": {"wait_count": 0},
        },
        "early_stopping": pl.callbacks.EarlyStopping(monitor="val_loss"),
        "hyper_parameters": pl.utilities.parsing.AttributeDict(lr=0.1, hidden=4),
        "torch_version": torch.__version__,
    }
    report = scan(_torch_save(ckpt), "last.ckpt")
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
