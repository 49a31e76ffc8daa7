"""A LUKE tokenizer in RoBERTa's layout over a byte-level BPE trained on given sentences: <s> <pad>
</s> <unk>, the BPE tokens, <mask>; <ent> and <ent2> added by LukeTokenizer; an entity vocabulary of
the 4 special rows ([PAD], [UNK], [MASK], [MASK2]). BPE training is deterministic, so the same
sentences give the same files. Used by scripts/make_typing_demo_tokenizer.py; importable by the other
scripts that build such a tokenizer (they run with scripts/ on sys.path).
"""
import json
from pathlib import Path

from tokenizers import ByteLevelBPETokenizer
from transformers import LukeTokenizer


def train_luke_tokenizer(sentences: list[str], vocab_size: int, workdir: Path) -> LukeTokenizer:
    """Trains the BPE (tokens seen at least twice), writes its files and the entity vocabulary into
    workdir, and returns the entity-classification tokenizer that reads them."""
    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    bpe.train_from_iterator(sentences, vocab_size=vocab_size, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False)
    bpe.save_model(str(workdir))
    vocab = json.loads((workdir / "vocab.json").read_text(encoding="utf-8"))
    vocab["<mask>"] = len(vocab)
    (workdir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (workdir / "entity_vocab.json").write_text(json.dumps({"[PAD]": 0, "[UNK]": 1, "[MASK]": 2, "[MASK2]": 3}), encoding="utf-8")
    return LukeTokenizer(
        vocab_file=str(workdir / "vocab.json"),
        merges_file=str(workdir / "merges.txt"),
        entity_vocab_file=str(workdir / "entity_vocab.json"),
        task="entity_classification",
        add_prefix_space=True,
    )
