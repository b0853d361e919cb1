"""Real chat templates, scanned in every container a model repository ships them in.

    python3 -m bench.templates_real FOLDER            # verdict table, one row per template
    python3 -m bench.templates_real FOLDER --bad      # only the rows that are not clean

FOLDER holds real Jinja chat templates (``*.jinja``, any depth), fetched beforehand and
never committed (they are other people's text). The folder used for the numbers in the
commit log was filled from public repositories' snapshots with ``git show``:

* ``ggml-org/llama.cpp`` ``models/templates/*.jinja`` (dozens of Hugging Face models'
  templates; two forks' snapshots, ``Raudbjorn/ggml-llama.cpp`` and
  ``acproject/seq2seq_llama.cpp``, give two generations of that folder),
* ``vllm-project/vllm`` ``examples/*.jinja`` (via the ``predictionguard/vllm`` fork),
* ``chujiezheng/chat_templates`` ``chat_templates/*.jinja``,
* ``contrapuntal/chat-template-patches`` (upstream and patched Qwen3.5/3.6, Gemma 4),
* ``google/minja`` ``tests_files/*.jinja``, ``HarryMayne/qwen_3_chat_templates``.

e.g. ``git -C llama.cpp show HEAD:models/templates/X.jinja > FOLDER/llamacpp__X.jinja``;
byte-identical files are dropped. Real ``tokenizer_config.json`` and ``chat_template.json``
files (from model repositories mirrored on GitHub, such as
``Evilcarbon/DeepSeek-R1-Distill-Qwen-32B`` or ``TheSethRose/mlx-server-gemma``; any
``*.json`` under FOLDER) are scanned as they are, and their templates join the others.

Each template is scanned as a runtime finds it: GGUF metadata ``tokenizer.chat_template``
and as named templates (``tokenizer.chat_template.rag``), written by the official ``gguf``
writer (``pip install gguf``), ``tokenizer_config.json`` with ``chat_template`` as a
string and as a ``[{name, template}]`` list, ``chat_template.json``, a
``chat_template.jinja`` file and YAML configs (axolotl's ``chat_template_jinja``,
text-generation-webui's ``instruction_template``). Every template is harmless, so every
verdict other than clean is a false alarm.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make "bench" and "weightscan" importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weightscan.scanner import FileReport, Verdict, scan_stream


def gguf_file(template: str | list[dict[str, str]]) -> tuple[str, bytes]:
    import gguf  # the official writer: what convert_hf_to_gguf.py produces

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.gguf"
        writer = gguf.GGUFWriter(str(path), "llama")
        writer.add_name("bench")
        writer.add_chat_template(template)  # a list: tokenizer.chat_template.<name> keys
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return "model.gguf", path.read_bytes()


def gguf_named(template: str) -> tuple[str, bytes]:
    return gguf_file(
        [{"name": "default", "template": template}, {"name": "rag", "template": template}]
    )


def tokenizer_config(template: str) -> tuple[str, bytes]:
    config = {"bos_token": "<s>", "eos_token": "</s>", "chat_template": template}
    return "tokenizer_config.json", json.dumps(config, indent=2).encode()


def tokenizer_config_list(template: str) -> tuple[str, bytes]:
    named = [{"name": "default", "template": template}, {"name": "tool_use", "template": template}]
    return "tokenizer_config.json", json.dumps({"chat_template": named}).encode()


def chat_template_json(template: str) -> tuple[str, bytes]:
    return "chat_template.json", json.dumps({"chat_template": template}, indent=2).encode()


def chat_template_jinja(template: str) -> tuple[str, bytes]:
    return "chat_template.jinja", template.encode()


def _yaml_with(key: str, template: str) -> bytes:
    import yaml  # PyYAML, a dependency of the scanner

    class Literal(yaml.SafeDumper):
        """Multi-line strings as ``|`` blocks, as people write these configs."""

    def literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Literal.add_representer(str, literal)
    data = {"base_model": "org/model", key: template}
    return yaml.dump(data, Dumper=Literal, allow_unicode=True, sort_keys=False).encode()


def axolotl_yaml(template: str) -> tuple[str, bytes]:
    return "axolotl.yml", _yaml_with("chat_template_jinja", template)


def webui_yaml(template: str) -> tuple[str, bytes]:
    return "instruction-template.yaml", _yaml_with("instruction_template", template)


CONTAINERS: dict[str, Callable[[str], tuple[str, bytes]]] = {
    "gguf": gguf_file,
    "gguf-named": gguf_named,
    "tokcfg": tokenizer_config,
    "tokcfg-list": tokenizer_config_list,
    "ct.json": chat_template_json,
    "ct.jinja": chat_template_jinja,
    "axolotl.yml": axolotl_yaml,
    "webui.yaml": webui_yaml,
}


def scan_as(container: str, template: str) -> FileReport:
    name, data = CONTAINERS[container](template)
    (report,) = scan_stream(io.BytesIO(data), name=name).files
    return report


def short(report: FileReport) -> str:
    if report.verdict is Verdict.CLEAN:
        return "clean"
    rules = sorted({f.rule_id.removeprefix("templates.") for f in report.findings})
    return f"{report.verdict.value}:{','.join(rules)}"


def templates_in(folder: Path) -> dict[str, str]:
    """Label -> template text: every .jinja file, and the templates of every JSON config."""
    found: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        label = str(path.relative_to(folder))
        if path.suffix in {".jinja", ".j2"}:
            found[label] = path.read_text(encoding="utf-8", errors="surrogateescape")
        elif path.suffix == ".json":
            for key, text in _config_templates(path).items():
                found[f"{label}#{key}"] = text
    return found


def _config_templates(path: Path) -> dict[str, str]:
    try:
        config = json.loads(path.read_bytes())
    except ValueError:
        return {}
    value = config.get("chat_template") if isinstance(config, dict) else None
    if isinstance(value, str):
        return {"chat_template": value}
    if isinstance(value, list):
        return {
            str(item.get("name")): item["template"]
            for item in value
            if isinstance(item, dict) and isinstance(item.get("template"), str)
        }
    return {}


def scan_configs(folder: Path) -> list[tuple[str, str]]:
    """Real tokenizer_config.json / chat_template.json files, scanned as they are."""
    rows = []
    for path in sorted(folder.rglob("*.json")):
        name = "chat_template.json" if path.name.endswith("chat_template.json") else None
        with path.open("rb") as f:
            (report,) = scan_stream(f, name=name or "tokenizer_config.json").files
        rows.append((str(path.relative_to(folder)), short(report)))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder of real .jinja chat templates")
    parser.add_argument("--bad", action="store_true", help="print only rows not clean")
    args = parser.parse_args(argv)
    templates = templates_in(args.folder)
    if not templates:
        print(f"no templates under {args.folder}", file=sys.stderr)
        return 2
    totals: Counter[str] = Counter()
    not_clean = 0
    print("template".ljust(60), *(c.ljust(12) for c in CONTAINERS))
    for label, text in templates.items():
        cells = {c: short(scan_as(c, text)) for c in CONTAINERS}
        bad = [c for c, cell in cells.items() if cell != "clean"]
        totals.update(bad)
        not_clean += bool(bad)
        if bad or not args.bad:
            print(label[-59:].ljust(60), *(cells[c].ljust(12) for c in CONTAINERS))
    configs = scan_configs(args.folder)
    bad_configs = [(label, cell) for label, cell in configs if cell != "clean"]
    for label, cell in configs if not args.bad else bad_configs:
        print(f"real file {label[-50:]:50} {cell}")
    print(f"\n{len(templates)} templates, {not_clean} not clean in some container")
    for container in CONTAINERS:
        print(f"  {container:12} {totals[container]} not clean")
    print(f"{len(configs)} real config files, {len(bad_configs)} not clean")
    return 1 if not_clean or bad_configs else 0


if __name__ == "__main__":
    sys.exit(main())
