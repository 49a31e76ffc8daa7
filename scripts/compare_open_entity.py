"""Open Entity with a tiny, freshly initialised LUKE: lukelab (TF.js) against PyTorch/transformers.

For each seed:
  1. one initial model, made here with transformers (LukeForEntityClassification, random weights
     from torch.manual_seed(seed); the tiny preset of lukelab: 2 layers, hidden 128, 4 heads, FFN
     512, entity embeddings 64, entity vocabulary of the 4 special rows; with --tie-init, the
     default, the entity-to-word queries start as the key projection, see make_initial_model), saved
     with a byte-level BPE tokenizer of 2,000 tokens trained on the train split;
  2. lukelab: `lukelab entity-typing run --model-file <init> …` (a separate process, the CLI as a
     user runs it);
  3. PyTorch: the same training from the same initial weights, in the same data order (the order
     lukelab uses, asked from Node), with the original's maths: BCE on the 9 logits, transformers'
     AdamW (β 0.9/0.98, ε 1e-6, no bias correction, weight decay 0.01 except biases and LayerNorm
     weights), linear warm-up over 6 % of the steps then linear decay, dev evaluation after every
     epoch, the best dev F1 kept. Only the dropout masks differ (each framework draws its own).

It prints and writes (<out>/summary.json) per seed: dev micro-F1 of the kept weights, test F1, the
mean training loss of the first and last epoch, seconds per epoch; the mean over seeds; and the
"always answer person" baseline. test/open-entity makes its initial model with --init-only and runs
lukelab's side of seed 12; the whole comparison takes minutes and runs outside the tests.

    .venv/bin/python scripts/compare_open_entity.py --out /tmp/oe-compare [--seeds 12 13 14] [--epochs 8] [--context-window 4]

Defaults (chosen by a few PyTorch trials on seed 12; a from-scratch tiny model overfits 2k examples
quickly): batch 16, lr 1e-3, 8 epochs, hidden dropout 0.3, weight decay 0.1, warm-up 0.06, four words
of context on each side of the mention (lukelab's --context-window 4; -1 keeps whole sentences, where a
randomly initialised tiny model cannot find its mention: docs/entity-typing.md, "Open Entity with a tiny LUKE").
--init-only writes the initial models and stops (test/open-entity uses it).
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
from transformers import LukeConfig, LukeForEntityClassification, LukeTokenizer
from transformers.optimization import get_linear_schedule_with_warmup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_training_fixtures import NO_DECAY, TransformersAdamW  # noqa: E402

SHARED = Path(os.environ.get("LUKELAB_SHARED", ROOT.parent / "shared"))
LABELS = ["entity", "event", "group", "location", "object", "organization", "person", "place", "time"]
PTB = [("-LRB-", "("), ("-LCB-", "("), ("-LSB-", "("), ("-RRB-", ")"), ("-RCB-", ")"), ("-RSB-", ")")]
TINY = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=4, intermediate_size=512, entity_emb_size=64)


def build_tokenizer(dir_: Path, vocab_size: int) -> LukeTokenizer:
    """A byte-level BPE trained on the train split's sentences, in RoBERTa's layout (<s> <pad> </s>
    <unk>, the BPE tokens, <mask>; <ent>/<ent2> added). RoBERTa's own 50k vocabulary would put
    6.4M of the tiny model's 7M weights in the word embeddings (every AdamW step updates the whole
    table) and a randomly initialised model memorises 2k sentences through them; 2k tokens
    generalise better (dev F1 +0.02 in a trial) and keep sentences short."""
    from tokenizers import ByteLevelBPETokenizer

    raw = dir_ / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    sentences = [to_input(r)[0] for r in read_split("train")]
    bpe.train_from_iterator(sentences, vocab_size=vocab_size, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False)
    bpe.save_model(str(raw))
    vocab = json.loads((raw / "vocab.json").read_text())
    vocab["<mask>"] = len(vocab)
    (raw / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (raw / "entity_vocab.json").write_text(json.dumps({"[PAD]": 0, "[UNK]": 1, "[MASK]": 2, "[MASK2]": 3}))
    tok = LukeTokenizer(
        vocab_file=str(raw / "vocab.json"),
        merges_file=str(raw / "merges.txt"),
        entity_vocab_file=str(raw / "entity_vocab.json"),
        task="entity_classification",
        add_prefix_space=True,
    )
    shutil.rmtree(raw)
    return tok


def make_initial_model(dir_: Path, seed: int, vocab_size: int, layers: int, tie: bool) -> None:
    tok = build_tokenizer(dir_, vocab_size)
    config = LukeConfig(
        vocab_size=len(tok),
        entity_vocab_size=4,
        max_position_embeddings=514,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.cls_token_id,
        eos_token_id=tok.sep_token_id,
        id2label=dict(enumerate(LABELS)),
        label2id={l: i for i, l in enumerate(LABELS)},
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        **{**TINY, "num_hidden_layers": layers},
    )
    torch.manual_seed(seed)
    model = LukeForEntityClassification(config)
    if tie:
        # The entity position table is the word position table (entity position ids are raw token
        # indices; word j looks up row j + pad + 1), and the entity-to-word query is the key projection,
        # so an entity's query leans towards the keys of the words at its own positions. At this scale
        # (weights N(0, 0.02)) the lean is slight: 14.8 % of the first layer's entity attention on the
        # mention, against 14.4 % for uniform attention. The other entity-aware queries start as the
        # word query, as the original's conversion of pretrained weights does.
        with torch.no_grad():
            luke = model.luke
            offset = tok.pad_token_id + 1
            words = luke.embeddings.position_embeddings.weight
            luke.entity_embeddings.position_embeddings.weight[: words.shape[0] - offset].copy_(words[offset:])
            for layer in luke.encoder.layer:
                sa = layer.attention.self
                sa.e2w_query.weight.copy_(sa.key.weight)
                sa.e2w_query.bias.copy_(sa.key.bias)
                for q in (sa.w2e_query, sa.e2e_query):
                    q.weight.copy_(sa.query.weight)
                    q.bias.copy_(sa.query.bias)
    model.config.architectures = ["LukeForEntityClassification"]
    model.save_pretrained(dir_)
    tok.save_pretrained(dir_)


def read_split(split: str) -> list[dict]:
    return json.loads((SHARED / "data" / "open-entity" / f"{split}.json").read_text())


def context_window(ex: dict, words: int | None) -> dict:
    """lukelab's --context-window (kernel/data/open-entity.ts withContextWindow): the sentence cut to the
    mention and `words` whitespace-separated words on each side, offsets moved to match. None: unchanged."""
    if words is None:
        return ex
    text, start, end = ex["sent"], ex["start"], ex["end"]
    frm = start
    for _ in range(words):
        i = frm
        while i > 0 and text[i - 1].isspace():
            i -= 1
        if i == 0:
            break
        while i > 0 and not text[i - 1].isspace():
            i -= 1
        frm = i
    to = end
    for _ in range(words):
        i = to
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            break
        while i < len(text) and not text[i].isspace():
            i += 1
        to = i
    return {**ex, "sent": text[frm:to], "start": start - frm, "end": end - frm}


def to_input(ex: dict) -> tuple[str, tuple[int, int]]:
    """The original's bracket conversion, part by part, offsets moved to match (inputs.ts toEncodeInput)."""
    def conv(s: str) -> str:
        for a, b in PTB:
            s = s.replace(a, b)
        return s

    text, s, e = ex["sent"], ex["start"], ex["end"]
    before, mention, after = conv(text[:s]), conv(text[s:e]), conv(text[e:])
    return before + mention + after, (len(before), len(before) + len(mention))


