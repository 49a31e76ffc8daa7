"""Reference outputs of transformers' slow LukeTokenizer for the TS tokenizer tests.

stdin: {"jobs": [{"dir", "load"?: from_pretrained kwargs, "op", ...}]}; stdout: one result per job.
ops: encode (inputs, options) → per input a dict or {"error"}; batch (inputs, options) → one dict;
tokenize (texts); decode (ids, options); info; save (out);
roberta_convert (dir of RoBERTa files, out, entity_vocab): the conversion script's tokenizer steps.
"""
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
# The slow tokenizer needs no torch; transformers' USE_TORCH=0 skips importing it (~2 s per test file).
os.environ.setdefault("USE_TORCH", "0")
from transformers import AddedToken, LukeTokenizer, RobertaTokenizer  # noqa: E402
from transformers.utils import logging  # noqa: E402

logging.set_verbosity_error()

_cache = {}


def tokenizer(job):
    key = (job["dir"], json.dumps(job.get("load", {}), sort_keys=True))
    if key not in _cache:
        _cache[key] = LukeTokenizer.from_pretrained(job["dir"], **job.get("load", {}))
    return _cache[key]


def spans_arg(spans):
    return None if spans is None else [tuple(s) for s in spans]


def plain(enc, tok, batch):
    out = {k: v for k, v in enc.items() if k != "token_type_ids"}
    ids = out["input_ids"]
    out["tokens"] = [tok.convert_ids_to_tokens(r) for r in ids] if batch else tok.convert_ids_to_tokens(ids)
    return out


def run(job):
    op = job["op"]
    if op == "roberta_convert":
        return roberta_convert(job)
    tok = tokenizer(job)
    opts = job.get("options", {})
    if op == "encode":
        results = []
        for x in job["inputs"]:
            try:
                enc = tok(x["text"], entity_spans=spans_arg(x.get("spans")), entities=x.get("entities"), **opts)
                results.append(plain(enc, tok, False))
            except Exception as e:  # the test decides whether an error is expected
                results.append({"error": f"{type(e).__name__}: {e}"})
        return results
    if op == "batch":
        xs = job["inputs"]
        spans = [spans_arg(x.get("spans")) for x in xs]
        ents = [x.get("entities") for x in xs]
        enc = tok(
            [x["text"] for x in xs],
            entity_spans=None if all(s is None for s in spans) else spans,
            entities=None if all(e is None for e in ents) else ents,
            **opts,
        )
        return plain(enc, tok, True)
    if op == "tokenize":
        return [tok.tokenize(t) for t in job["texts"]]
    if op == "decode":
        return [tok.decode(ids, **opts) for ids in job["ids"]]
    if op == "info":
        return {
            "added": {
                str(i): {"content": t.content, "lstrip": t.lstrip, "rstrip": t.rstrip, "single_word": t.single_word, "special": t.special}
                for i, t in tok.added_tokens_decoder.items()
            },
            "markers": tok.additional_special_tokens_ids[:2],
            "vocab_size": tok.vocab_size,
            "len": len(tok),
            "task": tok.task,
            "add_prefix_space": tok.add_prefix_space,
            "max_entity_length": tok.max_entity_length,
            "max_mention_length": tok.max_mention_length,
            "model_max_length": tok.model_max_length if tok.model_max_length < 1e20 else None,
            "entity_ids": [tok.entity_pad_token_id, tok.entity_unk_token_id, tok.entity_mask_token_id, tok.entity_mask2_token_id],
        }
    if op == "save":
        tok.save_pretrained(job["out"])
        return job["out"]
    raise ValueError(f"unknown op {op}")


def roberta_convert(job):
    """The tokenizer steps of transformers' convert_luke_original_pytorch_checkpoint_to_pytorch.py."""
    out = job["out"]
    tok = RobertaTokenizer.from_pretrained(job["dir"])
    ent1 = AddedToken("<ent>", lstrip=False, rstrip=False)
    ent2 = AddedToken("<ent2>", lstrip=False, rstrip=False)
    tok.add_special_tokens({"additional_special_tokens": [ent1, ent2]})
    tok.save_pretrained(out)
    with open(os.path.join(out, "entity_vocab.json"), "w") as f:
        json.dump(job["entity_vocab"], f)
    return out


if __name__ == "__main__":
    jobs = json.load(sys.stdin)["jobs"]
    json.dump([run(j) for j in jobs], sys.stdout, ensure_ascii=False)
