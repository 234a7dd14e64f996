"""Issue 15 item 9: the rule-table cache cannot run code planted in the cache folder."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _load_in_subprocess(cache: Path) -> subprocess.CompletedProcess:
    code = ("import sys; from pathlib import Path; from translator.rules import load_table;"
            " t = load_table(cache_dir=Path(sys.argv[1])); print(len(t.apis))")
    return subprocess.run([sys.executable, "-c", code, str(cache)], capture_output=True, text=True, cwd=ROOT)


def test_planted_files_in_the_cache_folder_run_no_code(tmp_path):
    cache = tmp_path / "cache"
    first = _load_in_subprocess(cache)
    assert first.returncode == 0, first.stderr
    written = list(cache.glob("rules-*"))
    assert written and all(p.suffix == ".json" for p in written)
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(str(marker)))
    for path in written:
        # the old pickle name and the JSON name: neither may be unpickled
        path.with_suffix(".pickle").write_bytes(payload)
        path.write_bytes(payload)
    second = _load_in_subprocess(cache)
    assert second.returncode == 0, second.stderr
    assert not marker.exists()
    assert second.stdout == first.stdout


def test_unknown_class_in_the_json_is_refused(tmp_path):
    cache = tmp_path / "cache"
    assert _load_in_subprocess(cache).returncode == 0
    (path,) = cache.glob("rules-*.json")
    path.write_text('{"\\u0000RuleTable": {"apis": {"x": {"\\u0000system": ["touch /tmp/x"]}}}}')
    again = _load_in_subprocess(cache)
    assert again.returncode == 0, again.stderr
    assert int(again.stdout) > 100  # rebuilt from the TOML


def test_cached_table_round_trips_exactly():
    import json

    from translator.rules import _decode_object, _encode, _load, rules_dir

    fresh = _load(rules_dir())
    back = json.loads(json.dumps(_encode(fresh)), object_hook=_decode_object)
    assert back == fresh
    assert back.methods == fresh.methods
    # the method lists hold the very rule objects of ``apis``, as _load makes them
    assert all(r is back.apis[r.torch] for rules in back.methods.values() for r in rules)
