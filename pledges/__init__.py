"""Pledge templates, rendering and upload validation (no Flask, no SQLAlchemy).

- :mod:`pledges.templates`: the template texts as data, with editable samples.
- :mod:`pledges.render`: pre-filled A4 pledge and 600 mm x 800 mm poster PDFs.
- :mod:`pledges.qr`: QR codes for the public verification URL.
- :mod:`pledges.uploads`: checking signed scans and photos by content.
- :mod:`pledges.storage`: content-addressed file storage.
"""
