"""Independent reading of CoNLL files for test/data/conll.test.ts: documents, sentences, tokens and
entities per type, with seqeval's own get_entities on each sentence's tags.

stdin: {"files": [path, ...]}  stdout: {path: {documents, sentences, tokens, entities, per_type}}
"""
import json
import sys
from collections import Counter

from seqeval.metrics.sequence_labeling import get_entities

def count(path):
    documents = 0
    sentences = []
    current = []
    pending_doc = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("-DOCSTART-"):
                if current:
                    sentences.append(current)
                    current = []
                pending_doc = True
                continue
            if not line:
                if current:
                    sentences.append(current)
                    current = []
                continue
            if pending_doc:
                documents += 1
                pending_doc = False
            current.append(line.split())
    if current:
        sentences.append(current)
    per_type = Counter()
    for s in sentences:
        for kind, _, _ in get_entities([t[-1] for t in s]):
            per_type[kind] += 1
    return {
        "documents": documents,
        "sentences": len(sentences),
        "tokens": sum(len(s) for s in sentences),
        "entities": sum(per_type.values()),
        "per_type": dict(per_type),
    }

files = json.load(sys.stdin)["files"]
print(json.dumps({p: count(p) for p in files}))
