"""Executes a notebook with nbclient on the tslab kernel and prints its outputs as JSON.

    python run_notebook.py NOTEBOOK [OUTPUT.ipynb]

Prints {"cells": [{"source": str, "outputs": [...]}, ...]}; exits 1 with the error if a cell fails.
"""
import json
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path = Path(sys.argv[1])
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, timeout=300, kernel_name="tslab", resources={"metadata": {"path": str(path.parent)}})
try:
    client.execute()
except CellExecutionError as err:
    print(str(err), file=sys.stderr)
    sys.exit(1)
if len(sys.argv) > 2:
    nbformat.write(nb, sys.argv[2])
cells = [{"source": c.source, "outputs": c.get("outputs", [])} for c in nb.cells if c.cell_type == "code"]
print(json.dumps({"cells": cells}))
