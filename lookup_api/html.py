"""The no-JavaScript result and error pages: complete, self-contained Chinese HTML.

Large type (20 px), dark text on white, one column, links back to the
site's 查询 page relative to /api/v1/lookup (so a sub-path works).  The
only style is inline; the Content-Security-Policy allows exactly it by hash.
"""

from __future__ import annotations

import base64
import hashlib

from jinja2 import Environment, PackageLoader, select_autoescape

CSS = (
    "html{font-size:20px;line-height:1.6;color:#111;background:#fff;"
    "font-family:system-ui,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif}"
    "body{margin:0}main{max-width:46rem;margin:0 auto;padding:0 1rem 2rem}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}"
    ".top{background:#0b4f8a;padding:.75rem 1rem}.top a{color:#fff;font-weight:bold;text-decoration:none}"
    "h1{font-size:1.6rem;margin:1rem 0}h2{font-size:1.3rem;margin:1.5rem 0 .5rem}h3{font-size:1.15rem;margin:1rem 0 .25rem}"
    "a{color:#0b4f8a}.meta,.version{color:#333;font-size:.9rem}"
    ".payments{list-style:none;padding:0;margin:0}"
    ".payment{border:2px solid #555;border-radius:6px;padding:.5rem .75rem;margin:.75rem 0}"
    ".payment.status-fail{border-color:#a00000;background:#fff5f5}"
    ".head{margin:0;font-size:1.1rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem}"
    ".amount{font-weight:bold}.status-ok .status{color:#0a5d1e;font-weight:bold}"
    ".status-fail .status{color:#a00000;font-weight:bold}"
    "dl{margin:.25rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.1rem .75rem}"
    "dt{color:#333}dd{margin:0}"
    "@media (max-width:30rem){dl{grid-template-columns:1fr}dt{margin-top:.4rem;font-weight:bold}}"
    ".notes li{margin:.4rem 0}.error{border-left:6px solid #a00000;padding:.5rem .75rem;background:#fff5f5;font-size:1.1rem}"
    ".button{display:inline-block;min-height:44px;padding:.5rem 1.25rem;margin-top:1rem;background:#0b4f8a;color:#fff;"
    "border-radius:6px;text-decoration:none;font-weight:bold}"
    "a:focus,.button:focus{outline:3px solid #f0a000;outline-offset:2px}"
    ".alert{border:2px solid #6b4e00;border-left-width:8px;background:#fff4ce;padding:.25rem .75rem;margin:1rem 0}"
    ".alert.urgent{border-color:#a4000f;background:#fde8e8}.alert h2{margin:.5rem 0}"
)
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
#: For API responses: the HTML pages need only their own inline style.
CSP = (f"default-src 'none'; style-src '{CSS_HASH}'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")

_env = Environment(loader=PackageLoader("lookup_api", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=False, lstrip_blocks=False)



def result_page(result: dict, site_name: str) -> str:
    count = sum(len(p["payments"]) for y in result["years"] for p in y["programmes"])
    return _env.get_template("result.html").render(
        title="查询结果", css=CSS, site_name=site_name, version=result["data_version"]["label"],
        count=count, **result)


HEADINGS = {413: "提交的内容太长", 422: "请检查输入", 429: "查询太频繁"}


def error_page(status: int, message: str, request_id: str) -> str:
    heading = HEADINGS.get(status, "暂时无法查询")
    return _env.get_template("error.html").render(
        title=heading, heading=heading, css=CSS, site_name="", version="",
        message=message, request_id=request_id)
