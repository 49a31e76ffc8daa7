"""Misclassified examples the way the original's from_missclassified_examples_to_json did it, with
NumPy: argv = results.json, the split's dataset file (ERNIE format), split. Prints JSON: per
misclassified example its index, entity, gold, predicted and top-3 (label, sigmoid probability);
and per label the counts of missed (FN) and spurious (FP) among them, plus "reject"."""
import json
import sys

import numpy as np

results_file, data_file, split = sys.argv[1:4]
with open(results_file, encoding="utf8") as f:
    results = json.load(f)
with open(data_file, encoding="utf8") as f:
    data = json.load(f)
block = results["evaluation_predict_label"][split]
labels = results["evaluation_predict_label"]["label_list"]
logits = np.array(block["predict_logits"], dtype=np.float64)
gold = np.array(block["true_labels"]) > 0
pred = logits > 0
prob = 1.0 / (1.0 + np.exp(-logits))
wrong = np.where((gold != pred).any(axis=1))[0]
examples = []
for i in wrong:
    order = sorted(range(len(labels)), key=lambda j: (-prob[i, j], labels[j]))[:3]
    ex = data[i]
    examples.append({
        "index": int(i),
        "entity": ex["sent"][ex["start"]:ex["end"]],
        "gold": [l for j, l in enumerate(labels) if gold[i, j]],
        "predicted": [l for j, l in enumerate(labels) if pred[i, j]],
        "top": [[labels[j], float(prob[i, j])] for j in order],
    })
g = np.concatenate([gold, ~gold.any(axis=1, keepdims=True)], axis=1)[wrong]
p = np.concatenate([pred, ~pred.any(axis=1, keepdims=True)], axis=1)[wrong]
counts = np.stack([(g & ~p).sum(axis=0), (~g & p).sum(axis=0)], axis=1)
print(json.dumps({"examples": examples, "counts": counts.tolist(), "total": len(data)}, ensure_ascii=False))
