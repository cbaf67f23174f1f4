"""lookup_api/throttle.py over real HTTP: past its budget an ID needs a proof-of-work, never a refusal,
so a stranger who knows the ID cannot lock its owner out (issue 18)."""

from __future__ import annotations

import hashlib
import time

import pytest

from lookup_api.cases.pow import leading_zero_bits
from tests.lookup_api.helpers import bare_site, submit
from tests.lookup_api.server import settings_for

BASE, EXTRA = 8, 3  # small, so the test is quick; production: 16 and 3 (docs/security.md)


def solve_counting(token: str, bits: int) -> tuple[str, int]:
    """The solution and how many hashes it took (the attacker's cost, and the owner's)."""
    counter = 0
    while leading_zero_bits(hashlib.sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter), counter + 1


def attempt(c, body: dict, address: str) -> tuple[object, int]:
    """One lookup as a careful client makes it: plain first, then with the proof when asked."""
    headers = {"X-Forwarded-For": address}
    r = c.post("/api/v1/lookup", json=body, headers=headers)
    hashes = 0
    if r.status_code == 429 and r.json()["code"] == "challenge_required":
        ch = r.json()["challenge"]
        counter, hashes = solve_counting(ch["challenge"], ch["bits"])
        r = c.post("/api/v1/lookup", json={**body, "challenge": ch["challenge"], "pow": counter}, headers=headers)
    return r, hashes


@pytest.fixture
def server(live, sample_db):
    settings = settings_for(sample_db, rate_id="5/minute;20/day", rate_client="1000/minute",
                            pow_bits=BASE, pow_extra=EXTRA, trusted_proxies="127.0.0.1")
    with live(settings) as s:
        yield s


def test_fifty_wrong_names_from_fifty_addresses_do_not_lock_the_owner_out(server, dibao_people):
    owner = dibao_people[0][0]
    costs = []
    with server.client() as c:
        for i in range(50):
            r, hashes = attempt(c, {"id_number": owner.id18, "name": f"王{chr(0x4e00 + i)}"}, f"203.0.113.{i}")
            assert r.status_code == 200 and r.json()["found"] is False, r.text
            costs.append(hashes)
        # The owner, right name, an address never seen: a proof at the capped difficulty, then the answer.
        started = time.perf_counter()
        first = c.post("/api/v1/lookup", json={"id_number": owner.id18, "name": owner.name},
                       headers={"X-Forwarded-For": "198.51.100.77"})
        assert first.status_code == 429 and first.json()["code"] == "challenge_required"
        assert first.json()["challenge"]["bits"] == BASE + EXTRA
        assert "Retry-After" not in first.headers
        r, owner_hashes = attempt(c, {"id_number": owner.id18, "name": owner.name}, "198.51.100.77")
        assert r.status_code == 200 and r.json()["found"] is True
    # Within budget the guesses were free; past it every guess paid, more as they went on.
    assert costs[:5] == [0] * 5 and all(h > 0 for h in costs[5:])
    print(f"attacker: {len(costs) - 5} proofs, {sum(costs)} hashes; owner: {owner_hashes} hashes, "
          f"{time.perf_counter() - started:.2f} s")


def test_a_proof_works_once(live, sample_db, dibao_people):
    owner = dibao_people[1][0]
    body = {"id_number": owner.id18, "name": "错名字"}
    settings = settings_for(sample_db, rate_id="1/minute", pow_bits=BASE, pow_extra=0)
    with live(settings) as server, server.client() as c:
        assert c.post("/api/v1/lookup", json=body).status_code == 200
        ch = c.post("/api/v1/lookup", json=body).json()["challenge"]
        proved = {**body, "challenge": ch["challenge"], "pow": solve_counting(ch["challenge"], ch["bits"])[0]}
        assert c.post("/api/v1/lookup", json=proved).status_code == 200
        replay = c.post("/api/v1/lookup", json=proved)
        assert replay.status_code == 422 and replay.json()["code"] == "challenge_used"
        assert replay.json()["challenge"]["challenge"] != ch["challenge"]  # a fresh one to go on with


