"""The reference side of `npm run bench`: one workload in Hugging Face transformers on PyTorch (CPU),
or its inference in ONNX Runtime.

Usage: .venv/bin/python bench/torch_bench.py '<Workload JSON>' THREADS [--runtime=pytorch|onnxruntime] [--profile]
Prints one line `RESULT {json}` with the fields of bench/workloads.ts's Measurement.

ONNX Runtime (inference only): the same model (same seed, so the same weights) exported with
torch.onnx.export(dynamo=True), or the TorchScript exporter where that fails, into
bench/results/onnx/ (once per workload, torch and transformers version), and its logits checked
against PyTorch's (max |Δ| ≤ 1e-4, else the run fails). The export runs in this process; the timing
in a fresh one (`--ort-time`), so its peak RSS is ONNX Runtime's alone. The session gets THREADS
intra-op threads, one inter-op thread, all graph optimisations.

Same model as lukelab: LukeForEntityClassification with random weights, the same shape, the same
small vocabularies, the same inputs (one entity over tokens 1..3, entity_position_ids padded with
-1 to 30), multi-hot float labels (BCE-with-logits), AdamW with lukelab's settings (lr 1e-5, betas 0.9/0.98,
eps 1e-6, weight decay 0.01 except biases and LayerNorm weights).
Inference runs in eval mode under torch.inference_mode(); training in train mode (dropout on).
"""
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

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
    if w["kind"] == "epoch":
        return 3 * fwd * w["epoch"]["steps"]
    return 3 * fwd if w["kind"] == "training" else fwd


EPOCH_WARMUP_STEPS = 10  # bench/workloads.ts


def make_model(w):
    """The workload's LukeForEntityClassification, random weights from torch.manual_seed(0)."""
    s = w["shape"]
    e = w.get("epoch") or {}
    extra = {"hidden_dropout_prob": e["hiddenDropout"], "layer_norm_eps": e["layerNormEps"]} if e else {}
    config = LukeConfig(
        vocab_size=e.get("wordVocab", VOCAB),
        entity_vocab_size=e.get("entityVocab", VOCAB),
        hidden_size=s["hidden"],
        entity_emb_size=s["entityEmb"],
        num_hidden_layers=s["layers"],
        num_attention_heads=s["heads"],
        intermediate_size=s["intermediate"],
        max_position_embeddings=514,
        num_labels=NUM_LABELS,
        use_entity_aware_attention=True,
        **extra,
    )
    torch.manual_seed(0)
    return LukeForEntityClassification(config)


ONNX_DIR = Path(__file__).resolve().parent / "results" / "onnx"
INPUT_NAMES = ["input_ids", "attention_mask", "entity_ids", "entity_attention_mask", "entity_position_ids"]


