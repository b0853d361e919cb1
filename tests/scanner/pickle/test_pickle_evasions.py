"""One test per evasion class, each with its public reference."""

from __future__ import annotations

import pickle

import pytest

from tests.fixtures.pickles import (
    benign_list,
    call0,
    call4,
    ops,
    os_system,
    pickle0,
    pickle2,
    pickle4,
)
from tests.scanner.pickle.helpers import finding, no_internal_error, rules, scan
from weightscan.scanner import ScanLimits, Severity, Verdict


def _malicious(data: bytes, module: str, name: str, *, called: bool = True):
    report = scan(data)
    no_internal_error(report)
    assert report.verdict is Verdict.MALICIOUS, [f.to_dict() for f in report.findings]
    f = finding(report, "pickle.import.malicious", module=module, name=name)
    assert f.evidence["called"] is called
    assert f.severity is (Severity.CRITICAL if called else Severity.HIGH)
    return report, f


def test_protocol0_global_os_system_is_critical_with_decompiled_code():
    report, f = _malicious(os_system("touch /tmp/pwned"), "os", "system")
    assert f.evidence["code"] == "os.system('touch /tmp/pwned')"
    assert report.format == "pickle"


def test_protocol4_stack_global_with_memoize():
    _, f = _malicious(os_system("echo hi", proto=4), "os", "system")
    assert "os.system('echo hi')" in f.evidence["code"]


@pytest.mark.parametrize(
    ("module", "name", "reference"),
    [
        ("pip", "main", "CVE-2025-1716"),
        ("pkgutil", "resolve_name", "GHSA-vvpj-8cmc-gx39"),
        ("uuid", "_get_command_stdout", "CVE-2026-56315"),
        ("ensurepip", "_run_pip", "GHSA-xp4f-hrf8-rxw7"),
        ("asyncio.unix_events", "_UnixSubprocessTransport", "CVE-2025-10157"),
        ("torch.utils.collect_env", "run", "modelscan#338"),
        ("logging", "FileHandler", "CVE-2026-56304"),
        ("imaplib", "IMAP4_stream", "CVE-2026-56315"),
        ("_pyrepl.pager", "pipe_pager", "CVE-2026-56315"),
        ("multiprocessing.util", "spawnv_passfds", "modelscan#338"),
        ("torch.storage", "_load_from_bytes", "nested torch.load"),
        ("builtins", "eval", "pickle docs"),
        ("__builtin__", "eval", "Python 2 name mapped like the unpickler does"),
    ],
)
def test_denylisted_gadgets(module, name, reference):
    expected_module = "builtins" if module == "__builtin__" else module
    _malicious(pickle0(call0(module, name, "echo hi")), expected_module, name)


