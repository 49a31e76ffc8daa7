"""Dataset statistics computed independently with Python and NumPy: argv = data folder [tokenizer
folder]. Reads train/dev/test.json (a JSON array in the ERNIE form, or UW crowd JSON lines) and
prints per split: examples, label counts, label-set sizes, per-example lengths (words = str.split(),
code points = len) and their summaries; with a tokenizer, word pieces from transformers'
LukeTokenizer (entity_classification) without <s>, </s> and the <ent> markers."""
import json
import sys

import numpy as np

LABELS = ["entity", "event", "group", "location", "object", "organization", "person", "place", "time"]
data_dir = sys.argv[1]
tokenizer = None
if len(sys.argv) > 2:
    from transformers import LukeTokenizer

    tokenizer = LukeTokenizer.from_pretrained(sys.argv[2], task="entity_classification", max_mention_length=1000)


def read(path):
    with open(path, encoding="utf8") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        return [(e["sent"], e["start"], e["end"], e["labels"]) for e in json.loads(text)]
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        left, right = " ".join(e["left_context_token"]), " ".join(e["right_context_token"])
        mention = " ".join(e["mention_span"].split())
        sent = " ".join(p for p in [left, mention, right] if p)
        start = len(left) + 1 if left else 0
        out.append((sent, start, start + len(mention), list(dict.fromkeys(l for l in e["y_str"] if l in LABELS))))
    return out


result = {}
for split in ["train", "dev", "test"]:
    examples = read(f"{data_dir}/{split}.json")
    lengths = {
        "sentence_words": [len(s.split()) for s, _, _, _ in examples],
        "sentence_code_points": [len(s) for s, _, _, _ in examples],
        "mention_words": [len(s[a:b].split()) for s, a, b, _ in examples],
        "mention_code_points": [b - a for _, a, b, _ in examples],
    }
    if tokenizer is not None:
        special = {tokenizer.cls_token_id, tokenizer.sep_token_id, *tokenizer.convert_tokens_to_ids(["<ent>", "<ent2>"])}
        sentence, mention = [], []
        for s, a, b, _ in examples:
            enc = tokenizer(s, entity_spans=[(a, b)])
            ids = enc["input_ids"]
            sentence.append(sum(1 for i in ids if i not in special))
            mention.append(sum(1 for p in enc["entity_position_ids"][0] if p >= 0 and ids[p] not in special))
        lengths["sentence_tokens"], lengths["mention_tokens"] = sentence, mention
    sizes = np.bincount([len(l) for _, _, _, l in examples], minlength=1).tolist()
    result[split] = {
        "examples": len(examples),
        "label_counts": {l: sum(l in labels for _, _, _, labels in examples) for l in LABELS},
        "label_set_sizes": sizes,
        "lengths": lengths,
        "summary": {
            m: [float(np.mean(v)), float(np.std(v, ddof=1)), int(np.min(v)), float(np.median(v)), int(np.max(v))]
            for m, v in lengths.items()
        },
    }
print(json.dumps(result))
