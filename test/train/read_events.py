"""Reads TensorBoard event files with TensorBoard's own EventAccumulator and prints the scalars.

    python read_events.py DIR    →  {"tags": [...], "scalars": {tag: [[step, value], ...]}, "files": n}
"""
import json
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing import event_file_loader
import glob
import os

path = sys.argv[1]
acc = EventAccumulator(path, size_guidance={"scalars": 0})
acc.Reload()
tags = acc.Tags()["scalars"]
scalars = {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in tags}
# Every record must also pass the raw loader's CRC checks.
records = 0
for f in sorted(glob.glob(os.path.join(path, "events.out.tfevents.*"))):
    for _ in event_file_loader.RawEventFileLoader(f).Load():
        records += 1
print(json.dumps({"tags": sorted(tags), "scalars": scalars, "records": records}))
