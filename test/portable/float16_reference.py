"""Reference for test/portable/codecs.test.ts: NumPy's IEEE half floats.

stdin: {"floats": [float32 bit patterns]}. stdout: {"widened": the float32 bit pattern of every one of
the 65536 half floats (astype(float32), NaN payloads kept), "narrowed": the half bit pattern NumPy
rounds each given float32 to (astype(float16), round to nearest even)}.
"""
import json
import sys

import numpy as np

inp = json.load(sys.stdin)
halves = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
with np.errstate(all="ignore"):
    widened = halves.astype(np.float32).view(np.uint32)
    floats = np.array(inp["floats"], dtype=np.uint32).view(np.float32)
    narrowed = floats.astype(np.float16).view(np.uint16)
json.dump({"widened": widened.tolist(), "narrowed": narrowed.tolist()}, sys.stdout)
