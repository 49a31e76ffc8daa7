"""Reference NER inputs for test/tasks/ner/inputs.test.ts, built in Python as upstream LUKE's NER example
does (text joined as transformers' run_luke_ner_no_trainer.py, document context shared out as the
legacy examples/ner/utils.py, every word span of at most max_mention_length subwords, chunks of
ceil(n / ceil(n / max_entity_length)) spans) and encoded by transformers' LukeTokenizer with
task="entity_span_classification".

stdin: {"tokenizer": dir, "documents": [[[word, ...], ...], ...], "max_seq_length", "max_entity_length",
        "max_mention_length"}
stdout: [{"input_ids", "entity_ids", "entity_position_ids", "entity_start_positions",
          "entity_end_positions", "spans"}, ...] in sentence order
"""
import json
import math
import sys
import unicodedata

from transformers import LukeTokenizer

def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")

def glued(word):
    return word[0] == "'" or (len(word) == 1 and is_punctuation(word))

def build_text(words):
    text = ""
    starts, ends = [], []
    for word in words:
        if glued(word):
            text = text.rstrip()
        starts.append(len(text))
        text += word
        ends.append(len(text))
        text += " "
    return text.rstrip(), starts, ends

args = json.load(sys.stdin)
tok = LukeTokenizer.from_pretrained(args["tokenizer"], task="entity_span_classification")
max_sub = args["max_seq_length"] - 2
out = []
for doc in args["documents"]:
    words = [w for s in doc for w in s]
    counts = [len(tok.tokenize(w if i == 0 or glued(w) else " " + w)) for i, w in enumerate(words)]
    begin = 0
    for sent in doc:
        start, end = begin, begin + len(sent)
        begin = end
        left, length, right = sum(counts[:start]), sum(counts[start:end]), sum(counts[end:])
        half = int((max_sub - length) / 2)
        if left < right:
            left_room = min(left, half)
            right_room = min(right, max_sub - left_room - length)
        else:
            right_room = min(right, half)
            left_room = min(left, max_sub - right_room - length)
        lo, used = start, 0
        while lo > 0 and used + counts[lo - 1] <= left_room:
            used += counts[lo - 1]
            lo -= 1
        hi, used = end, 0
        while hi < len(words) and used + counts[hi] <= right_room:
            used += counts[hi]
            hi += 1
        text, starts, ends = build_text(words[lo:hi])
        off = start - lo
        spans = []
        for s in range(len(sent)):
            for e in range(s + 1, len(sent) + 1):
                if sum(counts[start + s:start + e]) <= args["max_mention_length"]:
                    spans.append((s, e))
        if not spans:
            continue
        splits = math.ceil(len(spans) / args["max_entity_length"])
        size = math.ceil(len(spans) / splits)
        for c in range(splits):
            chunk = spans[c * size:(c + 1) * size]
            enc = tok(text, entity_spans=[(starts[off + s], ends[off + e - 1]) for s, e in chunk],
                      max_entity_length=len(chunk), max_mention_length=args["max_mention_length"])
            out.append({
                "input_ids": enc["input_ids"],
                "entity_ids": enc["entity_ids"],
                "entity_position_ids": enc["entity_position_ids"],
                "entity_start_positions": enc["entity_start_positions"],
                "entity_end_positions": enc["entity_end_positions"],
                "spans": [list(x) for x in chunk],
            })
print(json.dumps(out))
