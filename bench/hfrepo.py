"""Harmless files of typical Hugging Face model repositories, built with the real libraries.

    python3 -m bench.hfrepo                 # build what the installed libraries can, scan it
    python3 -m bench.hfrepo --list          # and print every file's verdict and rules

``bench.realworld`` scans files shipped inside PyPI wheels; a model repository holds
others: what ``save_pretrained``, ``Trainer`` checkpoints, Lightning, peft,
sentence-transformers and diffusers write, tokenizer files, xgboost/lightgbm models,
joblib'd sklearn pipelines, a README and ``.gitattributes``. This script makes small
versions of them with the libraries themselves (each group is skipped when its library is
not installed: ``pip install transformers accelerate peft lightning sentence-transformers
diffusers tokenizers sentencepiece xgboost lightgbm``) into a cache folder
(``~/.cache/weightscan-bench/hfrepo`` or ``$WEIGHTSCAN_BENCH_CACHE``; never committed),
then scans each file as ``weightscan scan FILE`` would. Every file is harmless, so every
verdict other than clean is a false alarm.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import struct
import sys
import warnings
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make "bench" and "weightscan" importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import log

README = """---
language:
- en
license: apache-2.0
library_name: transformers
tags:
- text-classification
- generated_from_trainer
datasets:
- glue
metrics:
- accuracy
base_model: bert-base-uncased
model-index:
- name: tiny-bert-sst2
  results:
  - task:
      type: text-classification
      name: Text Classification
    dataset:
      name: GLUE SST2
      type: glue
      args: sst2
    metrics:
    - type: accuracy
      value: 0.91
      name: Accuracy
widget:
- text: "I like you. I love you"
---

# tiny-bert-sst2

