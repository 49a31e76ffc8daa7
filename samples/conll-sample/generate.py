"""Writes lukelab's CoNLL-2003-style sample (eng.train, eng.testa, eng.testb) from templates.

Every sentence is made up here from the templates and name lists below (nothing is taken from
CoNLL-2003 or any other corpus). Output: the shared task's layout, `word POS chunk NE` per line,
IOB1 tags (B- only where two entities of the same type touch), a `-DOCSTART- -X- O O` line and a
blank line before each document, a blank line after each sentence.

    python3 samples/conll-sample/generate.py      # rewrites the three files beside this script
"""
import random
from pathlib import Path

PER = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Marie Curie", "Niels Bohr", "Emmy Noether",
       "Carl Gauss", "Rosalind Franklin", "Ibn Sina", "Hedy Lamarr", "Srinivasa Ramanujan", "Lise Meitner"]
ORG = ["Acme Corp", "Globex", "Initech", "Umbrella Holdings", "Stark Industries", "Wayne Enterprises",
       "Northwind Traders", "Contoso", "Tyrell Corporation", "Soylent Foods"]
LOC = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Perth", "Reykjavik", "Montevideo", "Kraków", "Hanoi"]
MISC = ["Olympic", "Nobel", "Fabergé", "Booker", "Eurovision", "Turing Award"]

TEMPLATES = [
    "{PER} visited {LOC} on Monday .",
    "{ORG} said profits rose in {LOC} .",
    "{PER} , chief executive of {ORG} , resigned .",
    "Shares in {ORG} fell 3 percent .",
    "{PER} won the {MISC} prize .",
    "The {MISC} games open in {LOC} next year .",
    "Talks between {ORG} {ORG} ended without a deal .",
    "{LOC} beat {LOC} 2-1 .",
    "{PER} met {PER} in {LOC} .",
    "Analysts expect {ORG} to buy a stake in {ORG} .",
    "Rain is forecast for {LOC} and {LOC} .",
    "{PER} 's new book was praised by critics .",
    "Officials in {LOC} confirmed the report .",
    "Results were mixed on Tuesday .",
]

def words_of(name, kind, adjacent_same):
    toks = name.split()
    tags = [("B-" if (adjacent_same and i == 0) else "I-") + kind for i in range(len(toks))]
    return list(zip(toks, tags))

def sentence(rng):
    template = rng.choice(TEMPLATES)
    out = []
    prev_kind = None
    for piece in template.split():
        if piece.startswith("{") and piece.endswith("}"):
            kind = piece[1:-1]
            name = rng.choice({"PER": PER, "ORG": ORG, "LOC": LOC, "MISC": MISC}[kind])
            out += words_of(name, kind, prev_kind == kind)
            prev_kind = kind
        else:
            out.append((piece, "O"))
            prev_kind = None
    return out

def pos_chunk(word, tag):
    if tag != "O":
        return "NNP", "I-NP"
    if word in {".", ","}:
        return word, "O"
    if word[0].isdigit():
        return "CD", "I-NP"
    return "NN", "I-NP"

def write(path, rng, documents, sentences_per_doc):
    lines = []
    for _ in range(documents):
        lines += ["-DOCSTART- -X- O O", ""]
        for _ in range(rng.randint(*sentences_per_doc)):
            for word, tag in sentence(rng):
                pos, chunk = pos_chunk(word, tag)
                lines.append(f"{word} {pos} {chunk} {tag}")
            lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    rng = random.Random(2003)
    write(here / "eng.train", rng, 12, (6, 12))
    write(here / "eng.testa", rng, 4, (5, 9))
    write(here / "eng.testb", rng, 4, (5, 9))
