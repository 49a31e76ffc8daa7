"""CoNLL-2003 NER with a tiny, freshly initialised LUKE: lukelab (TF.js) against PyTorch/transformers.

For each seed:
  1. one initial model, made here with transformers (LukeForEntitySpanClassification, random weights
     from torch.manual_seed(seed); lukelab's tiny preset: 2 layers, hidden 128, 4 heads, FFN 512,
     entity embeddings 64, the 4 special entity rows; labels NIL MISC PER ORG LOC), saved with a
     byte-level BPE tokenizer (--vocab tokens) trained on the training words;
  2. lukelab: `lukelab ner run --model-file <init> …` (a separate process, the CLI as a user runs it);
  3. PyTorch: the same training from the same initial weights on the same inputs (lukelab's span
     features, dumped by Node; test/tasks/ner/inputs.test.ts shows they equal transformers' LukeTokenizer's)
     in the same data order (lukelab's epochOrder, asked from Node), with upstream's maths:
     cross-entropy over span labels (padding −100), transformers' AdamW (β 0.9/0.98, ε 1e-6, no bias
     correction, weight decay except biases and LayerNorm weights), linear warm-up then decay, dev
     after every epoch with the best dev F1 kept, upstream's greedy decoding and seqeval's F1. Only
     the dropout masks differ (each framework draws its own); with --dropout 0 --attention-dropout 0
     there are none, and the two runs differ only by rounding (the CI seed, test/tasks/ner/fidelity.test.ts).

It prints and writes <out>/summary.json: per seed the dev and test F1 of both, their means over the
seeds, the difference of the mean test F1 (the target: within 1.5 points), and the CoNLL-2003 shared
task's baseline test F1 (59.61) for scale. Runs outside the tests (minutes per seed with the
defaults: the first --train-docs documents of eng.train, --eval-docs of eng.testa/eng.testb).

    .venv/bin/python scripts/compare_conll.py --out /tmp/conll-compare [--seeds 12 13 14] [--epochs 5]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from seqeval.metrics import f1_score
from transformers import LukeConfig, LukeForEntitySpanClassification, LukeTokenizer
from transformers.optimization import get_linear_schedule_with_warmup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_open_entity import node_orders  # noqa: E402
from make_training_fixtures import NO_DECAY, TransformersAdamW  # noqa: E402

SHARED = Path(os.environ.get("LUKELAB_SHARED", ROOT.parent / "shared"))
LABELS = ["NIL", "MISC", "PER", "ORG", "LOC"]
TINY = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=4, intermediate_size=512, entity_emb_size=64)
CONLL_BASELINE_TEST_F1 = 59.61
FILES = {"train": "eng.train", "dev": "eng.testa", "test": "eng.testb"}


def slice_data(out: Path, train_docs: int, eval_docs: int) -> Path:
    """The first documents of each real file, as a data folder for both sides."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for split, name in FILES.items():
        limit = train_docs if split == "train" else eval_docs
        lines, docs = [], 0
        for line in (SHARED / "data" / "conll2003" / name).read_text(encoding="utf-8").splitlines():
            if line.startswith("-DOCSTART-"):
                docs += 1
                if docs > limit:
                    break
            lines.append(line)
        (data / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def make_initial_model(dir_: Path, data: Path, seed: int, vocab_size: int, attention_dropout: float = 0.1) -> None:
    from tokenizers import ByteLevelBPETokenizer

    raw = dir_ / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    words = [l.split(" ")[0] for l in (data / "eng.train").read_text(encoding="utf-8").splitlines() if l and not l.startswith("-DOCSTART-")]
    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    bpe.train_from_iterator([" ".join(words[i : i + 50]) for i in range(0, len(words), 50)], vocab_size=vocab_size, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False)
    bpe.save_model(str(raw))
    vocab = json.loads((raw / "vocab.json").read_text())
    vocab["<mask>"] = len(vocab)
    (raw / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (raw / "entity_vocab.json").write_text(json.dumps({"[PAD]": 0, "[UNK]": 1, "[MASK]": 2, "[MASK2]": 3}))
    tok = LukeTokenizer(vocab_file=str(raw / "vocab.json"), merges_file=str(raw / "merges.txt"),
                        entity_vocab_file=str(raw / "entity_vocab.json"), task="entity_span_classification", add_prefix_space=True)
    shutil.rmtree(raw)
    config = LukeConfig(
        vocab_size=len(tok), entity_vocab_size=4, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id,
        id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)},
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=attention_dropout, **TINY,
    )
    torch.manual_seed(seed)
    model = LukeForEntitySpanClassification(config)
    model.config.architectures = ["LukeForEntitySpanClassification"]
    model.save_pretrained(dir_)
    tok.save_pretrained(dir_)


