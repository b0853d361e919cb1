"""Judge a Keras model config (``.keras`` config.json, HDF5 ``model_config``) the way the
loader would deserialise it, without deserialising anything.

What runs code on load, mirroring Keras' ``serialization_lib`` and the Keras 2 loader:

* ``{"class_name": "__lambda__"}`` (Keras 3) and a Lambda layer whose ``function_type``
  (or ``output_shape_type``, ``mask_type``) is ``"lambda"`` (Keras 2, and every HDF5
  load): marshalled Python bytecode, run when the model is built. Keras 3 refuses the
  first only in safe mode; the HDF5 loader runs both.
* an object or function whose ``module`` is outside Keras: the loader imports that
  module and calls what it names (arbitrary when the module is ``os``, ``builtins``...);
* Keras functions that switch safe mode off or fetch files (``enable_unsafe_deserialization``,
  ``get_file``), and layers that load files from outside the archive (``TFSMLayer``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from weightscan.scanner.keras import names
from weightscan.scanner.pickle.code_strings import code_in_arguments

MAX_NODES = 2_000_000  # JSON values walked per config
MAX_DEPTH = 1000
_TF_OP_MALICIOUS = ("os.", "subprocess", "builtins", "eval", "exec", "system", "popen")
_TF_OP_SUSPICIOUS = (
    "py_func",
    "py_function",
    "numpy_function",
    "io.",
    "gfile",
    "saved_model",
    "load_library",
    "load_op_library",
    "write_file",
    "read_file",
    "matching_files",
    "load_model",
)
_EXCERPT = 120


@dataclass(frozen=True)
class Issue:
    rule_id: str
    message: str
    evidence: dict[str, Any]


@dataclass
class ConfigFacts:
    issues: list[Issue] = field(default_factory=list)
    classes: Counter[str] = field(default_factory=Counter)
    objects: int = 0
    walked_all: bool = True


def check_config_text(text: str) -> ConfigFacts:
    """Parse ``text`` as JSON and judge it; an unparsable config is an issue of its own."""
    facts = ConfigFacts()
    try:
        root = json.loads(text)
    except RecursionError:
        facts.issues.append(
            Issue("keras.config-invalid", "the model config is nested too deeply to read", {})
        )
        facts.walked_all = False
        return facts
    except ValueError as exc:
        facts.issues.append(
            Issue(
                "keras.config-invalid", f"the model config is not valid JSON: {str(exc)[:200]}", {}
            )
        )
        facts.walked_all = False
        return facts
    check_config(root, facts)
    return facts


def check_config(root: Any, facts: ConfigFacts) -> None:
    stack: list[tuple[Any, str, int]] = [(root, "$", 0)]
    nodes = 0
    while stack:
        value, path, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES or depth > MAX_DEPTH:
            facts.walked_all = False
            facts.issues.append(
                Issue(
                    "keras.config-invalid",
                    "the model config is larger or deeper than the limit; the rest was not checked",
                    {"nodes": MAX_NODES, "depth": MAX_DEPTH},
                )
            )
            return
        if isinstance(value, dict):
            if isinstance(value.get("class_name"), str):
                _check_object(value, path, facts)
            _check_lambda_fields(value, path, facts)
            stack.extend((v, f"{path}.{k}"[:300], depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]"[:300], depth + 1) for i, v in enumerate(value))


def _issue(facts: ConfigFacts, rule_id: str, message: str, path: str, **evidence: Any) -> None:
    facts.issues.append(Issue(rule_id, message, {"path": path, **evidence}))


def _check_object(obj: dict[str, Any], path: str, facts: ConfigFacts) -> None:
    cls: str = obj["class_name"]
    module = obj.get("module")
    module = module if isinstance(module, str) else None
    inner = obj.get("config")
    facts.objects += 1
    facts.classes[cls] += 1
    if cls == "__lambda__":
        code = inner.get("value") if isinstance(inner, dict) else None
        _issue(
            facts,
            "keras.lambda-bytecode",
            "a serialised Python lambda (marshalled bytecode) that the loader runs",
            path,
            bytecode_chars=len(code) if isinstance(code, str) else None,
        )
        return
    if cls == "function":
        _check_function(module, inner if isinstance(inner, str) else None, path, facts)
        return
    if cls == "Lambda" and isinstance(inner, dict):
        _check_keras2_lambda(inner, path, facts)
    if cls in ("TFOpLambda", "SlicingOpLambda") and isinstance(inner, dict):
        _check_tf_op(str(inner.get("function", "")), path, facts)
    if cls == "TensorFlowOpLayer" and isinstance(inner, dict):
        node = inner.get("node_def")
        _check_raw_tf_op(str(node.get("op", "")) if isinstance(node, dict) else "", path, facts)
    if cls in names.EXTERNAL_RESOURCE_CLASSES:
        _issue(
            facts,
            "keras.external-resource",
            f"{cls} loads a model from files outside this one",
            path,
            class_name=cls,
            filepath=str((inner or {}).get("filepath", ""))[:_EXCERPT]
            if isinstance(inner, dict)
            else "",
        )
    if cls in names.VOCABULARY_FILE_CLASSES and isinstance(inner, dict):
        _check_vocabulary(cls, inner, path, facts)
    if cls in names.DANGEROUS_KERAS_NAMES:
        _issue(
            facts,
            "keras.dangerous-callable",
            f"the config names {cls!r}, which defeats safe mode or fetches files",
            path,
            class_name=cls,
            module=module,
        )
        return
    if module is None and _is_json_utils_marker(cls, obj):
        return
    _check_module(cls, module, obj.get("registered_name"), path, facts)


def _is_json_utils_marker(cls: str, obj: dict[str, Any]) -> bool:
    """Values tf.keras' SavedModel JSON encoder writes (keras_metadata.pb, HDF5 configs):
    the decoder turns ``TensorShape`` into a shape and ``TypeSpec`` into a spec looked up
    in TensorFlow's own registry, importing nothing; other spec names need app code."""
    if cls == "TensorShape":
        return True
    return cls == "TypeSpec" and obj.get("type_spec") in names.TF_TYPE_SPECS


