"""What the two posters say, in plain words for villagers.

- 政策清单 poster: the programmes of a village (``village_info``), where to ask,
  two QR codes (the village's disclosure page and the personal lookup).
- 公示 poster: one village's masked list of one payment batch, exactly the rows
  of ``PublicView`` (the same as the village page), with the 公示期 and how to
  object.
"""

from __future__ import annotations

import datetime as dt

from generator.checkcode import batch_check_code, policy_poster_check_code
from generator.posters.fonts import check_text
from generator.posters.layout import (
    PosterMeta, PosterSpec, Styles, boxed, data_table, keep, layout_table, page_room, para, phone_line, qr_row, rule,
    space, typed_url,
)
from generator.posters.qr import QRFlowable
from generator.public import PublicBatch
from generator.village_info import VillageInfo
from huinong_core import urls
from huinong_core.models import Policy
from huinong_core.normalize import format_decimal, period_label

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

PUBLICITY_HEADER = ("序号", "姓名", "项目", "数量", "标准(元)", "金额(元)", "发放日期", "状态")
#: What every 公示 poster prints (its glyphs numbered first in each PDF: layout.PosterSpec.glyphs).
PUBLICITY_GLYPHS = "".join((
    *PUBLICITY_HEADER, "已发放", "发放名单公示", "公示期：年月日至", "发放单位：",
    "本村共条，实际发放金额合计元（“发放失败”“已退回”的不计入）。",
    "对名单有异议的，请在公示期内拨打下面的监督举报电话，或到反映（地址：）。反映时请说明村名、补贴名称和序号。",
    "扫码看网上名单", "监督举报电话：", "网上名单（姓名已部分隐去，保护个人信息），手机打开网址：",
    "核对码数据版本·第页共网上显示同一核对码",
))


def date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def date_range_cn(start: dt.date, end: dt.date) -> str:
    """2024年6月19日至6月29日 (the year once when both dates share it)."""
    tail = date_cn(end) if end.year != start.year else f"{end.month}月{end.day}日"
    return f"{date_cn(start)}至{tail}"


def timing_cn(timing: str) -> str:
    """发放时间 as said aloud: 每年5-6月, 每月."""
    return timing if timing.startswith(("每", "按")) else f"每年{timing}"


def publicity_rows(pb: PublicBatch, short_name: str) -> list[tuple[str, ...]]:
    """The printed rows: the same values, formatted the same way, as the village page and the check code."""
    return [(str(r.seq), r.name, short_name, *r.text[1:]) for r in pb.rows]


def _contact_lines(st: Styles, info: VillageInfo) -> list:
    out = []
    for s in info.windows:
        out.append(Paragraph(para(s.name), st.strong))
        out.append(Paragraph(para(f"地址：{s.address}　电话：{s.phone}"), st.body))
        out.append(Paragraph(para(f"办公时间：{s.hours}"), st.body))
        out.append(space(st, 1.5))
    return out


def policy_spec(info: VillageInfo, *, site_url: str, version: str, check_code: str | None = None) -> PosterSpec:
    """`check_code`: policy_poster_check_code(info), when the caller has it (VillageInfos.poster_check_code)."""
    village = info.village.code
    page = urls.region_page(village)
    meta = PosterMeta(
        key=f"zhengce-{village}", running_title=f"{info.place} 惠民惠农补贴政策清单",
        check_code=check_code or policy_poster_check_code(info), version=version, online=urls.short(site_url, page),
    )

    def variables(st: Styles) -> dict:
        """What differs between the posters of a township (the rest is its template)."""
        return {"place": Paragraph(para(f"{info.place}　{info.year}年"), st.subtitle),
                "qr": QRFlowable(urls.absolute(site_url, page), st.qr_side),
                "typed": typed_url(st, urls.short(site_url, page))}

    def story(st: Styles, v) -> list:
        lookup = urls.lookup_page()
        out: list = [
            Paragraph("惠民惠农补贴政策清单", st.title),
            v["place"],
            boxed(st, [Paragraph(
                "下面这些补贴，由政府通过“一卡通”（社会保障卡）直接发到您本人的卡上。"
                "钱到账时，银行短信会写上补贴的四字“短信名”。"
                "任何人都不能替您保管卡、代领补贴，也不能向您收钱；遇到这种事，请打监督电话。", st.body),
                space(st, 1.5),
                phone_line(st, info.phone)]),
            space(st, 4),
            qr_row(st, v["qr"], v["typed"], "扫一扫，看本村补贴发放公示", "本村谁领了哪项补贴、领了多少，网上都能看到。"),
            space(st, 3),
            qr_row(st, QRFlowable(urls.absolute(site_url, lookup), st.qr_side),
                   typed_url(st, urls.short(site_url, lookup)),
                   "扫一扫，查本人补贴到账情况", "输入本人身份证号和姓名，只能查到自己的补贴。"),
            page_room(st, 40),
            Paragraph("有事找谁", st.h2),
            rule(st),
        ]
        if info.windows:
            out.append(Paragraph("乡镇便民服务窗口（申请补贴、反映问题）", st.item))
            out += _contact_lines(st, info)
        if info.banks:
            out.append(Paragraph("银行网点（补贴到账、查询、补办卡）", st.item))
            for s in info.banks:
                out.append(keep([Paragraph(para(s.name), st.strong),
                                 Paragraph(para(f"地址：{s.address}　电话：{s.phone}"), st.body),
                                 Paragraph(para(f"营业时间：{s.hours}"), st.body), space(st, 1.5)]))
        out += [page_room(st, 40), Paragraph(para(f"本村可以享受的补贴（共 {len(info.policies)} 项）"), st.h2),
                rule(st)]
        for i, p in enumerate(info.policies, 1):
            out.append(keep(_policy_block(st, i, p)))
        return out

    # Everything the story is made of but its variables: the posters of a township share it.
    fixed = ("zhengce", info.year, info.policies, info.windows, info.banks, info.phone, site_url)
    return PosterSpec(meta, f"{info.place}惠民惠农补贴政策清单", story, variables, fixed)


