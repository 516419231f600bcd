"""The web workplace in-process (Starlette's TestClient): authorization over every route and role,
CSRF, sign-in throttling, the report form and upload through the ingest's one path, answering and
closing a problem, the JSON API with a token, the audit log, the `dispatch user` commands."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from starlette.routing import Route
from web_world import LEADER, OTHER_UNIT, PASSWORD, UNIT, World, first_problem, module_world

from scheduler.app import accounts, workplace
from scheduler.store.db import audit_log, report_rows, weekly_reports
from scheduler.web.app import create_app
from scheduler.web.auth import COOKIE, LOGIN_COOKIE
from tests.helpers import dump

FOREIGN_PROJECT = "YGG-RAIL"  # neither the unit's (县交通运输局) nor the leader's (分管交通的副县长)
OWN_PROJECT = "XG-BRIDGE"     # both the unit's and the leader's


world = module_world("web")


@pytest.fixture(scope="module")
def app(world: World) -> Any:
    return create_app(world.config, world.engine)


def client(app: Any) -> TestClient:
    return TestClient(app, follow_redirects=False)


def sign_in(app: Any, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A client signed in as `username` and its session's CSRF token."""
    c = client(app)
    token = _login_token(c)
    r = c.post("/login", data={"username": username, "password": password, "csrf": token})
    assert r.status_code == 303, r.text
    page = c.get("/")
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m is not None
    return c, m.group(1)


def _login_token(c: TestClient) -> str:
    r = c.get("/login")
    m = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert m is not None
    return m.group(1)


# -- authorization over every route and role ---------------------------------------------------------

PUBLIC = {"/login", "/static/style.css", "/static/cjk.otf", "/healthz", "/openapi.json"}
READ_ALL = {"office", "unit", "leader", "viewer"}
OFFICE = {"office"}
# route path -> roles that may use it ON ANOTHER UNIT'S / ANOTHER LEADER'S object (the URL edited)
EXPECT: dict[tuple[str, str], set[str]] = {
    ("GET", "/"): READ_ALL,
    ("GET", "/gantt.svg"): READ_ALL,
    ("GET", "/projects/{pid}"): {"office", "viewer"},
    ("GET", "/projects/{pid}/gantt.svg"): {"office", "viewer"},
    ("GET", "/problems"): READ_ALL,
    ("GET", "/problem/{problem_id:path}"): {"office", "viewer"},
    ("POST", "/answer/{problem_id:path}"): OFFICE,
    ("POST", "/decide/{problem_id:path}"): OFFICE,
    ("GET", "/report"): OFFICE,
    ("POST", "/report"): OFFICE,
    ("POST", "/report/upload"): OFFICE,
    ("GET", "/report/template"): OFFICE,
    ("GET", "/reports"): {"office", "unit", "viewer"},
    ("POST", "/week/run"): OFFICE,
    ("GET", "/download/{what}"): {"office", "viewer"},
    ("GET", "/users"): OFFICE,
    ("POST", "/users"): OFFICE,
    ("POST", "/users/{username}/disable"): OFFICE,
    ("POST", "/users/{username}/passwd"): OFFICE,
    ("GET", "/audit"): OFFICE,
    ("POST", "/logout"): READ_ALL,
    ("GET", "/api/week"): READ_ALL,
    ("GET", "/api/problems"): READ_ALL,
    ("GET", "/api/projects/{pid}"): {"office", "viewer"},
}


def _routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for r in app.routes:
        if isinstance(r, Route):
            out += [(m, r.path) for m in sorted(r.methods or ()) if m != "HEAD"]
    return out


def test_every_route_is_in_the_authorization_table(app: Any) -> None:
    routes = set(_routes(app))
    listed = set(EXPECT) | {("GET", p) for p in PUBLIC} | {("POST", "/login")}
    assert routes == listed, f"routes not in the table: {sorted(routes - listed)}; gone: {sorted(listed - routes)}"


