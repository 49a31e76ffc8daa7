"""Writes BertViz's head_view HTML (bertviz 1.4.1 from PyPI) for the attention that
bench/attention-render.ts generated, so both views draw the same numbers.

    python bench/attention-render.py DIR [--layer0]

Reads DIR/tokens.json and DIR/weights.f32 and writes DIR/bertviz.html (every layer, head_view's
default) or, with --layer0, DIR/bertviz-layer0.html (include_layers=[0], what BertViz's README
suggests for long inputs). Prints {"seconds": <time head_view took>, "bytes": <size of the HTML>}.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from bertviz import head_view

root = Path(sys.argv[1])
meta = json.loads((root / "tokens.json").read_text())
layers, heads, n = meta["layers"], meta["heads"], len(meta["tokens"])
weights = np.fromfile(root / "weights.f32", dtype="<f4").reshape(layers, heads, n, n)
attention = [torch.from_numpy(weights[l][None].copy()) for l in range(layers)]
t0 = time.perf_counter()
layer0 = "--layer0" in sys.argv
html = head_view(attention, meta["tokens"], html_action="return", include_layers=[0] if layer0 else None).data
seconds = time.perf_counter() - t0
(root / ("bertviz-layer0.html" if layer0 else "bertviz.html")).write_text("<!doctype html><html><head><meta charset='utf-8'></head><body>" + html + "</body></html>")
print(json.dumps({"seconds": seconds, "bytes": len(html.encode())}))
