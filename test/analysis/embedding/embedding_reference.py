"""Reference numbers for the run-embedding tests, from scikit-learn and NumPy.

Reads JSON on stdin: {"pca": [{"X", "k"}], "eigh": [matrix], "affinities": [{"X", "perplexity"}],
"vectors": [{"dirs", "split", "matrices", "normalize"}]} (every key optional) and writes the answers
as JSON with the same keys.
"""
import json
import os
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold._utils import _binary_search_perplexity
from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix


def pca(case):
    X = np.asarray(case["X"], dtype=np.float64)
    model = PCA(n_components=case["k"], svd_solver="full").fit(X)
    return {
        "mean": model.mean_.tolist(),
        "components": model.components_.tolist(),
        "explained_variance": model.explained_variance_.tolist(),
        "explained_variance_ratio": model.explained_variance_ratio_.tolist(),
        "scores": model.transform(X).tolist(),
    }


def affinities(case):
    X = np.asarray(case["X"], dtype=np.float64)
    sq = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    conditional = _binary_search_perplexity(sq.astype(np.float32), case["perplexity"], 0)
    joint = conditional + conditional.T
    joint = np.maximum(joint / joint.sum(), np.finfo(np.double).eps)
    return {"conditional": conditional.tolist(), "joint": joint.tolist()}


def with_reject(rows):
    rows = (np.asarray(rows) > 0).astype(int)
    return np.concatenate([rows, (rows.sum(1) == 0).astype(int)[:, None]], axis=1)


def normalized(matrix, normalize):
    matrix = np.asarray(matrix, dtype=np.float64)
    if normalize == "none":
        return matrix
    sums = matrix.sum(-1, keepdims=True)
    return np.divide(matrix, sums, out=np.zeros_like(matrix), where=sums > 0)


def run_vector(run_dir, split, matrices, normalize):
    with open(os.path.join(run_dir, "results.json")) as f:
        block = json.load(f)["evaluation_predict_label"][split]
    gold = with_reject(block["true_labels"])
    pred = with_reject(block["predict_logits"])
    n = gold.shape[1]
    single = (gold.sum(1) == 1) & (pred.sum(1) == 1)
    parts = []
    for kind in ["multi_label_all", "single_label_only", "multi_label_only"]:
        if kind not in matrices:
            continue
        if kind == "single_label_only":
            cm = confusion_matrix(gold[single].argmax(1), pred[single].argmax(1), labels=list(range(n))) if single.any() else np.zeros((n, n), int)
        else:
            rows = np.ones(len(gold), bool) if kind == "multi_label_all" else ~single
            cm = multilabel_confusion_matrix(gold[rows], pred[rows]) if rows.any() else np.zeros((n, 2, 2), int)
        parts.append(normalized(cm, normalize).reshape(-1))
    return np.concatenate(parts).tolist()


def main():
    request = json.load(sys.stdin)
    out = {}
    if "pca" in request:
        out["pca"] = [pca(c) for c in request["pca"]]
    if "eigh" in request:
        out["eigh"] = []
        for m in request["eigh"]:
            values, vectors = np.linalg.eigh(np.asarray(m, dtype=np.float64))
            out["eigh"].append({"values": values[::-1].tolist(), "vectors": vectors[:, ::-1].T.tolist()})
    if "affinities" in request:
        out["affinities"] = [affinities(c) for c in request["affinities"]]
    if "vectors" in request:
        out["vectors"] = [[run_vector(d, v["split"], v["matrices"], v["normalize"]) for d in v["dirs"]] for v in request["vectors"]]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
