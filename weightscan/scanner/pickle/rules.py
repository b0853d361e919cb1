"""Rules reported by the pickle family (raw pickle, joblib, legacy torch, npy)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_PY_PICKLE = "https://docs.python.org/3/library/pickle.html#restricting-globals"

RULES: tuple[Rule, ...] = (
    # -- imports -------------------------------------------------------------------
    Rule(
        "pickle.import.malicious",
        Severity.CRITICAL,
        "The pickle imports a callable that runs code, spawns processes, touches files or "
        "the network, resolves names, or deserialises a nested payload",
        "Unpickling imports and calls globals; these ones are proof of code execution when "
        "called (critical) and are never needed by model data even when only imported (high).",
        (
            "CVE-2025-1716",
            "GHSA-vvpj-8cmc-gx39",
            "CVE-2026-56315",
            "CVE-2025-10157",
            "GHSA-xp4f-hrf8-rxw7",
            "CVE-2026-56304",
            _PY_PICKLE,
        ),
    ),
    Rule(
        "pickle.import.dunder",
        Severity.HIGH,
        "The pickle imports a dunder attribute (e.g. `numpy.__builtins__`)",
        "Dunder attributes reach interpreter internals (builtins dict, function globals) "
        "from an innocent-looking module; no model data needs them.",
        ("https://github.com/protectai/modelscan/issues/330",),
    ),
    Rule(
        "pickle.import.unknown",
        Severity.MEDIUM,
        "The pickle imports a global that is not on the allowlist",
        "Every import runs module code and may be called; an import nobody vetted cannot be "
        "shown safe. Add it with --allow if you trust it.",
        (_PY_PICKLE,),
    ),
    Rule(
        "pickle.import.malformed",
        Severity.MEDIUM,
        "An import whose module or name is not a plain string (or cannot be resolved)",
        "STACK_GLOBAL operands built from non-strings or unknown memo slots are a "
        "scanner-evasion technique; the import cannot be named, so it cannot be shown safe.",
        ("https://github.com/mmaitre314/picklescan/issues/22",),
    ),
    Rule(
        "pickle.import.user-allowed",
        Severity.INFO,
        "An import was cleared only by the user's allowlist (--allow)",
        "Recorded so reports show which decisions rest on local configuration.",
    ),
    Rule(
        "pickle.call.indirect",
        Severity.MEDIUM,
        "A call whose callable is not a named import (result of another call, unknown value)",
        "Calling the result of a call is how attribute-resolution gadgets are chained; the "
        "callee cannot be named statically.",
        ("GHSA-mhc9-48gj-9gp3",),
    ),
    Rule(
        "pickle.call.code-argument",
        Severity.CRITICAL,
        "A callable that is not on the allowlist is called with Python or shell code",
        "Any callable that evaluates, compiles or shells out a string is a gadget, listed or "
        "not; code handed to one nobody vetted is the payload itself (picklescan's samples "
        "call GuardBuilder.get with Python source that imports os and runs a command).",
        ("https://github.com/mmaitre314/picklescan/tree/main/tests/data",),
    ),
    Rule(
        "pickle.build.global-target",
        Severity.MEDIUM,
        "BUILD sets state on an imported global itself, not on a new instance",
        "BUILD on a module-level object rewrites its attributes (monkey-patching) while "
        "looking like ordinary state restoration.",
        ("GHSA-mhc9-48gj-9gp3",),
    ),
    Rule(
        "pickle.ext-registry",
        Severity.MEDIUM,
        "EXT1/EXT2/EXT4 opcode: the import is resolved through copyreg's extension registry",
        "The imported name depends on the loading process's registry, not on the file, so "
        "it cannot be named statically.",
        ("https://docs.python.org/3/library/copyreg.html",),
    ),
    Rule(
        "pickle.embedded-pickle",
        Severity.MEDIUM,
        "Bytes stored as data are a pickle that imports what is not allowed",
        "The loader returns such bytes unrun; an application that unpickles them later "
        "runs the imports, so a payload can wait there for a second step. High when the "
        "stored pickle is malicious on its own (a staged exploit, as for its base64 form).",
        ("https://github.com/promptfoo/modelaudit",),
    ),
    Rule(
        "pickle.nested-pickle",
        Severity.HIGH,
        "Bytes that are themselves a pickle are handed to a deserialising call",
        "A loads-like call runs a second pickle that most scanners never look at; its own "
        "imports are reported as well.",
        ("https://github.com/protectai/modelscan/issues/267",),
    ),
    # -- stream structure ----------------------------------------------------------
    Rule(
        "pickle.stream.truncated",
        Severity.MEDIUM,
        "The pickle stream ends before its STOP opcode",
        "Imports seen before the break are reported; the rest of the file was not read by "
        "any loader, but a truncated stream cannot be shown to be what it claims.",
        (
            "https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face",
        ),
    ),
    Rule(
        "pickle.stream.malformed",
        Severity.MEDIUM,
        "The pickle stream breaks the virtual machine's rules (stack underflow, bad argument)",
        "Loaders execute every opcode before the break (nullifAI: payload first, then a broken "
        "stream); scanners that give up on a parse error report such files clean.",
        (
            "https://www.reversinglabs.com/blog/rl-identifies-malware-ml-model-hosted-on-hugging-face",
        ),
    ),
    Rule(
        "pickle.opcode.unknown",
        Severity.MEDIUM,
        "A byte that is no pickle opcode where an opcode is expected",
        "Unknown opcodes stop every loader; placed after a payload they hide it from "
        "scanners that abort on them.",
        ("https://github.com/mmaitre314/picklescan/issues/18",),
    ),
    Rule(
        "pickle.length.exceeds-file",
        Severity.MEDIUM,
        "An opcode declares more bytes than the file has left",
        "Absurd declared lengths are an allocation attack on parsers; nothing is allocated, "
        "and the stream cannot be complete.",
    ),
    Rule(
        "pickle.memo.invalid",
        Severity.MEDIUM,
        "A GET reads a memo slot that was never written",
        "Loaders fail there; scanners that guess the slot's content can be fooled into "
        "naming the wrong import.",
        ("https://github.com/mmaitre314/picklescan/pull/52",),
    ),
    Rule(
        "pickle.allocation-bomb",
        Severity.MEDIUM,
        "An allowed constructor asked for a huge buffer or array (allocation bomb)",
        "bytes(n) and bytearray(n) zero-fill n bytes and numpy's _reconstruct allocates an "
        "array of the pickled shape before any data arrives: a few bytes of pickle exhaust "
        "the loader's memory. Medium from 256 Mi bytes or elements, high from 4 Gi.",
        ("https://docs.python.org/3/library/functions.html#func-bytearray",),
    ),
    Rule(
        "pickle.memo.bomb",
        Severity.MEDIUM,
        "A PUT/LONG_BINPUT memo index far beyond the opcodes read so far (memo bomb)",
        "CPython's C unpickler (used by pickle and torch loading) grows its memo array to "
        "twice the index and zero-fills it: 9 bytes ask for 4 GiB. No pickler writes such "
        "indices; "
        "high once the allocation reaches 1 GiB.",
        ("https://github.com/python/cpython/blob/main/Modules/_pickle.c",),
    ),
    Rule(
        "pickle.data-after-stop",
        Severity.MEDIUM,
        "Bytes after the last pickle that are not another pickle",
        "Hidden trailing bytes are not explained by the format; they may be read by custom "
        "loading code.",
    ),
    Rule(
        "pickle.string.invalid",
        Severity.MEDIUM,
        "A string argument is not valid in its declared encoding",
        "Loaders reject it; a scanner that decodes differently sees different names.",
    ),
    # -- budgets -------------------------------------------------------------------
    Rule(
        "pickle.budget.opcodes",
        Severity.MEDIUM,
        "The opcode budget for this file ran out",
        "Analysis stopped; what follows could not be shown safe (never reported clean, and "
        "never malicious on that ground alone).",
    ),
    Rule(
        "pickle.budget.memo",
        Severity.MEDIUM,
        "A memo slot dropped under the memo budget was read back",
        "Past the budget only memo values holding imports or calls are kept, which bounds "
        "memory; the analysis stays exact until a dropped value is needed, and from then on "
        "a name built from it cannot be resolved.",
    ),
    Rule(
        "pickle.budget.imports",
        Severity.MEDIUM,
        "More distinct imports than the engine tracks",
        "Past the budget only imports the policy does not allow are still recorded (a "
        "bounded number): thousands of decoy imports cannot hide a payload, but the "
        "file's imports are no longer all listed.",
    ),
    Rule(
        "pickle.budget.stack",
        Severity.MEDIUM,
        "The stack depth budget ran out",
        "Analysis stopped to bound memory; the rest of the stream is unknown.",
    ),
    # -- formats -------------------------------------------------------------------
    Rule(
        "pickle.joblib.array",
        Severity.MEDIUM,
        "A joblib array's raw bytes cannot be sized exactly (shape, dtype, state) or do not "
        "fit the file",
        "joblib writes array bytes between pickle opcodes and sizes them by numpy's rules; "
        "if the engine cannot compute exactly what joblib reads, the rest of the stream "
        "cannot be parsed the way joblib.load would (a desynchronised parse reads attacker "
        "bytes as data or data as opcodes).",
        ("https://joblib.readthedocs.io/en/stable/persistence.html",),
    ),
    Rule(
        "pickle.joblib.array-in-frame",
        Severity.HIGH,
        "A joblib array is built inside a pickle FRAME",
        "joblib's pure-Python unpickler reads a whole FRAME into memory but reads array "
        "bytes from the file, after the frame, and then runs the rest of the frame as "
        "opcodes. joblib.dump ends its frame before every array, so only a file crafted "
        "to show scanners array bytes where the loader runs opcodes does this.",
        ("https://peps.python.org/pep-3154/#framing",),
    ),
    Rule(
        "pickle.joblib.external-array",
        Severity.MEDIUM,
        "joblib's legacy array wrapper makes joblib.load open a second file named in the "
        "pickle with numpy.load, pickles allowed",
        "That file's pickle runs too. When the scanned pickle is a file on disk and the "
        "name a plain file name next to it, that file is analysed as part of this one and "
        "nothing is reported here; otherwise (a stream, an archive member, a missing file "
        "or a link) it was not analysed. A name that is absolute or climbs out of the "
        "folder (high) reaches any file on the loading machine.",
        ("https://github.com/joblib/joblib/blob/main/joblib/numpy_pickle_compat.py",),
    ),
    Rule(
        "pickle.legacy-torch.layout",
        Severity.MEDIUM,
        "The legacy torch.save layout is broken (header pickles, storage records, sizes)",
        "Storage records that do not match the storage keys hide bytes the loader may treat "
        "differently.",
        ("https://pytorch.org/docs/stable/notes/serialization.html",),
    ),
    Rule(
        "pickle.npy.header",
        Severity.MEDIUM,
        "The .npy header is malformed or its data length does not match shape and dtype",
        "numpy.load rejects or misreads such files; extra bytes are hidden content.",
        ("https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html",),
    ),
    Rule(
        "pickle.npy.object-array",
        Severity.INFO,
        "The .npy array has object dtype: its data is a pickle (analysed)",
        "numpy.load with allow_pickle unpickles it; its imports are checked like any pickle.",
    ),
    Rule(
        "pickle.torch.weights-only-incompatible",
        Severity.INFO,
        "PyTorch's weights-only loader would refuse this pickle",
        "Recorded as a fact: the default safe loader of PyTorch >= 2.6 would not load it.",
        ("CVE-2025-32434",),
    ),
)