def test_a_proof_must_be_as_hard_as_the_id_needs_now(server, dibao_people):
    owner = dibao_people[1][0]
    body = {"id_number": owner.id18, "name": "错名字"}
    with server.client() as c:
        for i in range(5):
            assert c.post("/api/v1/lookup", json=body, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 200
        first, second = (c.post("/api/v1/lookup", json=body).json()["challenge"] for _ in range(2))
        assert first["bits"] == second["bits"] == BASE
        used = {**body, "challenge": first["challenge"], "pow": solve_counting(first["challenge"], BASE)[0]}
        assert c.post("/api/v1/lookup", json=used).status_code == 200
        # One attempt past the budget: the ID now needs a bit more; a proof made for the old difficulty fails.
        stale = {**body, "challenge": second["challenge"], "pow": solve_counting(second["challenge"], BASE)[0]}
        refused = c.post("/api/v1/lookup", json=stale)
        assert refused.status_code == 422 and refused.json()["code"] == "challenge_unsolved"
        assert refused.json()["challenge"]["bits"] == BASE + 1


def test_without_javascript_the_sum_lets_the_owner_through(server, dibao_people):
    owner = dibao_people[2][0]
    with server.client() as c:
        for i in range(5):
            c.post("/api/v1/lookup", json={"id_number": owner.id18, "name": "错名字"},
                   headers={"X-Forwarded-For": f"203.0.113.{i}"})
        asked = c.post("/api/v1/lookup", json={"id_number": owner.id18, "name": owner.name}).json()
        a, b = (int(x) for x in asked["challenge"]["question"].replace("等于几？", "").split(" 加 "))
        r = c.post("/api/v1/lookup", json={"id_number": owner.id18, "name": owner.name,
                                           "challenge": asked["challenge"]["challenge"], "answer": str(a + b)})
        assert r.status_code == 200 and r.json()["found"] is True


def _past_budget(c, owner, n: int = 2) -> None:
    """A stranger spends the ID's free budget with wrong names."""
    for i in range(n):
        c.post("/api/v1/lookup", json={"id_number": owner.id18, "name": f"李{chr(0x4e00 + i)}"},
               headers={"X-Forwarded-For": f"203.0.113.{i}"})


@pytest.mark.slow
def test_the_owner_without_javascript_answers_the_sum(browser, live, sample_db, tmp_path, dibao_people):
    owner = dibao_people[2][0]
    settings = settings_for(sample_db, site_dir=bare_site(tmp_path / "site"), rate_id="2/day", pow_bits=BASE,
                            pow_extra=0, trusted_proxies="127.0.0.1")
    with live(settings) as server, server.client() as c:
        _past_budget(c, owner)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
        page = context.new_page()
        page.goto(server.url + "/chaxun/")
        page.fill("#id_number", owner.id18)
        page.fill("#name", owner.name)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        # Not a refusal: the form again, filled, with a sum to answer.
        assert page.input_value("#id_number") == owner.id18 and page.input_value("#name") == owner.name
        assert "先完成验证" in page.inner_text("[role=alert]")
        assert page.get_attribute("#error-summary a", "href") == "#answer"  # the summary leads to the sum
        question = page.inner_text("label[for=answer]")
        a, b = (int(x) for x in question.replace("等于几？", "").split(" 加 "))
        page.fill("#answer", "９９")  # wrong, full-width: a clear message and a new sum, fields kept
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "答错了" in page.inner_text("[role=alert]") and page.get_attribute("#answer", "aria-invalid") == "true"
        assert page.input_value("#name") == owner.name
        question = page.inner_text("label[for=answer]")
        a, b = (int(x) for x in question.replace("等于几？", "").split(" 加 "))
        page.fill("#answer", str(a + b))
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "查询结果" in page.inner_text("h1") and "已发放" in page.inner_text("main")
        context.close()


@pytest.mark.slow
def test_the_script_solves_the_challenge_and_shows_the_answer(browser, live, sample_db, tmp_path, dibao_people):
    owner = dibao_people[3][0]
    site = bare_site(tmp_path / "site")
    settings = settings_for(sample_db, site_dir=site, rate_id="2/day", pow_bits=BASE, pow_extra=0,
                            trusted_proxies="127.0.0.1")
    with live(settings) as server, server.client() as c:
        _past_budget(c, owner)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(server.url + "/chaxun/")
        page.wait_for_load_state("load")
        # The solver is not loaded with the page: only when a challenge arrives.
        assert not [u for u in asked if u.endswith("pow.js")] and page.evaluate("window.ykPow === undefined")
        page.fill("#id_number", owner.id18)
        page.fill("#name", owner.name)
        page.click("button[type=submit]")
        page.wait_for_selector("#lookup-result h2", timeout=20000)
        assert [u for u in asked if u.endswith("/zixun/pow.js")]
        assert page.url == server.url + "/chaxun/"  # answered in place, after the proof
        assert "查询结果" in page.inner_text("#lookup-result h2") and "已发放" in page.inner_text("#lookup-result")
        context.close()


def test_fifty_wrong_query_codes_do_not_lock_a_case_owner_out(live, sample_db):
    """件号 are sequential, so a stranger can aim at one: past its budget every guess pays."""
    import sqlite3

    village = str(sqlite3.connect(sample_db).execute("SELECT village FROM places LIMIT 1").fetchone()[0])
    settings = settings_for(sample_db, cases_pow_bits=6, rate_cases="1000/minute", rate_case_view="1000/minute",
                            rate_case_number="5/hour;20/day", pow_bits=BASE, pow_extra=EXTRA,
                            trusted_proxies="127.0.0.1")
    with live(settings) as server, server.client() as c:
        made = submit(c, village).json()
        path = f"/api/v1/cases/{made['number']}"
        costs = []
        for i in range(50):
            headers = {"X-Forwarded-For": f"203.0.113.{i}"}
            r = c.post(path, json={"query_code": f"WRONG{i:03d}"}, headers=headers)
            hashes = 0
            if r.status_code == 429:
                ch = r.json()["challenge"]
                counter, hashes = solve_counting(ch["challenge"], ch["bits"])
                r = c.post(path, json={"query_code": f"WRONG{i:03d}", "challenge": ch["challenge"], "pow": counter},
                           headers=headers)
            assert r.status_code == 404, r.text
            costs.append(hashes)
        owner = {"X-Forwarded-For": "198.51.100.8"}
        first = c.post(path, json={"query_code": made["query_code"]}, headers=owner)
        assert first.status_code == 429 and first.json()["challenge"]["bits"] == BASE + EXTRA
        ch = first.json()["challenge"]
        r = c.post(path, json={"query_code": made["query_code"], "challenge": ch["challenge"],
                               "pow": solve_counting(ch["challenge"], ch["bits"])[0]}, headers=owner)
        assert r.status_code == 200 and r.json()["number"] == made["number"]
        # Without JavaScript: the follow-up form shows the sum; answered, the owner sees the case.
        page = c.post("/zixun/chaxun/", data={"number": made["number"], "query_code": made["query_code"]},
                      headers=owner, follow_redirects=False)
        assert page.status_code == 429 and 'name="answer"' in page.text and "data-yk-pow" in page.text
        token = page.text.split('name="challenge" value="')[1].split('"')[0]
        a, b = (int(x) for x in page.text.split('<label for="answer">')[1].split("等于几？")[0].split(" 加 "))
        done = c.post("/zixun/chaxun/", data={"number": made["number"], "query_code": made["query_code"],
                                              "challenge": token, "answer": str(a + b)}, headers=owner,
                      follow_redirects=True)
        assert done.status_code == 200 and made["number"] in done.text and "办理情况" in done.text
    assert costs[:5] == [0] * 5 and all(h > 0 for h in costs[5:])


def test_fifty_wrong_passwords_do_not_lock_a_clerk_out(live, sample_db, capsys):
    import re

    from lookup_api.cases import auth

    settings = settings_for(sample_db, rate_login="5/minute;20/day", pow_bits=BASE, pow_extra=EXTRA,
                            trusted_proxies="127.0.0.1")
    password = "宝丰县民政局 2026"

    def login(c, address, pw, proof=None):
        page = c.get("/staff/login/", headers={"X-Forwarded-For": address})
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        return c.post("/staff/login/", data={"username": "bf.minzheng", "password": pw, "csrf": csrf, **(proof or {})},
                      headers={"X-Forwarded-For": address}, follow_redirects=False)

    with live(settings) as server:
        auth.add_staff(server.server.config.app.state.cases.service.store, "bf.minzheng", password,
                       "宝丰县民政局 王", ["民政局"], ["410421000000"])
        with server.client() as desk:  # the clerk's own browser: logged in once before the attack
            assert login(desk, "198.51.100.1", password).status_code == 303
            desk.cookies.delete("yk_staff")
        with server.client() as attacker:
            for i in range(50):
                r = login(attacker, f"203.0.113.{i}", f"guess{i}")
                if r.status_code == 429:
                    assert "data-yk-pow" in r.text
                    token = r.text.split('name="challenge" value="')[1].split('"')[0]
                    bits = int(token.split(".")[2])
                    r = login(attacker, f"203.0.113.{i}", f"guess{i}",
                              {"challenge": token, "pow": solve_counting(token, bits)[0]})
                assert r.status_code == 401, r.text[:300]
        # At the desk (device cookie): straight in. Elsewhere (a colleague's PC): one challenge, then in.
        with server.client() as c:
            c.cookies.update(desk.cookies)
            assert login(c, "198.51.100.1", password).status_code == 303
        with server.client() as c:
            r = login(c, "198.51.100.2", password)
            assert r.status_code == 429 and "登录尝试较多" in r.text
            token = r.text.split('name="challenge" value="')[1].split('"')[0]
            r = login(c, "198.51.100.2", password, {"challenge": token, "pow": solve_counting(token, BASE + EXTRA)[0]})
            assert r.status_code == 303
    assert "staff_login_over_budget" in capsys.readouterr().err  # the audit line (LOOKUP_AUDIT_LOG=-)
