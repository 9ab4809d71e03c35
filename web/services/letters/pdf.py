"""A letter as PDF: its stored body in the letterhead layout (``processes/letters/layout.html``), Vazirmatn,
a QR code of its public verification address."""
from __future__ import annotations

from pathlib import Path

import segno
from markupsafe import Markup

from engine.calendar import to_jalali

from ...models import Letter
from .kinds import LETTERS_DIR
from .letterheads import letterhead
from .templating import render

FONT = Path(__file__).resolve().parents[2] / "static" / "vendor" / "vazirmatn" / "fonts" / "webfonts" / \
    "Vazirmatn[wght].woff2"


def letter_html(letter: Letter, verify_url: str) -> str:
    """The whole letter as an HTML document (what the PDF is printed from)."""
    head = letterhead(letter.province)
    image = head.get("image")
    return render((LETTERS_DIR / "layout.html").read_text(encoding="utf-8"), {
        **head, "subject": letter.subject, "reference": letter.reference, "date": to_jalali(letter.issued_at),
        "body": Markup(letter.html), "verify_url": verify_url, "code": letter.verify_code,
        "qr": segno.make(verify_url, error="m").svg_data_uri(scale=4),
        "font_url": FONT.as_uri() if FONT.exists() else None,
        "image_url": Path(image).resolve().as_uri() if image and Path(image).exists() else None,
    })


def _local_fetcher():  # type: ignore[no-untyped-def]
    """A WeasyPrint fetcher that reads data: URIs and the font and letterhead files, nothing from the network."""
    from weasyprint.urls import URLFetcher

    allowed = (FONT.parent.as_uri(), LETTERS_DIR.as_uri())

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            if not (url.startswith("data:") or url.startswith(allowed)):
                raise ValueError(f"letters do not load {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols=("data", "file"))


def letter_pdf(letter: Letter, verify_url: str) -> bytes:
    """The letter printed to PDF (A4, right to left, Persian shaping by Pango/HarfBuzz through WeasyPrint)."""
    from weasyprint import HTML   # imported on use: loading Pango costs a second at start-up

    return HTML(string=letter_html(letter, verify_url), base_url=str(LETTERS_DIR),
                url_fetcher=_local_fetcher()).write_pdf()