def _check_module(
    cls: str, module: str | None, registered: Any, path: str, facts: ConfigFacts
) -> None:
    if cls.startswith("__") and cls.endswith("__") and module is None:
        return  # Keras' own markers: __keras_tensor__, __numpy__, __bytes__, ...
    if module is None:
        custom = isinstance(registered, str) and ">" in registered
        # Keras 2.11+ registers its own optimizers under the default package: "Custom>Adam"
        own = cls.removeprefix(names.KERAS_OWN_PACKAGE)
        known = own in names.KERAS_CLASSES or own in names.KERAS_OPERATION_CLASSES
        if not known or custom:
            _issue(
                facts,
                "keras.custom-object",
                f"{cls!r} is not a built-in Keras class: the loader needs custom code for it",
                path,
                class_name=cls,
                registered_name=registered if isinstance(registered, str) else None,
            )
        return
    if _is_keras_module(module):
        return
    if _is_dangerous_module(module) or module == "builtins":
        _issue(
            facts,
            "keras.dangerous-callable",
            f"the config makes the loader import {module}.{cls}",
            path,
            module=module,
            class_name=cls,
        )
        return
    _issue(
        facts,
        "keras.custom-object",
        f"{cls!r} comes from module {module!r}, outside Keras: the loader imports it",
        path,
        module=module[:_EXCERPT],
        class_name=cls,
        registered_name=registered if isinstance(registered, str) else None,
    )


def _check_function(module: str | None, name: str | None, path: str, facts: ConfigFacts) -> None:
    shown = f"{module}.{name}" if module else str(name)
    if name is None:
        return
    if (
        (name in names.DANGEROUS_BUILTINS and module in (None, "builtins"))
        or (module is not None and _is_dangerous_module(module))
        or name in names.DANGEROUS_KERAS_NAMES
    ):
        _issue(
            facts,
            "keras.dangerous-callable",
            f"the config calls {shown}",
            path,
            module=module,
            function=name[:_EXCERPT],
        )
        return
    if module == "builtins" and name in names.PYTHON_BUILTINS:
        _issue(
            facts,
            "keras.custom-object",
            f"the config calls the Python builtin {name!r}",
            path,
            module=module,
            function=name[:_EXCERPT],
        )
        return
    if ">" in name:
        # "package>name": register_keras_serializable's key, looked up among the custom
        # objects the application registered, never among Keras' own functions
        _issue(
            facts,
            "keras.custom-object",
            f"the config calls the registered custom function {name[:_EXCERPT]!r}",
            path,
            module=module,
            function=name[:_EXCERPT],
        )
        return
    if module is None or module == "builtins" or _is_keras_module(module):
        return  # a Keras built-in looked up by name ("relu", "mse", ...)
    _issue(
        facts,
        "keras.custom-object",
        f"the config calls {shown}, outside Keras",
        path,
        module=module[:_EXCERPT],
        function=name[:_EXCERPT],
    )