def _policy_block(st: Styles, i: int, p: Policy) -> list:
    lines = [
        Paragraph(para(f"{i}．{p.name}　（短信名：{p.short_name}）"), st.item),
        Paragraph(para(f"谁能领：{p.target}"), st.body),
        Paragraph(para(f"发多少：{p.standard}"), st.body),
        Paragraph(para(f"{timing_cn(p.timing)}发放。负责部门：{p.department}，电话 {p.phone}"), st.body),
    ]
    if p.protected:
        lines.append(Paragraph("为保护领取人，这项补贴不公布领取人名单。", st.body))
    return lines


def publicity_spec(pb: PublicBatch, policy: Policy, info: VillageInfo, *, site_url: str,
                   version: str) -> PosterSpec:
    b = pb.batch
    village = pb.village
    target = urls.village_batch(village, b.batch_id)  # the QR code opens it, the poster prints it
    title = f"{policy.name}发放名单公示"
    meta = PosterMeta(
        key=f"{b.batch_id}-{village}", running_title=f"{info.village.name} {title}",
        check_code=batch_check_code(pb), version=version, online=urls.short(site_url, target),
    )
    rows = publicity_rows(pb, policy.short_name)
    for r in rows:  # here, in the build, so that the error names the record, not just the poster
        check_text(r[1], f"批次 {b.batch_id} {info.village.name}（{village}）序号 {r[0]} 的姓名“{r[1]}”")

    def story(st: Styles, v) -> list:
        side = st.list_qr_side
        objection = "对名单有异议的，请在公示期内拨打下面的监督举报电话"
        for s in info.windows[:1]:
            objection += f"，或到{s.name}反映（地址：{s.address}）"
        objection += "。反映时请说明村名、补贴名称和序号。"
        left = [
            Paragraph(para(f"发放单位：{b.payer}"), st.body),
            Paragraph(para(f"本村共 {len(rows)} 条，实际发放金额合计 {format_decimal(pb.total, 2)} 元"
                           "（“发放失败”“已退回”的不计入）。"), st.body),
            space(st, 2),
            Paragraph(para(objection), st.body),
        ]
        right = [QRFlowable(urls.absolute(site_url, target), side),
                 Paragraph("扫码看网上名单", ParagraphStyle("qr-caption", parent=st.body, alignment=TA_CENTER))]
        head = layout_table(st, [[left, right]], [st.frame_width - side - st.pt(6), side + st.pt(6)],
                            extra=[("ALIGN", (1, 0), (1, 0), "RIGHT")])
        return [
            Paragraph(para(title), st.title),
            Paragraph(para(f"{info.place}　{period_label(b.period)}"), st.subtitle),
            Paragraph(para(f"公示期：{date_range_cn(b.publicity_start, b.publicity_end)}"), st.big),
            space(st, 3),
            head,
            space(st, 2),
            boxed(st, [phone_line(st, b.phone)], width=st.frame_width),
            space(st, 2),
            Paragraph("网上名单（姓名已部分隐去，保护个人信息），手机打开网址：", st.body),
            Paragraph(para(urls.short(site_url, target)), st.url),
            space(st, 2),
            data_table(st, PUBLICITY_HEADER, rows, width=st.frame_width, align_right=(0, 3, 4, 5)),
        ]

    return PosterSpec(meta, f"{info.village.name}{title}（{period_label(b.period)}）", story,
                      glyphs=PUBLICITY_GLYPHS)
