"""Request and response shapes (they are also the OpenAPI schema at /api/docs).

A class's name is its name in that published schema, so these keep theirs: ``DataVersion`` is the
API's shape of ``huinong_core.version.DataVersion`` (service.version_answer), ``Programme`` a
programme's payments within a year of a lookup answer, ``Alert`` a notice in force (service.alert).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Verification(BaseModel):
    """Past a key's free budget (an ID number, a 件号): the answer to the 429 challenge_required."""

    challenge: str | None = Field(None, max_length=200, description="查询较多时（回答 429 challenge_required）："
                                  "回答里的验证题 challenge")
    pow: str | None = Field(None, max_length=20, description="验证题的解：使 SHA-256(challenge:pow) 以 bits 个 0 位开头的数")
    answer: str | None = Field(None, max_length=8, description="不能运行脚本时：验证题里算术题的答案")


class LookupRequest(Verification):
    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(..., min_length=1, max_length=64, description="身份证号码（18位，末位可为X；全角数字、空格、15位旧号码均可）",
                           examples=["410421195003150017"])
    name: str = Field(..., min_length=1, max_length=64, description="姓名（与办理补贴时登记的一致）", examples=["张三"])


class DataVersion(BaseModel):
    commit: str = Field(description="数据所在 git 提交")
    built_at: str = Field(description="数据库生成时间")
    dirty: bool = Field(description="生成时数据目录是否有未提交的修改")
    label: str = Field(description="页面上显示的版本")


class Window(BaseModel):
    township: str
    name: str
    address: str
    phone: str
    hours: str


class Payment(BaseModel):
    period: str
    period_label: str
    name: str = Field(description="打码后的姓名")
    village: str
    township: str
    quantity: str
    standard: str
    amount: str
    bank: str
    card_tail: str = Field(description="卡号后4位")
    date: str
    status: str
    reason: str
    explanation: str
    next_step: str
    payer: str
    batch_id: str


class Programme(BaseModel):
    code: str
    name: str
    short_name: str = Field(description="四字简称（银行到账短信中的项目名称）")
    policy_phone: str
    total: str = Field(description="已到账金额合计（已发放 + 已补发）")
    payments: list[Payment]


class Year(BaseModel):
    year: int
    total: str = Field(description="本年度已到账金额合计")
    programmes: list[Programme]


class Alert(BaseModel):
    title: str
    level: str = Field(description="紧急 或 提示")
    period: str = Field(description="有效期")
    scope: str = Field(description="适用的地区和项目")
    text: str = Field(description="正文（纯文本）")
    html: str = Field(description="正文（HTML，由构建从工作人员写的 Markdown 生成）")


class LookupResult(BaseModel):
    data_version: DataVersion
    found: bool
    years: list[Year]
    windows: list[Window] = Field(description="与这些记录有关的乡镇便民服务窗口")
    notices: list[str] = Field(description="每个结果都附带的说明（含隐私保护项目说明）")
    alerts: list[Alert] = Field(description="现在有效的紧急通知和提示（data/notices/），与查到的村和项目有关的；没查到时为全部")


class Error(BaseModel):
    code: str
    message: str
    request_id: str
    challenge: dict | None = Field(None, description="code 为 challenge_required 等时：要先完成的验证题"
                                   "（challenge、bits、question、expires_in），解出后连同原请求再提交")


class SearchHit(BaseModel):
    kind: str = Field(description="policy（政策）、document（制度文件）或 procedure（办事流程）")
    ref: str
    title: str
    summary: str
    url: str = Field(description="相对网站根目录的地址")
    score: float


class SearchResult(BaseModel):
    data_version: DataVersion
    query: str
    results: list[SearchHit]


class Health(BaseModel):
    status: str
    database: bool
    rate_limit_storage: bool
    data_version: DataVersion | None


class Version(BaseModel):
    api: str
    data_version: DataVersion
    records: int
    first_year: int
    last_year: int


# ------------------------------------------------------------ 咨询与投诉 (cases)

class CaseChallenge(BaseModel):
    challenge: str = Field(description="签名的工作量证明题目，10分钟内、只能用一次")
    bits: int = Field(description="要求 SHA-256(challenge + ':' + pow) 开头有多少个0比特")
    question: str = Field(description="不能运行脚本时的替代验证题（一道加法），答案填在 answer")
    expires_in: int = Field(description="还有多少秒失效")


class CaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(..., description="类型：咨询、投诉、举报、上门服务", examples=["咨询"])
    village: str = Field(..., min_length=12, max_length=12, pattern=r"^\d{12}$", description="所在村（社区）的12位区划代码")
    content: str = Field(..., min_length=1, max_length=1200, description="反映的内容（5至1000字）")
    programme: str | None = Field(None, max_length=16, description="补贴项目编码（可不填）", examples=["NY001"])
    phone: str | None = Field(None, max_length=30, description="联系电话（可不填；加密保存，不公开）")
    name: str | None = Field(None, max_length=40, description="姓名或称呼（可不填；加密保存，不公开）")
    anonymous: bool = Field(False, description="匿名举报（只有举报可以匿名；匿名时不保存联系方式）")
    challenge: str = Field(..., max_length=200, description="GET /api/v1/cases/challenge 给出的题目")
    pow: str | None = Field(None, max_length=20, description="工作量证明的解")
    answer: str | None = Field(None, max_length=10, description="或者：替代验证题的答案（提交次数限制更严）")


class CaseCreated(BaseModel):
    number: str = Field(description="件号")
    query_code: str = Field(description="查询码：凭件号和查询码查看办理情况；只显示这一次，请记下")
    status: str
    department: str = Field(description="负责办理的单位")
    due_date: str = Field(description="承诺答复日期")
    submitted_at: str


class CaseCode(Verification):
    model_config = ConfigDict(extra="forbid")

    query_code: str = Field(..., min_length=1, max_length=40, description="查询码")


class CaseRatingRequest(Verification):
    model_config = ConfigDict(extra="forbid")

    query_code: str = Field(..., min_length=1, max_length=40, description="查询码")
    rating: str = Field(..., description="满意、基本满意或不满意")
    comment: str | None = Field(None, max_length=400, description="评价意见（可不填）")


class CaseStep(BaseModel):
    status: str
    done: bool
    at: str


class CaseHistoryItem(BaseModel):
    at: str
    action: str
    status: str


class CaseRatingShown(BaseModel):
    rating: str
    comment: str | None
    at: str


class CaseProgramme(BaseModel):
    code: str
    name: str


class CaseView(BaseModel):
    number: str
    kind: str
    status: str = Field(description="已受理、办理中、已答复或已办结")
    steps: list[CaseStep]
    programme: CaseProgramme | None
    place: str
    department: str = Field(description="负责办理的单位（按项目的主管部门和所在县区确定）")
    content: str = Field(description="反映的内容（只有持查询码的本人能看到）")
    contact_left: bool = Field(description="是否留了联系方式（联系方式本身从不显示）")
    anonymous: bool
    submitted_at: str
    due_date: str = Field(description="承诺答复日期")
    overdue: bool
    reply: str | None
    replied_at: str
    closed_at: str
    history: list[CaseHistoryItem]
    rating: CaseRatingShown | None
    can_rate: bool


class CaseStatsRow(BaseModel):
    """One group of the statistics; a hidden group has only label, cases (null), shown and suppressed."""

    label: str
    cases: int | None = Field(description="件数；隐藏的分组为 null")
    shown: str = Field(description="显示的件数：“12件”，少于5件时“少于5件”，为防止相减算出而隐藏时“不公开”")
    suppressed: bool
    answered: int | None = None
    open: int | None = None
    median_days_to_reply: float | None = Field(None, description="答复天数中位数")
    answered_on_time_share: float | None = Field(None, description="到期的件中按时答复的比例")
    rated: int | None = None
    satisfaction: dict[str, int] | None = Field(None, description="各评价的件数（评价不少于5件时）")
    satisfied_share: float | None = Field(None, description="满意和基本满意的比例（评价不少于5件时）")


class CaseStats(BaseModel):
    generated_at: str
    min_count: int = Field(description="少于这个件数的分组不显示件数")
    total: CaseStatsRow
    due_days: dict[str, int] = Field(description="各类型的承诺答复天数")
    by_kind: list[CaseStatsRow]
    by_programme: list[CaseStatsRow]
    by_county: list[CaseStatsRow]
