"""Where Python's json module places each syntax error: reads a JSON list of texts on stdin, writes
[[line, column] or null, ...] (1-based, columns in code points). NaN/Infinity are refused too, as
lukelab's reader refuses them (Python accepts them unless told not to)."""
import json
import sys


def refuse(name):
    raise ValueError(name)


out = []
for text in json.load(sys.stdin):
    try:
        json.loads(text, parse_constant=refuse)
        out.append(None)
    except json.JSONDecodeError as e:
        out.append([e.lineno, e.colno])
    except ValueError:
        out.append("constant")
json.dump(out, sys.stdout)
