"""Reference attention statistics in NumPy, written from the definitions in docs/attention-statistics.md
(not from the TypeScript): reads attention records (attentions_*.jsonl), decodes the base64 float16
data with NumPy and computes, for the query row of entity `entity`:

  position bins   per example, layer and head: the sum of attention over the words in each distance bin;
                  over the examples with at least one word in the bin: mean and SE = SD(ddof=1)/sqrt(n);
                  per layer: the same over the per-example means over heads
  mask targets    the same over the categories markers, mention words, <s>, </s>, other words, entities
  token pairs     attention[l][h][i][j] for tokens named by string, over examples that have both;
                  repeated tokens: mean over all (i, j) pairs, or the first or last occurrence

stdin: {"files": [...], "bins": [[from, to] | "inside", ...] (null = +-inf), "pairs": [[a, b], ...],
        "duplicates": "mean", "ignore_case": false, "entity": 0, "distance_unit": "token" | "word"}
stdout: {"position_bins": [rows], "position_bins_by_head": [...], "mask_targets": [...],
         "mask_targets_by_head": [...], "pairs": [{"by_layer": [...], "by_head": [...], "examples": [...]}]}
where a row is {"layer", ["head"], "bin" | "target", "n", "mean", "se"} (mean/se null when undefined).
"""
import base64
import json
import math
import sys

import numpy as np

MARKERS = {"<ent>", "<ent2>"}
TARGETS = ["entity markers", "mention words", "<s>", "</s>", "other words", "entity tokens"]


