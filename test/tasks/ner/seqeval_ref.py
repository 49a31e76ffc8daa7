"""seqeval's entity-level metrics, for test/tasks/ner/*.test.ts.

stdin: {"gold": [[tag, ...], ...], "pred": [[tag, ...], ...]}  or  {"file": predictions.txt}
       (CoNLL form: `token gold predicted` per line, a blank line between sentences)
stdout: {"precision", "recall", "f1", "per_type": {type: {"precision", "recall", "f1", "support"}},
         "sentences", "tokens"}
"""
import json
import sys

from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities

args = json.load(sys.stdin)
if "file" in args:
    gold, pred, g, p = [], [], [], []
    with open(args["file"], encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if g:
                    gold.append(g)
                    pred.append(p)
                g, p = [], []
                continue
            cols = line.split(" ")
            assert len(cols) == 3, line
            g.append(cols[1])
            p.append(cols[2])
    if g:
        gold.append(g)
        pred.append(p)
else:
    gold, pred = args["gold"], args["pred"]

report = classification_report(gold, pred, output_dict=True, zero_division=0)
per_type = {k: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1-score"], "support": int(v["support"])}
            for k, v in report.items() if not k.endswith(" avg")}
# Confusion over spans: gold entity → type predicted for exactly its span (or none); predicted entities
# whose span is no gold entity's → row none.
g_ents, p_ents = get_entities(gold), get_entities(pred)
pred_by_span = {(s, e): t for t, s, e in p_ents}
gold_spans = {(s, e) for _, s, e in g_ents}
confusion = {}
for t, s, e in g_ents:
    key = f"{t}>{pred_by_span.get((s, e), 'none')}"
    confusion[key] = confusion.get(key, 0) + 1
for t, s, e in p_ents:
    if (s, e) not in gold_spans:
        confusion[f"none>{t}"] = confusion.get(f"none>{t}", 0) + 1

print(json.dumps({
    "confusion": confusion,
    "precision": precision_score(gold, pred, zero_division=0),
    "recall": recall_score(gold, pred, zero_division=0),
    "f1": f1_score(gold, pred, zero_division=0),
    "per_type": per_type,
    "sentences": len(gold),
    "tokens": sum(len(s) for s in gold),
}))
