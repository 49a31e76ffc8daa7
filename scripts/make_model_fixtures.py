"""Makes the parity fixtures and samples of the models shown beside LUKE: BERT, RoBERTa and GPT-2.

Everything is random or written for lukelab: a lower-cased WordPiece vocabulary and a byte-level BPE
vocabulary trained on make_fixtures.py's sentences, three tiny models with random weights (LayerNorm
included), and the outputs of Hugging Face `transformers` (eager attention, CPU, float32) on written
hard strings and Open Entity sentences. The TypeScript tests load the same folders and must
reproduce these outputs.

    .venv/bin/python scripts/make_model_fixtures.py    # writes test/fixtures/models and samples/tiny-{bert,roberta,gpt2}

Per model (test/fixtures/models/<name>/): safetensors/ and bin/ (the same model in both formats,
with its tokenizer files), expected.json (inputs, tokens, ids, tensor shapes and offsets) and
expected.f32 (little-endian float32 hidden states and attentions).
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import torch
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
from transformers import BertConfig, BertModel, BertTokenizer, GPT2Config, GPT2Model, GPT2Tokenizer, RobertaConfig, RobertaModel, RobertaTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import CORPUS, ROOT, Blob, hard_inputs, open_entity_inputs, randomise, resolve_text, write_expected  # noqa: E402

OUT = ROOT / "test" / "fixtures" / "models"
SAMPLES = ROOT / "samples"

# Extra sentences for the WordPiece vocabulary: accents, CJK characters, punctuation. Written for lukelab.
EXTRA_CORPUS = [
    "東京 and 日本 are written with Chinese characters, 東京 twice.",
    "The café in Zürich served crème brûlée; naïve critics loved it!",
    "Questions? Answers! Brackets (and [square] ones) {too}...",
]

# WordPiece and BPE edge cases beyond make_fixtures.py's hard strings.
MODEL_HARD_TEXTS = [
    "HeLLo WoRLD, the CAPITALS are lowered!!!",
    "[UNK] and [MASK] stay whole, [unk] does not.",
    "Supercalifragilisticexpialidocious is an unknown word.",
    "x" * 120 + " is longer than a hundred characters.",
    "Naïve résumé: Ångström, Øresund, İstanbul.",
    "Control\u0000characters\u200band\ufffdodd\u00adones.",
    "Ｆｕｌｌｗｉｄｔｈ letters and 東京タワー in Tokyo.",
    "Zero-width joiner 👩‍🔬 and the end.",
    "<s> and </s> written in the text, with <mask>.",
    "Ünïcödé ÀCCENTS ON CAPITALS.",
]


def train_wordpiece(workdir: Path) -> Path:
    wp = BertWordPieceTokenizer(lowercase=True, strip_accents=None, clean_text=True, handle_chinese_chars=True)
    wp.train_from_iterator((CORPUS + EXTRA_CORPUS) * 3, vocab_size=400, min_frequency=2, show_progress=False,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    wp.save_model(str(workdir))
    return workdir / "vocab.txt"


def train_bpe(workdir: Path, specials: list[str]) -> tuple[Path, Path]:
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS * 3, vocab_size=600, min_frequency=2, special_tokens=specials, show_progress=False)
    bpe.save_model(str(workdir))
    return workdir / "vocab.json", workdir / "merges.txt"


def build(name: str, model: torch.nn.Module, tok, inputs: list[dict], seed: int) -> Path:
    randomise(model, seed)
    model.eval()
    out_dir = OUT / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for fmt, safe in (("safetensors", True), ("bin", False)):
        model.save_pretrained(out_dir / fmt, safe_serialization=safe)
        tok.save_pretrained(out_dir / fmt)

    blob = Blob()
    records = []

    def record(enc, out, row: int, attentions: bool) -> dict:
        ids = enc["input_ids"][row]
        rec = {
            "tokens": tok.convert_ids_to_tokens(ids.tolist()),
            "input_ids": ids.tolist(),
            "attention_mask": enc["attention_mask"][row].tolist(),
            "last_hidden_state": blob.add(out.last_hidden_state[row]),
            "hidden_states": blob.add(torch.stack([h[row] for h in out.hidden_states])),
        }
        if "token_type_ids" in enc:
            rec["token_type_ids"] = enc["token_type_ids"][row].tolist()
        if attentions:
            rec["attentions"] = blob.add(torch.stack([a[row] for a in out.attentions]))
        return rec

    def run(texts: list[str], padding: bool):
        enc = tok(texts, padding=padding, return_tensors="pt")
        with torch.no_grad():
            out = model(**enc, output_attentions=True, output_hidden_states=True)
        return enc, out

    for item in inputs:
        enc, out = run([resolve_text(item)], padding=False)
        records.append({"input": {k: v for k, v in item.items() if k != "spans"}, **record(enc, out, 0, enc["input_ids"].shape[1] <= 64)})

    batch_rows = [0, 2, 6, len(inputs) - 1]
    enc, out = run([resolve_text(inputs[i]) for i in batch_rows], padding=True)
    batch = {"rows": batch_rows, "outputs": [record(enc, out, r, True) for r in range(len(batch_rows))]}

    about = {"tolerance": {"hidden": 1e-4, "attentions": 1e-5}}
    write_expected(out_dir, blob, "scripts/make_model_fixtures.py", type(model).__name__, about, records, batch)
    return out_dir


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="lukelab-model-fixtures-"))
    inputs = hard_inputs() + [{"text": t} for t in MODEL_HARD_TEXTS] + open_entity_inputs(8)
    for it in inputs:
        it.pop("spans", None)

    (work / "wp").mkdir()
    bert_tok = BertTokenizer(vocab_file=str(train_wordpiece(work / "wp")), do_lower_case=True)
    bert = BertModel(BertConfig(vocab_size=len(bert_tok.vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=37, max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
                                attn_implementation="eager"))
    (work / "roberta").mkdir()
    vocab, merges = train_bpe(work / "roberta", ["<s>", "<pad>", "</s>", "<unk>"])
    v = json.loads(vocab.read_text())
    v["<mask>"] = len(v)
    vocab.write_text(json.dumps(v, ensure_ascii=False))
    roberta_tok = RobertaTokenizer(vocab_file=str(vocab), merges_file=str(merges))
    roberta = RobertaModel(RobertaConfig(vocab_size=len(v), hidden_size=24, num_hidden_layers=3, num_attention_heads=3,
                                         intermediate_size=40, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5,
                                         pad_token_id=1, bos_token_id=0, eos_token_id=2, attn_implementation="eager"))
    (work / "gpt2").mkdir()
    vocab, merges = train_bpe(work / "gpt2", ["<|endoftext|>"])
    gpt2_tok = GPT2Tokenizer(vocab_file=str(vocab), merges_file=str(merges))
    gpt2_tok.pad_token = gpt2_tok.eos_token
    n_vocab = len(json.loads(vocab.read_text()))
    gpt2 = GPT2Model(GPT2Config(vocab_size=n_vocab, n_embd=32, n_layer=2, n_head=4, n_inner=None, n_positions=512,
                                activation_function="gelu_new", layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=0,
                                attn_implementation="eager"))

    made = [
        build("bert", bert, bert_tok, inputs, seed=17),
        build("roberta", roberta, roberta_tok, inputs, seed=18),
        build("gpt2", gpt2, gpt2_tok, inputs, seed=19),
    ]
    for d in made:
        sample = SAMPLES / f"tiny-{d.name}"
        if sample.exists():
            shutil.rmtree(sample)
        shutil.copytree(d / "safetensors", sample)
        size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
        print(f"{d.relative_to(ROOT)}: {size / 1e6:.2f} MB", file=sys.stderr)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
