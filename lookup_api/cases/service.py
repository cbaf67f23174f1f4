"""What the public and staff can do with cases.  Refuses with CaseError (cases/errors.py; Chinese messages).

A wrong 查询码 and an unknown 件号 take the same path and get the same
answer: the keyed hash is computed either way and compared in constant time.
Contact details are decrypted only for staff allowed to see the case, and
never logged.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, false, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huinong_core.disclosure import GUARD, MIN_COUNT, suppress
from huinong_core.regions import prefix, region_level
from lookup_api.cases import secrets as case_secrets
from lookup_api.cases.auth import StaffUser
from lookup_api.cases.directory import Directory, ListedProgramme, departments_of, responsible
from lookup_api.cases.errors import CaseConflict, CaseNotFound, InvalidCase
from lookup_api.cases.pow import Solved
from lookup_api.cases.schema import (
    KINDS, OPEN_STATUSES, RATINGS, STATUSES, Case, CaseEvent, Rating, SpentChallenge, utcnow,
)
from lookup_api.cases.store import Store

CST = dt.timezone(dt.timedelta(hours=8))
#: 承诺时限 (calendar days from submission to reply), shown on the form and the follow-up page.
DUE_DAYS = {"咨询": 5, "投诉": 15, "举报": 15, "上门服务": 10}
CONTENT_MAX, REPLY_MAX, COMMENT_MAX = 1000, 2000, 300
NUMBER = re.compile(r"^(\d{8})[-\s]*(\d{6})[-\s]*(\d{4})$")
NOT_FOUND = ("case_not_found", "没有找到这一件：件号或查询码不对。请核对后再试（查询码不区分大小写）。")
PUBLIC_ACTIONS = {"提交": "已受理", "受理": "开始办理", "答复": "已答复", "办结": "已办结", "转办": "转交其他部门办理",
                  "评价": "已评价"}


def to_cst(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=dt.timezone.utc).astimezone(CST)


def shown(value: dt.datetime | None) -> str:
    return "" if value is None else to_cst(value).strftime("%Y-%m-%d %H:%M")


def shown_date(value: dt.datetime | None) -> str:
    return "" if value is None else to_cst(value).date().isoformat()


def parse_number(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text or "").strip().replace("—", "-").replace("－", "-")
    m = NUMBER.match(text)
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None


def clean_text(text: str | None, limit: int, field: str, required: bool = True, minimum: int = 1) -> str | None:
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").strip()
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    if not text:
        if required:
            raise InvalidCase("invalid_request", f"请填写{field}。")
        return None
    if len(text) < minimum:
        raise InvalidCase("invalid_request", f"{field}太短，请至少写{minimum}个字，把情况说清楚。")
    if len(text) > limit:
        raise InvalidCase("invalid_request", f"{field}太长（{len(text)}个字），请不超过{limit}个字。")
    return text


def parse_phone(text: str | None) -> str | None:
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    digits = re.sub(r"[\s\-()（）]", "", text)
    if re.fullmatch(r"1[3-9]\d{9}", digits) or re.fullmatch(r"0\d{9,11}", digits):
        return digits
    raise InvalidCase("invalid_phone", "联系电话格式不对：手机号码11位，固定电话请带区号（如 0375-1234567）。")


def parse_contact_name(text: str | None) -> str | None:
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    if len(text) > 20 or any(c.isdigit() for c in text):
        raise InvalidCase("invalid_name", "姓名格式不对：请填写姓名或称呼（不超过20个字，不要有数字）。")
    return text


@dataclass(frozen=True)
class Submission:
    kind: str
    village: str
    content: str
    programme: str | None = None
    phone: str | None = None
    name: str | None = None
    anonymous: bool = False


class CaseService:
    def __init__(self, store: Store, cipher: case_secrets.ContactCipher, key: bytes,
                 directory: Callable[[], Directory], stats_ttl: float = 300):
        self.store = store
        self.cipher = cipher
        self._key = key
        self._directory = directory
        self._stats_ttl = stats_ttl
        self._stats_cache: tuple[float, dict] | None = None

    # ------------------------------------------------------------ submitting
    def validate(self, sub: Submission) -> tuple[Submission, ListedProgramme | None]:
        """The submission cleaned, or one InvalidCase naming every field at fault (``fields``, in form order)."""
        problems: dict[str, InvalidCase] = {}

        def check(field: str, parse, *args):
            try:
                return parse(*args)
            except InvalidCase as e:
                problems.setdefault(field, e)
                return None

        d = self._directory()
        if sub.kind not in KINDS:
            problems["kind"] = InvalidCase("invalid_kind", "请选择类型：咨询、投诉、举报或上门服务。")
        if sub.village not in d.places:
            problems["village"] = InvalidCase("invalid_village", "请选择您所在的村（社区）。")
        programme = None
        if sub.programme:
            programme = d.programmes.get(sub.programme)
            if programme is None:
                problems["programme"] = InvalidCase("invalid_programme",
                                                    "补贴项目不在政策清单中，请重新选择，或选“不涉及具体项目”。")
        content = check("content", clean_text, sub.content, CONTENT_MAX, "反映的内容", True, 5)
        phone = check("phone", parse_phone, sub.phone)
        name = check("name", parse_contact_name, sub.name)
        anonymous = bool(sub.anonymous)
        if anonymous:
            if sub.kind in KINDS and sub.kind != "举报":
                problems["anonymous"] = InvalidCase("anonymous_not_allowed",
                                                    "只有举报可以匿名；咨询、投诉和上门服务请留下联系电话或姓名，方便答复。")
            phone = name = None
        if sub.kind == "上门服务" and not phone and "phone" not in problems:
            problems["phone"] = InvalidCase("phone_required", "申请上门服务请留下联系电话，方便乡镇工作人员联系上门时间。")
        if problems:
            raise InvalidCase.combine(problems)
        return Submission(sub.kind, sub.village, content, sub.programme or None, phone, name, anonymous), programme

    def submit(self, sub: Submission, solved: Solved) -> dict:
        sub, programme = self.validate(sub)
        d = self._directory()
        place = d.places[sub.village]
        department = d.route(sub.kind, programme)
        now = utcnow()
        day = to_cst(now).strftime("%Y%m%d")
        code = case_secrets.new_query_code()
        for attempt in range(8):
            try:
                with self.store.session() as s:
                    series = f"{day}-{prefix(place.county, '县')}-"
                    self.store.lock_sequence(s, series)  # concurrent submissions wait, never collide
                    self._spend(s, solved, now)
                    last = s.scalar(select(func.max(Case.number)).where(Case.number.like(series + "%")))
                    number = f"{series}{int(last[-4:]) + 1 if last else 1:04d}"
                    case = Case(
                        number=number, code_hash=case_secrets.code_hash(self._key, number, code), kind=sub.kind,
                        programme=programme.code if programme else None,
                        programme_name=programme.name if programme else None,
                        village=place.village, township=place.township, county=place.county,
                        place_name=place.full_name, department=department,
                        content_enc=self.cipher.encrypt(sub.content), phone_enc=self.cipher.encrypt(sub.phone),
                        name_enc=self.cipher.encrypt(sub.name), anonymous=sub.anonymous, status="已受理",
                        created_at=now, due_at=now + dt.timedelta(days=DUE_DAYS[sub.kind]), updated_at=now)
                    s.add(case)
                    s.flush()
                    self._event(s, case, "群众", "提交", None, now)
                break
            except IntegrityError:
                # A spent challenge lands here (two posts of one form at once): check it outside the race.
                # So would two submissions taking one number, which lock_sequence prevents: try the next.
                with self.store.session() as s:
                    if s.get(SpentChallenge, solved.nonce) is not None:
                        raise InvalidCase("challenge_used", "这个表单已经提交过了。请重新打开页面再提交新的内容。") from None
                if attempt == 7:
                    raise
        return {"number": number, "query_code": case_secrets.show_code(code), "status": "已受理",
                "department": responsible(place.county_name, place.township_name, department),
                "due_date": shown_date(now + dt.timedelta(days=DUE_DAYS[sub.kind])),
                "submitted_at": shown(now)}

    @staticmethod
    def _spend(s: Session, solved: Solved, now: dt.datetime) -> None:
        s.query(SpentChallenge).filter(SpentChallenge.expires_at < now - dt.timedelta(hours=1)).delete()
        if s.get(SpentChallenge, solved.nonce) is not None:
            raise InvalidCase("challenge_used", "这个表单已经提交过了。请重新打开页面再提交新的内容。")
        s.add(SpentChallenge(nonce=solved.nonce,
                             expires_at=dt.datetime.fromtimestamp(solved.expires, dt.timezone.utc).replace(tzinfo=None)))

    @staticmethod
    def _event(s: Session, case: Case, actor: str, action: str, note: str | None, now: dt.datetime) -> None:
        """The only way anything is written to case_events: an INSERT."""
        s.add(CaseEvent(case_id=case.id, at=now, actor=actor, action=action, status=case.status,
                        department=case.department, note=note))

    # ------------------------------------------------------------ following up
    def _find(self, s: Session, number: str, code: str) -> Case:
        canonical = parse_number(number) or "-"
        case = s.scalar(select(Case).where(Case.number == canonical)) if canonical != "-" else None
        if not case_secrets.code_matches(self._key, canonical, case_secrets.normalize_code(code),
                                         case.code_hash if case is not None else None):
            raise CaseNotFound(*NOT_FOUND)
        return case

    def view(self, number: str, code: str) -> dict:
        with self.store.session() as s:
            return self._public(s, self._find(s, number, code))

    def rate(self, number: str, code: str, rating: str, comment: str | None) -> dict:
        if rating not in RATINGS:
            raise InvalidCase("invalid_rating", "请选择：满意、基本满意或不满意。")
        comment = clean_text(comment, COMMENT_MAX, "评价意见", required=False)
        with self.store.session() as s:
            case = self._find(s, number, code)
            if case.status not in ("已答复", "已办结"):
                raise CaseConflict("not_answered", "收到答复以后才能评价。")
            if s.scalar(select(Rating.id).where(Rating.case_id == case.id)) is not None:
                raise CaseConflict("already_rated", "这一件已经评价过了，谢谢您。")
            now = utcnow()
            s.add(Rating(case_id=case.id, rating=rating, comment=comment, at=now))
            self._event(s, case, "群众", "评价", rating, now)
            s.flush()
            return self._public(s, case)

    def _public(self, s: Session, case: Case) -> dict:
        d = self._directory()
        events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
        rating = s.scalar(select(Rating).where(Rating.case_id == case.id))
        reached: dict[str, dt.datetime] = {}  # when each status was first reached
        for e in events:
            reached.setdefault(e.status, e.at)
        current = STATUSES.index(case.status)
        now = utcnow()
        place = d.places.get(case.village)
        return {
            "number": case.number, "kind": case.kind, "status": case.status,
            "steps": [{"status": st, "done": i <= current, "at": shown(reached.get(st)) if i <= current else ""}
                      for i, st in enumerate(STATUSES)],
            "programme": {"code": case.programme, "name": case.programme_name} if case.programme else None,
            "place": case.place_name,
            "department": responsible(place.county_name if place else "", place.township_name if place else "",
                                      case.department),
            "content": self.cipher.decrypt(case.content_enc),
            "contact_left": case.phone_enc is not None or case.name_enc is not None,
            "anonymous": case.anonymous,
            "submitted_at": shown(case.created_at), "due_date": shown_date(case.due_at),
            "overdue": case.status in OPEN_STATUSES and case.due_at < now,
            "reply": case.reply, "replied_at": shown(case.replied_at), "closed_at": shown(case.closed_at),
            "history": [{"at": shown(e.at), "action": PUBLIC_ACTIONS.get(e.action, e.action), "status": e.status}
                        for e in events],
            "rating": {"rating": rating.rating, "comment": rating.comment, "at": shown(rating.at)} if rating else None,
            "can_rate": rating is None and case.status in ("已答复", "已办结"),
        }

    # ------------------------------------------------------------ staff
    @staticmethod
    def visible(user: StaffUser):
        """The SQL condition for the cases a staff account may see: its regions and its departments."""
        places = []
        for code in user.regions:
            places.append(Case.village.like(prefix(code, region_level(code)) + "%"))
        region = or_(*places) if places else false()
        if user.all_departments:
            return region
        wrapped = literal("/") + Case.department + literal("/")
        depts = [wrapped.like("%/" + d.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%", escape="\\")
                 for d in user.departments]
        return and_(region, or_(*depts) if depts else false())

    def queue(self, user: StaffUser, which: str = "open") -> list[dict]:
        now = utcnow()
        with self.store.session() as s:
            q = select(Case).where(self.visible(user))
            if which == "open":
                q = q.where(Case.status.in_(OPEN_STATUSES)).order_by(Case.due_at, Case.id)
            elif which == "answered":
                q = q.where(Case.status == "已答复").order_by(Case.replied_at.desc())
            else:
                q = q.order_by(Case.created_at.desc())
            rows = s.scalars(q.limit(500)).all()
            out = [{"number": c.number, "kind": c.kind, "programme": c.programme_name or "不涉及具体项目",
                    "place": c.place_name, "department": c.department, "status": c.status,
                    "submitted_at": shown(c.created_at), "due_date": shown_date(c.due_at),
                    "overdue": c.status in OPEN_STATUSES and c.due_at < now} for c in rows]
        out.sort(key=lambda r: not r["overdue"])  # stable: overdue first, then the order above
        return out

    def _staff_case(self, s: Session, user: StaffUser, number: str) -> Case:
        canonical = parse_number(number)
        case = s.scalar(select(Case).where(Case.number == canonical, self.visible(user))) if canonical else None
        if case is None:
            raise CaseNotFound("case_not_found", "没有这一件，或者它不归您的部门和地区办理。")
        return case

    def staff_view(self, user: StaffUser, number: str) -> dict:
        with self.store.session() as s:
            case = self._staff_case(s, user, number)
            out = self._public(s, case)
            events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
            out.update({
                "phone": self.cipher.decrypt(case.phone_enc), "name": self.cipher.decrypt(case.name_enc),
                "department_code": case.department, "county": case.county,
                "events": [{"at": shown(e.at), "actor": e.actor, "action": e.action, "status": e.status,
                            "department": e.department, "note": e.note} for e in events],
            })
            return out

    def act(self, user: StaffUser, number: str, action: str, text: str | None = None,
            department: str | None = None) -> str:
        """受理 / 答复 / 办结 / 转办; returns the new status.  Every action is one event."""
        now = utcnow()
        with self.store.session() as s:
            case = self._staff_case(s, user, number)
            note = None
            if action == "受理":
                if case.status != "已受理":
                    raise CaseConflict("bad_state", f"这一件现在是“{case.status}”，不能再受理。")
                case.status = "办理中"
            elif action == "答复":
                if case.status == "已办结":
                    raise CaseConflict("bad_state", "这一件已经办结，不能再答复。")
                note = clean_text(text, REPLY_MAX, "答复内容", minimum=5)
                case.reply = note
                case.status = "已答复"
                case.replied_at = case.replied_at or now
            elif action == "办结":
                if case.status != "已答复":
                    raise CaseConflict("bad_state", "先答复，才能办结。")
                note = clean_text(text, 500, "办结说明", required=False)
                case.status = "已办结"
                case.closed_at = now
            elif action == "转办":
                if case.status == "已办结":
                    raise CaseConflict("bad_state", "这一件已经办结，不能转办。")
                target = (department or "").strip()
                if target not in self._directory().departments:
                    raise InvalidCase("invalid_department", "请选择要转给的部门。")
                if departments_of(case.department) == (target,):
                    raise InvalidCase("invalid_department", "这一件已经在这个部门办理。")
                note = clean_text(text, 500, "转办原因")
                case.department = target
                case.status = "已受理"
            else:
                raise InvalidCase("invalid_action", "不支持的操作。")
            case.updated_at = now
            self._event(s, case, user.username, action, note, now)
            return case.status

    def ledger(self, user: StaffUser) -> list[dict]:
        """服务问题台账: open cases per county and department, the ones with overdue cases first."""
        now = utcnow()
        d = self._directory()
        with self.store.session() as s:
            rows = s.execute(select(Case.county, Case.department, Case.kind, Case.due_at, Case.created_at)
                             .where(self.visible(user), Case.status.in_(OPEN_STATUSES))).all()
        groups: dict[tuple[str, str], dict] = {}
        for county, department, kind, due, created in rows:
            g = groups.setdefault((county, department), {
                "county": county, "county_name": d.counties.get(county, county), "department": department,
                "open": 0, "overdue": 0, "kinds": Counter(), "oldest": created, "first_due": due})
            g["open"] += 1
            g["overdue"] += due < now
            g["kinds"][kind] += 1
            g["oldest"] = min(g["oldest"], created)
            g["first_due"] = min(g["first_due"], due)
        out = sorted(groups.values(), key=lambda g: (-g["overdue"], g["first_due"]))
        for g in out:
            g["kinds"] = "、".join(f"{k}{n}件" for k, n in g["kinds"].most_common())
            g["oldest"], g["first_due"] = shown_date(g["oldest"]), shown_date(g["first_due"])
        return out

    # ------------------------------------------------------------ openness
    def stats(self) -> dict:
        """Public: counts, timeliness and satisfaction by type, programme and county; no case content."""
        cached = self._stats_cache
        if cached and time.monotonic() - cached[0] < self._stats_ttl:
            return cached[1]
        result = case_statistics(self.store, self._directory().counties, utcnow())
        self._stats_cache = (time.monotonic(), result)
        return result


def case_statistics(store: Store, counties: Mapping[str, str], now: dt.datetime) -> dict:
    """The public statistics of the cases, as of ``now`` (naive UTC): the live page and API
    (CaseService.stats) and the site build (generator/site/case_stats.py) both show this.

    Cases by type, by programme (over the whole database: a protected programme is never broken
    down by place) and by county (no programme); each row with fewer than MIN_COUNT cases shows only
    “少于5件”, and enough other rows “不公开” that no hidden row is the total minus the shown ones
    (huinong_core/disclosure.py).  Only kind, programme, county, status, dates and rating are read:
    no case content.
    """
    with store.session() as s:
        rows = s.execute(select(Case.kind, Case.programme, Case.programme_name, Case.county, Case.status,
                                Case.created_at, Case.due_at, Case.replied_at, Rating.rating)
                         .outerjoin(Rating, Rating.case_id == Case.id)).all()
    return tabulate(rows, counties, now)


def tabulate(rows: list, counties: Mapping[str, str], now: dt.datetime) -> dict:
    """case_statistics of rows already read (kind, programme_name, county, status, dates, rating)."""
    groups: dict[str, dict[str, list]] = {"kind": defaultdict(list), "programme": defaultdict(list),
                                          "county": defaultdict(list)}
    for r in rows:
        groups["kind"][r.kind].append(r)
        groups["programme"][r.programme_name or "不涉及具体项目"].append(r)
        groups["county"][counties.get(r.county, r.county)].append(r)
    order = {"kind": list(KINDS)}
    result = {"generated_at": shown(now), "min_count": MIN_COUNT, "total": None, "due_days": DUE_DAYS}
    total_hidden = False
    for name, by in groups.items():
        # Each table adds up to the total: hide more than the small groups, or subtraction finds them.
        hide = suppress({k: len(v) for k, v in by.items()})
        total_hidden |= hide.total_hidden
        keys = order.get(name) or sorted(by, key=lambda k: (-len(by[k]), k))
        result[f"by_{name}"] = [summarize(k, by[k], now, hide.kind(k)) for k in keys if k in by]
    result["total"] = summarize("全部", rows, now, GUARD if total_hidden else None)
    return result


def summarize(label: str, rows: list, now: dt.datetime, hidden: str | None = None) -> dict:
    """One row of the statistics; a group under MIN_COUNT shows only “少于5件”, one hidden so that
    it cannot be worked out by subtraction (huinong_core/disclosure.py) only “不公开”."""
    if len(rows) < MIN_COUNT or hidden:
        small = len(rows) < MIN_COUNT
        return {"label": label, "cases": None, "shown": f"少于{MIN_COUNT}件" if small else "不公开", "suppressed": True}
    answered = [r for r in rows if r.replied_at is not None]
    days = [(r.replied_at - r.created_at).total_seconds() / 86400 for r in answered]
    due_passed = [r for r in rows if r.replied_at is not None or r.due_at < now]
    on_time = [r for r in due_passed if r.replied_at is not None and r.replied_at <= r.due_at]
    rated = [r.rating for r in rows if r.rating]
    counts = Counter(rated)
    out = {"label": label, "cases": len(rows), "shown": f"{len(rows)}件", "suppressed": False,
           "answered": len(answered), "open": sum(r.status in OPEN_STATUSES for r in rows),
           "median_days_to_reply": round(statistics.median(days), 1) if days else None,
           "answered_on_time_share": round(len(on_time) / len(due_passed), 3) if due_passed else None,
           "rated": len(rated)}
    if len(rated) >= MIN_COUNT:
        out["satisfaction"] = {k: counts.get(k, 0) for k in RATINGS}
        out["satisfied_share"] = round((counts["满意"] + counts["基本满意"]) / len(rated), 3)
    else:
        out["satisfaction"] = None
        out["satisfied_share"] = None
    return out
