"""Reference side of the checkpoint tests: PyTorch, safetensors and transformers write the files and
say what they hold; they also read what lukelab wrote.

    python reference.py tensors DIR        torch.save (zip, legacy, deflated zip) + safetensors files
    python reference.py luke-hf DIR        tiny LukeForEntityClassification folders in several layouts
    python reference.py luke-archive DIR   fake original LUKE archives + transformers' conversion of them
    python reference.py evil DIR           pickles that would run code, and other bad torch files
    python reference.py all DIR            all four, into DIR/<command>/ (what the tests use)
    python reference.py check < jobs.json  reads files lukelab wrote (see run_check)

Every command prints one JSON object on stdout. Tensor values travel as base64 of little-endian
float32 (floats) or as JSON integer lists (integers, bool), so comparisons are bit-exact.
"""

import base64
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import zipfile

import torch


def enc(t):
    """A tensor as {dtype, shape, f32 | ints}; floats exactly as float32. float16 is widened by numpy,
    which keeps NaN payloads as IEEE widening does (torch's own half->float turns NaN into 0x7fffffff)."""
    t = t.detach()
    out = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
    if t.dtype == torch.float16:
        out["f32"] = base64.b64encode(t.contiguous().numpy().astype("<f4").tobytes()).decode()
    elif t.dtype.is_floating_point:
        out["f32"] = base64.b64encode(t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()).decode()
    else:
        out["ints"] = [int(v) for v in t.reshape(-1).tolist()]
    return out


def enc_all(sd):
    return {k: enc(v) for k, v in sd.items()}


def dec(d):
    """Inverse of enc (for tensors lukelab sends to Python)."""
    dtype = getattr(torch, d["dtype"])
    if "f32" in d:
        import numpy as np

        arr = np.frombuffer(base64.b64decode(d["f32"]), dtype="<f4").copy()
        return torch.from_numpy(arr).reshape(d["shape"]).to(dtype)
    return torch.tensor(d["ints"], dtype=dtype).reshape(d["shape"])


# ---------------------------------------------------------------------------------------------
# tensors: every dtype, views, shared storage, scalars