def byte_decoder():
    """GPT-2's byte-level alphabet, inverted: printable character -> byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


DECODER = byte_decoder()


def shown(token):
    """A word token as the attention views show it: byte-level decoded, the leading space removed."""
    try:
        text = bytes(DECODER[c] for c in token).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        text = token[1:] if token[:1] in ("Ġ", "▁") else token
        text = text.replace("Ċ", "\n").replace("Ġ", " ")
        text = text.replace("\n", "↵")
        return text or "␣"
    if text.startswith(" "):
        text = text[1:]
    text = text.replace("\n", "↵").replace("\t", "⇥")
    return text or "␣"


def load(files):
    examples = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                r = json.loads(line)
                a = np.frombuffer(base64.b64decode(r["data"]), dtype="<f2").astype(np.float64).reshape(r["shape"])
                examples.append((r, a))
    return examples


def summarise(per_example, names, key):
    """per_example: {name: [array [L, H] per example that has it]} -> rows by layer and by layer and head."""
    by_layer, by_head = [], []
    L = H = None
    for arrays in per_example.values():
        if arrays:
            L, H = arrays[0].shape
            break
    for name in names:
        arrays = per_example[name]
        n = len(arrays)
        stack = np.stack(arrays) if n else None  # [n, L, H]
        for l in range(L):
            if n == 0:
                by_layer.append({"layer": l, key: name, "n": 0, "mean": None, "se": None})
            else:
                v = stack[:, l, :].mean(axis=1)
                by_layer.append({"layer": l, key: name, "n": n, "mean": float(v.mean()), "se": float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else None})
            for h in range(H):
                if n == 0:
                    by_head.append({"layer": l, "head": h, key: name, "n": 0, "mean": None, "se": None})
                else:
                    v = stack[:, l, h]
                    by_head.append({"layer": l, "head": h, key: name, "n": n, "mean": float(v.mean()), "se": float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else None})
    return by_layer, by_head


def label(b):
    if b == "inside":
        return "mention"
    lo, hi = b
    sign = lambda v: ("+%d" % v) if v > 0 else str(v)
    if lo is None:
        return "<=" + sign(hi)
    if hi is None:
        return ">=" + sign(lo)
    return sign(lo) if lo == hi else sign(lo) + ".." + sign(hi)


def main():
    spec = json.load(sys.stdin)
    examples = load(spec["files"])
    entity = spec.get("entity", 0)
    bins = spec["bins"]
    bin_names = [label(b) for b in bins]
    per_bin = {name: [] for name in bin_names}
    per_target = {name: [] for name in TARGETS}
    pairs = spec.get("pairs", [])
    pair_values = [[] for _ in pairs]
    pair_examples = [[] for _ in pairs]
    fold = (lambda s: s.lower()) if spec.get("ignore_case") else (lambda s: s)

    for r, a in examples:
        tokens = r["tokens"]
        W = r["word_count"]
        q = W + entity
        span = [p for p in r["entity_position_ids"][entity] if p != -1]
        lo, hi = min(span), max(span)
        row = a[:, :, q, :]  # [L, H, S]

        cat = []
        for k, t in enumerate(tokens):
            if k >= W:
                cat.append("entity tokens")
            elif t == "<s>":
                cat.append("<s>")
            elif t == "</s>":
                cat.append("</s>")
            elif t in MARKERS:
                cat.append("entity markers")
            elif lo <= k <= hi:
                cat.append("mention words")
            else:
                cat.append("other words")
        for name in TARGETS:
            mask = np.array([c == name for c in cat])
            if mask.any():
                per_target[name].append(row[:, :, mask].sum(axis=-1))

        # Words: runs of context tokens; with unit "word" a piece without a leading space marker
        # continues the word of the context token right before it.
        words = []
        for k in range(W):
            if cat[k] != "other words":
                continue
            joins = spec.get("distance_unit", "token") == "word" and k > 0 and cat[k - 1] == "other words" and not tokens[k].startswith(("Ġ", "▁"))
            if joins:
                words[-1].append(k)
            else:
                words.append([k])
        distance = {}
        before = [w for w in words if w[0] < lo]
        after = [w for w in words if w[0] > hi]
        for i, w in enumerate(reversed(before)):
            for k in w:
                distance[k] = -(i + 1)
        for i, w in enumerate(after):
            for k in w:
                distance[k] = i + 1
        for b, name in zip(bins, bin_names):
            if b == "inside":
                keys = [k for k in range(W) if cat[k] == "mention words"]
            else:
                bl = -math.inf if b[0] is None else b[0]
                bh = math.inf if b[1] is None else b[1]
                keys = [k for k, d in distance.items() if bl <= d <= bh]
            if keys:
                per_bin[name].append(row[:, :, keys].sum(axis=-1))

        names = [fold(shown(t)) if k < W else fold(t) for k, t in enumerate(tokens)]
        for p, (t1, t2) in enumerate(pairs):
            I = [k for k, t in enumerate(names) if t == fold(t1)]
            J = [k for k, t in enumerate(names) if t == fold(t2)]
            if not I or not J:
                continue
            pair_examples[p].append({"index": r["index"], "from": I, "to": J})
            mode = spec.get("duplicates", "mean")
            if mode == "first":
                I, J = I[:1], J[:1]
            elif mode == "last":
                I, J = I[-1:], J[-1:]
            block = a[:, :, I, :][:, :, :, J]  # [L, H, |I|, |J|]
            pair_values[p].append(block.mean(axis=(2, 3)))

    pos_layer, pos_head = summarise(per_bin, bin_names, "bin")
    tar_layer, tar_head = summarise(per_target, TARGETS, "target")
    out_pairs = []
    for p in range(len(pairs)):
        if pair_values[p]:
            by_layer, by_head = summarise({"x": pair_values[p]}, ["x"], "pair")
        else:
            L, H = examples[0][1].shape[:2]
            by_layer = [{"layer": l, "pair": "x", "n": 0, "mean": None, "se": None} for l in range(L)]
            by_head = [{"layer": l, "head": h, "pair": "x", "n": 0, "mean": None, "se": None} for l in range(L) for h in range(H)]
        out_pairs.append({"by_layer": by_layer, "by_head": by_head, "examples": pair_examples[p]})
    json.dump(
        {
            "examples": len(examples),
            "position_bins": pos_layer,
            "position_bins_by_head": pos_head,
            "mask_targets": tar_layer,
            "mask_targets_by_head": tar_head,
            "pairs": out_pairs,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
