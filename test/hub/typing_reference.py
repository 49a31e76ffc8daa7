"""Entity-typing probabilities and micro P/R/F1 from transformers and scikit-learn, as a reference.

stdin: {"dir": str, "inputs": [{"text": str, "spans": [[s, e]]}], "gold": [[label, ...], ...] (optional)}
stdout: {"labels": [...], "probabilities": [[...], ...], "micro": {"precision", "recall", "f1"} (with gold)}
"""
import json
import sys

import numpy as np
import torch
from sklearn.metrics import precision_recall_fscore_support
from transformers import LukeForEntityClassification, LukeTokenizer

req = json.load(sys.stdin)
model = LukeForEntityClassification.from_pretrained(req["dir"]).eval()
tok = LukeTokenizer.from_pretrained(req["dir"])
labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
probabilities = []
for item in req["inputs"]:
    enc = tok(item["text"], entity_spans=[tuple(s) for s in item["spans"]], return_tensors="pt")
    enc.pop("token_type_ids", None)
    with torch.no_grad():
        probabilities.append(torch.sigmoid(model(**enc).logits[0]).tolist())
out = {"labels": labels, "probabilities": probabilities}
if "gold" in req:
    y_true = np.array([[1 if l in g else 0 for l in labels] for g in req["gold"]])
    y_pred = (np.array(probabilities) > 0.5).astype(int)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="micro", zero_division=0)
    out["micro"] = {"precision": float(p), "recall": float(r), "f1": float(f)}
print(json.dumps(out))
