"""Parses SVG documents with Python's XML parser (a malformed document raises) and counts elements.

Reads a JSON list of SVG strings on stdin; prints, per document, {"root": tag, "classes": {class token:
count}, "texts": [text content of every <text>]}.
"""
import json
import sys
import xml.etree.ElementTree as ET

out = []
for i, doc in enumerate(json.load(sys.stdin)):
    try:
        root = ET.fromstring(doc)
    except ET.ParseError as err:
        sys.exit(f"document {i} is not well-formed XML: {err}")
    classes = {}
    texts = []
    for el in root.iter():
        for token in el.get("class", "").split():
            classes[token] = classes.get(token, 0) + 1
        if el.tag.endswith("}text"):
            texts.append("".join(el.itertext()))
    out.append({"root": root.tag, "classes": classes, "texts": texts})
print(json.dumps(out))
