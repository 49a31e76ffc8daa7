"""An independent reading of lukelab's markup, for the tests: stdin {"sentences": [...], "labels": [...]}
(well-formed sentences only), stdout the examples as Python would cut them, offsets in code points
(len and slicing of Python's str)."""
import json
import re
import sys

req = json.load(sys.stdin)
defaults = req["labels"]
# Escapes become private-use placeholders first, so the bracket pattern never sees them.
ESC = {"\\\\": "\ue000", "\\<": "\ue001", "\\>": "\ue002", "\\|": "\ue003"}
BACK = {"\ue000": "\\", "\ue001": "<", "\ue002": ">", "\ue003": "|"}
out = []
for raw in req["sentences"]:
    s = re.sub(r"\\[\\<>|]", lambda m: ESC[m.group(0)], raw)
    plain = ""
    spans = []
    pos = 0
    for m in re.finditer(r"<([^<>|]*)(?:\|([^<>]*))?>", s):
        plain += s[pos:m.start()]
        body = m.group(1)
        lead = len(body) - len(body.lstrip())
        start = len(plain) + lead
        end = start + len(body.strip())
        plain += body
        labels = defaults if m.group(2) is None else [l.strip() for l in m.group(2).split(",") if l.strip()]
        spans.append((start, end, labels))
        pos = m.end()
    plain += s[pos:]
    plain = "".join(BACK.get(c, c) for c in plain)
    for start, end, labels in spans:
        labels = ["".join(BACK.get(c, c) for c in l) for l in labels]
        out.append({"sent": plain, "start": start, "end": end, "labels": labels, "entity": plain[start:end]})
json.dump(out, sys.stdout, ensure_ascii=False)
