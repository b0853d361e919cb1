"""The fuzzing tools themselves: seeds, the contract check, the fallback engine, the CLI."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from fuzz import harness, run
from fuzz.mutate import mutate
from fuzz.seeds import MAX_SEED, seeds_for
from fuzz.targets import TARGETS, ContractViolation, check
from weightscan.scanner.sniff import sniff_format
from weightscan.scanner.source import Source


@pytest.mark.parametrize("name", list(TARGETS))
def test_seeds_keep_the_contract_and_reach_their_parser(name: str):
    target = TARGETS[name]
    seeds = seeds_for(name)
    assert len(seeds) >= 5
    for data in seeds:
        assert len(data) <= MAX_SEED
        check(target, data, slow_seconds=10)
        if target.forced is not None:
            sniffed = sniff_format(Source(io.BytesIO(target.wrap(data))))
            assert sniffed == target.forced, (name, data[:40])


def test_template_target_wraps_the_input_as_a_gguf_chat_template():
    report = check(TARGETS["template"], b"{{ ''.__class__.__mro__ }}")
    rules = {f.rule_id for f in report.files[0].findings}
    assert "templates.dunder-access" in rules


def test_an_internal_error_breaks_the_contract(monkeypatch: pytest.MonkeyPatch):
    def broken(source: object, ctx: object) -> None:
        raise KeyError("bug")

    monkeypatch.setattr("weightscan.scanner.pickle.analyzer.analyze_pickle_file", broken)
    with pytest.raises(ContractViolation, match="KeyError"):
        check(TARGETS["pickle"], b"\x80\x02N.")


def test_a_slow_input_breaks_the_contract():
    with pytest.raises(ContractViolation, match="took"):
        check(TARGETS["pickle"], b"\x80\x02N.", slow_seconds=0.0)


def test_mutator_is_deterministic_and_bounded():
    corpus = [b"\x80\x02N.", b"PK\x03\x04" + bytes(40)]
    a = [mutate(corpus[i % 2], random.Random(i), corpus, 64) for i in range(200)]
    b = [mutate(corpus[i % 2], random.Random(i), corpus, 64) for i in range(200)]
    assert a == b
    assert all(len(x) <= 64 for x in a)
    assert len(set(a)) > 150


def test_fallback_engine_saves_inputs_that_break_the_contract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed").write_bytes(b"\x80\x02N.")

    def fragile(target: object, data: bytes, **_: object) -> None:
        if data.startswith(b"\x80\x02N."):
            raise ContractViolation("planted")

    monkeypatch.setattr("fuzz.targets.check", fragile)
    crashes = harness.run_mutate("pickle", 0.5, 1, corpus, tmp_path / "crashes", 5)
    assert crashes >= 1
    saved = sorted((tmp_path / "crashes").iterdir())
    assert all(p.name.startswith("pickle-crash-") for p in saved)
    assert b"\x80\x02N." in [p.read_bytes() for p in saved]
    assert "stat::number_of_executed_units:" in capsys.readouterr().err


def test_instrumentation_is_limited_to_the_target_parsers():
    modules = harness.scanner_modules()
    assert "weightscan.scanner.pickle.engine" in modules
    assert "weightscan.scanner.api" in modules
    unguided = harness.unguided_modules("gguf")
    assert "weightscan.scanner.gguf.analyzer" not in unguided
    assert "weightscan.scanner.gguf.rules" in unguided
    assert "weightscan.scanner.pickle.engine" in unguided


def test_long_run_cli_with_the_fallback_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    status = run.main(
        [
            "--seconds-per-target",
            "2",
            "--targets",
            "npy",
            "--engine",
            "mutate",
            "--corpus",
            str(tmp_path / "corpus"),
            "--crashes",
            str(tmp_path / "crashes"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "| npy | numpy .npy header and object arrays | mutate |" in out
    assert list((tmp_path / "corpus" / "npy").iterdir())  # seeds were written
