"""QR codes for the public verification URL, as PNG bytes or a ``data:`` URI."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(text: str, box_size: int = 10, border: int = 4) -> bytes:
    """A black-on-white PNG encoding ``text`` (error correction M: survives a worn poster)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_uri(text: str) -> str:
    """The QR PNG as a ``data:`` URI, so the renderer needs no file or network access."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")