This model is a fine-tuned version of [bert-base-uncased](https://huggingface.co/bert-base-uncased).

## Usage

```python
from transformers import pipeline

classifier = pipeline("text-classification", model="someone/tiny-bert-sst2")
classifier("I like you. I love you")
```

```bash
pip install -U transformers
python -c "import transformers; print(transformers.__version__)"
```

## Training hyperparameters

- learning_rate: 2e-05
- train_batch_size: 16
"""

# What `huggingface_hub` writes into a new repository (git-lfs patterns).
GITATTRIBUTES = """*.7z filter=lfs diff=lfs merge=lfs -text
*.arrow filter=lfs diff=lfs merge=lfs -text
*.bin filter=lfs diff=lfs merge=lfs -text
*.bz2 filter=lfs diff=lfs merge=lfs -text
*.ckpt filter=lfs diff=lfs merge=lfs -text
*.ftz filter=lfs diff=lfs merge=lfs -text
*.gz filter=lfs diff=lfs merge=lfs -text
*.h5 filter=lfs diff=lfs merge=lfs -text
*.joblib filter=lfs diff=lfs merge=lfs -text
*.lfs.* filter=lfs diff=lfs merge=lfs -text
*.mlmodel filter=lfs diff=lfs merge=lfs -text
*.model filter=lfs diff=lfs merge=lfs -text
*.msgpack filter=lfs diff=lfs merge=lfs -text
*.npy filter=lfs diff=lfs merge=lfs -text
*.npz filter=lfs diff=lfs merge=lfs -text
*.onnx filter=lfs diff=lfs merge=lfs -text
*.ot filter=lfs diff=lfs merge=lfs -text
*.parquet filter=lfs diff=lfs merge=lfs -text
*.pb filter=lfs diff=lfs merge=lfs -text
*.pickle filter=lfs diff=lfs merge=lfs -text
*.pkl filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.pth filter=lfs diff=lfs merge=lfs -text
*.rar filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
saved_model/**/* filter=lfs diff=lfs merge=lfs -text
*.tar.* filter=lfs diff=lfs merge=lfs -text
*.tar filter=lfs diff=lfs merge=lfs -text
*.tflite filter=lfs diff=lfs merge=lfs -text
*.tgz filter=lfs diff=lfs merge=lfs -text
*.wasm filter=lfs diff=lfs merge=lfs -text
*.xz filter=lfs diff=lfs merge=lfs -text
*.zip filter=lfs diff=lfs merge=lfs -text
*.zst filter=lfs diff=lfs merge=lfs -text
*tfevents* filter=lfs diff=lfs merge=lfs -text
"""

_TEXT = (
    "the a an of to in is it this that model data train test good bad love like hate film "
    "movie great awful weights token tokenizer layer attention head hidden size"
)
WORDS = _TEXT.split()


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "weightscan-bench"
    return Path(os.environ.get("WEIGHTSCAN_BENCH_CACHE", default)) / "hfrepo"


def tiny_bert_config():  # type: ignore[no-untyped-def]
    from transformers import BertConfig

    return BertConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=2,
    )


def write_vocab(path: Path) -> Path:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    path.write_text("\n".join(specials + WORDS) + "\n", encoding="utf-8")
    return path


# --- transformers ---------------------------------------------------------------------


def build_transformers(out: Path) -> None:
    import torch
    from transformers import BertForSequenceClassification, BertTokenizerFast

    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny_bert_config())
    tok_dir = out / "bert-tokenizer-src"
    tok_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = BertTokenizerFast(vocab_file=str(write_vocab(tok_dir / "vocab.txt")))
    model.save_pretrained(out / "bert")  # model.safetensors + config.json
    tokenizer.save_pretrained(out / "bert")  # tokenizer.json, vocab.txt, configs
    state = model.state_dict()
    for folder, zipped in (("bert-bin", True), ("bert-legacy", False)):
        # transformers 4 wrote pytorch_model.bin with torch.save (5 writes safetensors only)
        target = out / folder
        target.mkdir(exist_ok=True)
        torch.save(state, target / "pytorch_model.bin", _use_new_zipfile_serialization=zipped)
        model.config.save_pretrained(target)
    model.save_pretrained(out / "bert-sharded", max_shard_size="40KB")
    write_bin_shards(state, out / "bert-sharded-bin", shards=3)
    shutil.rmtree(tok_dir)


def write_bin_shards(state: dict, target: Path, shards: int) -> None:  # type: ignore[type-arg]
    """pytorch_model-0000i-of-0000n.bin and the index, as transformers 4 sharded them."""
    import json

    import torch

    target.mkdir(parents=True, exist_ok=True)
    names = list(state)
    weight_map = {}
    for i in range(shards):
        shard = f"pytorch_model-{i + 1:05d}-of-{shards:05d}.bin"
        part = {k: state[k] for k in names[i::shards]}
        torch.save(part, target / shard)
        weight_map.update(dict.fromkeys(part, shard))
    size = sum(v.numel() * v.element_size() for v in state.values())
    index = {"metadata": {"total_size": size}, "weight_map": dict(sorted(weight_map.items()))}
    (target / "pytorch_model.bin.index.json").write_text(json.dumps(index, indent=2) + "\n")


def build_trainer_checkpoint(out: Path) -> None:
    import torch
    from transformers import BertForSequenceClassification, Trainer, TrainingArguments

    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny_bert_config())
    rows = [
        {
            "input_ids": torch.tensor([2, 5 + i % 20, 6, 3]),
            "attention_mask": torch.ones(4, dtype=torch.long),
            "labels": torch.tensor(i % 2),
        }
        for i in range(8)
    ]
    args = TrainingArguments(
        output_dir=str(out / "trainer"),
        per_device_train_batch_size=4,
        num_train_epochs=1,
        save_steps=2,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        seed=0,
    )
    Trainer(model=model, args=args, train_dataset=rows).train()
    args_bin = TrainingArguments(
        output_dir=str(out / "trainer-bin"),
        per_device_train_batch_size=4,
        max_steps=1,
        save_steps=1,
        report_to=[],
        use_cpu=True,
        lr_scheduler_type="cosine",
        optim="adamw_torch",
        seed=0,
    )
    Trainer(model=model, args=args_bin, train_dataset=rows).train()


def build_seq2seq_args(out: Path) -> None:
    import torch
    from transformers import Seq2SeqTrainingArguments

    target = out / "seq2seq"
    target.mkdir(parents=True, exist_ok=True)
    args = Seq2SeqTrainingArguments(
        output_dir=str(target), report_to=[], use_cpu=True, predict_with_generate=True
    )
    torch.save(args, target / "training_args.bin")


# --- peft -----------------------------------------------------------------------------


def build_peft(out: Path) -> None:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import BertForSequenceClassification

    torch.manual_seed(0)
    base = BertForSequenceClassification(tiny_bert_config())
    lora = get_peft_model(base, LoraConfig(r=2, lora_alpha=4, target_modules=["query", "value"]))
    lora.save_pretrained(out / "peft")  # adapter_model.safetensors + adapter_config.json
    lora.save_pretrained(out / "peft-bin", safe_serialization=False)  # adapter_model.bin


# --- sentence-transformers ------------------------------------------------------------


def build_sentence_transformers(out: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertModel, BertTokenizerFast

    torch.manual_seed(0)
    src = out / "st-src"
    src.mkdir(parents=True, exist_ok=True)
    BertModel(tiny_bert_config()).save_pretrained(src)
    BertTokenizerFast(vocab_file=str(write_vocab(src / "vocab.txt"))).save_pretrained(src)
    word = models.Transformer(str(src), max_seq_length=16)
    pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    dense = models.Dense(word.get_word_embedding_dimension(), 8)
    SentenceTransformer(modules=[word, pooling, dense, models.Normalize()], device="cpu").save(
        str(out / "sentence-transformers")
    )
    shutil.rmtree(src)


# --- diffusers ------------------------------------------------------------------------


def build_diffusers(out: Path) -> None:
    import torch
    from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel

    torch.manual_seed(0)
    unet = UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        layers_per_block=1,
        block_out_channels=(8, 8),
        norm_num_groups=4,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
    )
    pipe = DDPMPipeline(unet=unet, scheduler=DDPMScheduler(num_train_timesteps=10))
    pipe.save_pretrained(out / "diffusers")
    pipe.save_pretrained(out / "diffusers-bin", safe_serialization=False)


# --- lightning ------------------------------------------------------------------------


def build_lightning(out: Path) -> None:
    import torch

    try:
        import lightning.pytorch as pl
    except ImportError:
        import pytorch_lightning as pl  # type: ignore[no-redef]

    class TinyModule(pl.LightningModule):
        def __init__(self, hidden: int = 4, lr: float = 0.01, name: str = "tiny") -> None:
            super().__init__()
            self.save_hyperparameters()
            self.layer = torch.nn.Linear(hidden, 1)

        def training_step(self, batch, _index):  # type: ignore[no-untyped-def]
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, _index):  # type: ignore[no-untyped-def]
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
            return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, 1)}

    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(16, 4), torch.randn(16, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=4)
    target = out / "lightning"
    callbacks = [
        pl.callbacks.ModelCheckpoint(dirpath=target, monitor="val_loss", save_last=True),
        pl.callbacks.EarlyStopping(monitor="val_loss", patience=3),
        pl.callbacks.LearningRateMonitor(),
    ]
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="cpu",
        logger=pl.loggers.CSVLogger(str(target)),
        callbacks=callbacks,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=str(target),
    )
    trainer.fit(TinyModule(), loader, loader)


# --- tokenizers -----------------------------------------------------------------------


def build_tokenizers(out: Path) -> None:
    from tokenizers import ByteLevelBPETokenizer

    target = out / "gpt2-tokenizer"
    target.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([" ".join(WORDS)] * 20, vocab_size=300, min_frequency=1)
    bpe.save_model(str(target))  # vocab.json + merges.txt
    bpe.save(str(target / "tokenizer.json"))


def build_sentencepiece(out: Path) -> None:
    import sentencepiece as spm

    target = out / "sentencepiece"
    target.mkdir(parents=True, exist_ok=True)
    corpus = target / "corpus.txt"
    corpus.write_text(
        "\n".join(" ".join(WORDS[i:] + WORDS[:i]) for i in range(len(WORDS))), encoding="utf-8"
    )
    for name, kind in (("tokenizer", "bpe"), ("spiece", "unigram")):
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(target / name),
            vocab_size=48,
            model_type=kind,
            minloglevel=2,
        )
        (target / f"{name}.vocab").unlink()
    corpus.unlink()


# --- xgboost / lightgbm / sklearn / numpy ---------------------------------------------


def _xy():  # type: ignore[no-untyped-def]
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4))
    return x, (x[:, 0] > 0).astype(int)


def build_xgboost(out: Path) -> None:
    import xgboost as xgb

    target = out / "xgboost"
    target.mkdir(parents=True, exist_ok=True)
    x, y = _xy()
    booster = xgb.train({"max_depth": 2}, xgb.DMatrix(x, label=y), num_boost_round=3)
    booster.save_model(target / "model.json")
    booster.save_model(target / "model.ubj")
    _pickled(target, booster, xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(x, y))


def _pickled(target: Path, booster: object, classifier: object) -> None:
    """What users share of a gradient-boosting model besides its own format: pickles."""
    import joblib

    (target / "booster.pkl").write_bytes(pickle.dumps(booster))
    (target / "classifier.pkl").write_bytes(pickle.dumps(classifier))
    joblib.dump(classifier, target / "classifier.joblib")


def build_lightgbm(out: Path) -> None:
    import lightgbm as lgb

    target = out / "lightgbm"
    target.mkdir(parents=True, exist_ok=True)
    x, y = _xy()
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "num_leaves": 4, "min_data_in_leaf": 2},
        lgb.Dataset(x, label=y),
        num_boost_round=3,
    )
    booster.save_model(str(target / "model.txt"))
    _pickled(
        target, booster, lgb.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1).fit(x, y)
    )


def build_sklearn(out: Path) -> None:
    import joblib
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    target = out / "sklearn"
    target.mkdir(parents=True, exist_ok=True)
    x, y = _xy()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(x, y)
    joblib.dump(pipe, target / "pipeline.joblib")
    joblib.dump(pipe, target / "pipeline.pkl.gz", compress=3)
    columns = ColumnTransformer(
        [("num", StandardScaler(), [0, 1]), ("cat", OneHotEncoder(), [2])], remainder="drop"
    )
    forest = Pipeline(
        [("cols", columns), ("rf", RandomForestClassifier(n_estimators=3, random_state=0))]
    )
    xs = x.copy()
    xs[:, 2] = (xs[:, 2] > 0).astype(float)
    joblib.dump(forest.fit(xs, y), target / "model.joblib")
    (target / "skops-free.pkl").write_bytes(pickle.dumps(pipe))


def build_numpy(out: Path) -> None:
    import numpy as np

    target = out / "numpy"
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    np.savez(target / "arrays.npz", embeddings=rng.normal(size=(8, 4)), ids=np.arange(8))
    np.savez_compressed(target / "compressed.npz", w=rng.normal(size=(4, 4)).astype(np.float16))
    np.save(target / "mean.npy", rng.normal(size=4))


# --- torch-only files and formats of other frameworks ---------------------------------


def build_torch_misc(out: Path) -> None:
    import torch

    target = out / "torch"
    target.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    torch.save(net.state_dict(), target / "model.pth")
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    net(torch.randn(2, 4)).sum().backward()
    opt.step()
    torch.save(opt.state_dict(), target / "optimizer.pt")
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)
    torch.save({"last_epoch": sched.last_epoch, "_step_count": 1}, target / "scheduler.pt")
    # rust-bert / tch's VarStore::save writes a TorchScript archive of named tensors
    holder = torch.nn.Module()
    for i, (name, value) in enumerate(net.state_dict().items()):
        holder.register_buffer(f"t{i}_{name.replace('.', '_')}", value)
    torch.jit.save(torch.jit.script(holder), target / "rust_model.ot")
    torch.save(
        {"epoch": 3, "model": net.state_dict(), "optimizer": opt.state_dict(), "loss": 0.25},
        target / "checkpoint.tar",
    )


def build_onnx(out: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    target = out / "onnx"
    target.mkdir(parents=True, exist_ok=True)
    weight = numpy_helper.from_array(np.ones((4, 2), dtype=np.float32), "weight")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["input", "weight"], ["logits"])],
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        [weight],
    )
    model = helper.make_model(
        graph, producer_name="pytorch", opset_imports=[helper.make_opsetid("", 17)]
    )
    onnx.save(model, target / "model.onnx")


def build_flax(out: Path) -> None:
    import msgpack
    import numpy as np

    def encode(obj: object) -> object:  # flax.serialization's ndarray extension (code 1)
        if isinstance(obj, np.ndarray):
            return msgpack.ExtType(1, msgpack.packb((obj.shape, obj.dtype.name, obj.tobytes())))
        return obj

    target = out / "flax"
    target.mkdir(parents=True, exist_ok=True)
    params = {
        "bert": {
            "embeddings": {"word_embeddings": {"embedding": np.zeros((8, 4), np.float32)}},
            "pooler": {"dense": {"kernel": np.ones((4, 4), np.float32), "bias": np.zeros(4)}},
        }
    }
    (target / "flax_model.msgpack").write_bytes(msgpack.packb(params, default=encode))


def build_tf_h5(out: Path) -> None:
    """What transformers' TFPreTrainedModel.save_pretrained writes (Keras 2 save_weights)."""
    import h5py
    import numpy as np

    target = out / "tf"
    target.mkdir(parents=True, exist_ok=True)
    with h5py.File(target / "tf_model.h5", "w") as f:
        f.attrs["layer_names"] = [b"bert", b"classifier"]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for layer, weights in (
            ("bert", {"bert/embeddings/word_embeddings/weight:0": (8, 4)}),
            ("classifier", {"classifier/kernel:0": (4, 2), "classifier/bias:0": (2,)}),
        ):
            group = f.create_group(layer)
            group.attrs["weight_names"] = [n.encode() for n in weights]
            for name, shape in weights.items():
                group.create_dataset(name, data=np.zeros(shape, np.float32))


def build_repo_text(out: Path) -> None:
    target = out / "repo"
    target.mkdir(parents=True, exist_ok=True)
    (target / "README.md").write_text(README, encoding="utf-8")
    (target / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
    (target / "LICENSE").write_text("Apache License\nVersion 2.0, January 2004\n", "utf-8")
    (target / "image.png").write_bytes(_png(16, 8))
    try:
        from PIL import Image

        Image.new("RGB", (16, 8), (200, 30, 30)).save(target / "example.jpg", quality=80)
        Image.new("RGB", (16, 8), (20, 30, 230)).save(target / "banner.webp")
        Image.new("RGB", (16, 8), (20, 130, 30)).save(target / "loss.gif")
    except ImportError:
        pass


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([x * 15 % 256, 80, 160]) * width for x in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


BUILDERS: tuple[tuple[str, Callable[[Path], None]], ...] = (
    ("transformers", build_transformers),
    ("transformers-trainer", build_trainer_checkpoint),
    ("transformers-seq2seq", build_seq2seq_args),
    ("peft", build_peft),
    ("sentence-transformers", build_sentence_transformers),
    ("diffusers", build_diffusers),
    ("lightning", build_lightning),
    ("tokenizers", build_tokenizers),
    ("sentencepiece", build_sentencepiece),
    ("xgboost", build_xgboost),
    ("lightgbm", build_lightgbm),
    ("sklearn", build_sklearn),
    ("numpy", build_numpy),
    ("torch", build_torch_misc),
    ("onnx", build_onnx),
    ("flax", build_flax),
    ("tf-h5", build_tf_h5),
    ("repo-text", build_repo_text),
)


def build(out: Path, only: set[str] | None = None) -> dict[str, str]:
    """Build every group (or ``only`` those) into ``out``; group -> "ok" or why not."""
    status = {}
    for name, builder in BUILDERS:
        if only and name not in only:
            continue
        group = out / name
        if group.exists() and any(group.rglob("*")) and (group / ".done").exists():
            status[name] = "ok"
            continue
        shutil.rmtree(group, ignore_errors=True)
        group.mkdir(parents=True)
        cwd = os.getcwd()
        try:
            os.chdir(group)  # libraries that write next to the working directory stay inside
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                builder(group)
            (group / ".done").write_text("", encoding="utf-8")
            status[name] = "ok"
        except ImportError as exc:
            status[name] = f"skipped: {exc}"
        except Exception as exc:  # a library's own failure: report it, build the rest
            status[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
        finally:
            os.chdir(cwd)
        log(f"{name}: {status[name]}")
    return status


def kind_of(path: Path) -> str:
    """A file's kind for the table: its name where names are fixed, else its extension."""
    name = path.name
    fixed = {
        "training_args.bin",
        "optimizer.pt",
        "scheduler.pt",
        "rng_state.pth",
        "trainer_state.json",
        "tokenizer.json",
        "tokenizer.model",
        "spiece.model",
        "vocab.txt",
        "merges.txt",
        "modules.json",
        "model_index.json",
        "scheduler_config.json",
        "README.md",
        ".gitattributes",
        "flax_model.msgpack",
        "tf_model.h5",
        "rust_model.ot",
        "adapter_model.bin",
        "adapter_model.safetensors",
        "adapter_config.json",
        "config.json",
    }
    if name in fixed:
        return name
    if name.startswith("pytorch_model") and name.endswith(".bin"):
        return "pytorch_model*.bin (" + ("legacy" if "legacy" in str(path) else "zip") + ")"
    if name.endswith(".index.json"):
        return "*.index.json"
    suffixes = "".join(path.suffixes[-2:]) if name.endswith((".gz", ".bz2", ".xz")) else path.suffix
    return f"*{suffixes or name}"


def scan_all(root: Path) -> list[tuple[Path, str, list[str]]]:
    from weightscan.scanner import scan_file

    out = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".done"):
        report = scan_file(path)
        rules = sorted({f.rule_id for f in report.findings if f.severity.name != "INFO"})
        out.append((path, report.verdict.value, rules))
    return out


def table(results: Sequence[tuple[Path, str, list[str]]]) -> str:
    groups: dict[str, list[str]] = defaultdict(list)
    for path, verdict, _ in results:
        groups[kind_of(path)].append(verdict)
    lines = ["| file kind | n | not clean | verdicts |", "|---|---|---|---|"]
    for kind, verdicts in sorted(groups.items()):
        counts = Counter(verdicts)
        flagged = len(verdicts) - counts["clean"]
        shown = ", ".join(f"{v} {n}" for v, n in sorted(counts.items()))
        lines.append(f"| {kind} | {len(verdicts)} | {flagged} | {shown} |")
    total = len(results)
    flagged = sum(1 for _, v, _ in results if v != "clean")
    lines.append(f"| **all** | {total} | {flagged} ({100 * flagged / max(total, 1):.0f}%) | |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--list", action="store_true", help="print every file's verdict and rules")
    p.add_argument("--rebuild", action="store_true", help="delete the cached files first")
    p.add_argument("--only", default="", help="comma-separated groups to build and scan")
    args = p.parse_args(argv)
    root = cache_dir()
    if args.rebuild:
        shutil.rmtree(root, ignore_errors=True)
    only = {g.strip() for g in args.only.split(",") if g.strip()} or None
    status = build(root, only)
    results = [r for r in scan_all(root) if only is None or r[0].relative_to(root).parts[0] in only]
    print("## Harmless Hugging Face-style repository files\n")
    print("groups: " + ", ".join(f"{k} {v}" for k, v in status.items()) + "\n")
    print(table(results))
    if args.list:
        print()
        for path, verdict, rules in results:
            print(f"{verdict:10} {path.relative_to(root)}  {', '.join(rules)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
