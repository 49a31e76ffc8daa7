"""scikit-learn's calibration curves and multi-label confusion matrices for the analysis tests.

Reads on stdin {"calibration": [{"y_true": [...], "y_prob": [...]}, ...],
                "confusion": {"gold": [[0/1...]], "logits": [[...]]}}
and prints {"calibration": [{"prob_true", "prob_pred"}...],
            "confusion": {"multi_label_all", "multi_label_only", "single_label_only", "single_rows"}}
computed as the original's confusion_matrix.py did: gold > 0 and logit > 0, a "reject" column that is
1 when a row has no label, multilabel_confusion_matrix over all rows and over the rows that are not
single-label (exactly one gold and exactly one predicted class), and confusion_matrix over the argmax
classes of the single-label rows.
"""
import json
import sys

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix

data = json.load(sys.stdin)
out = {"calibration": []}
for case in data["calibration"]:
    prob_true, prob_pred = calibration_curve(np.array(case["y_true"]), np.array(case["y_prob"], dtype=np.float64), n_bins=10, strategy="uniform")
    out["calibration"].append({"prob_true": prob_true.tolist(), "prob_pred": prob_pred.tolist()})

gold = (np.array(data["confusion"]["gold"]) > 0).astype(int)
pred = (np.array(data["confusion"]["logits"]) > 0).astype(int)
gold = np.hstack([gold, (gold.sum(axis=1) == 0).astype(int)[:, None]])
pred = np.hstack([pred, (pred.sum(axis=1) == 0).astype(int)[:, None]])
single = (gold.sum(axis=1) == 1) & (pred.sum(axis=1) == 1)
n = gold.shape[1]
out["confusion"] = {
    "multi_label_all": multilabel_confusion_matrix(gold, pred).tolist(),
    "multi_label_only": multilabel_confusion_matrix(gold[~single], pred[~single]).tolist(),
    "single_label_only": confusion_matrix(gold[single].argmax(axis=1), pred[single].argmax(axis=1), labels=list(range(n))).tolist(),
    "single_rows": np.nonzero(single)[0].tolist(),
}
print(json.dumps(out))
