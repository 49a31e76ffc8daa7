"""The PyTorch side of `npm run bench`: one workload in Hugging Face transformers on PyTorch (CPU).

Usage: .venv/bin/python bench/torch_bench.py '<Workload JSON>' THREADS [--profile]
Prints one line `RESULT {json}` with the fields of bench/workloads.ts's Measurement.

Same model as lukelab: LukeForEntityClassification with random weights, the same shape, the same
small vocabularies, the same inputs (one entity over tokens 1..3, entity_position_ids padded with
-1 to 30), multi-hot float labels (BCE-with-logits), AdamW with lukelab's settings (lr 1e-5, betas 0.9/0.98,
eps 1e-6, weight decay 0.01 except biases and LayerNorm weights).
Inference runs in eval mode under torch.inference_mode(); training in train mode (dropout on).
"""
import json
import resource
import statistics
import sys
import time

import torch
from transformers import LukeConfig, LukeForEntityClassification

VOCAB = 1000
NUM_LABELS = 9
MAX_MENTION = 30
MENTION = [1, 2, 3]


def rss_mb(peak=True):
    if peak:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def forward_flops(s, seq, entities):
    t = seq + entities
    h = s["hidden"]
    per_layer = t * (10 * h * h + 4 * h * s["intermediate"]) + 4 * t * t * h
    return s["layers"] * per_layer + 2 * entities * s["entityEmb"] * h + 2 * h * h + 2 * h * NUM_LABELS


def iteration_flops(w):
    if w["kind"] == "matmul":
        m, k, n = w["mkn"]
        return 2 * m * k * n
    fwd = forward_flops(w["shape"], w["seq"], w["entities"]) * w["batch"]
    return 3 * fwd if w["kind"] == "training" else fwd


def make_inputs(w, gen):
    b, length, e = w["batch"], w["seq"], w["entities"]
    ids = torch.randint(3, VOCAB, (b, length), generator=gen)
    ids[:, 0] = 0
    ids[:, -1] = 2
    entity_ids = torch.randint(1, VOCAB, (b, e), generator=gen)
    positions = torch.full((b, e, MAX_MENTION), -1, dtype=torch.long)
    positions[:, :, : len(MENTION)] = torch.tensor(MENTION)
    labels = (torch.rand((b, NUM_LABELS), generator=gen) < 0.3).float()
    inputs = dict(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        entity_ids=entity_ids,
        entity_attention_mask=torch.ones_like(entity_ids),
        entity_position_ids=positions,
    )
    return inputs, labels


def main():
    w = json.loads(sys.argv[1])
    threads = int(sys.argv[2])
    profile = "--profile" in sys.argv
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = {"runtime": "pytorch", "workload": w["id"], "ok": False, "threads": torch.get_num_threads()}
    m["details"] = {"version": f"torch {torch.__version__}, transformers {__import__('transformers').__version__}"}
    t_setup = time.perf_counter()
    m["baseRssMB"] = rss_mb(peak=False)

    if w["kind"] == "matmul":
        mm, kk, nn = w["mkn"]
        a = torch.randn(mm, kk)
        b = torch.randn(kk, nn)

        def iterate():
            torch.matmul(a, b)[0, 0].item()
            return None

    else:
        s = w["shape"]
        config = LukeConfig(
            vocab_size=VOCAB,
            entity_vocab_size=VOCAB,
            hidden_size=s["hidden"],
            entity_emb_size=s["entityEmb"],
            num_hidden_layers=s["layers"],
            num_attention_heads=s["heads"],
            intermediate_size=s["intermediate"],
            max_position_embeddings=514,
            num_labels=NUM_LABELS,
            use_entity_aware_attention=True,
        )
        model = LukeForEntityClassification(config)
        inputs, labels = make_inputs(w, torch.Generator().manual_seed(1234))
        if w["kind"] == "inference":
            model.eval()

            def iterate():
                with torch.inference_mode():
                    model(**inputs).logits.sum().item()
                return None

        else:
            model.train()
            # As lukelab's AdamW (kernel/train/adamw.ts): betas (0.9, 0.98), eps 1e-6, no decay for
            # biases and LayerNorm weights. torch's AdamW always corrects the bias (same cost).
            no_decay = ("bias", "LayerNorm.weight")
            groups = [
                {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
                {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
            ]
            opt = torch.optim.AdamW(groups, lr=1e-5, betas=(0.9, 0.98), eps=1e-6)

            def iterate():
                opt.zero_grad(set_to_none=True)
                loss = model(**inputs, labels=labels).loss
                loss.backward()
                opt.step()
                return loss.item()

    m["setupSeconds"] = time.perf_counter() - t_setup
    for _ in range(w["warmup"]):
        iterate()
    if profile:
        from torch.profiler import ProfilerActivity, profile as tprofile

        t0 = time.perf_counter()
        with tprofile(activities=[ProfilerActivity.CPU]) as prof:
            iterate()
        wall_ms = (time.perf_counter() - t0) * 1000
        rows = []
        total = sum(e.self_cpu_time_total for e in prof.key_averages())
        for e in sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:15]:
            rows.append({"op": e.key, "ms": e.self_cpu_time_total / 1000, "calls": e.count, "share": e.self_cpu_time_total / 1000 / wall_ms})
        m["details"]["profile"] = {"method": "torch.profiler self CPU time", "wallMs": wall_ms, "kernelMs": total / 1000, "ops": rows}
    seconds = []
    for _ in range(w["repeats"]):
        t0 = time.perf_counter()
        loss = iterate()
        seconds.append(time.perf_counter() - t0)
        if loss is not None:
            m["loss"] = loss
    m["seconds"] = seconds
    m["median"] = statistics.median(seconds)
    m["throughput"] = (1 if w["kind"] == "matmul" else w["batch"]) / m["median"]
    m["gflops"] = iteration_flops(w) / m["median"] / 1e9
    m["peakRssMB"] = rss_mb()
    m["ok"] = True
    print("RESULT " + json.dumps(m), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # report, don't crash the table
        w = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
        print("RESULT " + json.dumps({"runtime": "pytorch", "workload": w.get("id", "?"), "ok": False,
                                      "error": f"{type(err).__name__}: {err}".split("\n")[0], "peakRssMB": rss_mb()}), flush=True)
        sys.exit(1)
