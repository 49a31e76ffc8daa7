"""Loads a saved folder with transformers and prints its tokenizer and model outputs as JSON.

stdin: {"dir": str, "inputs": [{"text": str, "spans": [[s, e], ...]}, ...]}
stdout: [{"input_ids", "entity_position_ids", "logits", "last_hidden_state", "entity_last_hidden_state"}, ...]
plus a "loading" entry with transformers' missing/unexpected keys.
"""
import json
import sys

import torch
from transformers import AutoConfig, LukeTokenizer
import transformers

req = json.load(sys.stdin)
config = AutoConfig.from_pretrained(req["dir"])
model_cls = getattr(transformers, (config.architectures or ["LukeModel"])[0])
model, info = model_cls.from_pretrained(req["dir"], output_loading_info=True)
model.eval()
tok = LukeTokenizer.from_pretrained(req["dir"])
rows = []
for item in req["inputs"]:
    enc = tok(item["text"], entity_spans=[tuple(s) for s in item["spans"]], return_tensors="pt")
    enc.pop("token_type_ids", None)
    with torch.no_grad():
        out = model(**enc, output_hidden_states=True)
    rows.append({
        "input_ids": enc["input_ids"][0].tolist(),
        "entity_position_ids": enc["entity_position_ids"][0].tolist(),
        "logits": out.logits[0].tolist() if getattr(out, "logits", None) is not None else None,
        "last_hidden_state": out.hidden_states[-1][0].tolist(),
        "entity_last_hidden_state": out.entity_hidden_states[-1][0].tolist(),
    })
print(json.dumps({
    "loading": {k: sorted(v) if isinstance(v, (list, set)) else [] for k, v in info.items() if k in ("missing_keys", "unexpected_keys", "mismatched_keys")},
    "architecture": model_cls.__name__,
    "rows": rows,
}))