def encode(tok: LukeTokenizer, rows: list[dict]) -> list[dict]:
    """Each example once: word ids, the [MASK] entity over the marked span, multi-hot targets."""
    out = []
    for r in rows:
        text, span = to_input(r)
        enc = tok(text, entity_spans=[span])
        out.append({
            "input_ids": enc["input_ids"],
            "entity_ids": enc["entity_ids"],
            "entity_position_ids": enc["entity_position_ids"],
            "labels": [1.0 if l in r["labels"] else 0.0 for l in LABELS],
        })
    return out


def collate(features: list[dict], pad_id: int):
    """A padded batch, as the original's collate_fn (words with <pad>, masks 0)."""
    length = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(features), length), dtype=torch.long)
    for i, f in enumerate(features):
        ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
        mask[i, : len(f["input_ids"])] = 1
    enc = {
        "input_ids": ids,
        "attention_mask": mask,
        "entity_ids": torch.tensor([f["entity_ids"] for f in features]),
        "entity_attention_mask": torch.ones((len(features), 1), dtype=torch.long),
        "entity_position_ids": torch.tensor([f["entity_position_ids"] for f in features]),
    }
    return enc, torch.tensor([f["labels"] for f in features])


def micro_f1(logits: np.ndarray, gold: np.ndarray) -> dict:
    pred = logits > 0
    g = gold > 0
    correct = int((pred & g).sum())
    p = correct / pred.sum() if pred.sum() else 0.0
    r = correct / g.sum() if g.sum() else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


