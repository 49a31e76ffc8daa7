"""Makes the committed parity fixtures and the shipped sample model.

Everything here is random or written for lukelab: a byte-level BPE vocabulary trained on the
sentences below, two tiny LUKE models with random weights (LayerNorm included), and the outputs
of Hugging Face `transformers` (torch 2.13.0, CPU, float32) on a set of inputs. The TypeScript
tests load the same folders and must reproduce these outputs.

    .venv/bin/python scripts/make_fixtures.py            # writes test/fixtures/parity and samples/

Outputs per model (test/fixtures/parity/<name>/):
    safetensors/   config.json, model.safetensors and the tokenizer files
    bin/           the same model as pytorch_model.bin
    expected.json  inputs (texts written here, or references into ../shared/data/open-entity),
                   token ids, entity fields, tensor shapes and offsets into expected.f32
    expected.f32   little-endian float32 values of the hidden states, logits and attentions

Open Entity sentences are referenced by split and index and read from ../shared/data at test
time; no dataset text is stored in the fixtures.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    AddedToken,
    LukeConfig,
    LukeForEntityClassification,
    LukeForEntitySpanClassification,
    LukeTokenizer,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LUKELAB_SHARED", ROOT.parent / "shared"))
OUT = ROOT / "test" / "fixtures" / "parity"
SAMPLES = ROOT / "samples"

# The corpus the tiny BPE vocabulary is trained on. Written for lukelab.
CORPUS = [
    "The committee met in Geneva on Tuesday to discuss the new treaty.",
    "Ada Lovelace wrote the first published algorithm for a machine.",
    "Marie Curie won two Nobel prizes, in physics and in chemistry.",
    "The river runs north through three countries before it reaches the sea.",
    "Our team released version 2.0 of the library last spring.",
    "She said the company would open an office in Nairobi next year.",
    "He played for the national team at the world championship in Oslo.",
    "The museum in Kyoto keeps a collection of old maps and letters.",
    "A storm closed the airport, and hundreds of flights were cancelled.",
    "The president of the university spoke about research and teaching.",
    "They founded the organization to protect forests and rivers.",
    "During the festival the streets of Lagos were full of music.",
    "The election took place in March, and the results came a week later.",
    "Alan Turing studied at Cambridge and worked at Bletchley Park.",
    "The spacecraft Apollo 11 landed on the Moon in July 1969.",
    "Prices rose by 3 percent, the bank said in its report on Thursday.",
    "The band played songs from their first album at the concert.",
    "Engineers in Berlin tested the bridge before it opened to traffic.",
    "The group of students travelled by train from Paris to Rome.",
    "It's the people who'll decide what they're going to build.",
    "Scientists measured the temperature of the ocean at many depths.",
    "The court ruled that the law was consistent with the constitution.",
    "A new hospital will serve the city and the villages around it.",
    "The author signed copies of her novel at the bookshop downtown.",
]

OPEN_ENTITY_LABELS = ["entity", "event", "group", "location", "object", "organization", "person", "place", "time"]
SPAN_LABELS = ["NIL", "MISC", "PER", "ORG", "LOC"]
ENTITY_TITLES = ["[PAD]", "[UNK]", "[MASK]", "[MASK2]", "Ada Lovelace", "Geneva", "Thursday", "Apollo 11", "Marie Curie", "Oslo"]


def cp(text: str, sub: str, occurrence: int = 0) -> list[int]:
    """The [start, end) span of `sub` in `text`, in code points (Python string indices)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(sub, start + 1)
    return [start, start + len(sub)]