def node_features(init: Path, data: Path, args) -> dict:
    """lukelab's sentences and span features of each split (kernel/tasks/ner/inputs.ts)."""
    script = f"""
const {{ readConllDir }} = require('./lib/kernel/data/conll.js');
const {{ LukeTokenizer }} = require('./lib/kernel/tokenizer');
const {{ buildSpanFeatures }} = require('./lib/kernel/tasks/ner/inputs.js');
const tok = LukeTokenizer.fromFolder({json.dumps(str(init))});
const data = readConllDir({json.dumps(str(data))});
const opts = {{ maxSeqLength: {args.max_seq_length}, maxEntityLength: {args.max_entity_length}, maxMentionLength: {args.max_mention_length} }};
const out = {{}};
for (const split of ['train', 'dev', 'test']) {{
  const {{ sentences, features }} = buildSpanFeatures(tok, data[split], {json.dumps(LABELS)}, opts, split);
  out[split] = {{
    sentences: sentences.map((s) => ({{ words: s.words.length, tags: s.tags }})),
    features: features.map((f) => ({{ sentence: f.sentence, spans: f.spans, labels: f.labels, input_ids: f.encoding.inputIds,
      entity_position_ids: f.encoding.entityPositionIds, starts: f.encoding.entityStartPositions, ends: f.encoding.entityEndPositions }})),
  }};
}}
process.stdout.write(JSON.stringify(out));
"""
    r = subprocess.run(["node", "-e", script], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(r.stdout)


def collate(features: list[dict], pad_id: int, mention: int):
    B = len(features)
    L = max(len(f["input_ids"]) for f in features)
    E = max(len(f["spans"]) for f in features)
    enc = {
        "input_ids": torch.full((B, L), pad_id, dtype=torch.long),
        "attention_mask": torch.zeros((B, L), dtype=torch.long),
        "entity_ids": torch.zeros((B, E), dtype=torch.long),
        "entity_attention_mask": torch.zeros((B, E), dtype=torch.long),
        "entity_position_ids": torch.full((B, E, mention), -1, dtype=torch.long),
        "entity_start_positions": torch.zeros((B, E), dtype=torch.long),
        "entity_end_positions": torch.zeros((B, E), dtype=torch.long),
    }
    labels = torch.full((B, E), -100, dtype=torch.long)
    for i, f in enumerate(features):
        n, e = len(f["input_ids"]), len(f["spans"])
        enc["input_ids"][i, :n] = torch.tensor(f["input_ids"])
        enc["attention_mask"][i, :n] = 1
        enc["entity_ids"][i, :e] = 2  # [MASK]
        enc["entity_attention_mask"][i, :e] = 1
        enc["entity_position_ids"][i, :e] = torch.tensor(f["entity_position_ids"])
        enc["entity_start_positions"][i, :e] = torch.tensor(f["starts"])
        enc["entity_end_positions"][i, :e] = torch.tensor(f["ends"])
        labels[i, :e] = torch.tensor(f["labels"])
    return enc, labels


@torch.no_grad()
def evaluate(model, split: dict, pad_id: int, mention: int, batch_size=32) -> float:
    """Upstream's decoding (argmax; non-NIL spans by max logit, no overlaps) and seqeval's F1."""
    model.eval()
    candidates = [[] for _ in split["sentences"]]
    feats = split["features"]
    for at in range(0, len(feats), batch_size):
        batch = feats[at : at + batch_size]
        enc, _ = collate(batch, pad_id, mention)
        logits = model(**enc).logits
        for i, f in enumerate(batch):
            values, labels = logits[i, : len(f["spans"])].max(dim=-1)
            for (s, e), v, l in zip(f["spans"], values.tolist(), labels.tolist()):
                if l != 0:
                    candidates[f["sentence"]].append((v, s, e, LABELS[l]))
    model.train()
    pred = []
    for sent, cands in zip(split["sentences"], candidates):
        tags = ["O"] * sent["words"]
        for _, s, e, t in sorted(cands, key=lambda c: -c[0]):
            if all(x == "O" for x in tags[s:e]):
                tags[s:e] = ["B-" + t] + ["I-" + t] * (e - s - 1)
        pred.append(tags)
    return f1_score([s["tags"] for s in split["sentences"]], pred)


def train_torch(init: Path, seed: int, args, feats: dict) -> dict:
    torch.manual_seed(seed)
    pad = LukeTokenizer.from_pretrained(init).pad_token_id
    model = LukeForEntitySpanClassification.from_pretrained(init, hidden_dropout_prob=args.dropout)
    model.train()
    named = list(model.named_parameters())
    opt = TransformersAdamW(
        [
            {"params": [p for n, p in named if not any(nd in n for nd in NO_DECAY)], "weight_decay": args.weight_decay},
            {"params": [p for n, p in named if any(nd in n for nd in NO_DECAY)], "weight_decay": 0.0},
        ],
        lr=args.lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=args.weight_decay, correct_bias=False,
    )
    train = feats["train"]["features"]
    spe = -(-len(train) // args.batch)
    total = int(spe * args.epochs)
    sched = get_linear_schedule_with_warmup(opt, int(total * args.warmup), total)
    orders = node_orders(len(train), seed, -(-total // spe))
    best, best_f1, dev_f1, step = None, -1.0, [], 0
    for epoch, order in enumerate(orders):
        for s in range(spe):
            if step == total:
                break
            enc, labels = collate([train[i] for i in order[s * args.batch : (s + 1) * args.batch]], pad, args.max_mention_length)
            model(**enc, labels=labels).loss.backward()
            opt.step()
            sched.step()
            model.zero_grad()
            step += 1
        if step % spe == 0:
            f1 = evaluate(model, feats["dev"], pad, args.max_mention_length)
            dev_f1.append(f1)
            print(f"  torch seed {seed} epoch {epoch}: dev F1 {f1:.4f}", flush=True)
            if f1 > best_f1:
                best_f1, best = f1, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best)
    return {"dev_f1": evaluate(model, feats["dev"], pad, args.max_mention_length),
            "test_f1": evaluate(model, feats["test"], pad, args.max_mention_length), "dev_f1_per_epoch": dev_f1}


def run_lukelab(init: Path, data: Path, out: Path, seed: int, args) -> dict:
    cmd = [
        "node", str(ROOT / "bin" / "lukelab.js"), "ner", "run", "--model-file", str(init), "--data-dir", str(data),
        "--output-dir", str(out), "--seed", str(seed), "--num-train-epochs", str(args.epochs), "--train-batch-size", str(args.batch),
        "--gradient-accumulation-steps", "1", "--learning-rate", str(args.lr), "--weight-decay", str(args.weight_decay),
        "--warmup-proportion", str(args.warmup), "--hidden-dropout-prob", str(args.dropout),
        "--max-seq-length", str(args.max_seq_length), "--max-entity-length", str(args.max_entity_length),
        "--max-mention-length", str(args.max_mention_length), "--dont-save-model", "--restart", "--quiet",
    ]
    subprocess.run(cmd, check=True, cwd=ROOT)
    r = json.loads((out / "results.json").read_text())
    k = len([x for x in r if x.startswith("dev_f1_epoch")])
    return {"dev_f1": r["dev_f1"], "test_f1": r["test_f1"], "dev_f1_per_epoch": [r[f"dev_f1_epoch{i}"] for i in range(k)],
            "backend": r["lukelab"]["backend"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[12, 13, 14])
    ap.add_argument("--epochs", type=float, default=5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--dropout", type=float, default=0.1, help="hidden dropout of both sides")
    ap.add_argument("--attention-dropout", type=float, default=0.1, help="attention dropout of the initial model's config (both sides)")
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--train-docs", type=int, default=100)
    ap.add_argument("--eval-docs", type=int, default=20)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--max-entity-length", type=int, default=128)
    ap.add_argument("--max-mention-length", type=int, default=16)
    ap.add_argument("--torch-threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.torch_threads)
    args.out.mkdir(parents=True, exist_ok=True)
    data = slice_data(args.out, args.train_docs, args.eval_docs)
    rows = []
    for seed in args.seeds:
        init = args.out / f"init-{seed}"
        make_initial_model(init, data, seed, args.vocab, args.attention_dropout)
        feats = node_features(init, data, args)
        t0 = time.time()
        lukelab = run_lukelab(init, data, args.out / f"lukelab-{seed}", seed, args)
        t1 = time.time()
        torch_r = train_torch(init, seed, args, feats)
        t2 = time.time()
        row = {"seed": seed, "lukelab": lukelab, "torch": torch_r, "lukelab_seconds": t1 - t0, "torch_seconds": t2 - t1}
        print(f"seed {seed}: test F1 lukelab {lukelab['test_f1']:.4f}, torch {torch_r['test_f1']:.4f}", flush=True)
        rows.append(row)
    mean = lambda side, k: float(np.mean([r[side][k] for r in rows]))  # noqa: E731
    summary = {
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "seeds": rows,
        "mean_test_f1": {"lukelab": mean("lukelab", "test_f1"), "torch": mean("torch", "test_f1")},
        "mean_dev_f1": {"lukelab": mean("lukelab", "dev_f1"), "torch": mean("torch", "dev_f1")},
        "conll2003_baseline_test_f1": CONLL_BASELINE_TEST_F1 / 100,
    }
    diff = 100 * abs(summary["mean_test_f1"]["lukelab"] - summary["mean_test_f1"]["torch"])
    summary["mean_test_f1_difference_points"] = diff
    summary["within_1_5_points"] = diff <= 1.5
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"mean test F1: lukelab {100 * summary['mean_test_f1']['lukelab']:.2f}, torch {100 * summary['mean_test_f1']['torch']:.2f} "
          f"(difference {diff:.2f} points; target ≤ 1.5); CoNLL-2003 baseline {CONLL_BASELINE_TEST_F1}")


if __name__ == "__main__":
    main()
