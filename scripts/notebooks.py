"""Executes lukelab's notebooks on the tslab kernel and writes them back with their outputs.

    .venv/bin/python scripts/notebooks.py [--backend B] [NAME_OR_PATH ...]   # `npm run notebooks [-- NAME ...]`
    .venv/bin/python scripts/notebooks.py --json NOTEBOOK [--backend B]
    .venv/bin/python scripts/notebooks.py --normalise EXECUTED.ipynb BACKEND

With no names, every notebooks/*.ipynb is executed (a notebook dropped into the folder is picked up
with no change here). A name is a file in notebooks/ with or without `.ipynb`, or a path.
`--json` executes one notebook the same way, writes nothing and prints the executed notebook as JSON
on stdout: test/notebooks/ runs the notebooks through it and compares the result with the committed
file (test/notebooks/staleness.ts), so what is committed and what is checked are made by one code
path. `--normalise` applies only the post-processing step below to a notebook executed elsewhere and
prints it (its tests use it).

Every notebook runs in the same set-up, so its outputs are the same from run to run:
- a fresh tslab kernel whose working folder is the notebook's folder;
- one TF.js backend, WebAssembly unless `--backend` names another (the caller's LUKELAB_BACKEND is
  not used): it is the one backend every machine has, so the check can always execute a notebook on
  the backend that made it, and a training run gives the same numbers there (native TensorFlow
  draws its dropout masks differently, so a notebook that trains is not comparable across the two).
  It is recorded in the notebook's metadata (`lukelab.backend`) and the tests pass it back to
  `--json`; a notebook made on native TensorFlow is checked on WebAssembly where that is not built;
- the Hub stand-in of test/hub/stand-in.ts (`node lib/test/hub/stand-in.js`) serving samples/tiny-luke
  as `lukelab/tiny-luke`, with HF_ENDPOINT pointing at it, HF_HUB_CACHE a fresh temporary folder for
  each notebook (so no notebook finds what another downloaded), LUKELAB_NOTEBOOK_MODEL=lukelab/tiny-luke,
  and no HF_TOKEN or HF_HUB_OFFLINE from the caller. Without the stand-in built, HF_HUB_OFFLINE=1 keeps
  the notebooks off the real Hub.

After execution the notebook is normalised (normalise()): fixed kernel metadata, no timing metadata,
execution counts 1, 2, … over the code cells, a cell id for every cell (existing ids are kept),
consecutive stream outputs of one name merged with carriage returns applied (so how the kernel chunked
its output does not matter), and in every text output (stream text, text/plain, text/html) the
volatile parts replaced by placeholders (VOLATILE): machine paths (the project folder, the temporary
folder, the home folder, the notebook's Hub cache and the stand-in's URL), dates, progress timings,
rates and durations. The check applies the same step, since `--json` output comes from the same function.

A notebook over MAX_BYTES, or one whose execution raised, is not written; the command then exits 1
and says which notebook and cell, and what it printed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MAX_BYTES = 3 * 1024 * 1024
STAND_IN = ROOT / "lib" / "test" / "hub" / "stand-in.js"
NOTEBOOK_MODEL = "lukelab/tiny-luke"
NOTEBOOK_MODEL_DIR = "samples/tiny-luke"

KERNEL_METADATA = {
    "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
    "language_info": {
        "codemirror_mode": {"mode": "typescript", "name": "javascript", "typescript": True},
        "file_extension": ".ts",
        "mimetype": "text/typescript",
        "name": "typescript",
    },
}

# Volatile text, replaced in every text output (docs/notebooks.md lists these too). Machine paths are
# handled apart (paths()), since they depend on where this runs.
VOLATILE = [
    # 2026-12-03T19:35:34.616Z, 2026-12-03 19:35:34
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"), "<date>"),
    # the timing block of a progress bar (kernel/train/progress.ts, tqdm): [00:10<00:14, 2.10 it/s]
    (re.compile(r"\[(?:\d+:)?\d{2}:\d{2}<(?:(?:\d+:)?\d{2}:\d{2}|\?)(?:, [^\]\n]*)?\]"), "[<time>]"),
    # rates: 2.10 it/s, 4.5 s/it, 12.3 MB/s, 800 kB/s, 1.2 MiB/s
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:it/s|s/it|[kKMGT]?i?B/s)"), "<rate>"),
    # ETA 00:14, eta 3s
    (re.compile(r"\b(ETA|eta):? ?(?:(?:\d+:)?\d{1,2}:\d{2}|\d+(?:\.\d+)? ?(?:ms|s|min|h))"), r"\1 <eta>"),
    # durations after a word that says so: "in 1.2 s", "took 340 ms", "elapsed 00:05", "time: 3.1s"
    (re.compile(r"\b(in|took|after|elapsed|time):? (?:(?:\d+:)?\d{1,2}:\d{2}|\d+(?:\.\d+)? ?(?:ms|s|sec|seconds|min|minutes|h))\b"), r"\1 <duration>"),
]


# Set while a notebook runs: its Hub cache folder and the stand-in's URL (random port), which a
# notebook may print (a download's progress, where a model was cached).
RUN_PATHS = []


def paths():
    """Machine paths, longest first, with what replaces them."""
    found = RUN_PATHS + [
        (str(ROOT), "<lukelab>"),
        (os.path.realpath(tempfile.gettempdir()), "<tmp>"),
        (tempfile.gettempdir(), "<tmp>"),
        (os.path.expanduser("~"), "~"),
    ]
    found = [(p, r) for p, r in found if p and p not in ("/", ".")]
    return sorted(set(found), key=lambda x: -len(x[0]))


def scrub(text):
    for path, placeholder in paths():
        text = text.replace(path, placeholder)
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def apply_carriage_returns(text):
    """What a terminal shows: on each line, the last part after a \\r (a progress bar redrawn in place)."""
    if "\r" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        parts = [p for p in line.split("\r") if p != ""]
        lines.append(parts[-1] if parts else "")
    return "\n".join(lines)


def join_text(value):
    return "".join(value) if isinstance(value, list) else value


def normalise_outputs(outputs, execution_count):
    out = []
    for o in outputs:
        o = nbformat.from_dict(dict(o))
        o.pop("transient", None)
        if o.output_type == "stream":
            o.text = join_text(o.text)
            if out and out[-1].output_type == "stream" and out[-1].name == o.name:
                out[-1].text += o.text
                continue
            out.append(o)
            continue
        if o.output_type in ("display_data", "execute_result"):
            data = o.get("data", {})
            for key in ("text/plain", "text/html", "text/markdown"):
                if key in data:
                    data[key] = scrub(join_text(data[key]))
            if o.output_type == "execute_result":
                o.execution_count = execution_count
        out.append(o)
    for o in out:
        if o.output_type == "stream":
            o.text = scrub(apply_carriage_returns(o.text))
    return out


def normalise(nb, stem, backend):
    """The deterministic form of an executed notebook (see the module's doc)."""
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    metadata = {k: v for k, v in nb.metadata.items() if k not in ("kernelspec", "language_info", "lukelab", "widgets")}
    nb.metadata = nbformat.from_dict({**metadata, **KERNEL_METADATA, "lukelab": {"backend": backend}})
    count = 0
    seen = set()
    for i, cell in enumerate(nb.cells):
        if not cell.get("id") or cell.id in seen:
            cell.id = f"{stem}-{i:02d}"
        seen.add(cell.id)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = normalise_outputs(cell.get("outputs", []), count)
    return nb


def native_built():
    probe = "process.stdout.write(String(require('./lib/kernel/backend/native.js').nativeBuilds().length > 0))"
    r = subprocess.run(["node", "-e", probe], cwd=ROOT, capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() == "true"


def die_with_parent():
    """In the child: on Linux, ask for SIGTERM when this script dies, even by SIGKILL (no stray server)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class HubStandIn:
    """`node lib/test/hub/stand-in.js`, serving the sample model as lukelab/tiny-luke, until closed."""

    def __init__(self):
        self.process = None
        self.url = None
        if not STAND_IN.exists():
            print(f"[notebooks] no Hub stand-in at {STAND_IN.relative_to(ROOT)} (run `npm run build`): "
                  "notebooks run with HF_HUB_OFFLINE=1", file=sys.stderr)
            return
        self.process = subprocess.Popen(
            ["node", str(STAND_IN), "--repo", f"{NOTEBOOK_MODEL}={NOTEBOOK_MODEL_DIR}"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=die_with_parent,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("http"):
            self.close()
            raise SystemExit(f"[notebooks] the Hub stand-in did not start: its first line was {line!r}, not its URL "
                             f"(try `node {STAND_IN.relative_to(ROOT)}` to see why)")
        self.url = line

    def env(self, cache):
        env = {"HF_HUB_CACHE": cache, "LUKELAB_NOTEBOOK_MODEL": NOTEBOOK_MODEL}
        if self.url:
            env["HF_ENDPOINT"] = self.url
        else:
            env["HF_HUB_OFFLINE"] = "1"
        return env

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def output_text(output):
    if output.get("output_type") == "stream":
        return f"[{output.get('name')}] {join_text(output.get('text', ''))}"
    if output.get("output_type") == "error":
        return f"[error] {output.get('ename')}: {output.get('evalue')}\n" + "\n".join(output.get("traceback", []))
    return f"[{output.get('output_type')}] {', '.join(sorted(output.get('data', {})))}"


def execute(path, backend, hub):
    """Executes one notebook; returns the normalised notebook, or raises SystemExit saying what failed."""
    nb = nbformat.read(path, as_version=4)
    cache = tempfile.mkdtemp(prefix="lukelab-notebook-hub-")
    saved = dict(os.environ)
    for key in ("HF_TOKEN", "HF_HUB_OFFLINE", "HF_ENDPOINT", "HF_HOME", "TRANSFORMERS_OFFLINE"):
        os.environ.pop(key, None)
    os.environ.update({"LUKELAB_BACKEND": backend, **hub.env(cache)})
    RUN_PATHS[:] = [(cache, "<hf-hub-cache>"), (os.path.realpath(cache), "<hf-hub-cache>")] + ([(hub.url, "<hub>")] if hub.url else [])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up lines on the kernel's stderr
    try:
        client = NotebookClient(
            nb, timeout=600, startup_timeout=180, iopub_timeout=30, kernel_name="tslab",
            record_timing=False, resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        nb = normalise(nb, path.stem, backend)
    except Exception as err:  # CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError at start
        lines = [f"{path.name}: execution failed with {type(err).__name__}: {err}", traceback.format_exc()]
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            lines.append(f"--- cell {i}: {cell.source.splitlines()[0] if cell.source else ''}")
            lines += [output_text(o)[-4000:] for o in cell.get("outputs", [])]
        raise SystemExit("\n".join(lines))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(cache, ignore_errors=True)
        RUN_PATHS.clear()
    return nb


def write_atomic(path, text):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def resolve(name):
    p = Path(name)
    for candidate in (p, NOTEBOOKS / p, NOTEBOOKS / f"{name}.ipynb"):
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return candidate.resolve()
    known = ", ".join(sorted(q.stem for q in NOTEBOOKS.glob("*.ipynb")))
    raise SystemExit(f"[notebooks] no notebook {name!r} (a file in notebooks/ with or without .ipynb, or a path); there are: {known}")


def link_package():
    """Notebooks `import … from "lukelab"`: the node_modules/lukelab link that scripts/setup.sh makes
    (and `npm install` removes, as a package it does not know). Made again here if it is missing."""
    link = ROOT / "node_modules" / "lukelab"
    if link.exists() and link.resolve() == ROOT:
        return
    if link.is_symlink() or not link.exists():
        link.unlink(missing_ok=True)
        link.symlink_to("..", target_is_directory=True)
        print("[notebooks] linked node_modules/lukelab to the project, as scripts/setup.sh does", file=sys.stderr)
        return
    raise SystemExit(f"[notebooks] {link} is not a link to this project: remove it and run `npm run setup`")


def take_backend(argv):
    """`--backend B` (wasm, tensorflow or cpu; default wasm) and the other arguments."""
    if "--backend" not in argv:
        return "wasm", argv
    i = argv.index("--backend")
    if i + 1 >= len(argv) or argv[i + 1] not in ("wasm", "tensorflow", "cpu"):
        raise SystemExit("[notebooks] --backend needs wasm, tensorflow or cpu")
    return argv[i + 1], argv[:i] + argv[i + 2:]


def main(argv):
    if argv[:1] == ["--normalise"] and len(argv) == 3:
        # The post-processing step alone, on an already executed notebook (for tests): prints it.
        nb = nbformat.read(argv[1], as_version=4)
        sys.stdout.write(nbformat.writes(normalise(nb, Path(argv[1]).stem, argv[2])))
        return 0
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    backend, argv = take_backend(argv)
    link_package()
    if argv[:1] == ["--json"]:
        rest = argv[1:]
        if len(rest) != 1:
            raise SystemExit("usage: notebooks.py --json NOTEBOOK [--backend B]")
        if backend == "tensorflow" and not native_built():
            print("[notebooks] native TensorFlow is not built here: running on WebAssembly", file=sys.stderr)
            backend = "wasm"
        hub = HubStandIn()
        try:
            nb = execute(resolve(rest[0]), backend, hub)
        finally:
            hub.close()
        sys.stdout.write(nbformat.writes(nb))
        return 0
    paths_ = [resolve(a) for a in argv] if argv else sorted(NOTEBOOKS.glob("*.ipynb"))
    if backend == "tensorflow" and not native_built():
        raise SystemExit("[notebooks] --backend tensorflow: native TensorFlow is not built (npm run native)")
    print(f"[notebooks] {len(paths_)} notebook(s) on LUKELAB_BACKEND={backend}")
    hub = HubStandIn()
    failed = 0
    t_all = time.monotonic()
    try:
        for path in paths_:
            t0 = time.monotonic()
            try:
                nb = execute(path, backend, hub)
            except SystemExit as err:
                print(f"[notebooks] {path.name}: FAILED, not written\n{err}", file=sys.stderr)
                failed += 1
                continue
            text = nbformat.writes(nb) + "\n"
            size = len(text.encode("utf-8"))
            if size > MAX_BYTES:
                print(f"[notebooks] {path.name}: {size / 1e6:.2f} MB, over the {MAX_BYTES / 2**20:.0f} MiB limit: not written "
                      "(show less: fewer layers, shorter text, smaller images)", file=sys.stderr)
                failed += 1
                continue
            write_atomic(path, text)
            print(f"[notebooks] {path.relative_to(ROOT)}: {size / 1e3:.0f} kB, {time.monotonic() - t0:.0f} s")
    finally:
        hub.close()
    print(f"[notebooks] {len(paths_) - failed} written, {failed} failed, {time.monotonic() - t_all:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    # A test that times out ends this script with SIGTERM: exit through the finally blocks, which stop
    # the stand-in and remove the temporary Hub cache.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main(sys.argv[1:]))
