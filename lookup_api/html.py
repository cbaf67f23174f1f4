"""The no-JavaScript result and error pages: complete, self-contained Chinese HTML.

Large type (20 px), dark text on white, one column, links back to the
site's 查询 page relative to /api/v1/lookup (so a sub-path works).  The
only style is inline; the Content-Security-Policy allows exactly it by hash.
"""

from __future__ import annotations

import base64
import hashlib

from jinja2 import Environment, PackageLoader, select_autoescape

from huinong_core import site_files

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
    ".vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
    ".overview{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}.overview caption{text-align:left;color:#333;font-size:.9rem}"
    ".overview th,.overview td{border-bottom:1px solid #888;padding:.3rem .4rem;text-align:left;vertical-align:top}"
    ".overview .n{text-align:right;white-space:nowrap}"
    ".error-summary{border:5px solid #a00000;padding:.5rem 1rem;margin:1rem 0}"
    ".error-summary:focus{outline:3px solid #f0a000;outline-offset:0}.error-summary h2{margin:.25rem 0}"
    ".error-summary ul{margin:.25rem 0;padding-left:1.25rem}.error-summary a{color:#a00000;font-weight:bold}"
    ".lookup-form .field{margin:1rem 0}.lookup-form .has-error{border-left:5px solid #a00000;padding-left:.75rem}"
    ".lookup-form label{display:block;font-weight:bold;font-size:1.1rem}"
    ".lookup-form .hint{display:block;color:#333;font-size:.9rem}"
    ".field-error{color:#a00000;font-weight:bold;margin:.25rem 0}"
    ".lookup-form input[type=text]{display:block;box-sizing:border-box;width:100%;max-width:28rem;font-size:1.3rem;"
    "padding:.5rem .6rem;border:2px solid #333;border-radius:6px;margin-top:.25rem;letter-spacing:.05em}"
    ".lookup-form input[aria-invalid=true]{border:3px solid #a00000}"
    ".lookup-form input:focus{outline:3px solid #f0a000;outline-offset:2px}"
    ".lookup-form .check{font-weight:normal;font-size:1rem;margin-top:.5rem;display:flex;gap:.5rem;align-items:flex-start}"
    ".lookup-form .check input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none}"
    ".lookup-form button{font-size:1.2rem;font-weight:bold;min-height:48px;min-width:min(10rem,100%);padding:.5rem 1.5rem;border:0;"
    "border-radius:6px;background:#0b4f8a;color:#fff}.lookup-form button:focus{outline:3px solid #f0a000;outline-offset:2px}"
)
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
#: For API responses: the HTML pages need only their own inline style.
#: Scripts from the site's own assets/ only (the read-aloud button, yk-read.js).
CSP = (f"default-src 'none'; style-src '{CSS_HASH}'; script-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")

_env = Environment(loader=PackageLoader("lookup_api", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=False, lstrip_blocks=False)



#: What the ID box accepts as typed (half- and full-width digits, x or X, spaces); the server normalises.
#: Not enforced by the browser (the form is `novalidate`: every problem comes back at once, in Chinese).
ID_PATTERN = "[0-9０-９XxＸｘ ]*"
LABELS = {"id_number": "身份证号码", "name": "姓名"}


def lookup_page(*, result: dict | None, typed, error=None, site_name: str = "", version: str = "",
                yk_root: str = "../../") -> str:
    """The answer to the no-JavaScript 查询 form: the result, or (not found, or an error) the form again,
    filled with what was typed (`typed`: id_number, name, id_x), so the person can check and look again."""
    if result is not None:
        count = sum(len(p["payments"]) for y in result["years"] for p in y["programmes"])
        title = "查询结果" if result["found"] else "没有查到发放记录"
        context = dict(result, count=count)
        version = result["data_version"]["label"]
    else:
        title, context = "请检查输入", {"found": False, "notices": [], "alerts": [], "windows": []}
    return _env.get_template("result.html").render(
        title=title, css=CSS, site_name=site_name, version=version, yk_root=yk_root, error=error,
        fields=error.fields if error is not None else {}, typed=typed,
        challenge=error.challenge if error is not None else None, id_pattern=ID_PATTERN,
        button="重新查询" if result is not None or error is not None else "查询", labels=LABELS,
        read_js=site_files.asset("yk-read.js"), **context)


HEADINGS = {413: "提交的内容太长", 422: "请检查输入", 429: "查询太频繁"}


def error_page(status: int, message: str, request_id: str) -> str:
    heading = HEADINGS.get(status, "暂时无法查询")
    return _env.get_template("error.html").render(
        title=heading, heading=heading, css=CSS, site_name="", version="",
        message=message, request_id=request_id)
