"""scikit-learn's figures for multi-label logits: reads {"logits": [[...]], "targets": [[...]]} on
stdin (a label is predicted when its logit is above 0) and prints micro and per-label precision,
recall and F1 (zero_division=0)."""
import json
import sys

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

data = json.load(sys.stdin)
pred = (np.array(data["logits"]) > 0).astype(int)
gold = (np.array(data["targets"]) > 0).astype(int)
p, r, f, _ = precision_recall_fscore_support(gold, pred, average="micro", zero_division=0)
pl, rl, fl, sl = precision_recall_fscore_support(gold, pred, average=None, zero_division=0)
print(json.dumps({
    "micro": {"precision": float(p), "recall": float(r), "f1": float(f)},
    "per_label": [{"precision": float(a), "recall": float(b), "f1": float(c), "support": int(d)} for a, b, c, d in zip(pl, rl, fl, sl)],
}))
