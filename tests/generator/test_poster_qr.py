"""The posters' QR codes are the qrcode library's, with its mask found faster (generator/posters/qr.py)."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from generator.posters.qr import MAX_VERSION_FOR_Q, QUIET_ZONE, Scoring, best_mask, pack, qr_matrix

LEVELS = (ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q, ERROR_CORRECT_H)


def fitted(data: str, level: int) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=level)
    qr.add_data(data)
    qr.best_fit()
    return qr


@pytest.mark.parametrize("seed", range(3))
def test_every_masks_penalty_and_the_mask_chosen_are_qrcodes(seed: int):
    """Random data of every length up to version 20 or so (7 and above carry a version area)."""
    rnd = random.Random(seed)
    versions = set()
    for _ in range(40):
        data = "".join(rnd.choice(string.ascii_letters + string.digits + "/:.-_?=")
                       for _ in range(rnd.choice((3, 17, 40, 64, 90, 150, 260, 420))))
        level = rnd.choice(LEVELS)
        theirs = fitted(data, level)
        versions.add(theirs.version)
        scoring = Scoring.of(theirs.version)
        for mask in range(8):
            theirs.makeImpl(True, mask)
            assert scoring.penalty(pack(theirs.modules)) == util.lost_point(theirs.modules), (data, level, mask)
        assert best_mask(fitted(data, level)) == theirs.best_mask_pattern(), (data, level)
    assert min(versions) < 7 <= max(versions)


def test_poster_codes_are_the_ones_qrcode_makes():
    urls = [f"https://yikatong.example.gov.cn/diqu/4104211{i:05d}/" for i in range(0, 400, 7)]
    urls += [f"https://butie.henan.example.gov.cn/diqu/41042110{i:04d}/410421-NY{i % 50:03d}-2024/" for i in range(60)]
    urls += ["https://a-rather-long-site-name.finance.henan.example.gov.cn/diqu/410421100202/410421-NY001-2024/"]
    levels = set()
    for url in urls:
        qr = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=QUIET_ZONE)
        qr.add_data(url)
        if qr.best_fit() > MAX_VERSION_FOR_Q:
            qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
            qr.add_data(url)
        qr.make(fit=True)
        levels.add(qr.error_correction)
        assert qr_matrix(url) == tuple(tuple(row) for row in qr.get_matrix()), url
    assert levels == {ERROR_CORRECT_Q, ERROR_CORRECT_M}
