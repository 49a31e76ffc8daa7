"""Python's huggingface_hub on a cache lukelab shares, for the interop tests.

    python hf_cache.py download REPO_ID [REVISION]   downloads with snapshot_download (HF_ENDPOINT,
                                                     HF_HUB_CACHE from the environment)
    python hf_cache.py inspect REPO_ID [REVISION]    offline: snapshot_download, hf_hub_download and
                                                     scan_cache_dir on what is cached

Prints JSON.
"""
import json
import os
import sys

from huggingface_hub import hf_hub_download, scan_cache_dir, snapshot_download

cmd, repo_id = sys.argv[1], sys.argv[2]
revision = sys.argv[3] if len(sys.argv) > 3 else None
cache = os.environ["HF_HUB_CACHE"]

if cmd == "download":
    folder = snapshot_download(repo_id, revision=revision)
    print(json.dumps({"folder": folder}))
elif cmd == "inspect":
    folder = snapshot_download(repo_id, revision=revision)  # HF_HUB_OFFLINE=1: from the cache only
    weights = hf_hub_download(repo_id, "model.safetensors", revision=revision)
    info = scan_cache_dir(cache)
    repos = [
        {
            "repo_id": r.repo_id,
            "repo_type": r.repo_type,
            "nb_files": r.nb_files,
            "size_on_disk": r.size_on_disk,
            "refs": sorted(r.refs),
            "revisions": [
                {"commit": rev.commit_hash, "files": sorted(f.file_name for f in rev.files), "refs": sorted(rev.refs)}
                for rev in r.revisions
            ],
        }
        for r in info.repos
    ]
    print(json.dumps({
        "folder": folder,
        "weights": weights,
        "repos": repos,
        "warnings": [str(w) for w in info.warnings],
    }))
else:
    sys.exit(f"unknown command {cmd}")
