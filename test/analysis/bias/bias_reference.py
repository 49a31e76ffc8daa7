"""Reference numbers for the bias probe end-to-end test: the same sentences through transformers.

Reads JSON on stdin:
  {"model": folder, "targets": [word, ...],
   "examples": [{"text", "start", "end", "group", "template"}, ...],
   "layer": l, "pairs": [[group_a, group_b], ...], "contrasts": [[target_a, target_b], ...]}
For every example, LukeTokenizer (entity_spans=[(start, end)], the folder's entity_classification
task) and LukeForEntityClassification in eval mode with output_attentions=True give:
  tokens, mention (positions strictly between the two <ent> markers), targets (where the target's own
  tokenisation, tokenizer.tokenize(word), occurs as a run of tokens outside the mention; exactly once),
  scores (sigmoid of the logits), attention[from][target][layer]: heads averaged of the query rows
  (mention tokens averaged, or the [MASK] entity's row, the first after the words) summed over the
  target's key columns.
Then, per measure (score:<label>, attention:<from>:<target> at `layer`, and attention:<from>:<a>-<b>,
attention to a minus to b) and pair, over every template,
scipy.stats.ttest_ind(a, b, equal_var=False) of these numbers.
Prints {"examples": [...], "welch": {"<measure>|<a>|<b>": [t, df, p]}}.
"""

import json
import sys

import numpy as np
import torch
from scipy import stats
from transformers import LukeForEntityClassification, LukeTokenizer


def find_runs(tokens, pieces, exclude):
    hits = []
    for i in range(len(tokens) - len(pieces) + 1):
        span = list(range(i, i + len(pieces)))
        if tokens[i : i + len(pieces)] == pieces and not set(span) & exclude:
            hits.append(span)
    return hits


def main():
    req = json.load(sys.stdin)
    tokenizer = LukeTokenizer.from_pretrained(req["model"])
    model = LukeForEntityClassification.from_pretrained(req["model"]).eval()
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    examples = []
    with torch.no_grad():
        for ex in req["examples"]:
            enc = tokenizer(ex["text"], entity_spans=[(ex["start"], ex["end"])], return_tensors="pt")
            out = model(**enc, output_attentions=True)
            tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist())
            markers = [i for i, t in enumerate(tokens) if t == "<ent>"]
            assert len(markers) == 2, tokens
            mention = list(range(markers[0] + 1, markers[1]))
            targets = {}
            for word in req["targets"]:
                hits = find_runs(tokens, tokenizer.tokenize(word), set(mention))
                assert len(hits) == 1, (word, tokens)
                targets[word] = hits[0]
            words = len(tokens)
            att = [a[0].numpy().astype(np.float64) for a in out.attentions]  # [heads, words + entities, same]
            attention = {}
            for source, rows in (("mention", mention), ("entity", [words])):
                attention[source] = {
                    word: [float(a[:, rows, :][:, :, cols].sum(-1).mean(-1).mean(0)) for a in att] for word, cols in targets.items()
                }
            scores = torch.sigmoid(out.logits[0]).tolist()
            examples.append(
                {"tokens": tokens, "mention": mention, "targets": targets, "scores": dict(zip(labels, scores)), "attention": attention}
            )
    welch = {}
    layer = req["layer"]
    measures = {f"score:{label}": (lambda e, label=label: e["scores"][label]) for label in labels}
    for source in ("mention", "entity"):
        for word in req["targets"]:
            measures[f"attention:{source}:{word}"] = lambda e, s=source, w=word: e["attention"][s][w][layer]
    for source in ("mention", "entity"):
        for x, y in req.get("contrasts", []):
            measures[f"attention:{source}:{x}-{y}"] = lambda e, s=source, x=x, y=y: e["attention"][s][x][layer] - e["attention"][s][y][layer]
    for key, value in measures.items():
        for a, b in req["pairs"]:
            xa = [value(e) for e, x in zip(examples, req["examples"]) if x["group"] == a]
            xb = [value(e) for e, x in zip(examples, req["examples"]) if x["group"] == b]
            r = stats.ttest_ind(xa, xb, equal_var=False)
            welch[f"{key}|{a}|{b}"] = [float(r.statistic), float(r.df), float(r.pvalue)]
    json.dump({"examples": examples, "welch": welch}, sys.stdout)


if __name__ == "__main__":
    main()
