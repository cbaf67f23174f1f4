"""Request and response shapes (they are also the OpenAPI schema at /api/docs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LookupRequest(BaseModel):
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
