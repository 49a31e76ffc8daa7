"""State-dict keys and shapes of transformers' LUKE models, for test/model/weight-tree.test.ts.

Reads JSON on stdin: {"configs": {name: config.json content written by lukeConfigToJson}}.
For every config it builds LukeModel (the bare naming, no `luke.` prefix) and each task model
lukelab has a head for, and prints {"keys": {name: {head: [[key, shape], ...]}}, "tied": [...]}:
every key each model's state_dict() holds, in its order, and LukeForMaskedLM's tied weight keys.
No weights are read or compared; only which names exist with which shapes.
"""

import json
import sys

import torch
from luke_reference import HEADS  # beside this script: the head classes by lukelab's task name
from transformers import LukeConfig, LukeModel

CLASSES = {"none": LukeModel, **HEADS}


def main():
    request = json.load(sys.stdin)
    torch.manual_seed(0)
    keys = {}
    for name, config_json in request["configs"].items():
        config = LukeConfig.from_dict(config_json)
        keys[name] = {
            head: [[k, list(v.shape)] for k, v in cls(config).state_dict().items()] for head, cls in CLASSES.items()
        }
    json.dump({"keys": keys, "tied": list(HEADS["masked_lm"]._tied_weights_keys)}, sys.stdout)


if __name__ == "__main__":
    main()