def cmd_tensors(out_dir):
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(1234)
    base = torch.randn(5, 7, generator=g)
    tied = torch.randn(4, 3, generator=g)
    half_specials = torch.tensor([1.0, -0.0, 65504.0, 6e-8, -2.5e-5, float("inf"), float("-inf"), float("nan")]).half()
    tensors = {
        "f32": torch.randn(3, 4, generator=g),
        "base": base,
        # Views of base's storage: a transposed slice (non-contiguous, offset) and an inner block.
        "base_t_slice": base.t()[2:5],
        "base_block": base[1:4, 2:6],
        # Two names, one tensor: tied weights share one storage.
        "tied_a": tied,
        "tied_b": tied,
        # A broadcast view: stride 0.
        "expanded": torch.arange(3, dtype=torch.float32).expand(2, 3),
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 3),
        "f16": torch.cat([torch.randn(6, generator=g).half(), half_specials]).reshape(2, 7),
        "bf16": torch.randn(2, 3, 2, generator=g).bfloat16(),
        "f64": torch.randn(4, generator=g, dtype=torch.float64) * 1e10,
        "i64": torch.tensor([0, -1, 2**31 - 1, -(2**31), 42], dtype=torch.int64),
        "i32": torch.tensor([[7, -8], [2**31 - 1, -(2**31)]], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767, 5], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 17], dtype=torch.uint8),
        "bool": torch.tensor([[True, False], [False, True]]),
        "param": torch.nn.Parameter(torch.randn(2, 2, generator=g)),
        "i64_scalar": torch.tensor(-7, dtype=torch.int64),
    }
    paths = {
        "zip": os.path.join(out_dir, "tensors.pt"),
        "legacy": os.path.join(out_dir, "tensors_legacy.pt"),
        "deflated": os.path.join(out_dir, "tensors_deflated.pt"),
        "zip64": os.path.join(out_dir, "tensors_zip64.pt"),
        "safetensors": os.path.join(out_dir, "tensors.safetensors"),
        "big_int": os.path.join(out_dir, "big_int.pt"),
        "big_int_safetensors": os.path.join(out_dir, "big_int.safetensors"),
    }
    torch.save(tensors, paths["zip"])
    torch.save(tensors, paths["legacy"], _use_new_zipfile_serialization=False)
    # The same archive with every entry deflated (torch stores; other zip tools may not).
    with zipfile.ZipFile(paths["zip"]) as src, zipfile.ZipFile(paths["deflated"], "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    # And with zip64 records everywhere (sizes and offsets in the extra fields), as multi-GB files
    # have them: Python's zipfile writes those past ZIP64_LIMIT, lowered here for a small file.
    limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 16
    try:
        with zipfile.ZipFile(paths["zip"]) as src, zipfile.ZipFile(paths["zip64"], "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                with dst.open(info.filename, "w", force_zip64=True) as f:
                    f.write(src.read(info.filename))
        with zipfile.ZipFile(paths["zip64"]) as z:
            assert z.read(z.namelist()[-1]) is not None
    finally:
        zipfile.ZIP64_LIMIT = limit
    contiguous = {k: v.detach().clone().contiguous() for k, v in tensors.items()}
    save_file(contiguous, paths["safetensors"], metadata={"format": "pt"})
    big = {"big": torch.tensor([1, 2**40], dtype=torch.int64)}
    torch.save(big, paths["big_int"])
    save_file(big, paths["big_int_safetensors"])

    # Python's reading of what it wrote, as the expected values.
    reread = torch.load(paths["zip"], weights_only=True)
    shared = tensors["tied_a"].untyped_storage().data_ptr() == tensors["tied_b"].untyped_storage().data_ptr()
    view_shares = tensors["base_t_slice"].untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    print(
        json.dumps(
            {
                "paths": paths,
                "order": list(tensors.keys()),
                "expected": enc_all(reread),
                "facts": {
                    "tied_share_storage": shared,
                    "view_shares_storage": view_shares,
                    "view_is_contiguous": tensors["base_t_slice"].is_contiguous(),
                    "view_stride": list(tensors["base_t_slice"].stride()),
                    "view_offset": tensors["base_t_slice"].storage_offset(),
                },
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# luke-hf: tiny LukeForEntityClassification saved the ways transformers and older files do


def tiny_config(**extra):
    from transformers import LukeConfig

    fields = dict(
        vocab_size=60,
        entity_vocab_size=10,
        hidden_size=32,
        entity_emb_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=40,
        type_vocab_size=1,
        layer_norm_eps=1e-5,
    )
    fields.update(extra)
    return LukeConfig(**fields)


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    return model


def cmd_luke_hf(out_dir):
    from transformers import LukeForEntityClassification

    config = tiny_config(num_labels=3, id2label={0: "person", 1: "place", 2: "thing"}, label2id={"person": 0, "place": 1, "thing": 2})
    torch.manual_seed(0)
    model = randomise(LukeForEntityClassification(config).eval(), 7)
    dirs = {k: os.path.join(out_dir, k) for k in ["st", "bin", "base_st", "base_bin_posids", "sharded"]}
    model.save_pretrained(dirs["st"])
    model.save_pretrained(dirs["bin"], safe_serialization=False)
    model.save_pretrained(dirs["sharded"], max_shard_size="20KB")
    model.luke.save_pretrained(dirs["base_st"])
    # An older-style LukeModel file: no prefix, with the position-id buffer, written by torch.save.
    os.makedirs(dirs["base_bin_posids"])
    base_sd = dict(model.luke.state_dict())
    base_sd["embeddings.position_ids"] = torch.arange(config.max_position_embeddings).unsqueeze(0)
    torch.save(base_sd, os.path.join(dirs["base_bin_posids"], "pytorch_model.bin"))
    model.luke.config.to_json_file(os.path.join(dirs["base_bin_posids"], "config.json"))

    print(
        json.dumps(
            {
                "dirs": dirs,
                "files": {k: sorted(os.listdir(v)) for k, v in dirs.items()},
                "expected": enc_all(model.state_dict()),
                "config": config.to_dict(),
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# luke-archive: the original studio-ousia layout, and transformers' conversion of it


ORIGINAL_MODEL_CONFIG = {
    "attention_probs_dropout_prob": 0.1,
    "bert_model_name": "roberta-base",
    "entity_emb_size": 16,
    "entity_vocab_size": 10,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "hidden_size": 32,
    "initializer_range": 0.02,
    "intermediate_size": 37,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 40,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "type_vocab_size": 1,
    "vocab_size": 60,
}
TITLES = ["[PAD]", "[UNK]", "[MASK]", "Tokyo", "Ana Ivanovic", "Wimbledon", "Thursday", "Dummy Entity", "Entity 8", "[MASK2]"]
AT_ID, HASH_ID = 32, 5


def original_state_dict(model_config, seed):
    """What the original pretraining model saved: LukeModel keys without `luke.` and without the
    entity-aware queries, plus the lm_head / entity_predictions pretraining heads."""
    from transformers import LukeForMaskedLM

    config = tiny_config(**{**model_config, "use_entity_aware_attention": False})
    model = randomise(LukeForMaskedLM(config).eval(), seed)
    model.tie_weights()
    sd = {}
    for k, v in model.state_dict().items():
        sd[k[len("luke."):] if k.startswith("luke.") else k] = v
    return sd


def load_entity_vocab_tsv(path):
    # transformers' convert_luke_original_pytorch_checkpoint_to_pytorch.load_entity_vocab
    entity_vocab = {}
    with open(path, "r", encoding="utf-8") as f:
        for index, line in enumerate(f):
            title, _ = line.rstrip().split("\t")
            entity_vocab[title] = index
    return entity_vocab


def load_entity_vocab_jsonl(path, keys):
    data = [json.loads(line) for line in open(path, encoding="utf-8")]
    mapping = {}
    for entry in data:
        for name, language in entry["entities"]:
            if keys == "language:title":
                # transformers' convert_mluke_original_pytorch_checkpoint_to_pytorch.load_original_entity_vocab
                if name in ["[MASK]", "[PAD]", "[UNK]"]:
                    mapping[name] = entry["id"]
                    break
                mapping[f"{language}:{name}"] = entry["id"]
            else:
                # the original luke EntityVocab, keyed by title
                mapping[name] = entry["id"]
    return mapping


@torch.no_grad()
def reference_conversion(bin_path, metadata_path, entity_vocab):
    """transformers' convert_luke_checkpoint, step by step, minus the tokenizer files and the
    hard-coded output checks of the real checkpoints; [MASK2] appended as the mLUKE script does
    when the vocabulary lacks it."""
    from transformers import LukeConfig, LukeModel

    with open(metadata_path) as metadata_file:
        metadata = json.load(metadata_file)
    config = LukeConfig(use_entity_aware_attention=True, **metadata["model_config"])
    state_dict = torch.load(bin_path, map_location="cpu", weights_only=True)
    config.vocab_size += 2
    word_emb = state_dict["embeddings.word_embeddings.weight"]
    ent_emb = word_emb[AT_ID].unsqueeze(0)
    ent2_emb = word_emb[HASH_ID].unsqueeze(0)
    state_dict["embeddings.word_embeddings.weight"] = torch.cat([word_emb, ent_emb, ent2_emb])
    for layer_index in range(config.num_hidden_layers):
        for matrix_name in ["query.weight", "query.bias"]:
            prefix = f"encoder.layer.{layer_index}.attention.self."
            state_dict[prefix + "w2e_" + matrix_name] = state_dict[prefix + matrix_name]
            state_dict[prefix + "e2w_" + matrix_name] = state_dict[prefix + matrix_name]
            state_dict[prefix + "e2e_" + matrix_name] = state_dict[prefix + matrix_name]
    entity_emb = state_dict["entity_embeddings.entity_embeddings.weight"]
    if "[MASK2]" in entity_vocab:
        entity_emb[entity_vocab["[MASK2]"]] = entity_emb[entity_vocab["[MASK]"]]
    else:
        entity_vocab["[MASK2]"] = max(entity_vocab.values()) + 1
        config.entity_vocab_size += 1
        entity_mask_emb = entity_emb[entity_vocab["[MASK]"]].unsqueeze(0)
        state_dict["entity_embeddings.entity_embeddings.weight"] = torch.cat([entity_emb, entity_mask_emb])
    model = LukeModel(config=config).eval()
    missing_keys, unexpected_keys = model.load_state_dict(state_dict, strict=False)
    assert all(k == "embeddings.position_ids" for k in missing_keys), missing_keys
    assert all(k.startswith("entity_predictions") or k.startswith("lm_head") for k in unexpected_keys), unexpected_keys
    return {
        "config": config.to_dict(),
        "state_dict": enc_all(model.state_dict()),
        "entity_vocab": entity_vocab,
        "dropped": sorted(unexpected_keys),
        "metadata": metadata,
    }


def add_file(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def cmd_luke_archive(out_dir):
    results = {}

    # 1. entity_vocab.tsv with [MASK2], legacy-format pytorch_model.bin, members at the top level.
    work = os.path.join(out_dir, "tsv")
    os.makedirs(work)
    sd = original_state_dict(ORIGINAL_MODEL_CONFIG, 11)
    bin_path = os.path.join(work, "pytorch_model.bin")
    torch.save(sd, bin_path, _use_new_zipfile_serialization=False)
    metadata = {"model_config": ORIGINAL_MODEL_CONFIG, "max_seq_length": 512, "max_entity_length": 128, "max_mention_length": 30}
    meta_path = os.path.join(work, "metadata.json")
    with open(meta_path, "w") as f:
        json.dump(metadata, f, indent=2)
    vocab_path = os.path.join(work, "entity_vocab.tsv")
    with open(vocab_path, "w", encoding="utf-8") as f:
        for i, title in enumerate(TITLES):
            f.write(f"{title}\t{1000 - i}\n")
    archive = os.path.join(out_dir, "luke_tiny_tsv.tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        for name in ["pytorch_model.bin", "metadata.json", "entity_vocab.tsv"]:
            tar.add(os.path.join(work, name), arcname=name)
    results["tsv"] = {"archive": archive, **reference_conversion(bin_path, meta_path, load_entity_vocab_tsv(vocab_path))}

    # 2. entity_vocab.jsonl without [MASK2], zip-format bin, inside a top-level folder (GNU format,
    #    plus a long member name that needs a GNU long-name record).
    work = os.path.join(out_dir, "jsonl")
    os.makedirs(work)
    config2 = {**ORIGINAL_MODEL_CONFIG, "entity_vocab_size": 9}
    sd = original_state_dict(config2, 12)
    bin_path = os.path.join(work, "pytorch_model.bin")
    torch.save(sd, bin_path)
    metadata = {"model_config": config2, "max_seq_length": 512, "max_entity_length": 128, "max_mention_length": 30}
    meta_path = os.path.join(work, "metadata.json")
    with open(meta_path, "w") as f:
        json.dump(metadata, f)
    vocab_path = os.path.join(work, "entity_vocab.jsonl")
    with open(vocab_path, "w", encoding="utf-8") as f:
        for i, title in enumerate(TITLES[:9]):
            entities = [[title, "en"]] if title.startswith("[") else [[title, "en"], [title + " (ja)", "ja"]]
            f.write(json.dumps({"id": i, "entities": entities, "count": 100 - i}) + "\n")
    archive = os.path.join(out_dir, "luke_tiny_jsonl.tar.gz")
    with tarfile.open(archive, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name in ["metadata.json", "entity_vocab.jsonl", "pytorch_model.bin"]:
            tar.add(os.path.join(work, name), arcname=f"luke_tiny/{name}")
        add_file(tar, "luke_tiny/" + "a_very_long_readme_name_" * 6 + ".txt", b"not a checkpoint file\n")
    results["jsonl"] = {"archive": archive, **reference_conversion(bin_path, meta_path, load_entity_vocab_jsonl(vocab_path, "title"))}
    results["jsonl"]["entity_vocab_language_title"] = load_entity_vocab_jsonl(vocab_path, "language:title")

    # 3. The same members in an uncompressed pax tar.
    archive = os.path.join(out_dir, "luke_tiny_pax.tar")
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in ["metadata.json", "entity_vocab.jsonl", "pytorch_model.bin"]:
            tar.add(os.path.join(work, name), arcname=f"./{name}")
    results["pax"] = {"archive": archive}

    # 4. Broken archives: a member missing, and a truncated gzip.
    archive = os.path.join(out_dir, "no_vocab.tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        for name in ["metadata.json", "pytorch_model.bin"]:
            tar.add(os.path.join(work, name), arcname=name)
    results["no_vocab"] = {"archive": archive}
    truncated = os.path.join(out_dir, "truncated.tar.gz")
    data = open(results["tsv"]["archive"], "rb").read()
    with open(truncated, "wb") as f:
        f.write(data[: len(data) // 2])
    results["truncated"] = {"archive": truncated}
    results["word_ids"] = {"at": AT_ID, "hash": HASH_ID}
    print(json.dumps(results))


# ---------------------------------------------------------------------------------------------
# evil: pickles that would run code if unpickled by Python, in torch's zip and legacy layouts


def torch_like_zip(path, pkl, storages=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/byteorder", "little")
        for key, data in (storages or {}).items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")


def legacy_file(path, pkl):
    with open(path, "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        f.write(pkl)
        pickle.dump([], f, protocol=2)


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def os_system_pickle(marker):
    cmd = f"touch {marker}".encode()
    return b"\x80\x02}q\x00X\x06\x00\x00\x00weightq\x01cos\nsystem\nq\x02X" + struct.pack("<I", len(cmd)) + cmd + b"\x85R\x73."


def cmd_evil(out_dir):
    out = {}
    marker = os.path.join(out_dir, "PWNED")

    # os.system as Python pickles it here (GLOBAL 'posix system'), wrapped in a state-dict-like dict.
    posix = pickle.dumps({"weight": Payload(marker)}, protocol=2)
    # The same by hand with GLOBAL 'os system', and 'builtins eval' through STACK_GLOBAL (protocol 4).
    os_system = os_system_pickle(marker)
    code = f"__import__('os').system('touch {marker}')".encode()
    eval_pkl = (
        b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93X" + struct.pack("<I", len(code)) + code + b"\x85R."
    )
    for name, pkl in [("posix_system", posix), ("os_system", os_system), ("builtins_eval", eval_pkl)]:
        path = os.path.join(out_dir, f"{name}.pt")
        torch_like_zip(path, pkl)
        out[name] = {"path": path, "global": {"posix_system": "posix.system", "os_system": "os.system", "builtins_eval": "builtins.eval"}[name]}
    legacy = os.path.join(out_dir, "legacy_os_system.pt")
    legacy_file(legacy, os_system)
    out["legacy_os_system"] = {"path": legacy, "global": "os.system"}

    # Prove the payloads are live: Python's own unpickler runs them (with a different marker).
    live = os.path.join(out_dir, "PYTHON_RAN_IT")
    pickle.loads(os_system_pickle(live))
    live_posix = os.path.join(out_dir, "PYTHON_RAN_POSIX")
    pickle.loads(pickle.dumps(Payload(live_posix), protocol=2))

    # An opcode pickle does not have (0xff) after a valid PROTO and EMPTY_DICT.
    unknown = os.path.join(out_dir, "unknown_opcode.pt")
    torch_like_zip(unknown, b"\x80\x02}\xff.")
    # A real tensor pickle with NEWOBJ spliced in (an object-building opcode we refuse).
    newobj = os.path.join(out_dir, "newobj.pt")
    torch_like_zip(newobj, b"\x80\x02ccollections\nOrderedDict\n)\x81.")
    # A storage the pickle names but the zip lacks.
    sd_zip = io.BytesIO()
    torch.save({"w": torch.ones(3)}, sd_zip)
    with zipfile.ZipFile(io.BytesIO(sd_zip.getvalue())) as z:
        names = z.namelist()
        pkl_name = [n for n in names if n.endswith("data.pkl")][0]
        no_storage = os.path.join(out_dir, "no_storage.pt")
        torch_like_zip(no_storage, z.read(pkl_name))
        # A storage shorter than the pickle says.
        short = os.path.join(out_dir, "short_storage.pt")
        torch_like_zip(short, z.read(pkl_name), {"0": b"\x00" * 8})
    # A whole model pickled (not a state dict): names a torch.nn class.
    module = os.path.join(out_dir, "module.pt")
    torch.save(torch.nn.Linear(2, 2), module)

    print(
        json.dumps(
            {
                "marker": marker,
                "python_ran_payloads": os.path.exists(live) and os.path.exists(live_posix),
                "files": out,
                "unknown_opcode": unknown,
                "newobj": newobj,
                "no_storage": no_storage,
                "short_storage": short,
                "module": module,
            }
        )
    )


# ---------------------------------------------------------------------------------------------
# check: read what lukelab wrote


def run_check(job):
    kind = job["kind"]
    if kind == "safetensors":
        # Load a file lukelab wrote; also write the same tensors with the Python library.
        from safetensors import safe_open
        from safetensors.torch import load_file, save_file

        loaded = load_file(job["path"])
        with safe_open(job["path"], "pt") as f:
            metadata = f.metadata()
        result = {"tensors": enc_all(loaded), "metadata": metadata}
        if "python_path" in job:
            save_file({k: v.contiguous() for k, v in loaded.items()}, job["python_path"], metadata=metadata)
        return result
    if kind == "safetensors-rejects":
        from safetensors.torch import load_file

        try:
            load_file(job["path"])
            return {"rejected": False}
        except Exception as e:  # noqa: BLE001 - any refusal counts
            return {"rejected": True, "error": str(e)[:200]}
    if kind == "hf":
        import transformers

        cls = getattr(transformers, job["class"])
        model, info = cls.from_pretrained(job["dir"], output_loading_info=True)
        return {
            "info": {k: sorted(str(x) for x in v) for k, v in info.items()},
            "state_dict": enc_all(model.state_dict()),
            "config": model.config.to_dict(),
        }
    raise ValueError(f"unknown check kind {kind}")


def cmd_check():
    jobs = json.load(sys.stdin)
    print(json.dumps([run_check(job) for job in jobs]))


def cmd_all(out_dir):
    """Every fixture in one process (one torch + transformers start-up), as one JSON object."""
    import contextlib

    results = {}
    for name, fn in [("tensors", cmd_tensors), ("luke-hf", cmd_luke_hf), ("luke-archive", cmd_luke_archive), ("evil", cmd_evil)]:
        sub = os.path.join(out_dir, name)
        os.makedirs(sub)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            fn(sub)
        results[name] = json.loads(buf.getvalue())
    print(json.dumps(results))


if __name__ == "__main__":
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    command = sys.argv[1]
    if command == "check":
        cmd_check()
    else:
        commands = {"tensors": cmd_tensors, "luke-hf": cmd_luke_hf, "luke-archive": cmd_luke_archive, "evil": cmd_evil, "all": cmd_all}
        commands[command](sys.argv[2])