def hard_inputs() -> list[dict]:
    """Strings that exercise the tokenizer's edge cases; spans in code points."""
    items = []

    def add(text: str, *subs: str) -> None:
        items.append({"text": text, "spans": [cp(text, s) for s in subs]})

    add("Beyoncé lives in Los Angeles.", "Beyoncé")
    add(
        "Top seed Ana Ivanovic said on Thursday she could hardly believe her luck as a fortuitous netcord "
        "helped the new world number one avoid a humiliating second- round exit at Wimbledon .",
        "she",
    )
    add("  Two leading spaces before Paris.", "Paris")
    add("Runs   of    spaces   around   Kyoto   here.", "Kyoto")
    add("(Berlin), the capital, answered.", "Berlin")
    add("Müller met Zoë at the café in Zürich.", "Zoë")
    add("The 👍🏽 emoji came from Ada Lovelace.", "Ada Lovelace")
    add("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters come before Turing.", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢")
    add("The span sits at the very end: Lagos", "Lagos")
    add("Oslo is where the span starts.", "Oslo")
    add("Geneva", "Geneva")
    add("Tabs\tand\nnewlines around Nairobi\t.", "Nairobi")
    add('She said "Marie Curie" won twice.', "Marie Curie")
    add("Numbers like 1,234.5 and Apollo 11 matter.", "Apollo 11")
    add("日本語のテキストと東京。", "東京")
    add("A trailing space after Rome ", "Rome")
    add("It's the company's CEO who'll decide.", "company")
    add("Flags 🇳🇴Norway🇳🇴 and 𠀀𠀁 characters.", "Norway")
    add("Mixed 𝔘 and 🎉 before Alan Turing, then 😀 after.", "Alan Turing")
    return items


def open_entity_inputs(count: int) -> list[dict]:
    data = json.loads((SHARED / "data" / "open-entity" / "dev.json").read_text())
    step = len(data) // count
    items = []
    for k in range(count):
        i = k * step + 7
        ex = data[i]
        items.append({"source": {"dataset": "open-entity", "split": "dev", "index": i}, "spans": [[ex["start"], ex["end"]]]})
    return items


def resolve_text(item: dict) -> str:
    if "text" in item:
        return item["text"]
    src = item["source"]
    data = json.loads((SHARED / "data" / src["dataset"] / f"{src['split']}.json").read_text())
    return data[src["index"]]["sent"]


def train_vocab(workdir: Path) -> tuple[Path, Path]:
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS * 3, vocab_size=700, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False)
    bpe.save_model(str(workdir))
    vocab = json.loads((workdir / "vocab.json").read_text())
    # RoBERTa's layout: specials first, BPE tokens, then <mask> right after them.
    vocab["<mask>"] = len(vocab)
    (workdir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    return workdir / "vocab.json", workdir / "merges.txt"


def make_tokenizer(vocab: Path, merges: Path, entity_vocab: Path, task: str) -> LukeTokenizer:
    tok = LukeTokenizer(
        vocab_file=str(vocab),
        merges_file=str(merges),
        entity_vocab_file=str(entity_vocab),
        task=task,
        add_prefix_space=True,
    )
    tok.add_special_tokens(
        {"additional_special_tokens": [AddedToken("<ent>", lstrip=False, rstrip=False), AddedToken("<ent2>", lstrip=False, rstrip=False)]}
    )
    return tok


def randomise(model: torch.nn.Module, seed: int) -> None:
    """Every weight random, LayerNorm included, and the four query matrices all different."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.2 * torch.randn(p.shape, generator=g))
            elif "embeddings" in name and p.dim() == 2 and "dense" not in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
            else:
                scale = 0.3 if p.dim() == 2 else 0.1
                p.copy_(scale * torch.randn(p.shape, generator=g))


class Blob:
    """Collects float32 arrays into one binary file and records where each one lies."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.offset = 0

    def add(self, t: torch.Tensor) -> dict:
        a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
        ref = {"shape": list(a.shape), "offset": self.offset}
        self.parts.append(a.ravel())
        self.offset += a.size
        return ref

    def write(self, path: Path) -> None:
        np.concatenate(self.parts).astype("<f4").tofile(path)


def encode(tok: LukeTokenizer, texts: list[str], spans: list[list[list[int]]], padding) -> dict:
    return tok(texts, entity_spans=[[tuple(s) for s in sp] for sp in spans], padding=padding, return_tensors="pt")


def run_model(model, enc) -> object:
    kwargs = {k: v for k, v in enc.items() if k != "token_type_ids"}
    with torch.no_grad():
        return model(**kwargs, output_attentions=True, output_hidden_states=True)


def record(tok: LukeTokenizer, enc, out, row: int, blob: Blob, attentions: bool) -> dict:
    ids = enc["input_ids"][row]
    rec = {
        "tokens": tok.convert_ids_to_tokens(ids.tolist()),
        "input_ids": ids.tolist(),
        "attention_mask": enc["attention_mask"][row].tolist(),
        "entity_ids": enc["entity_ids"][row].tolist(),
        "entity_position_ids": enc["entity_position_ids"][row].tolist(),
        "entity_attention_mask": enc["entity_attention_mask"][row].tolist(),
        # The task heads return hidden_states, whose last entry is the last hidden state.
        "last_hidden_state": blob.add(out.hidden_states[-1][row]),
        "entity_last_hidden_state": blob.add(out.entity_hidden_states[-1][row]),
        "logits": blob.add(out.logits[row]),
    }
    if "entity_start_positions" in enc:
        rec["entity_start_positions"] = enc["entity_start_positions"][row].tolist()
        rec["entity_end_positions"] = enc["entity_end_positions"][row].tolist()
    if attentions:
        rec["attentions"] = blob.add(torch.stack([a[row] for a in out.attentions]))
    return rec


def build(name: str, model_cls, config: LukeConfig, tok: LukeTokenizer, inputs: list[dict], seed: int, attention_rows: int) -> Path:
    torch.manual_seed(seed)
    model = model_cls(config).eval()
    randomise(model, seed)
    out_dir = OUT / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for fmt, safe in (("safetensors", True), ("bin", False)):
        d = out_dir / fmt
        model.save_pretrained(d, safe_serialization=safe)
        tok.save_pretrained(d)

    blob = Blob()
    records = []
    texts = [resolve_text(it) for it in inputs]
    for k, (item, text) in enumerate(zip(inputs, texts)):
        enc = encode(tok, [text], [item["spans"]], padding=False)
        out = run_model(model, enc)
        # Attentions grow with the square of the length: keep them for the shorter written strings.
        with_attn = k < attention_rows and enc["input_ids"].shape[1] <= 64
        rec = {"input": item, **record(tok, enc, out, 0, blob, attentions=with_attn)}
        records.append(rec)

    # One padded batch with rows of different lengths: four written strings and the shortest
    # dataset sentence (a long one would make the padded attention tensors needlessly big).
    shortest = min(range(len(inputs)), key=lambda i: len(texts[i]) if "source" in inputs[i] else 1 << 30)
    batch_idx = [0, 2, 6, 9, shortest]
    enc = encode(tok, [texts[i] for i in batch_idx], [inputs[i]["spans"] for i in batch_idx], padding=True)
    out = run_model(model, enc)
    batch = {"rows": batch_idx, "outputs": [record(tok, enc, out, r, blob, attentions=True) for r in range(len(batch_idx))]}

    about = {"task": tok.task, "tolerance": {"hidden": 1e-4, "logits": 1e-4, "attentions": 1e-5}}
    write_expected(out_dir, blob, "scripts/make_fixtures.py", model_cls.__name__, about, records, batch)
    return out_dir


def write_expected(out_dir: Path, blob: Blob, made_by: str, architecture: str, about: dict, records: list[dict], batch: dict) -> None:
    """expected.f32 (the blob) and expected.json: which script made it with which versions, the
    architecture, `about` (task, tolerances), every input's outputs and the padded batch's."""
    blob.write(out_dir / "expected.f32")
    meta = {
        "made_by": made_by,
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "architecture": architecture,
        **about,
        "inputs": records,
        "batch": batch,
    }
    (out_dir / "expected.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")


def luke_config(word_vocab_size: int, labels: list[str], **architecture) -> LukeConfig:
    """A tiny LUKE over the fixtures' vocabularies, with these labels and sizes."""
    return LukeConfig(
        vocab_size=word_vocab_size, entity_vocab_size=len(ENTITY_TITLES), max_position_embeddings=514,
        type_vocab_size=1, layer_norm_eps=1e-5, id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
        **architecture,
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="lukelab-fixtures-"))
    vocab, merges = train_vocab(work)
    entity_vocab = work / "entity_vocab.json"
    entity_vocab.write_text(json.dumps({t: i for i, t in enumerate(ENTITY_TITLES)}))
    word_vocab_size = len(json.loads(vocab.read_text())) + 2  # + <ent>, <ent2>

    hard = hard_inputs()
    oe = open_entity_inputs(14)
    inputs = hard + oe

    # A: entity-aware attention, entity_emb_size != hidden_size, entity classification (Open Entity).
    tok_a = make_tokenizer(vocab, merges, entity_vocab, "entity_classification")
    config_a = luke_config(
        word_vocab_size, OPEN_ENTITY_LABELS, hidden_size=32, entity_emb_size=16, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=37, use_entity_aware_attention=True,
    )
    a = build("entity-aware", LukeForEntityClassification, config_a, tok_a, inputs, seed=1234, attention_rows=len(hard))

    # B: plain attention, entity_emb_size == hidden_size, entity span classification with several spans.
    tok_b = make_tokenizer(vocab, merges, entity_vocab, "entity_span_classification")
    inputs_b = [dict(it) for it in inputs]
    inputs_b[1] = {**inputs_b[1], "spans": [cp(inputs_b[1]["text"], s) for s in ("Ana Ivanovic", "Thursday", "she", "Wimbledon")]}
    inputs_b[6] = {**inputs_b[6], "spans": [cp(inputs_b[6]["text"], s) for s in ("👍🏽", "Ada", "Lovelace")]}
    config_b = luke_config(
        word_vocab_size, SPAN_LABELS, hidden_size=24, entity_emb_size=24, num_hidden_layers=3,
        num_attention_heads=3, intermediate_size=40, use_entity_aware_attention=False,
    )
    b = build("plain-attention", LukeForEntitySpanClassification, config_b, tok_b, inputs_b, seed=99, attention_rows=len(hard))

    # The shipped sample: model A with its tokenizer, and a few sentences written for lukelab.
    sample = SAMPLES / "tiny-luke"
    if sample.exists():
        shutil.rmtree(sample)
    shutil.copytree(a / "safetensors", sample)
    shutil.rmtree(work)
    for d in (a, b):
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        print(f"{d.relative_to(ROOT)}: {size / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