def test_numpy_builtins_dunder_is_malicious():
    # modelscan#330: numpy.__builtins__ reaches the builtins dict from a vetted module
    data = pickle4(
        ops.SHORT_BINUNICODE("numpy") + ops.SHORT_BINUNICODE("__builtins__") + ops.STACK_GLOBAL
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    assert finding(report, "pickle.import.dunder", module="numpy", name="__builtins__")


def test_getattr_import_chain_renders_the_whole_call():
    # builtins.getattr(builtins.__import__('os'), 'system')('echo hi')  (peer survey sample d)
    data = pickle2(
        ops.GLOBAL("builtins", "getattr")
        + ops.GLOBAL("builtins", "__import__")
        + ops.SHORT_BINUNICODE("os")
        + ops.TUPLE1
        + ops.REDUCE
        + ops.SHORT_BINUNICODE("system")
        + ops.TUPLE2
        + ops.REDUCE
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    f = finding(report, "pickle.import.malicious", name="getattr")
    assert f.evidence["code"] == (
        "(builtins.getattr(builtins.__import__('os'), 'system'))('echo hi')"
    )
    assert finding(report, "pickle.import.malicious", name="__import__")
    assert "pickle.call.indirect" in rules(report)


def test_methodcaller_and_import_module():
    # operator.methodcaller('system', 'echo hi')(importlib.import_module('os'))
    data = pickle2(
        ops.GLOBAL("operator", "methodcaller")
        + ops.SHORT_BINUNICODE("system")
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE2
        + ops.REDUCE
        + ops.GLOBAL("importlib", "import_module")
        + ops.SHORT_BINUNICODE("os")
        + ops.TUPLE1
        + ops.REDUCE
        + ops.TUPLE1
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    assert finding(report, "pickle.import.malicious", module="operator", name="methodcaller")
    assert finding(report, "pickle.import.malicious", module="importlib", name="import_module")


def test_stack_global_from_memo_with_decoys():
    # picklescan#22: module and name come from memo slots, with harmless decoys around
    data = pickle4(
        ops.SHORT_BINUNICODE("collections")
        + ops.BINPUT(0)
        + ops.POP
        + ops.SHORT_BINUNICODE("os")
        + ops.BINPUT(1)
        + ops.POP
        + ops.SHORT_BINUNICODE("OrderedDict")
        + ops.BINPUT(2)
        + ops.POP
        + ops.SHORT_BINUNICODE("system")
        + ops.BINPUT(3)
        + ops.POP
        + ops.BINGET(1)
        + ops.BINGET(3)
        + ops.STACK_GLOBAL
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.REDUCE
    )
    _, f = _malicious(data, "os", "system")
    assert f.evidence["code"] == "os.system('echo hi')"


def test_invalid_memo_key_is_reported_not_guessed():
    # picklescan PR #52: GET of a slot never written
    data = pickle4(ops.SHORT_BINUNICODE("os") + ops.BINPUT(0) + ops.BINGET(7) + ops.STACK_GLOBAL)
    report = scan(data)
    assert "pickle.memo.invalid" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_non_string_stack_global_operands():
    data = pickle4(ops.BININT1(1) + ops.SHORT_BINUNICODE("system") + ops.STACK_GLOBAL)
    report = scan(data)
    assert "pickle.import.malformed" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_benign_then_malicious_pickle_in_one_stream():
    data = pickle.dumps({"a": 1}, protocol=2) + os_system()
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    assert report.summary["pickle"]["pickles"] == 2


def test_nullifai_payload_then_broken_stream():
    # ReversingLabs nullifAI (Feb 2025): the payload runs before the loader hits garbage
    data = ops.proto(2) + call0("os", "system", "echo hi") + b"\xff\xff garbage"
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.opcode.unknown" in rules(report)


def test_truncated_stream_keeps_imports_seen_before():
    report = scan(os_system()[:-1])
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.stream.truncated" in rules(report)
    benign = scan(pickle.dumps(list(range(100)), protocol=2)[:-5])
    assert benign.verdict is Verdict.SUSPICIOUS
    assert "pickle.stream.truncated" in rules(benign)


def test_padded_payload_at_the_end_is_found():
    # aisbom misses a payload placed after ~26 MB of padding (peer survey sample u)
    data = benign_list(200_000) + ops.POP + call4("os", "system", "echo hi") + ops.STOP
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS


def test_huge_declared_lengths_are_findings_not_allocations():
    for data in (
        ops.proto(4) + ops.BINUNICODE8("abc", declared=1 << 60),
        ops.proto(3) + ops.BINBYTES(b"abc", declared=(1 << 32) - 1),
        ops.proto(4) + ops.FRAME(1 << 62) + ops.NONE + ops.STOP,
    ):
        report = scan(data)
        no_internal_error(report)
        assert "pickle.length.exceeds-file" in rules(report)
        assert report.verdict is Verdict.SUSPICIOUS


def test_ext_opcodes_resolve_through_copyreg_registry():
    report = scan(pickle2(ops.EXT1(42) + ops.EMPTY_TUPLE + ops.REDUCE))
    assert "pickle.ext-registry" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_persistent_ids_are_recorded():
    report = scan(
        pickle2(
            ops.MARK
            + ops.SHORT_BINUNICODE("storage")
            + ops.SHORT_BINUNICODE("0")
            + ops.TUPLE
            + ops.BINPERSID
            + ops.PERSID("storage-1")
            + ops.TUPLE2
        )
    )
    no_internal_error(report)
    assert report.summary["pickle"]["persistent_ids"] == 2


def test_nested_pickle_passed_to_pickle_loads():
    # modelscan#267: a pickle inside bytes handed to pickle.loads
    inner = os_system("echo nested", proto=4)
    data = pickle4(
        ops.SHORT_BINUNICODE("pickle")
        + ops.SHORT_BINUNICODE("loads")
        + ops.STACK_GLOBAL
        + ops.BINBYTES(inner)
        + ops.TUPLE1
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS
    assert "pickle.nested-pickle" in rules(report)
    assert finding(report, "pickle.import.malicious", module="os", name="system")


def test_reduce_followed_by_build_is_rendered_with_setstate():
    # GHSA-mhc9-48gj-9gp3: REDUCE then BUILD hid the call from fickling's AST
    data = pickle2(
        ops.GLOBAL("subprocess", "Popen")
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.REDUCE
        + ops.EMPTY_DICT
        + ops.BUILD
    )
    report = scan(data)
    f = finding(report, "pickle.import.malicious", module="subprocess", name="Popen")
    assert f.severity is Severity.CRITICAL
    assert "__setstate__" in f.evidence["code"]


def test_build_on_an_imported_global_itself():
    data = pickle2(ops.GLOBAL("mypkg", "CONFIG") + ops.EMPTY_DICT + ops.BUILD)
    report = scan(data)
    assert "pickle.build.global-target" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_call_then_pop_does_not_vanish():
    # promptfoo: a call whose result is POPped vanished from fickling's AST
    data = ops.proto(2) + call0("os", "system", "echo hi") + ops.POP + ops.NONE + ops.STOP
    _malicious(data, "os", "system")


def test_denylisted_import_never_called_is_still_high():
    _malicious(pickle2(ops.GLOBAL("os", "system")), "os", "system", called=False)


def test_unknown_import_is_suspicious_and_user_allow_clears_it():
    data = pickle0(call0("mypkg.evil", "run", "x"))
    report = scan(data)
    assert report.verdict is Verdict.SUSPICIOUS
    assert finding(report, "pickle.import.unknown", module="mypkg.evil", name="run")
    allowed = scan(data, allow=("mypkg.evil.run",))
    assert allowed.verdict is Verdict.CLEAN
    assert finding(allowed, "pickle.import.user-allowed", name="run").severity is Severity.INFO


@pytest.mark.parametrize(("module", "name"), [("os", "system"), ("numpy", "__builtins__")])
def test_user_allowlist_cannot_clear_denied_or_dunder_imports(module, name):
    report = scan(pickle0(call0(module, name, "x")), allow=(f"{module}.{name}",))
    assert report.verdict is Verdict.MALICIOUS


def test_data_after_stop_is_reported():
    report = scan(pickle.dumps([1, 2], protocol=2) + b"\x00\x01hidden bytes")
    assert "pickle.data-after-stop" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_opcode_budget():
    report = scan(benign_list(20_000) + ops.STOP, limits=ScanLimits(max_pickle_opcodes=5_000))
    assert "pickle.budget.opcodes" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_memo_budget_keeps_scanning_to_the_payload():
    data = benign_list(20_000) + ops.POP + call4("os", "system", "echo hi") + ops.STOP
    report = scan(data, limits=ScanLimits(max_pickle_memo=1000))
    assert report.verdict is Verdict.MALICIOUS
    assert finding(report, "pickle.import.malicious", module="os", name="system")
    assert report.summary["pickle"]["memo_budget_reached"] is True


def test_memo_budget_alone_is_not_a_finding_while_the_analysis_stays_exact():
    report = scan(benign_list(20_000) + ops.STOP, limits=ScanLimits(max_pickle_memo=1000))
    assert report.verdict is Verdict.CLEAN
    assert report.summary["pickle"]["memo_budget_reached"] is True


def test_reading_a_dropped_memo_slot_is_reported():
    # names stored after the budget and read back later cannot be resolved: never clean
    data = (
        benign_list(3000)
        + ops.POP
        + ops.SHORT_BINUNICODE("os")
        + ops.BINPUT(250)
        + ops.POP
        + ops.SHORT_BINUNICODE("system")
        + ops.BINPUT(251)
        + ops.POP
        + ops.BINGET(250)
        + ops.BINGET(251)
        + ops.STACK_GLOBAL
        + ops.STOP
    )
    report = scan(data, limits=ScanLimits(max_pickle_memo=100))
    assert {"pickle.budget.memo", "pickle.import.malformed"} <= rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_stack_budget():
    data = ops.proto(4) + ops.MARK + ops.NONE * 100_000 + ops.TUPLE + ops.STOP
    report = scan(data, limits=ScanLimits(max_pickle_stack=1000))
    assert "pickle.budget.stack" in rules(report)
    assert report.verdict is Verdict.SUSPICIOUS


def test_memoize_key_is_the_memo_length_like_the_real_unpickler():
    # After PUT 5 the memo holds one entry, so the next MEMOIZE writes slot 1, not 6.
    data = pickle4(
        ops.SHORT_BINUNICODE("decoy")
        + ops.BINPUT(5)
        + ops.POP
        + ops.SHORT_BINUNICODE("os")
        + ops.MEMOIZE
        + ops.POP
        + ops.SHORT_BINUNICODE("system")
        + ops.MEMOIZE
        + ops.POP
        + ops.BINGET(1)
        + ops.BINGET(2)
        + ops.STACK_GLOBAL
    )
    _malicious(data, "os", "system", called=False)


def test_python2_names_are_mapped_like_the_unpickler_does():
    # fix_imports: protocol < 3 maps __builtin__ -> builtins, copy_reg -> copyreg ...
    report = scan(pickle0(call0("__builtin__", "getattr", "x")))
    assert finding(report, "pickle.import.malicious", module="builtins", name="getattr")


def test_dotted_attribute_chain_reaching_a_denied_module():
    # protocol 4 resolves dotted names attribute by attribute
    data = pickle4(
        ops.SHORT_BINUNICODE("numpy.testing._private.utils")
        + ops.SHORT_BINUNICODE("os.system")
        + ops.STACK_GLOBAL
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.REDUCE
    )
    report = scan(data)
    assert report.verdict is Verdict.MALICIOUS


@pytest.mark.parametrize(
    "body",
    [
        # INST: protocol 0 instantiation calls the class (here: a function) with the marked args
        ops.MARK + ops.STRING("echo hi") + ops.INST("os", "system"),
        # OBJ: protocol 1, the callable is the first item after the mark
        ops.MARK + ops.GLOBAL("os", "system") + ops.STRING("echo hi") + ops.OBJ,
        # NEWOBJ / NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
        ops.GLOBAL("subprocess", "Popen")
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.NEWOBJ,
        ops.GLOBAL("subprocess", "Popen")
        + ops.SHORT_BINUNICODE("echo hi")
        + ops.TUPLE1
        + ops.EMPTY_DICT
        + ops.NEWOBJ_EX,
    ],
)
def test_every_call_opcode_counts_as_a_call(body):
    report = scan(pickle2(body))
    f = finding(report, "pickle.import.malicious")
    assert f.evidence["called"] is True
    assert f.severity is Severity.CRITICAL
    assert "echo hi" in f.evidence["code"]


def test_protocol1_binary_opcodes_and_long_binget():
    data = (
        ops.GLOBAL("os", "system")
        + ops.BINPUT(0)
        + ops.POP
        + ops.LONG_BINGET(0)
        + ops.MARK
        + ops.SHORT_BINSTRING("echo hi")
        + ops.TUPLE
        + ops.REDUCE
        + ops.STOP
    )
    _malicious(data, "os", "system")


def test_findings_carry_offset_and_opcode_index():
    report = scan(os_system())
    f = finding(report, "pickle.import.malicious")
    assert f.location.offset == 0
    assert f.location.opcode_index is not None


def test_summary_note_lists_imports_calls_and_weights_only():
    report = scan(os_system())
    note = report.summary["pickle"]
    assert note["imports"] == ["os.system"]
    assert note["calls"] == ["os.system"]
    assert note["weights_only_loadable"] is False
    assert note["pickles"] == 1


def test_time_budget_still_reports_imports_seen_before():
    import io
    import time

    from weightscan.scanner.context import ScanContext
    from weightscan.scanner.errors import LimitExceeded
    from weightscan.scanner.pickle.analyzer import analyze_pickle_file
    from weightscan.scanner.source import Source

    data = (
        ops.proto(4)
        + call4("os", "system", "echo hi")
        + ops.POP
        + benign_list(300_000)[2:]
        + ops.STOP
    )
    ctx = ScanContext.for_file(ScanLimits())
    ctx.state.deadline = time.monotonic() - 1  # already out of time when the first check runs
    with pytest.raises(LimitExceeded):
        analyze_pickle_file(Source(io.BytesIO(data)), ctx)
    assert {f.rule_id for f in ctx.findings} == {"pickle.import.malicious"}


def test_deeply_nested_tuples_are_bounded():
    data = ops.proto(2) + ops.NONE + ops.TUPLE1 * 100_000 + ops.STOP
    report = scan(data)
    no_internal_error(report)
    assert report.verdict is Verdict.CLEAN
    payload = (
        ops.proto(2)
        + ops.GLOBAL("os", "system")
        + ops.NONE
        + ops.TUPLE1 * 5000
        + ops.TUPLE1
        + ops.REDUCE
        + ops.STOP
    )
    report = scan(payload)
    no_internal_error(report)
    assert len(finding(report, "pickle.import.malicious").evidence["code"]) <= 2048


@pytest.mark.parametrize(
    "body",
    [
        ops.EMPTY_DICT + ops.MARK + ops.NONE + ops.APPENDS,  # dict has no append/extend
        ops.EMPTY_LIST + ops.NONE + ops.NONE + ops.SETITEM,  # list[None] = None fails
        ops.EMPTY_LIST + ops.MARK + ops.NONE + ops.ADDITEMS,  # list has no add
    ],
)
def test_container_opcodes_on_the_wrong_container_are_malformed(body):
    report = scan(pickle4(body))
    assert "pickle.stream.malformed" in rules(report)
