"""Rules for PaddlePaddle programs (.pdmodel)."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SPEC = "https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/fluid/framework/framework.proto"

RULES: tuple[Rule, ...] = (
    Rule(
        "paddle.program",
        Severity.INFO,
        "A PaddlePaddle program (.pdmodel ProgramDesc)",
        "Blocks of variables and operators the Paddle runtime executes with its own "
        "kernels; every operator type was read and listed.",
        (_SPEC,),
    ),
    Rule(
        "paddle.op.python",
        Severity.HIGH,
        "The program calls Python (py_func)",
        "py_func runs a Python callable of the loading process when the program runs: a "
        "model that carries it executes Python, not tensor math.",
        (_SPEC,),
    ),
    Rule(
        "paddle.op.file",
        Severity.MEDIUM,
        "The program reads or writes files (save, load, save_combine, load_combine)",
        "These operators take a file path attribute and touch that file when the program "
        "runs; inference programs never hold them.",
        (_SPEC,),
    ),
)
