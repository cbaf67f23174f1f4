"""QR codes drawn as vector squares (crisp at any print size, no raster images).

Error correction Q (25 % of the code may be dirty or torn, useful on an outdoor
notice board) as long as the code stays at version 5 (37 modules) or less, so a
3 cm print still has modules of about 0.8 mm; longer URLs fall back to M.
"""

from __future__ import annotations

import functools

import qrcode
from qrcode.constants import ERROR_CORRECT_M, ERROR_CORRECT_Q
from reportlab.platypus import Flowable

QUIET_ZONE = 4  # modules of white border, as the standard asks
MAX_VERSION_FOR_Q = 5


@functools.lru_cache(maxsize=4096)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """Dark modules, quiet zone included."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE)
    qr.add_data(url)
    if qr.best_fit() > MAX_VERSION_FOR_Q:  # choose the level before the (costly) mask search
        qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
        qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


@functools.lru_cache(maxsize=4096)
def _path_ops(url: str) -> str:
    """PDF path operators in module units (y down): one rectangle per run of dark modules."""
    ops = []
    for y, row in enumerate(qr_matrix(url)):
        x, n = 0, len(row)
        while x < n:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < n and row[x]:
                x += 1
            ops.append(f"{start} {y} {x - start} 1 re")
    return "\n".join(ops) + "\nf"


class QRFlowable(Flowable):
    """A square QR code of side `size` points (quiet zone included)."""

    def __init__(self, url: str, size: float):
        super().__init__()
        self.url = url
        self.size = size
        self.modules = len(qr_matrix(url))

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        c = self.canv
        m = self.size / self.modules
        c.saveState()
        c.setFillGray(0)
        # Module grid: origin at the top left corner, one unit per module, y downwards.
        c.transform(m, 0, 0, -m, 0, self.size)
        c._code.append(_path_ops(self.url))  # integer coordinates: exact edges, no seams
        c.restoreState()