class _Logits(torch.nn.Module):
    """The model with positional inputs and the logits as its one output, for the exporter."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *args):
        return self.model(**dict(zip(INPUT_NAMES, args))).logits


def export_onnx(w):
    """Exports the workload's model once (cached by workload, torch and transformers version) with
    its inputs and PyTorch's logits beside it; returns (folder, how it was exported)."""
    import numpy as np

    key = hashlib.sha256(json.dumps([w["shape"], w["batch"], w["seq"], w["entities"], torch.__version__, __import__("transformers").__version__]).encode()).hexdigest()[:16]
    folder = ONNX_DIR / f"{w['id']}-{key}"
    if (folder / "done.json").exists():
        return folder, json.loads((folder / "done.json").read_text())["how"]
    folder.mkdir(parents=True, exist_ok=True)
    model = make_model(w).eval()
    inputs, _ = make_inputs(w, torch.Generator().manual_seed(1234))
    with torch.inference_mode():
        logits = model(**inputs).logits.numpy()
    args = tuple(inputs[n] for n in INPUT_NAMES)
    how = None
    errors = []
    for dynamo in (True, False):
        wrapped = _Logits(model).eval()  # the exporter restores the wrapper's mode on the model: eval
        try:
            torch.onnx.export(wrapped, args, str(folder / "model.onnx"), input_names=INPUT_NAMES, output_names=["logits"], dynamo=dynamo, external_data=False)
            how = "torch.onnx.export(dynamo=True)" if dynamo else "torch.onnx.export(dynamo=False), the TorchScript exporter"
            break
        except Exception as err:  # noqa: BLE001 - try the other exporter, report both if neither works
            errors.append(f"dynamo={dynamo}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    if how is None:
        raise RuntimeError("ONNX export failed: " + "; ".join(errors))
    np.savez(folder / "reference.npz", logits=logits, **{n: inputs[n].numpy() for n in INPUT_NAMES})
    (folder / "done.json").write_text(json.dumps({"how": how}))
    return folder, how


def time_onnx(folder, w, threads):
    """Runs in a fresh process: loads the exported model in ONNX Runtime, checks its logits against
    PyTorch's and times it; returns the Measurement."""
    import numpy as np
    import onnxruntime as ort

    m = {"runtime": "onnxruntime", "workload": w["id"], "ok": False, "threads": threads, "details": {"version": f"onnxruntime {ort.__version__}"}}
    m["baseRssMB"] = rss_mb(peak=False)
    t_setup = time.perf_counter()
    ref = np.load(folder / "reference.npz")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"])
    feed = {n: ref[n] for n in INPUT_NAMES}
    logits = sess.run(None, feed)[0]
    diff = float(np.abs(logits - ref["logits"]).max())
    m["details"]["maxAbsDiffToPyTorch"] = diff
    if not diff <= 1e-4:
        raise RuntimeError(f"ONNX Runtime's logits differ from PyTorch's by {diff:.3g} (> 1e-4)")
    m["setupSeconds"] = time.perf_counter() - t_setup
    for _ in range(w["warmup"]):
        sess.run(None, feed)
    seconds = []
    for _ in range(w["repeats"]):
        t0 = time.perf_counter()
        sess.run(None, feed)
        seconds.append(time.perf_counter() - t0)
    m["seconds"] = seconds
    m["median"] = statistics.median(seconds)
    m["throughput"] = w["batch"] / m["median"]
    m["gflops"] = iteration_flops(w) / m["median"] / 1e9
    m["peakRssMB"] = rss_mb()
    m["ok"] = True
    return m


def main_onnx(w, threads):
    if w["kind"] != "inference":
        raise ValueError(f"ONNX Runtime runs inference workloads only, not {w['kind']}")
    import importlib.util

    missing = [p for p in ("onnxruntime", "onnx", "onnxscript") if importlib.util.find_spec(p) is None]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not installed in the venv: run `npm run bench:setup` (or pass --no-onnx)")
    torch.set_num_threads(threads)
    folder, how = export_onnx(w)
    r = subprocess.run([sys.executable, __file__, json.dumps(w), str(threads), f"--ort-time={folder}"], capture_output=True, text=True)
    line = next((l for l in r.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError((r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1])
    m = json.loads(line[7:])
    if m.get("ok"):
        m["details"]["export"] = f"{how}; logits within {m['details']['maxAbsDiffToPyTorch']:.2g} of PyTorch's"
    print(line[:7] + json.dumps(m), flush=True)


def make_inputs(w, gen):
    b, length, e = w["batch"], w["seq"], w["entities"]
    entity_vocab = (w.get("epoch") or {}).get("entityVocab", VOCAB)
    ids = torch.randint(3, VOCAB, (b, length), generator=gen)
    ids[:, 0] = 0
    ids[:, -1] = 2
    entity_ids = torch.randint(1, entity_vocab, (b, e), generator=gen)
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
    ort_time = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--ort-time=")), None)
    if ort_time:
        print("RESULT " + json.dumps(time_onnx(Path(ort_time), w, threads)), flush=True)
        return
    if "--runtime=onnxruntime" in sys.argv:
        main_onnx(w, threads)
        return
    profile = "--profile" in sys.argv
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = {"runtime": "pytorch", "workload": w["id"], "ok": False, "threads": torch.get_num_threads()}
    m["details"] = {"version": f"torch {torch.__version__}, transformers {__import__('transformers').__version__}"}
    t_setup = time.perf_counter()
    m["baseRssMB"] = rss_mb(peak=False)

    warmup = None
    if w["kind"] == "matmul":
        mm, kk, nn = w["mkn"]
        a = torch.randn(mm, kk)
        b = torch.randn(kk, nn)

        def iterate():
            torch.matmul(a, b)[0, 0].item()
            return None

    else:
        model = make_model(w)
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
            e = w.get("epoch") or {}
            if e:
                groups[0]["weight_decay"] = e["weightDecay"]
            opt = torch.optim.AdamW(groups, lr=e.get("lr", 1e-5), betas=(0.9, 0.98), eps=1e-6)

            def step():
                opt.zero_grad(set_to_none=True)
                loss = model(**inputs, labels=labels).loss
                loss.backward()
                opt.step()
                return loss.item()

            def steps(n):
                def run():
                    loss = None
                    for _ in range(n):
                        loss = step()
                    return loss

                return run

            # An epoch: its steps, each on the same batch shape (warm-up: EPOCH_WARMUP_STEPS of them).
            iterate = steps(e["steps"]) if e else step
            if e:
                warmup = steps(EPOCH_WARMUP_STEPS)

    m["setupSeconds"] = time.perf_counter() - t_setup
    for _ in range(w["warmup"]):
        (warmup or iterate)()
    if profile:
        from torch.profiler import ProfilerActivity, profile as tprofile

        t0 = time.perf_counter()
        with tprofile(activities=[ProfilerActivity.CPU]) as prof:
            (warmup or iterate)()
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
    m["throughput"] = (1 if w["kind"] == "matmul" else w["batch"] * (w.get("epoch") or {}).get("steps", 1)) / m["median"]
    m["gflops"] = iteration_flops(w) / m["median"] / 1e9
    m["peakRssMB"] = rss_mb()
    m["ok"] = True
    print("RESULT " + json.dumps(m), flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # report, don't crash the table
        w = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
        runtime = "onnxruntime" if any(a.startswith(("--runtime=onnxruntime", "--ort-time=")) for a in sys.argv) else "pytorch"
        print("RESULT " + json.dumps({"runtime": runtime, "workload": w.get("id", "?"), "ok": False,
                                      "error": f"{type(err).__name__}: {err}".split("\n")[0], "peakRssMB": rss_mb()}), flush=True)
        sys.exit(1)
