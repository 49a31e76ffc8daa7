"""Task-model checkpoints of BERT, RoBERTa and GPT-2, as the Hub holds them, for test/models/task-models.test.ts.

Reads JSON on stdin: {"cases": [{"fixture": folder of a parity fixture, "class": a transformers class
name, "out": folder to write, "text": str, "buffers": bool}]}. For each case it builds the task model
from the fixture's config with random weights, saves it (safetensors) with the fixture's tokenizer
files into "out" (with "buffers": GPT-2's old `h.N.attn.bias` / `masked_bias` buffers added to the
file, as older checkpoints have them), runs its base model on the text, and prints
{"outputs": [{"input_ids": [...], "last_hidden_state": [[...]]}, ...]}.
"""

import json
import shutil
import sys
from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file, save_file

BASE = {"bert": "bert", "roberta": "roberta", "gpt2": "transformer"}


def main():
    request = json.load(sys.stdin)
    outputs = []
    for i, case in enumerate(request["cases"]):
        fixture, out = Path(case["fixture"]), Path(case["out"])
        config = transformers.AutoConfig.from_pretrained(fixture)
        config._attn_implementation = "eager"
        torch.manual_seed(100 + i)
        model = getattr(transformers, case["class"])(config).eval()
        model.save_pretrained(out, safe_serialization=True)
        for f in fixture.iterdir():
            if f.name not in ("config.json", "model.safetensors"):
                shutil.copy(f, out / f.name)
        if case.get("buffers"):
            weights = load_file(out / "model.safetensors")
            n = config.n_positions
            for layer in range(config.n_layer):
                weights[f"transformer.h.{layer}.attn.bias"] = torch.tril(torch.ones(n, n, dtype=torch.bool)).view(1, 1, n, n).to(torch.uint8)
                weights[f"transformer.h.{layer}.attn.masked_bias"] = torch.tensor(-1e4)
            save_file(weights, out / "model.safetensors", metadata={"format": "pt"})
        tok = transformers.AutoTokenizer.from_pretrained(out, use_fast=False)
        enc = tok([case["text"]], return_tensors="pt")
        base = getattr(model, BASE[config.model_type])
        with torch.no_grad():
            hidden = base(**enc).last_hidden_state[0]
        outputs.append({"input_ids": enc["input_ids"][0].tolist(), "last_hidden_state": hidden.tolist()})
    json.dump({"outputs": outputs}, sys.stdout)


if __name__ == "__main__":
    main()
