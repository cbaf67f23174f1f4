"""QR codes drawn as vector squares (crisp at any print size, no raster images).

Error correction Q (25 % of the code may be dirty or torn, useful on an outdoor
notice board) as long as the code stays at version 5 (37 modules) or less, so a
3 cm print still has modules of about 0.8 mm; longer URLs fall back to M.

The code is the qrcode library's, but its choice of mask (8 masked symbols scored
module by module in Python, 6 of a code's 7 ms: half the time of a poster) is made
here on the symbol as one integer (`best_mask`), scored by the same rules with the
same result (tests/generator/test_qr.py compares the two on many symbols).
"""

from __future__ import annotations

import functools

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M, ERROR_CORRECT_Q
from reportlab.platypus import Flowable

QUIET_ZONE = 4  # modules of white border, as the standard asks
MAX_VERSION_FOR_Q = 5


@functools.lru_cache(maxsize=4096)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """Dark modules, quiet zone included."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE)
    qr.add_data(url)
    if qr.best_fit() > MAX_VERSION_FOR_Q:  # choose the level before the mask
        qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
        qr.add_data(url)
        qr.best_fit()
    qr.makeImpl(False, best_mask(qr))
    return tuple(tuple(row) for row in qr.get_matrix())


# ------------------------------------------------------------------ the mask, as qrcode chooses it
#
# A symbol is scored as one integer: its n rows and then its n columns, each n bits long (line i at
# bits i*n .. i*n+n-1, its first module the highest bit: `pack`), so that each penalty rule is a
# few operations on the whole symbol; `Scoring` holds which bits each rule may start at.

_FINDERS = ("10111010000", "00001011101")  # rule 3: a finder-like pattern with light space beside it


def best_mask(qr: qrcode.QRCode) -> int:
    """The mask ``qr.best_mask_pattern()`` gives (the first of the lowest penalty), for `qr` fitted.

    qrcode scores each mask on the symbol it makes with a blank format area (``makeImpl(True, i)``);
    those symbols differ only in the data modules, where the masks differ."""
    qr.makeImpl(True, 0)
    scoring = Scoring.of(qr.version)
    plain = pack(qr.modules)
    scores = [scoring.penalty(plain ^ other) for other in scoring.masks]
    return scores.index(min(scores))


def pack(modules) -> int:
    """A symbol (rows of modules, dark true) as one integer: its rows, then its columns."""
    rows = ["".join("1" if m else "0" for m in row) for row in modules]
    return int("".join(reversed(rows + ["".join(col) for col in zip(*rows)])), 2)


class Scoring:
    """Per version: the masks' data modules (as differences from mask 0) and where each rule applies."""

    def __init__(self, version: int):
        n = self.n = version * 4 + 17
        data = _data_area(version, n)

        def every_line(width: int, count: int) -> int:  # the low `width` bits of `count` lines
            return sum(((1 << width) - 1) << (i * n) for i in range(count))

        masks = [pack([[data[r][c] and dark(r, c) for c in range(n)] for r in range(n)])
                 for dark in map(util.mask_func, range(8))]
        self.masks = tuple(m ^ masks[0] for m in masks)
        self.runs = every_line(n - 4, 2 * n)  # rule 1: five modules from here on are in the line
        self.finders = every_line(n - 10, 2 * n)  # rule 3: eleven
        self.blocks = every_line(n - 1, n - 1)  # rule 2: 2x2 blocks, in the rows (the columns would count them again)
        self.rows = every_line(n, n)  # rule 4: the dark share

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def of(version: int) -> Scoring:
        return Scoring(version)

    def penalty(self, b: int) -> int:
        """``qrcode.util.lost_point`` of the symbol `b` (packed as above)."""
        n = self.n
        same = ~(b ^ (b >> 1))  # bit j equals bit j+1
        five = same & (same >> 1) & (same >> 2) & (same >> 3) & self.runs  # a run of L >= 5 sets L-4 bits
        runs = five.bit_count() + 2 * (five & ~(five >> 1)).bit_count()  # sum of L-2
        shifted = [b >> s for s in range(11)]
        finders = 0
        for pattern in _FINDERS:
            match = self.finders
            for k, bit in enumerate(pattern):
                match &= shifted[10 - k] if bit == "1" else ~shifted[10 - k]
            finders += match.bit_count()
        below = ~(b ^ (b >> n))  # a module equals the one in the next row
        blocks = (below & (below >> 1) & same & self.blocks).bit_count()
        percent = float((b & self.rows).bit_count()) / (n**2)
        return runs + 3 * blocks + 40 * finders + int(abs(percent * 100 - 50) / 5) * 10


def _data_area(version: int, n: int) -> list[list[bool]]:
    """The modules ``map_data`` fills: all but the function patterns and the format and version areas."""
    qr = qrcode.QRCode(version=version)
    qr.modules_count = n
    qr.modules = [[None] * n for _ in range(n)]
    qr.setup_position_probe_pattern(0, 0)
    qr.setup_position_probe_pattern(n - 7, 0)
    qr.setup_position_probe_pattern(0, n - 7)
    qr.setup_position_adjust_pattern()
    qr.setup_timing_pattern()
    qr.setup_type_info(True, 0)
    if version >= 7:
        qr.setup_type_number(True)
    return [[m is None for m in row] for row in qr.modules]


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

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        c = self.canv
        m = self.size / len(qr_matrix(self.url))  # made when drawn: a template's slot is not
        c.saveState()
        c.setFillGray(0)
        # Module grid: origin at the top left corner, one unit per module, y downwards.
        c.transform(m, 0, 0, -m, 0, self.size)
        c._code.append(_path_ops(self.url))  # integer coordinates: exact edges, no seams
        c.restoreState()
