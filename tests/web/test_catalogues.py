"""Compiled catalogues: a checkout compiles a newer .po at start-up; an installed package never writes."""
from __future__ import annotations

import logging
import os
import shutil

from web.i18n import TRANSLATIONS, compile_catalogs


def _translations(root):
    target = root / "web" / "translations"
    shutil.copytree(TRANSLATIONS, target, ignore=shutil.ignore_patterns("*.mo", "*.tmp"))
    return target, target / "fa" / "LC_MESSAGES" / "messages.mo"


def test_a_checkout_compiles_a_newer_po(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'clusterflow'\n")
    translations, mo = _translations(tmp_path)
    compile_catalogs(translations)
    assert mo.stat().st_size > 1000
    po = mo.with_suffix(".po")
    os.utime(mo, (1, 1))                      # the .po is now newer
    compile_catalogs(translations)
    assert mo.stat().st_mtime >= po.stat().st_mtime


def test_a_checkout_that_cannot_write_keeps_going(tmp_path, caplog):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'clusterflow'\n")
    translations, mo = _translations(tmp_path)
    mo.with_suffix(".mo.tmp").mkdir()         # the file cannot be written (as root too)
    with caplog.at_level(logging.WARNING):
        compile_catalogs(translations)
    assert not mo.exists() and "cannot compile" in caplog.text


def test_an_installed_package_uses_the_shipped_catalogues_and_writes_nothing(tmp_path):
    translations, mo = _translations(tmp_path / "site-packages")   # no pyproject.toml beside web/
    before = sorted(p.name for p in translations.rglob("*"))
    compile_catalogs(translations)
    assert sorted(p.name for p in translations.rglob("*")) == before and not mo.exists()
