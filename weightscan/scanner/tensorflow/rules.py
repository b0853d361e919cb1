"""Rules for TensorFlow graphs (SavedModel, frozen GraphDef, TFLite Flex ops) and their
side files."""

from __future__ import annotations

from weightscan.scanner.model import Severity
from weightscan.scanner.rules import Rule

_SECURITY = "https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md"
_SAVED_MODEL = "https://www.tensorflow.org/guide/saved_model"

RULES: tuple[Rule, ...] = (
    Rule(
        "tensorflow.op.python",
        Severity.HIGH,
        "The graph calls Python (PyFunc, PyFuncStateless, EagerPyFunc)",
        "These ops run a Python callable of the loading process when the graph runs: a "
        "model that carries them executes Python, not tensor math.",
        (_SECURITY,),
    ),
    Rule(
        "tensorflow.op.file",
        Severity.MEDIUM,
        "The graph reads, writes or lists files (ReadFile, WriteFile, MatchingFiles, "
        "readers, file datasets, summary writers, PrintV2 to a file)",
        "TensorFlow models are programs: these ops let a model read secrets into its "
        "outputs or write files when it runs. The checkpoint ops every SavedModel holds "
        "(SaveV2, RestoreV2, MergeV2Checkpoints) are not counted.",
        (_SECURITY,),
    ),
    Rule(
        "tensorflow.op.network",
        Severity.MEDIUM,
        "The graph talks to the network (RPC ops, debug ops with URLs)",
        "A model that calls out can leak its inputs or fetch data when it runs.",
        (_SECURITY,),
    ),
    Rule(
        "tensorflow.asset.path",
        Severity.HIGH,
        "A SavedModel asset file name leads out of the model's folder",
        "The loader joins asset names to the SavedModel's assets/ folder and reads the "
        "file (vocabularies, tables): `..` or an absolute path reads any file.",
        (_SAVED_MODEL,),
    ),
    Rule(
        "tensorflow.checkpoint.data",
        Severity.INFO,
        "A TensorFlow checkpoint index or data shard (the variables/ folder)",
        "Tensor bytes and the index that maps names to their byte ranges; loaders copy "
        "them into variables and never interpret them otherwise.",
        (_SAVED_MODEL,),
    ),
)
