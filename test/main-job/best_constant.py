"""scikit-learn's view of a run's baseline and dev score, for test/main-job: reads
{"train": [[0/1 …]], "dev": [[0/1 …]], "dev_logits": [[…]]} on stdin and prints
  best: the label set (indices) whose constant answer has the best micro-F1 on train, found by trying
        every non-empty subset (the smaller set on ties), with its micro P/R/F1 on train and dev;
  dev:  micro P/R/F1 of the logits on dev (a label is predicted when its logit is above 0).
All figures by precision_recall_fscore_support(average="micro", zero_division=0)."""
import itertools
import json
import sys

import numpy as np
from sklearn.metrics import precision_recall_fscore_support


def micro(gold, pred):
    p, r, f, _ = precision_recall_fscore_support(gold, pred, average="micro", zero_division=0)
    return {"precision": float(p), "recall": float(r), "f1": float(f)}


data = json.load(sys.stdin)
train = np.array(data["train"], dtype=int)
dev = np.array(data["dev"], dtype=int)
n_labels = train.shape[1]
best = None
for k in range(1, n_labels + 1):
    for subset in itertools.combinations(range(n_labels), k):
        row = np.zeros(n_labels, dtype=int)
        row[list(subset)] = 1
        score = micro(train, np.tile(row, (len(train), 1)))
        if best is None or score["f1"] > best[1]["f1"] + 1e-12:
            best = (subset, score, micro(dev, np.tile(row, (len(dev), 1))))
logits = np.array(data["dev_logits"])
print(json.dumps({
    "best": {"labels": list(best[0]), "train": best[1], "dev": best[2]},
    "dev": micro(dev, (logits > 0).astype(int)),
}))
