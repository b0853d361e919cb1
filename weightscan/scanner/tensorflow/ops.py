"""TensorFlow ops by what they can do outside the tensor math.

The names are registered op names (tf.raw_ops). SaveV2, RestoreV2, MergeV2Checkpoints,
ShardedFilename and StringJoin are in every SavedModel's saver graph and are ordinary;
they write and read the checkpoint the loader was pointed at.
"""

from __future__ import annotations

# Run a Python callable of the loading process (tf.py_function / tf.numpy_function).
PYTHON = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})

# Read or write files named by the graph (a tensor or an attribute), or list a folder.
FILE = frozenset(
    {
        "ReadFile",
        "WriteFile",
        "MatchingFiles",
        "ImmutableConst",
        "FileSystemSetConfiguration",
        "WholeFileReader",
        "WholeFileReaderV2",
        "TextLineReader",
        "TextLineReaderV2",
        "FixedLengthRecordReader",
        "FixedLengthRecordReaderV2",
        "TFRecordReader",
        "TFRecordReaderV2",
        "LMDBReader",
        "TextLineDataset",
        "TFRecordDataset",
        "TFRecordDatasetV2",
        "FixedLengthRecordDataset",
        "FixedLengthRecordDatasetV2",
        "CSVDataset",
        "CSVDatasetV2",
        "ExperimentalCSVDataset",
        "LMDBDataset",
        "ExperimentalLMDBDataset",
        "SqlDataset",
        "ExperimentalSqlDataset",
        "SaveDataset",
        "SaveDatasetV2",
        "LoadDataset",
        "ExperimentalDatasetToTFRecord",
        "DatasetToTFRecord",
        "SnapshotDataset",
        "SnapshotDatasetV2",
        "CreateSummaryFileWriter",
        "CreateSummaryDbWriter",
        "DebugIdentityV2",
        "DebugIdentityV3",
    }
)

# Talk to other processes or machines.
NETWORK = frozenset(
    {
        "Rpc",
        "TryRpc",
        "RpcClient",
        "RpcCall",
        "RpcCheckStatus",
        "RpcGetValue",
        "RpcServer",
        "RpcServerStart",
        "RpcServerRegister",
        "DebugIdentity",
        "DebugNanCount",
        "DebugNumericSummary",
    }
)

# PrintV2 writes where its ``output_stream`` attribute says; these are the console.
CONSOLE_STREAMS = frozenset({"stderr", "stdout", "log(info)", "log(warning)", "log(error)"})
