"""Text configs that are also harmless protocol-0 pickles.

A file that unpickles from its first byte was analysed as a pickle only; the checks a
text loader's view needs (YAML tags, chat templates) never ran. Protocol 0 is text, so a
config can be both: ``Vk: !apply:os.system [...]`` pushes a string, ``J:\\n..`` is a
4-byte int, the last ``.`` is STOP; to YAML it is a mapping whose value HyperPyYAML calls
``os.system`` on, then the document end marker ``...``. It scanned clean with no finding.
Likewise a ``V``-line Jinja template ending in ``\\n.``, rendered whole by a loader.
"""

from __future__ import annotations

import pickle

import yaml

from tests.fixtures.archives import rules_of, scan_bytes
from weightscan.scanner import Verdict

MARK = "touch /tmp/weightscan-redteam-pickle-text"
HYPERPARAMS = f'Vk: !apply:os.system ["{MARK}"]\nJ:\n...'.encode()
TEMPLATE = f"V{{{{ cycler.__init__.__globals__.os.popen('{MARK}').read() }}}}\n.".encode()


def test_the_fixtures_are_both_a_harmless_pickle_and_the_text() -> None:
    assert isinstance(pickle.loads(HYPERPARAMS), int)  # builtins only: nothing imported
    node = yaml.compose(HYPERPARAMS.decode(), Loader=yaml.SafeLoader)  # composed, not built
    assert node.value[0][1].tag == "!apply:os.system"
    assert pickle.loads(TEMPLATE).startswith("{{ cycler")


def test_a_yaml_config_that_is_also_a_pickle_gets_its_tags_checked() -> None:
    report = scan_bytes(HYPERPARAMS, name="hyperparams.yaml")
    assert report.verdict is Verdict.MALICIOUS, rules_of(report)
    assert "yaml.tag.dangerous" in rules_of(report)


def test_a_chat_template_that_is_also_a_pickle_is_analysed() -> None:
    report = scan_bytes(TEMPLATE, name="chat_template.jinja")
    assert report.verdict is not Verdict.CLEAN, rules_of(report)


def test_a_text_pickle_under_another_name_gets_no_text_findings() -> None:
    report = scan_bytes(pickle.dumps({"a": [1, 2]}, protocol=0), name="model.pkl")
    assert report.verdict is Verdict.CLEAN, rules_of(report)
    assert not any(r.startswith(("yaml.", "templates.")) for r in rules_of(report))
