"""State-only classes (their ``__init__`` is not vetted) that escape ``cls.__new__(cls)``.

The analyzer cleared a state-only import when the pickle itself never called it other than
as NEWOBJ(cls, ()). But the pickle can hand the class, or an instance, to Python code that
calls it for the pickle:

* numpy's ``__randomstate_ctor(cls)`` and ``__generator_ctor(cls)`` pass ``cls`` to their
  default ``__bit_generator_ctor``, which calls ``cls()``;
* a ``collections.defaultdict(cls)`` calls ``cls()`` for the first missing key;
* ``torch.optim.Optimizer.__setstate__`` (base of the allowed LayerWiseDummyOptimizer)
  calls ``self._patch_step_function()``, an instance attribute the state sets;
* ``builtins.str(instance)`` runs ``__repr__``: accelerate's ``AcceleratorState.__repr__``
  calls ``PartialState()`` (which may start a process group);
* a dict key is hashed: ``GenerationConfig.__hash__`` -> ``to_json_string`` ->
  ``to_diff_dict`` -> ``GenerationConfig()``, four calls deep where the generator stopped
  at three.

Each ran ``PartialState.__init__`` in an isolated proof (pickle.loads in a subprocess:
``PartialState._shared_state`` filled afterwards) while the file scanned clean.
"""

from __future__ import annotations

import pytest

from tests.fixtures.pickles import ops, pickle2, pickle4
from tests.scanner.pickle.helpers import rules, scan
from tests.scanner.pickle.test_hf_training_files import ARGS, STATE, _bare, _str
from weightscan.scanner import Verdict

OPTIMIZER = ("transformers.trainer_pt_utils", "LayerWiseDummyOptimizer")


def _not_clean(body: bytes) -> None:
    report = scan(pickle4(body + ops.POP + ops.NONE))
    assert report.verdict is not Verdict.CLEAN, [f.to_dict() for f in report.findings]
    assert "pickle.import.unknown" in rules(report)


@pytest.mark.parametrize("ctor", ["__randomstate_ctor", "__generator_ctor", "__bit_generator_ctor"])
def test_a_state_only_class_handed_to_numpys_bit_generator_ctor_is_not_clean(ctor):
    _not_clean(
        ops.GLOBAL("numpy.random._pickle", ctor) + ops.GLOBAL(*STATE) + ops.TUPLE1 + ops.REDUCE
    )


def test_a_state_only_class_as_a_defaultdict_factory_is_not_clean():
    _not_clean(
        ops.GLOBAL("collections", "defaultdict") + ops.GLOBAL(*STATE) + ops.TUPLE1 + ops.REDUCE
    )


def test_a_state_only_class_as_an_attribute_a_setstate_calls_is_not_clean():
    state = (
        ops.EMPTY_DICT
        + ops.MARK
        + _str("_patch_step_function")
        + ops.GLOBAL(*STATE)
        + _str("defaults")
        + ops.EMPTY_DICT
        + ops.SETITEMS
    )
    _not_clean(_bare(*OPTIMIZER, state))


def test_a_state_only_class_read_back_from_the_memo_for_another_use_is_not_clean():
    # the first push is a plain NEWOBJ; the memo read hands the class to a defaultdict
    body = (
        ops.GLOBAL(*STATE)
        + ops.BINPUT(0)
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.EMPTY_DICT
        + ops.BUILD
        + ops.POP
        + ops.GLOBAL("collections", "defaultdict")
        + ops.BINGET(0)
        + ops.TUPLE1
        + ops.REDUCE
    )
    _not_clean(body)


def test_a_state_only_class_duplicated_on_the_stack_is_not_clean():
    body = ops.GLOBAL(*STATE) + ops.DUP + ops.EMPTY_TUPLE + ops.NEWOBJ + ops.POP
    _not_clean(body)


def test_accelerator_state_handed_to_str_is_not_clean():
    # __repr__ constructs PartialState(): the class is not state-only any more
    body = (
        ops.GLOBAL("builtins", "str")
        + _bare("accelerate.state", "AcceleratorState", ops.EMPTY_DICT)
        + ops.TUPLE1
        + ops.REDUCE
    )
    _not_clean(body)


def test_generation_config_as_a_dict_key_is_not_clean():
    # hashing it constructs GenerationConfig(): the generator now follows helpers to the end
    key = _bare("transformers.generation.configuration_utils", "GenerationConfig", ops.EMPTY_DICT)
    _not_clean(ops.EMPTY_DICT + key + ops.NEWTRUE + ops.SETITEM)


def test_plain_uses_stay_clean():
    # twice by memo read, and as a dict key (old Lightning callback states), protocol 2 and 1
    body = (
        ops.EMPTY_DICT
        + ops.MARK
        + _str("a")
        + ops.GLOBAL(*ARGS)
        + ops.BINPUT(0)
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.EMPTY_DICT
        + ops.BUILD
        + _str("b")
        + ops.BINGET(0)
        + ops.EMPTY_TUPLE
        + ops.NEWOBJ
        + ops.EMPTY_DICT
        + ops.BUILD
        + ops.BINGET(0)
        + ops.EMPTY_DICT
        + ops.SETITEMS
    )
    report = scan(pickle2(body))
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
    old = (
        ops.GLOBAL("copy_reg", "_reconstructor")
        + ops.GLOBAL(*ARGS)
        + ops.GLOBAL("__builtin__", "object")
        + ops.NONE
        + ops.TUPLE3
        + ops.REDUCE
        + ops.EMPTY_DICT
        + ops.BUILD
    )
    report = scan(b"\x80\x01" + old + ops.STOP)
    assert report.verdict is Verdict.CLEAN, [f.to_dict() for f in report.findings]
