"""Makes the committed training fixtures in test/fixtures/training/ with PyTorch and transformers.

    .venv/bin/python scripts/make_training_fixtures.py

step.json + step.f32   One training step of LukeForEntityClassification from samples/tiny-luke's
                       weights (dropout off, so both sides compute the same function) on a batch of
                       four examples of samples/open-entity-sample: the BCE loss, the gradients of
                       chosen parameters, and those parameters after AdamW updates:
                         A  one step, lr 1e-3, weight decay 0.01 with the original's groups,
                            bias correction off (the original's default)
                         B  the same with bias correction on
                         C  gradient accumulation over two micro-batches of two (each loss / 2),
                            clipping to global norm 0.05, bias correction on, two steps
                            (lr 1e-3 then 5e-4), gradients recomputed before the second step
schedules.json         transformers' get_linear_schedule_with_warmup and
                       get_constant_schedule_with_warmup: the learning rate each optimiser step
                       uses, for several (total, warm-up) pairs.

The optimiser is transformers' AdamW as LUKE's legacy trainer imports it
(transformers.optimization.AdamW); transformers 4.5x removed that class, so its update is written
out below, line for line as transformers v4 had it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
from transformers import LukeForEntityClassification, LukeTokenizer
from transformers.optimization import get_constant_schedule_with_warmup, get_linear_schedule_with_warmup

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "training"
MODEL = ROOT / "samples" / "tiny-luke"
SAMPLE = ROOT / "samples" / "open-entity-sample" / "train.json"
LABELS = ["entity", "event", "group", "location", "object", "organization", "person", "place", "time"]
EXAMPLES = [0, 5, 18, 22]  # different lengths, multi-label, and one without any label

# Parameters whose gradients and updates are compared: every kind of weight, both decay groups,
# the entity-aware queries, and the pooler (which the loss does not reach: no gradient, no update).
CHOSEN = [
    "luke.embeddings.word_embeddings.weight",
    "luke.embeddings.LayerNorm.weight",
    "luke.embeddings.LayerNorm.bias",
    "luke.entity_embeddings.entity_embeddings.weight",
    "luke.entity_embeddings.entity_embedding_dense.weight",
    "luke.entity_embeddings.LayerNorm.weight",
    "luke.encoder.layer.0.attention.self.query.weight",
    "luke.encoder.layer.0.attention.self.query.bias",
    "luke.encoder.layer.0.attention.self.key.weight",
    "luke.encoder.layer.0.attention.self.value.bias",
    "luke.encoder.layer.0.attention.self.w2e_query.weight",
    "luke.encoder.layer.0.attention.self.e2w_query.weight",
    "luke.encoder.layer.0.attention.self.e2e_query.weight",
    "luke.encoder.layer.1.attention.output.LayerNorm.weight",
    "luke.encoder.layer.1.intermediate.dense.weight",
    "luke.encoder.layer.1.output.dense.bias",
    "luke.pooler.dense.weight",
    "classifier.weight",
    "classifier.bias",
]
NO_DECAY = ["bias", "LayerNorm.weight"]


class TransformersAdamW(torch.optim.Optimizer):
    """transformers.optimization.AdamW (v4): decoupled weight decay after the Adam step, bias
    correction optional and folded into the step size, eps outside the square root."""

    def __init__(self, params, lr, betas, eps, weight_decay, correct_bias):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, correct_bias=correct_bias))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                beta1, beta2 = group["betas"]
                state["step"] += 1
                exp_avg.mul_(beta1).add_(grad, alpha=1.0 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
                denom = exp_avg_sq.sqrt().add_(group["eps"])
                step_size = group["lr"]
                if group["correct_bias"]:
                    bias_correction1 = 1.0 - beta1 ** state["step"]
                    bias_correction2 = 1.0 - beta2 ** state["step"]
                    step_size = step_size * math.sqrt(bias_correction2) / bias_correction1
                p.addcdiv_(exp_avg, denom, value=-step_size)
                if group["weight_decay"] > 0.0:
                    p.add_(p, alpha=(-group["lr"] * group["weight_decay"]))


def optimizer(model, lr, correct_bias):
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if not any(nd in n for nd in NO_DECAY)], "weight_decay": 0.01},
        {"params": [p for n, p in named if any(nd in n for nd in NO_DECAY)], "weight_decay": 0.0},
    ]
    return TransformersAdamW(groups, lr=lr, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.01, correct_bias=correct_bias)


def load_model():
    model = LukeForEntityClassification.from_pretrained(MODEL, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model.train()  # dropout probabilities are 0, so train mode computes the eval function
    return model


def batch(tokenizer, rows):
    enc = tokenizer(
        [r["sent"] for r in rows],
        entity_spans=[[(r["start"], r["end"])] for r in rows],
        padding=True,
        return_tensors="pt",
    )
    labels = torch.tensor([[1.0 if l in r["labels"] else 0.0 for l in LABELS] for r in rows])
    return enc, labels


def loss_of(model, enc, labels):
    out = model(**enc, labels=labels)  # BCE-with-logits over the flattened batch × 9 (mean)
    return out.loss


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    rows_all = json.loads(SAMPLE.read_text())
    rows = [rows_all[i] for i in EXAMPLES]
    tokenizer = LukeTokenizer.from_pretrained(MODEL)
    enc, labels = batch(tokenizer, rows)

    values: list[np.ndarray] = []
    offset = 0

    def put(array) -> dict:
        nonlocal offset
        a = np.asarray(array, dtype=np.float32)
        values.append(a.reshape(-1))
        ref = {"shape": list(a.shape), "offset": offset}
        offset += a.size
        return ref

    index: dict = {
        "model": "samples/tiny-luke",
        "examples": EXAMPLES,
        "labels": LABELS,
        "input_ids": enc["input_ids"].tolist(),
        "attention_mask": enc["attention_mask"].tolist(),
        "entity_ids": enc["entity_ids"].tolist(),
        "entity_position_ids": enc["entity_position_ids"].tolist(),
        "targets": labels.tolist(),
        "chosen": CHOSEN,
        "torch": torch.__version__,
    }

    # A and B: one step on the whole batch.
    model = load_model()
    params = dict(model.named_parameters())
    loss = loss_of(model, enc, labels)
    loss.backward()
    index["loss"] = loss.item()
    index["grads"] = {n: (put(params[n].grad) if params[n].grad is not None else None) for n in CHOSEN}
    index["no_grad"] = sorted(n for n, p in model.named_parameters() if p.grad is None)
    cases = {}
    for name, correct_bias in (("A", False), ("B", True)):
        m = load_model()
        loss_m = loss_of(m, enc, labels)
        loss_m.backward()
        optimizer(m, 1e-3, correct_bias).step()
        p = dict(m.named_parameters())
        cases[name] = {"lr": [1e-3], "correct_bias": correct_bias, "after": {n: put(p[n].detach()) for n in CHOSEN}}

    # C: accumulation over two micro-batches, clipping, two steps.
    m = load_model()
    opt = optimizer(m, 1e-3, True)
    micro = [batch(tokenizer, rows[:2]), batch(tokenizer, rows[2:])]
    steps = []
    for lr in (1e-3, 5e-4):
        for g in opt.param_groups:
            g["lr"] = lr
        losses = []
        for enc_k, labels_k in micro:
            l = loss_of(m, enc_k, labels_k)
            (l / 2).backward()
            losses.append(l.item())
        norm = torch.nn.utils.clip_grad_norm_(m.parameters(), 0.05)
        opt.step()
        m.zero_grad()
        steps.append({"lr": lr, "micro_losses": losses, "grad_norm": float(norm)})
    p = dict(m.named_parameters())
    cases["C"] = {
        "lr": [1e-3, 5e-4],
        "correct_bias": True,
        "accumulation": 2,
        "max_grad_norm": 0.05,
        "steps": steps,
        "after": {n: put(p[n].detach()) for n in CHOSEN},
    }
    index["cases"] = cases
    (OUT / "step.json").write_text(json.dumps(index, indent=1) + "\n")
    np.concatenate(values).astype("<f4").tofile(OUT / "step.f32")

    # Schedules: the lr of optimiser step k (k = 0 … total), as LambdaLR gives it.
    schedules = []
    for total, warmup in ((66, 3), (100, 6), (10, 0), (7, 7), (1, 0), (999, 59), (25, 1)):
        for kind in ("warmup_linear", "warmup_constant"):
            param = torch.nn.Parameter(torch.zeros(1))
            opt = torch.optim.SGD([param], lr=1e-5)
            sched = get_linear_schedule_with_warmup(opt, warmup, total) if kind == "warmup_linear" else get_constant_schedule_with_warmup(opt, warmup)
            lrs = []
            for _ in range(total + 1):
                lrs.append(opt.param_groups[0]["lr"])
                opt.step()
                sched.step()
            schedules.append({"schedule": kind, "learning_rate": 1e-5, "total": total, "warmup": warmup, "lrs": lrs})
    (OUT / "schedules.json").write_text(json.dumps({"torch": torch.__version__, "schedules": schedules}) + "\n")
    print(f"wrote {OUT}: {offset} floats, loss {index['loss']:.6f}, no grad: {index['no_grad']}")


if __name__ == "__main__":
    main()
