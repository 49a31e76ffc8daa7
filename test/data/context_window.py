"""Reads {"words": [k...], "splits": [...]} on stdin and prints, for each k, every example of
../shared/data/open-entity cut by scripts/compare_open_entity.py's context_window (what the PyTorch
side of the Open Entity comparison trains on)."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from compare_open_entity import context_window, read_split  # noqa: E402

req = json.load(sys.stdin)
out = {}
for k in req["words"]:
    out[str(k)] = {s: [[r["sent"], r["start"], r["end"]] for r in (context_window(x, k) for x in read_split(s))] for s in req["splits"]}
json.dump(out, sys.stdout, ensure_ascii=False)
