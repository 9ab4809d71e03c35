"""Build hook: a wheel carries what the app serves, not only its Python files.

`pip wheel .`, `python -m build` and the Docker image all run ``build_py``; this one also
- copies the front-end packages from node_modules into web/static/vendor (running `npm ci`
  first when node_modules is missing; npm is then required),
- compiles the translation catalogues (messages.po -> messages.mo),
- bundles the service's processes/ and examples/ as web/bundled/ (for `clusterflow demo`),
all into the build directory, so the source tree is left as it was. Editable installs skip
this step: there `make assets` copies the files and the app compiles the catalogues itself.
Everything else is declared in pyproject.toml.
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
BUNDLED = {"processes": ("*.bpmn", "*.dmn", "letters/*.html", "letters/*.json", "permits/*.json",
                         "inquiries/*.json"),
           "examples": ("*.bpmn", "*.dmn")}


def _load_assets_module():
    # web/assets.py uses the standard library only; importing the web package would need Flask
    spec = importlib.util.spec_from_file_location("clusterflow_assets", ROOT / "web" / "assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("building clusterflow needs npm (Node.js) to fetch the front-end packages into "
                         "node_modules/: install Node.js with npm, or run `npm ci` before building")
    print("running npm ci for the front-end packages")
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT)
    if result.returncode != 0:
        raise SetupError(f"`npm ci` failed with exit code {result.returncode}; see its output above")


def copy_vendor_assets(target: Path) -> None:
    assets = _load_assets_module()
    node_modules = ROOT / "node_modules"
    if not node_modules.is_dir():
        _npm_ci()
    missing = assets.copy_assets(node_modules, target)
    if missing:
        raise SetupError("missing front-end files (run `npm ci`): " + ", ".join(f"node_modules/{m}" for m in missing))


def compile_catalogues(translations: Path) -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    if not written:
        raise SetupError(f"no translation catalogues found under {translations}")
    return written


def bundle_process_files(target: Path) -> None:
    for folder, patterns in BUNDLED.items():
        destination = target / folder
        destination.mkdir(parents=True, exist_ok=True)
        for pattern in patterns:
            for source in sorted((ROOT / folder).glob(pattern)):
                copy = destination / source.relative_to(ROOT / folder)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


class BuildPyWithAssets(build_py):
    """build_py, then the generated package data written straight into the build directory."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        web = Path(self.build_lib) / "web"
        copy_vendor_assets(web / "static" / "vendor")
        compile_catalogues(web / "translations")
        bundle_process_files(web / "bundled")


setup(cmdclass={"build_py": BuildPyWithAssets})
