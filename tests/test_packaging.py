"""`pip install .` gives a working Kith: the package build compiles every catalog.

Compiled catalogs are never committed (issue 15, point 2): the build makes them. `make
test` installs the package as users get it (not editable) before the suite runs, so
here the installed copy is checked from outside the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

# Every shipped language but English (its messages are the source text).
SHIPPED = {"ar", "bn", "gu", "pa", "pl", "ro", "so", "ur"}

FIND_CATALOGS = """
import json, pathlib, locales
root = pathlib.Path(locales.__file__).parent
print(json.dumps({
    "where": str(root),
    "mo": sorted(p.parent.parent.name for p in root.glob("*/LC_MESSAGES/kith.mo")),
}))
"""


def _editable() -> bool:
    direct = metadata.distribution("kith").read_text("direct_url.json")
    return bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))


def test_the_installed_package_ships_a_compiled_catalog_for_every_language(
    tmp_path: Path,
) -> None:
    if _editable():
        pytest.skip("an editable install reads the source tree; `make test` installs it as built")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found = subprocess.run(
        [sys.executable, "-c", FIND_CATALOGS],
        cwd=tmp_path,  # away from the source tree, so the installed package is imported
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    catalogs = json.loads(found.stdout)
    assert "site-packages" in catalogs["where"]
    assert set(catalogs["mo"]) == SHIPPED