def _check_vocabulary(cls: str, inner: dict[str, Any], path: str, facts: ConfigFacts) -> None:
    """A vocabulary given as a string is a file the loader opens (CVE-2025-12058): any
    file the user can read, or a URL, ends up inside the model."""
    where = inner.get("vocabulary")
    if not isinstance(where, str) or not where:
        return
    _issue(
        facts,
        "keras.vocabulary-file",
        f"{cls} reads its vocabulary from {where[:_EXCERPT]!r} when the model is loaded",
        path,
        class_name=cls,
        vocabulary=where[:_EXCERPT],
    )


def _check_keras2_lambda(inner: dict[str, Any], path: str, facts: ConfigFacts) -> None:
    """A Keras 2 Lambda naming a function: looked up in ``module``'s globals."""
    fn = inner.get("function")
    kind = inner.get("function_type")
    if kind == "function" and isinstance(fn, str):
        module = inner.get("module")
        _check_function(module if isinstance(module, str) else None, fn, path, facts)
    elif kind != "lambda" and isinstance(fn, str):
        # not a form Keras writes (its loaders fail on it): not proven harmless, and
        # Python source text that calls code is an attempt at code execution
        code = code_in_arguments(fn)
        if code is not None:
            _issue(
                facts,
                "keras.dangerous-callable",
                "the Lambda's function is Python source that runs code",
                path,
                function=fn[:_EXCERPT],
            )
        else:
            _issue(
                facts,
                "keras.custom-object",
                f"the Lambda's function is in a form Keras does not write (function_type {kind!r})",
                path,
                function=fn[:_EXCERPT],
            )


def _check_lambda_fields(obj: dict[str, Any], path: str, facts: ConfigFacts) -> None:
    """Keras 2 Lambda: ``X_type == "lambda"`` means field ``X`` is marshalled bytecode."""
    for key, value in obj.items():
        if value == "lambda" and isinstance(key, str) and key.endswith("_type"):
            field_name = key[: -len("_type")]
            code = obj.get(field_name)
            if code:
                size = (
                    len(code[0])
                    if isinstance(code, list) and code and isinstance(code[0], str)
                    else len(str(code))
                )
                _issue(
                    facts,
                    "keras.lambda-bytecode",
                    f"Lambda {field_name!r} is marshalled Python bytecode that the loader runs",
                    f"{path}.{field_name}"[:300],
                    bytecode_chars=size,
                )


def _check_tf_op(symbol: str, path: str, facts: ConfigFacts) -> None:
    low = symbol.lower()
    if any(m in low for m in _TF_OP_MALICIOUS):
        _issue(
            facts,
            "keras.dangerous-callable",
            f"TFOpLambda calls {symbol[:_EXCERPT]!r}",
            path,
            function=symbol[:_EXCERPT],
        )
    elif any(m in low for m in _TF_OP_SUSPICIOUS):
        _issue(
            facts,
            "keras.tf-op",
            f"TFOpLambda calls {symbol[:_EXCERPT]!r}, which runs Python or touches files",
            path,
            function=symbol[:_EXCERPT],
        )


def _check_raw_tf_op(op: str, path: str, facts: ConfigFacts) -> None:
    """TF 2.0-2.3 wrapped raw graph ops in TensorFlowOpLayer: the op runs on load."""
    if op in names.TF_PYTHON_OPS:
        _issue(
            facts,
            "keras.dangerous-callable",
            f"TensorFlowOpLayer runs the {op} op, which calls Python",
            path,
            function=op,
        )
    elif op in names.TF_FILE_OPS:
        _issue(
            facts,
            "keras.tf-op",
            f"TensorFlowOpLayer runs the {op} op, which touches files",
            path,
            function=op,
        )


def _is_keras_module(module: str) -> bool:
    return any(module == root or module.startswith(root + ".") for root in names.KERAS_MODULE_ROOTS)


def _is_dangerous_module(module: str) -> bool:
    return any(
        module == root or module.startswith(root + ".") for root in names.DANGEROUS_MODULE_ROOTS
    )
