"""np.sum of a JSON list of floats read on stdin (for the pairwise-summation order test)."""

import json
import sys

import numpy as np

json.dump(float(np.sum(np.asarray(json.load(sys.stdin), dtype=np.float64))), sys.stdout)
