"""Executes a notebook with nbclient on the tslab kernel and prints its outputs as JSON.

    python run_notebook.py NOTEBOOK [OUTPUT.ipynb]

Prints {"cells": [{"source": str, "outputs": [...]}, ...]}. If execution fails (a cell raises, a cell
times out, the kernel dies or does not start), exits 1 and writes to stderr what failed and every
output the cells produced up to then, so a failure far away (CI) can be read from its log.
"""
import json
import sys
import traceback
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
nb = nbformat.read(path, as_version=4)
client = NotebookClient(
    nb,
    timeout=600,
    startup_timeout=180,
    iopub_timeout=30,
    kernel_name="tslab",
    resources={"metadata": {"path": str(path.parent)}},
)


def output_text(output):
    if output.get("output_type") == "stream":
        return f"[{output.get('name')}] {output.get('text', '')}"
    if output.get("output_type") == "error":
        return f"[error] {output.get('ename')}: {output.get('evalue')}\n" + "\n".join(output.get("traceback", []))
    data = output.get("data", {})
    return f"[{output.get('output_type')}] {', '.join(sorted(data))}"


try:
    client.execute()
except Exception as err:  # CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError at start
    print(f"{path.name}: execution failed with {type(err).__name__}: {err}", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        print(f"--- cell {i}: {cell.source.splitlines()[0] if cell.source else ''}", file=sys.stderr)
        for output in cell.get("outputs", []):
            print(output_text(output)[-4000:], file=sys.stderr)
    sys.exit(1)
if len(sys.argv) > 2:
    nbformat.write(nb, sys.argv[2])
cells = [{"source": c.source, "outputs": c.get("outputs", [])} for c in nb.cells if c.cell_type == "code"]
print(json.dumps({"cells": cells}))
