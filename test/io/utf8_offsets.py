"""The byte offset where Python's strict UTF-8 decoder first fails, for each byte list on stdin."""
import json
import sys

out = []
for data in json.load(sys.stdin):
    try:
        bytes(data).decode("utf-8")
        out.append(len(data))
    except UnicodeDecodeError as e:
        out.append(e.start)
json.dump(out, sys.stdout)