def _request(c: TestClient, method: str, path: str, world: World, csrf: str) -> Any:
    """One request on the route with another unit's / another leader's objects in the URL and form."""
    foreign_problem = first_problem(world, OTHER_UNIT).id
    url = (path.replace("{pid}", FOREIGN_PROJECT).replace("{problem_id:path}", foreign_problem)
           .replace("{what}", "findings").replace("{username}", "victim"))
    params = {"unit": OTHER_UNIT} if path in ("/report", "/report/template") else {}
    if method == "GET":
        return c.get(url, params=params)
    data = {"csrf": csrf, "unit": OTHER_UNIT, "situation": "改了别人的", "measures": "x", "reason": "越权",
            "action": "close", "username": "intruder", "password": "long enough 1", "role": "office",
            "data_date": "2026-11-23", "p|YGG-RAIL||investment_week": "5"}
    files = None
    if path == "/report/upload":
        files = {"file": ("x.xlsx", _template_for(world, OTHER_UNIT), "application/octet-stream")}
    return c.post(url, data=data, files=files)


def _template_for(world: World, unit: str) -> bytes:
    return workplace.template_bytes(world.engine, unit, workplace.report_week(world.config))[1]


@pytest.mark.parametrize("role", ["unit", "leader", "viewer", "office"])
def test_every_route_with_every_role(app: Any, world: World, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each role walks every route with the URL pointing at objects that are not its own: refused
    routes answer 403 or 404 and change nothing stored; allowed ones answer. (Charts and documents
    are stood in for here: their drawing is tested on its own; this test is about who gets them.)"""
    monkeypatch.setattr(workplace, "gantt_svg", lambda *a, **k: b"<svg/>")
    monkeypatch.setattr(workplace, "portfolio_svg", lambda *a, **k: b"<svg/>")
    monkeypatch.setattr(workplace, "download", lambda *a, **k: ("x.pdf", b"%PDF"))
    if role == "office":
        accounts.add_user(world.engine, "victim", PASSWORD, "viewer")
    c, csrf = sign_in(app, world.users[role])
    for method, path in _routes(app):
        if path in PUBLIC or path == "/login" or path == "/logout":
            continue
        allowed = role in EXPECT[(method, path)]
        before = dump(world.engine) if method == "POST" and not allowed else None
        r = _request(c, method, path, world, csrf)
        if allowed:
            # the office may post another unit's report; the ingest's own check may still refuse it
            assert r.status_code < 400 or (path.startswith("/report") and r.status_code == 400), \
                (role, method, path, r.status_code, r.text[:300])
        else:
            assert r.status_code in (403, 404), (role, method, path, r.status_code, r.text[:300])
            if before is not None:
                assert dump(world.engine) == before, (role, method, path)
    r = c.post("/logout", data={"csrf": csrf})
    assert r.status_code == 303
    assert c.get("/").status_code == 303  # signed out


def test_signed_out_gets_nothing(app: Any, world: World) -> None:
    c = client(app)
    before = dump(world.engine)
    for method, path in _routes(app):
        if path in PUBLIC or path == "/login":
            continue
        r = _request(c, method, path, world, "")
        want = 401 if path.startswith("/api/") else (303 if method == "GET" else (303, 403))
        assert r.status_code == want or (isinstance(want, tuple) and r.status_code in want), (method, path)
        if r.status_code == 303:
            assert r.headers["location"] == "/login"
    assert dump(world.engine) == before


def test_unit_and_leader_see_only_their_own(app: Any, world: World) -> None:
    c, _ = sign_in(app, world.users["unit"])
    assert c.get(f"/projects/{OWN_PROJECT}").status_code == 200
    problems = c.get("/api/problems").json()["problems"]
    assert problems and {p["unit"] for p in problems} == {UNIT}
    ids = {p["id"] for p in c.get("/api/week").json()["projects"]}
    assert OWN_PROJECT in ids and FOREIGN_PROJECT not in ids
    lc, _ = sign_in(app, world.users["leader"])
    week = lc.get("/api/week").json()
    assert {p["id"] for p in week["projects"]} == {"XG-BRIDGE"}
    assert all(LEADER in p["leader"] for p in week["projects"])
    page = lc.get("/").text
    assert "/week/run" not in page and "运行周调度" not in page


# -- CSRF and throttling -------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_change_nothing(app: Any, world: World) -> None:
    c, csrf = sign_in(app, world.users["office"])
    problem = first_problem(world, UNIT).id
    before = dump(world.engine)
    for data in ({}, {"csrf": "forged"}, {"csrf": csrf[:-1]}):
        r = c.post(f"/decide/{problem}", data={**data, "action": "close", "reason": "跨站请求"})
        assert r.status_code == 403
        r = c.post("/users", data={**data, "username": "evil", "password": "long enough 1", "role": "office"})
        assert r.status_code == 403
    assert dump(world.engine) == before
    # the sign-in form: its token must match its cookie
    fresh = client(app)
    _login_token(fresh)
    r = fresh.post("/login", data={"username": "office", "password": PASSWORD, "csrf": "guessed"})
    assert r.status_code == 403


def test_sign_in_is_throttled_after_five_failures(app: Any, world: World) -> None:
    accounts.add_user(world.engine, "target", PASSWORD, "viewer")
    c = client(app)
    token = _login_token(c)
    for _ in range(accounts.MAX_FAILURES_PER_NAME):
        r = c.post("/login", data={"username": "target", "password": "wrong password", "csrf": token})
        assert r.status_code == 401 and "账号或密码错误（或账号已停用）" in r.text  # the config's language (zh)
    r = c.post("/login", data={"username": "target", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429 and "登录失败次数过多：请 15 分钟后再试" in r.text  # even the right password waits
    assert "dispatch_session" not in r.cookies
    other, _ = sign_in(app, world.users["viewer"])  # another account is not locked out
    assert other.get("/").status_code == 200


def test_two_server_processes_share_sessions_csrf_and_throttling(app: Any, world: World) -> None:
    """`dispatch web --workers N`: each process has its own engine and caches; what a request needs of
    an earlier one (session, CSRF token, failed sign-ins, stored reports) is in the database or the
    cookie, so any process may answer any request."""
    from scheduler.store.db import open_database

    engine = open_database(world.config.database_url)  # the second process's own pool and caches
    try:
        other = create_app(world.config, engine)
        a, csrf = sign_in(app, world.users["unit"])
        b = client(other)
        b.cookies.set(COOKIE, a.cookies[COOKIE])
        assert b.get("/").status_code == 200
        page = b.get("/report")
        assert page.status_code == 200 and csrf in page.text  # the same session's token
        login = client(app)  # the sign-in form from one process, posted to the other
        token = _login_token(login)
        b2 = client(other)
        b2.cookies.set(LOGIN_COOKIE, login.cookies[LOGIN_COOKIE])
        r = b2.post("/login", data={"username": world.users["viewer"], "password": PASSWORD, "csrf": token})
        assert r.status_code == 303
        accounts.add_user(world.engine, "target2", PASSWORD, "viewer")  # failures add up across processes
        for i in range(accounts.MAX_FAILURES_PER_NAME):
            c = client(app if i % 2 else other)
            r = c.post("/login", data={"username": "target2", "password": "wrong password", "csrf": _login_token(c)})
            assert r.status_code == 401
        c = client(app)
        r = c.post("/login", data={"username": "target2", "password": PASSWORD, "csrf": _login_token(c)})
        assert r.status_code == 429
        r = b.post("/logout", data={"csrf": csrf})  # signed out on one process: out on every one
        assert r.status_code == 303
        assert a.get("/").status_code == 303
    finally:
        engine.dispose()


def test_an_account_of_another_portfolio_cannot_sign_in(app: Any, world: World) -> None:
    accounts.add_user(world.engine, "other-county", PASSWORD, "office", portfolio="county2")
    c = client(app)
    r = c.post("/login", data={"username": "other-county", "password": PASSWORD, "csrf": _login_token(c)})
    assert r.status_code == 401 and "dispatch_session" not in r.cookies
    token = accounts.new_token(world.engine, "other-county", "x")
    assert c.get("/api/week", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_session_cookie_flags(app: Any, world: World) -> None:
    c = client(app)
    token = _login_token(c)
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf": token})
    cookie = r.headers["set-cookie"]
    assert "dispatch_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = c.get("/")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    missing = c.get("/projects/NO-SUCH")
    assert missing.status_code == 404 and "<html" in missing.text  # a person gets a page, not JSON
    secure = create_app(world.config, world.engine, secure_cookies=True)
    c2 = TestClient(secure, follow_redirects=False, base_url="https://testserver")
    token = _login_token(c2)
    r = c2.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf": token})
    assert "Secure" in r.headers["set-cookie"]


# -- the report: one core, two doors ------------------------------------------------------------------


def _stored(world: World, unit: str, week: str) -> list[tuple[Any, ...]]:
    from scheduler.store.db import reading

    wr, rr = weekly_reports.c, report_rows.c
    rt = report_rows
    with reading(world.engine) as conn:
        return [tuple(r) for r in conn.execute(
            select(wr.version, rr.project_id, rr.item_kind, rr.item_id, rr.actual_start, rr.actual_finish,
                   rr.percent, rr.investment_week, rr.factor_status, rr.expected, rr.blocker)
            .join(rt, rr.report_id == wr.id).where(wr.unit == unit, wr.week == week)
            .order_by(wr.version, rr.seq))]


def _form_fields(page: str) -> dict[str, str]:
    """What a browser posts from the report page: every input's and select's current value."""
    out = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input [^>]*name="([^"]+)" value="([^"]*)"',
                                                                      page)}
    for name, body in re.findall(r'<select name="([^"]+)">(.*?)</select>', page, re.S):
        m = re.search(r"<option selected>([^<]*)</option>", body)
        out[html.unescape(name)] = html.unescape(m.group(1)) if m else ""
    return out


def test_report_form_and_upload_take_the_same_path(app: Any, world: World) -> None:
    c, csrf = sign_in(app, world.users["unit"])
    week = "2026-W48"
    page = c.get("/report", params={"week": week}).text
    names = re.findall(r'name="(m\|[^"]+\|percent)"', page)
    assert names, "the form lists the unit's milestones"
    posted = {**_form_fields(page), "csrf": csrf}
    field = next(n for n in names if not posted[n.replace("percent", "actual_finish")])  # not finished
    start_field = field.replace("percent", "actual_start")
    start = posted[start_field] or "2026-11-23"  # started this week if it had not
    posted[start_field] = start
    _, pid, mid, _ = field.split("|")
    new = round((float(posted[field] or 0) + 100) / 2, 1)  # forward: a percent going back is left out
    assert posted["week"] == week
    r = c.post("/report", data={**posted, field: "120"})
    assert r.status_code == 400
    assert "节点进度" in r.text and "120" in r.text  # the cell the sheet would name, the rule
    assert _stored(world, UNIT, week) == []
    r = c.post("/report", data={**posted, field: str(new)})
    assert r.status_code == 303 and "stored=1" in r.headers["location"], re.findall(r'role="alert">([^<]*)', r.text)
    rows = _stored(world, UNIT, week)
    assert next(x for x in rows if x[3] == mid)[6] == new
    r = c.post("/report", data={**posted, field: str(new)})
    assert "stored=1" in r.headers["location"]  # the same values again: no new version
    # the same values through the filled template: the same rows, as version 2 (another digest)
    wb = load_workbook(io.BytesIO(workplace.template_bytes(world.engine, UNIT, week)[1]))
    ws = wb["节点进度"]
    for row in range(4, ws.max_row + 1):
        if ws.cell(row, 1).value == pid and ws.cell(row, 3).value == mid:
            ws.cell(row, 7).value = dt.date.fromisoformat(start)
            ws.cell(row, 9).value = new
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post("/report/upload", data={"csrf": csrf}, files={"file": ("交通运输局.xlsx", buf.getvalue())})
    assert r.status_code == 303 and "stored=2" in r.headers["location"], r.text[:500]
    rows = _stored(world, UNIT, week)
    v1 = [x[1:] for x in rows if x[0] == 1]
    v2 = [x[1:] for x in rows if x[0] == 2]
    assert v1 == v2
    # another unit's item typed into the form (a tampered page) is refused by the ingest's own check
    r = c.post("/report", data={"csrf": csrf, "week": week, f"p|{FOREIGN_PROJECT}||investment_week": "9"})
    assert r.status_code == 400 and "not-responsible" in r.text
    # another unit's sheet uploaded: 403, nothing stored
    theirs = _stored(world, OTHER_UNIT, workplace.report_week(world.config))
    r = c.post("/report/upload", data={"csrf": csrf},
               files={"file": ("t.xlsx", _template_for(world, OTHER_UNIT))})
    assert r.status_code == 403
    assert _stored(world, OTHER_UNIT, workplace.report_week(world.config)) == theirs
    with world.engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(audit_log).where(audit_log.c.action == "report.store"))
    assert n and n >= 3


def test_upload_is_bounded(app: Any, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import scheduler.web.app as web_app

    monkeypatch.setattr(web_app, "MAX_UPLOAD", 1000)
    c, csrf = sign_in(app, world.users["unit"])
    r = c.post("/report/upload", data={"csrf": csrf}, files={"file": ("big.xlsx", b"x" * 5000)})
    assert r.status_code == 413


# -- answering, deciding, the API ----------------------------------------------------------------------


def _alert(r: Any) -> str:
    """The refusal a page shows (error.html, the form's alert)."""
    return html.unescape(re.findall(r'role="alert">([^<]*)', r.text)[0])


def test_unit_answers_and_office_closes(app: Any, world: World) -> None:
    problem = first_problem(world, UNIT).id
    c, csrf = sign_in(app, world.users["unit"])
    r = c.post(f"/answer/{problem}", data={"csrf": csrf, "situation": "已上报省厅", "measures": "每周对接",
                                          "promised": "2026-12-20"})
    assert r.status_code == 303
    page = c.get(f"/problem/{problem}").text
    assert "已上报省厅" in page and "（承诺完成时间 2026年12月20日）" in page  # said as the brief writes dates
    assert 'name="promised" value="2026-12-20"' in page  # ... the date input keeps the ISO value browsers need
    r = c.post(f"/answer/{problem}", data={"csrf": csrf, "situation": "已上报省厅", "promised": "2026-13-45"})
    assert r.status_code == 400 and _alert(r) == ("日期有误［bad-date］：promised = '2026-13-45' 不是日期"
                                                  "（应为 YYYY-MM-DD）")  # the config's language (zh)
    r = c.post(f"/decide/{problem}", data={"csrf": csrf, "action": "close", "reason": "自己销号"})
    assert r.status_code == 403 and _alert(r) == "403: 只有调度办公室可以进行此操作（当前账号的角色不能）"
    o, ocsrf = sign_in(app, world.users["office"])
    r = o.post(f"/decide/{problem}", data={"csrf": ocsrf, "action": "close", "reason": ""})
    assert r.status_code == 400 and "销号须说明理由" in _alert(r)  # a decision needs its reason
    r = o.post(f"/decide/{problem}", data={"csrf": ocsrf, "action": "close", "reason": "已批复"})
    assert r.status_code == 303
    r = o.post(f"/decide/{problem}", data={"csrf": ocsrf, "action": "close", "reason": "再次销号"})
    assert r.status_code == 400 and "已于 " in _alert(r) and "请先重新打开" in _alert(r), _alert(r)
    r = o.post("/users", data={"csrf": ocsrf, "username": "boss", "password": "long enough 1", "role": "boss"})
    assert r.status_code == 400 and _alert(r).startswith("角色有误［bad-role］：角色 'boss' 不是 office（办公室）")
    got = next(p for p in o.get("/api/problems").json()["problems"] if p["id"] == problem)
    assert got["status"] == "closed" and got["closed"]["reason"] == "已批复"
    history = o.get(f"/problem/{problem}").text  # its history says what was done in words, not action codes
    assert "<td>单位答复</td>" in history and "<td>销号</td>" in history
    assert "<td>answer</td>" not in history and "<td>close</td>" not in history
    assert "<td>销号</td>" in o.get(f"/projects/{problem.split('/')[0]}").text
    audit = o.get("/audit").text
    assert "<td>问题：单位答复</td>" in audit and "<td>问题：销号</td>" in audit  # the action in words
    assert "<td>登录</td>" in audit and "<td>新建账号</td>" in audit
    assert "problem.answer" not in audit and "problem.close" not in audit and "<td>login</td>" not in audit
    assert f"{world.users['office']}（办公室）" in audit and "（office）" not in audit  # the role in words


def test_api_token_for_a_machine_client(app: Any, world: World) -> None:
    token = accounts.new_token(world.engine, "viewer", "省平台")
    c = client(app)
    r = c.get("/api/week", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    body = r.json()
    assert body["week"] == "2026-W48" and len(body["projects"]) == 10
    assert {p["light"] for p in body["projects"]} <= {"red", "yellow", "green"}
    assert c.get("/api/week", headers={"Authorization": "Bearer dsp_wrong"}).status_code == 401
    spec = c.get("/openapi.json").json()
    assert {"/api/week", "/api/problems", "/api/projects/{pid}"} <= set(spec["paths"])
    accounts.set_disabled(world.engine, "viewer", True)
    try:
        assert c.get("/api/week", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        accounts.set_disabled(world.engine, "viewer", False)


def test_office_runs_the_week_and_downloads(app: Any, world: World) -> None:
    c, csrf = sign_in(app, world.users["office"])
    r = c.post("/week/run", data={"csrf": csrf, "data_date": "2026-11-23"})
    assert r.status_code == 303 and "ran=2026-W48" in r.headers["location"]
    r = c.get("/download/findings")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = c.get("/download/brief")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
    lc, _ = sign_in(app, world.users["leader"])
    assert lc.get("/download/findings").status_code == 403
    uc, _ = sign_in(app, world.users["unit"])
    r = uc.get("/report/template")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert uc.get("/report/template", params={"unit": OTHER_UNIT}).status_code == 403


def test_user_commands(tmp_path: Path, world: World) -> None:
    from click.testing import CliRunner

    from scheduler.cli import cli

    cfg = world.config.path
    assert cfg is not None
    run = CliRunner().invoke
    r = run(cli, ["--config", str(cfg), "user", "add", "clerk2", "--role", "unit", "--unit", UNIT,
                  "--password", "a good password"])
    assert r.exit_code == 0, r.output
    r = run(cli, ["--config", str(cfg), "user", "add", "clerk3", "--role", "unit", "--password", "a good password"])
    assert r.exit_code == 2 and "unit-required" in r.output
    r = run(cli, ["--config", str(cfg), "user", "add", "short", "--role", "viewer", "--password", "short"])
    assert r.exit_code == 2 and "weak-password" in r.output
    assert accounts.sign_in(world.engine, "clerk2", "a good password").account.unit == UNIT
    r = run(cli, ["--config", str(cfg), "user", "passwd", "clerk2", "--password", "another password"])
    assert r.exit_code == 0
    with pytest.raises(Exception, match="bad-login"):
        accounts.sign_in(world.engine, "clerk2", "a good password")
    r = run(cli, ["--config", str(cfg), "user", "disable", "clerk2"])
    assert r.exit_code == 0
    with pytest.raises(Exception, match="bad-login"):
        accounts.sign_in(world.engine, "clerk2", "another password")


def test_report_form_takes_funds_and_statistics_through_the_sheets_path(app: Any, world: World) -> None:
    """The form lists the unit's fund sources and its projects' stage and 纳统, as its sheet does;
    what is typed is read as those cells are: a bad amount or paid past received is refused naming
    the sheet, cell and rule (nothing stored), good values are stored as the sheet's rows."""
    from scheduler.store.reports import load_reports

    c, csrf = sign_in(app, world.users["unit"])
    week = "2026-W50"  # a week no other test reports
    page = c.get("/report", params={"week": week}).text
    posted = {**_form_fields(page), "csrf": csrf}
    paid, stage, date = "z|XG-BRIDGE|F-SPECIAL|paid_week", "s|XG-BRIDGE||stage", "s|XG-BRIDGE||statistics_date"
    assert posted[paid] == "" and posted[stage] == "续建" and posted[date] == "2025-09-25"
    assert "资金支付" in page and "项目阶段与纳统" in page
    for value, rule in (("-5", "-5 不能为负数"),
                        ("5000", "资金来源 F-SPECIAL：支付 22000 超过到位 20000（支付不能超过到位）")):
        r = c.post("/report", data={**posted, paid: value})
        assert r.status_code == 400
        shown = html.unescape(re.findall(r'role="alert">([^<]*)', r.text)[0])  # in the config's language (zh)
        assert "[资金支付!K" in shown and "项目 XG-BRIDGE" in shown and rule in shown, shown
        assert _stored(world, UNIT, week) == []
    r = c.post("/report", data={**posted, paid: "800", stage: "竣工"})
    assert r.status_code == 303 and "stored=1" in r.headers["location"], re.findall(r'role="alert">([^<]*)', r.text)
    (rep,) = [x for x in load_reports(world.engine, week_max=week, portfolio=world.config.portfolio)
              if x.unit == UNIT and x.week == week]
    rows = {(x.item_kind, x.item_id): x for x in rep.rows}
    assert rows[("fund", "F-SPECIAL")].paid_week == 800
    assert str(rows[("statistics", "XG-BRIDGE")].stage) == "竣工"


def test_problem_pages_say_what_is_wrong_in_the_calendars_days(app: Any, world: World) -> None:
    """Each found problem's line on the web is the one `dispatch problems` and the digests print:
    沿江大道 is on the construction calendar (144 days: its baseline finish 07-02 to 11-23, every day
    worked), 金龙园 on the office calendar (working days)."""
    o, _ = sign_in(app, world.users["office"])
    m06 = "征地拆迁（摸底调查、预征收补偿协议签订及交地）（M06）滞后144天"
    listed = o.get("/problems").text
    assert f'<div class="what">{m06}</div>' in listed
    assert re.search(r'<div class="what">[^<]*（M12）所需，已逾期\d+个工作日；', listed)  # JINLONG-PARK's F3
    assert f'<p class="what">{m06}</p>' in o.get("/problem/YJ-AVENUE/milestone/M06").text
    assert f'<div class="what">{m06}</div>' in o.get("/projects/YJ-AVENUE").text


def test_pages_name_the_week_as_the_brief_does(app: Any, world: World) -> None:
    """The week page and the problem list say 2026年第48周（11月23日至29日）, not the bare ISO code; a
    week typed by hand into a query that is no ISO week is shown as it came (no error page)."""
    c, _ = sign_in(app, world.users["office"])
    page = c.get("/").text
    assert "<h1>2026年第48周（11月23日至29日）周调度（数据日期 2026年11月23日）</h1>" in page
    assert "（2026年第48周）</h2>" in page
    problems = c.get("/problems").text
    assert "（2026年第48周）</h1>" in problems
    assert not re.search(r">[^<]*\d{4}-W\d{2}[^<]*<", page + problems)
    assert "已完成2026年第48周（11月23日至29日）调度。" in c.get("/?ran=2026-W48").text
    assert "已完成x-W99调度。" in c.get("/?ran=x-W99").text


@pytest.mark.parametrize(("code", "lang", "said"), [
    ("problem.close", "zh", "问题：销号"), ("problem.close", "en", "problem closed"),
    ("user.add", "zh", "新建账号"), ("user.add", "en", "account added"), ("week.run", "zh", "运行周调度"),
    ("report.store", "en", "weekly report stored"), ("problem.someday", "zh", "problem.someday"),
    ("something.new", "en", "something.new"),
])
def test_audit_actions_are_said_in_words(code: str, lang: str, said: str) -> None:
    """The audit page's action column: words from strings.py; a code with no label as stored."""
    from scheduler.web.app import _audit_action

    assert _audit_action(code, lang) == said


def test_pages_write_dates_as_the_brief_does_and_keep_iso_in_date_inputs(app: Any, world: World) -> None:
    """Dates a person reads on the pages (week, project, problem list, reports, the audit's times) are
    2026年12月22日, never ISO (the audit's stored detail is shown as stored); an <input type=date>
    keeps its ISO value."""
    o, _ = sign_in(app, world.users["office"])
    pages = {url: o.get(url).text for url in ("/", "/projects/YJ-AVENUE", "/problems", "/reports", "/audit")}
    iso = re.compile(r">[^<]*\d{4}-\d{2}-\d{2}[^<]*<")
    for url, page in pages.items():
        page = re.sub(r" \{.*?\}</td>", "</td>", page) if url == "/audit" else page  # its detail: as stored
        assert not iso.search(page), (url, iso.search(page))
    assert re.search(r"<td>20\d\d年\d{1,2}月\d{1,2}日</td>", pages["/projects/YJ-AVENUE"])  # its milestones' dates
    assert re.search(r"<td>2026年11月\d{1,2}日 \d\d:\d\d:\d\d</td>", pages["/audit"])
    u, _ = sign_in(app, world.users["unit"])
    form = u.get("/report", params={"week": "2026-W50"}).text
    dates = re.findall(r'<input type="date" name="([^"]+)" value="([^"]*)"', form)
    filled = [v for _, v in dates if v]
    assert filled and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in filled), dates


@pytest.mark.parametrize(("d", "lang", "ref", "said"), [
    (dt.date(2026, 12, 22), "zh", None, "2026年12月22日"),
    (dt.date(2026, 12, 22), "zh", dt.date(2026, 11, 23), "12月22日"),
    (dt.datetime(2027, 1, 5, 9, 30), "zh", dt.date(2026, 11, 23), "2027年1月5日"),
    (dt.date(2026, 12, 22), "en", None, "2026-12-22"), (None, "zh", None, ""), ("2026-W48", "zh", None, "2026-W48"),
])
def test_the_date_filter(d: object, lang: str, ref: dt.date | None, said: str) -> None:
    """The pages' `d` filter: core.dates.date_text; what is no date as it is."""
    from scheduler.web.app import _date_said

    assert _date_said(d, lang, ref) == said