@torch.no_grad()
def evaluate(model, features, pad_id, batch_size=64) -> dict:
    model.eval()
    logits = []
    for at in range(0, len(features), batch_size):
        enc, _ = collate(features[at : at + batch_size], pad_id)
        logits.append(model(**enc).logits.numpy())
    model.train()
    gold = np.array([f["labels"] for f in features])
    return micro_f1(np.concatenate(logits), gold)


def node_orders(n: int, seed: int, epochs: int) -> list[list[int]]:
    script = (
        "const r = require('./lib/kernel/train/random.js');"
        f"console.log(JSON.stringify(Array.from({{length: {epochs}}}, (_, e) => r.epochOrder({n}, {seed}, e))));"
    )
    return json.loads(subprocess.run(["node", "-e", script], cwd=ROOT, check=True, capture_output=True, text=True).stdout)


def train_torch(init: Path, seed: int, args, train, dev, test) -> dict:
    torch.manual_seed(seed)
    tok = LukeTokenizer.from_pretrained(init)
    pad = tok.pad_token_id
    train, dev, test = encode(tok, train), encode(tok, dev), encode(tok, test)
    # --hidden-dropout-prob overwrites config.hidden_dropout_prob, as the original's option does.
    model = LukeForEntityClassification.from_pretrained(init, hidden_dropout_prob=args.dropout)
    model.train()
    named = list(model.named_parameters())
    opt = TransformersAdamW(
        [
            {"params": [p for n, p in named if not any(nd in n for nd in NO_DECAY)], "weight_decay": args.weight_decay},
            {"params": [p for n, p in named if any(nd in n for nd in NO_DECAY)], "weight_decay": 0.0},
        ],
        lr=args.lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=args.weight_decay, correct_bias=False,
    )
    micro = -(-len(train) // args.batch)
    spe = micro // args.accumulation
    total = int(spe * args.epochs)
    sched = get_linear_schedule_with_warmup(opt, int(total * args.warmup), total)
    orders = node_orders(len(train), seed, -(-total // spe))
    losses, dev_f1, epoch_seconds = [], [], []
    best, best_f1 = None, -1.0
    step = 0
    for epoch, order in enumerate(orders):
        t0 = time.time()
        for s in range(spe):
            if step == total:
                break
            step_losses = []
            for a in range(args.accumulation):
                b = s * args.accumulation + a
                enc, labels = collate([train[i] for i in order[b * args.batch : (b + 1) * args.batch]], pad)
                loss = model(**enc, labels=labels).loss
                (loss / args.accumulation).backward()
                step_losses.append(loss.item())
            opt.step()
            sched.step()
            model.zero_grad()
            step += 1
            losses.append(sum(step_losses) / len(step_losses))
        epoch_seconds.append(time.time() - t0)
        if step % spe == 0:
            m = evaluate(model, dev, pad)
            dev_f1.append(m["f1"])
            print(f"  torch seed {seed} epoch {epoch}: loss {np.mean(losses[-spe:]):.4f}, dev F1 {m['f1']:.4f} ({epoch_seconds[-1]:.0f} s)", flush=True)
            if m["f1"] > best_f1:
                best_f1, best = m["f1"], {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best)
    return {
        "dev": evaluate(model, dev, pad),
        "test": evaluate(model, test, pad),
        "dev_f1_per_epoch": dev_f1,
        "training_loss": losses,
        "seconds_per_epoch": epoch_seconds,
        "steps_per_epoch": spe,
    }


def run_lukelab(init: Path, out: Path, seed: int, args) -> dict:
    cmd = [
        "node", str(ROOT / "bin" / "lukelab.js"), "entity-typing", "run",
        "--model-file", str(init), "--data-dir", str(SHARED / "data" / "open-entity"), "--output-dir", str(out),
        "--seed", str(seed), "--num-train-epochs", str(args.epochs), "--train-batch-size", str(args.batch),
        "--gradient-accumulation-steps", str(args.accumulation), "--learning-rate", str(args.lr),
        "--weight-decay", str(args.weight_decay), "--warmup-proportion", str(args.warmup),
        "--hidden-dropout-prob", str(args.dropout), "--eval-batch-size", "64", "--no-evaluate-prior-train", "--dont-save-model", "--restart",
        *(["--context-window", str(args.context_window)] if args.context_window is not None else []),
    ]
    t0 = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    wall = time.time() - t0
    r = json.loads((out / "results.json").read_text())
    spe = int(r["experimental_configurations"]["log_parameters"]["global_step"] // args.epochs)
    epochs = [k for k in r if k.startswith("dev_f1_epoch") and k != "dev_f1_epoch_no_training"]
    return {
        "dev": {k: r[f"dev_{k}"] for k in ("precision", "recall", "f1")},
        "test": {k: r[f"test_{k}"] for k in ("precision", "recall", "f1")},
        "dev_f1_per_epoch": [r[f"dev_f1_epoch{k}"] for k in range(len(epochs))],
        "training_loss": r["training_loss"],
        "wall_seconds": wall,
        "steps_per_epoch": spe,
        "backend": r["lukelab"]["backend"],
    }


def epoch_means(losses: list[float], spe: int) -> list[float]:
    return [float(np.mean(losses[i : i + spe])) for i in range(0, len(losses), spe)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[12, 13, 14])
    ap.add_argument("--epochs", type=float, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--accumulation", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--dropout", type=float, default=0.3, help="hidden dropout (the original's --hidden-dropout-prob)")
    ap.add_argument("--vocab", type=int, default=2000, help="BPE vocabulary size")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--tie-init", action=argparse.BooleanOptionalAction, default=True,
                    help="entity-to-word queries start as the key projection (see make_initial_model)")
    ap.add_argument("--context-window", type=int, default=4,
                    help="words of context on each side of the mention (lukelab's --context-window); -1: the whole sentence")
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--skip-torch", action="store_true")
    ap.add_argument("--skip-lukelab", action="store_true")
    ap.add_argument("--init-only", action="store_true", help="only write <out>/init-<seed> (the initial model and tokenizer) for each seed")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # One thread: the many small ops of a tiny model (and of the AdamW step) run slower with two
    # threads contending on a shared 2-core machine (measured: 0.08 s a step with one, up to 0.9 s with two).
    torch.set_num_threads(args.torch_threads)
    if args.context_window < 0:
        args.context_window = None
    train, dev, test = ([context_window(r, args.context_window) for r in read_split(s)] for s in ("train", "dev", "test"))

    person = LABELS.index("person")
    gold = np.array([[1.0 if l in r["labels"] else 0.0 for l in LABELS] for r in dev])
    always_person = np.full_like(gold, -1.0)
    always_person[:, person] = 1.0
    baseline = micro_f1(always_person, gold)
    print(f"dev baseline, always 'person': P {baseline['precision']:.4f} R {baseline['recall']:.4f} F1 {baseline['f1']:.4f}")

    summary = {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}, "baseline_person_dev": baseline, "seeds": {}}
    for seed in args.seeds:
        init = args.out / f"init-{seed}"
        if not (init / "config.json").exists():
            make_initial_model(init, seed, args.vocab, args.layers, args.tie_init)
        if args.init_only:
            continue
        entry = {}
        if not args.skip_lukelab:
            entry["lukelab"] = run_lukelab(init, args.out / f"lukelab-{seed}", seed, args)
            e = entry["lukelab"]
            e["epoch_loss"] = epoch_means(e["training_loss"], e["steps_per_epoch"])
            print(f"seed {seed} lukelab ({e['backend']}): dev F1 {e['dev']['f1']:.4f} test F1 {e['test']['f1']:.4f} "
                  f"epoch losses {[round(x, 4) for x in e['epoch_loss']]} dev F1 per epoch {[round(x, 4) for x in e['dev_f1_per_epoch']]} "
                  f"({e['wall_seconds']:.0f} s in all)")
        if not args.skip_torch:
            entry["torch"] = train_torch(init, seed, args, train, dev, test)
            e = entry["torch"]
            e["epoch_loss"] = epoch_means(e["training_loss"], e["steps_per_epoch"])
            print(f"seed {seed} torch: dev F1 {e['dev']['f1']:.4f} test F1 {e['test']['f1']:.4f} "
                  f"epoch losses {[round(x, 4) for x in e['epoch_loss']]} dev F1 per epoch {[round(x, 4) for x in e['dev_f1_per_epoch']]} "
                  f"({np.mean(e['seconds_per_epoch']):.0f} s per epoch)")
        for e in entry.values():
            del e["training_loss"]
        summary["seeds"][seed] = entry
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1))

    for side in ("lukelab", "torch"):
        f1s = [s[side]["dev"]["f1"] for s in summary["seeds"].values() if side in s]
        if f1s:
            summary[f"{side}_mean_dev_f1"] = float(np.mean(f1s))
            print(f"{side}: mean dev F1 over {len(f1s)} seeds {np.mean(f1s):.4f} ({', '.join(f'{x:.4f}' for x in f1s)})")
    if "lukelab_mean_dev_f1" in summary and "torch_mean_dev_f1" in summary:
        gap = 100 * (summary["lukelab_mean_dev_f1"] - summary["torch_mean_dev_f1"])
        summary["gap_points"] = gap
        print(f"lukelab − PyTorch: {gap:+.2f} F1 points (the target is within ±1.5)")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
