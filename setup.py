"""Build step: compile each gettext catalog (`locales/*/LC_MESSAGES/kith.po`) into the
`.mo` file the package ships, so compiled catalogs are never committed.

Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):  # type: ignore[misc]
    """`build_py` that also writes `kith.mo` beside each `kith.po` in the build."""

    def run(self) -> None:
        super().run()
        for source in sorted(Path("locales").glob("*/LC_MESSAGES/kith.po")):
            target = Path(self.build_lib) / source.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as handle:
                catalog = read_po(handle, locale=source.parent.parent.name)
            with target.open("wb") as out:
                write_mo(out, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
