"""Every sentence the lookup shows a person, in one place (plain Simplified Chinese)."""

from __future__ import annotations

from huinong_core.models import PAID_STATUSES  # noqa: F401 (used as texts.PAID_STATUSES)
from huinong_core.normalize import period_label  # noqa: F401 (used as texts.period_label)

PROTECTED = ("按规定需要保护个人隐私的补贴项目（如部分儿童和特殊困难群体的生活补助）不在网上显示，"
             "请本人或监护人持身份证到户籍所在乡镇（街道）便民服务中心“一卡通”窗口查询。")
SHOWN = ("这里只显示您本人的发放记录：项目、期次、金额、发放银行、卡号后4位、发放日期和发放结果；"
         "不显示完整卡号和身份证号码。")
NOT_STORED = "您输入的身份证号码和姓名只用于本次查询，不会被保存或记录。"
NO_RECORDS = ("没有查到发放记录。请核对身份证号码和姓名是否与办理补贴时登记的一致"
              "（姓名中的生僻字、“·”也要一致）。如您认为应有发放记录，"
              "请到户籍所在乡镇（街道）便民服务中心“一卡通”窗口咨询。")


def scope(first_year: int, last_year: int) -> str:
    return f"可查询{first_year}年至{last_year}年的发放记录，更早的记录请到乡镇（街道）便民服务中心查询。"


def supervision(phone: str) -> str:
    return f"对发放结果有异议，或发现截留、挪用、虚报冒领等问题，请拨打监督电话 {phone}。" if phone else ""


def window_text(window: dict | None) -> str:
    if not window:
        return "户籍所在乡镇（街道）便民服务中心“一卡通”窗口"
    return f"{window['name']}（电话 {window['phone']}）"


#: Failure reasons as banks report them → what to do (keywords, first match wins).
_REASON_STEPS = (
    ("销户", "账户已注销。请带上身份证到{bank}网点办理社会保障卡（银行卡）补办或换卡，"
             "再把新的卡号报给{window}，资金会重新发放。"),
    ("冻结", "账户被冻结。请带上身份证到{bank}网点问清冻结原因并办理解冻，"
             "解冻后告诉{window}，资金会重新发放。"),
    ("不动户", "账户长期没有使用，被银行列为不动户。请带上身份证到{bank}网点激活账户，"
               "再告诉{window}，资金会重新发放。"),
    ("户名", "登记的姓名与银行账户的户名不一致。请带上身份证和社会保障卡到{window}核对更正，"
             "更正后资金会重新发放。"),
    ("卡号", "登记的卡号有误。请带上身份证和社会保障卡到{window}更正卡号，更正后资金会重新发放。"),
)


def explain(status: str, reason: str, bank: str, card_tail: str, window: dict | None) -> tuple[str, str]:
    """(what happened, what to do next) for one payment, in plain words."""
    where = window_text(window)
    if status == "已发放":
        return (f"资金已发放到您尾号{card_tail}的{bank}账户。",
                f"如没有收到，请先到{bank}网点或用手机银行查看账户明细；仍有疑问请联系{where}。")
    if status == "已补发":
        return (f"此前发放没有成功，已重新发放到您尾号{card_tail}的{bank}账户。",
                f"如没有收到，请先到{bank}网点查看账户明细；仍有疑问请联系{where}。")
    if status == "发放失败":
        for keyword, step in _REASON_STEPS:
            if keyword in reason:
                break
        else:
            step = "请带上身份证和社会保障卡到{window}问明原因，办好后资金会重新发放。"
        return (f"这笔资金没有发到您的账户，原因：{reason or '银行未说明'}。钱不会丢失，由发放单位暂存。",
                step.format(bank=bank, window=where))
    if status == "已退回":
        return (f"这笔资金已退回发放单位，原因：{reason or '未说明'}。",
                f"如果退回原因与实际情况不符，请带上身份证到{where}说明情况，申请更正后重新发放。")
    return (status, f"请联系{where}。")
