"""The web workplace (`dispatch web`): server-rendered pages (FastAPI + Jinja2, plain HTML forms, no
script needed) and a JSON API over the same use cases as the CLI (app/) and the same database.

Every route checks on the server who may see or change what (core/access.py): an object the caller
may not read is 404, an action its role may not take is 403, and nothing changes. Every form carries
the session's CSRF token; every change is written to the audit log in its own transaction."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.app import accounts, workplace
from scheduler.core.access import (
    Account,
    ProjectAccess,
    Role,
    can_answer_problem,
    can_read_problem,
    can_read_project,
    can_report_for,
    readable,
)
from scheduler.core.dates import date_text, moment_text, week_text
from scheduler.core.findings import Light, week_monday
from scheduler.core.problems import Action, Problem, ProblemKind, ProblemStatus
from scheduler.core.reports import PROJECT_LEVEL
from scheduler.errors import DispatchError, NotFound, shown
from scheduler.io.config import Config
from scheduler.store.problems import ProblemLight
from scheduler.strings import STRINGS, error_detail, error_message, t, web_refusal
from scheduler.web.auth import (
    COOKIE,
    LOGIN_COOKIE,
    Caller,
    SignInRequired,
    Writer,
    address_of,
    caller,
    check_login_csrf,
    login_csrf,
    writer,
)

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 10 * 1024 * 1024
"""The largest report workbook accepted (a unit's sheet is tens of kilobytes)."""
DECISIONS = {a.value: a for a in (Action.CLOSE, Action.EXEMPT, Action.ESCALATE, Action.REOPEN, Action.UNEXEMPT,
                                  Action.DECIDE)}
KIND_PREFIX = {"milestone": "m", "factor": "f", "project": "p", "fund": "z", "quantity": "q", "statistics": "s"}
"""A form field's name is PREFIX|project|item|field (item blank for project-level rows)."""
PREFIX_KIND = {v: k for k, v in KIND_PREFIX.items()}
CSP = ("default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")
"""Pages run no script: a script injected into a page would not run either."""
HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
           ("Referrer-Policy", "same-origin"))
CACHED = frozenset({"/static/style.css", "/static/cjk.otf"})
"""The only responses a browser may keep (their own Cache-Control); every other one is no-store."""
RED_LISTED = 30
"""The open red problems the week page lists (the rest: /problems)."""
_FIELD = re.compile(r"^([mfpzqs])\|([^|]+)\|([^|]*)\|([a-z_]+)$")

CallerDep = Annotated[Caller, Depends(caller)]
WriterDep = Annotated[Writer, Depends(writer)]


def create_app(config: Config, engine: Engine, *, secure_cookies: bool = False) -> FastAPI:
    """The workplace on `engine` with `config` (language, units, calendars, outbox). With
    `secure_cookies` the session cookie is sent over HTTPS only (behind a TLS reverse proxy)."""
    app = FastAPI(title="dispatch web workplace (重大项目周调度工作台)", docs_url=None, redoc_url=None,
                  description="Pages for people and a JSON API (under /api, bearer token) for machine clients "
                              "such as the provincial platform: the week's lights and problems.")
    app.state.engine = engine
    app.state.config = config
    lang = config.language
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(t=lambda key, **kw: t(key, lang, **kw), lang=lang)
    templates.env.filters["d"] = lambda d, ref=None: _date_said(d, lang, ref)  # 2026年12月22日 (as of ref: 12月22日)
    templates.env.filters["moment"] = lambda w: moment_text(w, lang) if isinstance(w, dt.datetime) else ""
    templates.env.filters["iso"] = lambda d: d.isoformat() if isinstance(d, dt.date) else ("" if d is None else d)
    templates.env.filters["light"] = lambda x: t(f"light.{Light(x).value}", lang) if x else ""
    templates.env.filters["action"] = lambda x: t(f"problem.action.{Action(x).value}", lang)
    templates.env.filters["audit"] = lambda x: _audit_action(x, lang)
    templates.env.filters["week"] = lambda w: _week(w, lang)
    templates.env.filters["wk"] = lambda w: _week(w, lang, dates=False)  # in a table or in brackets

    def page(request: Request, name: str, c: Caller | None, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.update(request=request, me=c.account if c else None, csrf=c.csrf if c else "")
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    # -- errors and headers ----------------------------------------------------------------------------

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": e.status_code, "message": e.detail}, e.status_code,
                                headers=getattr(e, "headers", None))
        return templates.TemplateResponse(request, "error.html", {"request": request, "me": None, "csrf": "",
                                                                  "message": f"{e.status_code}: "
                                                                             f"{web_refusal(str(e.detail), lang)}"},
                                          status_code=e.status_code, headers=getattr(e, "headers", None))

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _e: SignInRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "sign-in-required"}, 401, headers={"WWW-Authenticate": "Bearer"})
        return RedirectResponse("/login", 303)

    @app.exception_handler(DispatchError)
    async def _refused(request: Request, e: DispatchError) -> Response:
        status = 404 if isinstance(e, NotFound) else 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": e.kind, "message": e.format()}, status)
        return templates.TemplateResponse(request, "error.html", {"request": request, "me": None, "csrf": "",
                                                                  "message": error_message(e, lang)},
                                          status_code=status)

    # -- helpers -----------------------------------------------------------------------------------

    pf = config.portfolio  # the one portfolio (county) this server serves

    def access() -> dict[str, ProjectAccess]:
        return workplace.project_access(engine, pf)

    def visible(a: Account) -> frozenset[str] | None:
        """The project ids `a` reads (None: all of them)."""
        return None if a.sees_all else frozenset(readable(a, list(access().values())))

    def project_or_404(a: Account, pid: str) -> ProjectAccess:
        p = access().get(pid)
        if p is None or not can_read_project(a, p):
            raise HTTPException(404, "no such project")
        return p

    def problem_or_404(a: Account, problem_id: str) -> Problem:
        from scheduler.store.db import reading
        from scheduler.store.problems import get_problem

        try:
            with reading(engine) as conn:
                p = get_problem(conn, problem_id)
        except NotFound:
            raise HTTPException(404, "no such problem") from None
        project = access().get(p.project)  # None: another portfolio's
        if project is None or not can_read_problem(a, p.unit, project):
            raise HTTPException(404, "no such problem")
        return p

    def office_only(a: Account) -> None:
        if not a.office:
            raise HTTPException(403, "only the dispatch office (办公室) may do this")

    def week_problems(a: Account, week: str | None = None, project: str | None = None) -> tuple[str, list[Problem]]:
        from scheduler.store.db import reading
        from scheduler.store.problems import problems_of_week

        try:
            with reading(engine) as conn:
                wk, found = problems_of_week(conn, week, unit=a.unit if a.role is Role.UNIT else None,
                                             project=project, portfolio=pf)
        except NotFound:
            return week or "", []
        acc = access()
        return wk, [p for p in found if can_read_problem(a, p.unit, acc.get(p.project))]

    def lines(problems: Sequence[Problem]) -> dict[str, str]:
        """Each found problem in one line, by id, as `dispatch problems` and the digests say it
        (core.phrases.problem_line, with the names of what it mentions): days in 天 on the
        construction calendar, a missed deadline's fact, dates as of the week it was last found. A
        problem raised by hand has its own words."""
        from scheduler.core.phrases import mentioned, problem_line
        from scheduler.store.alerts import names_for
        from scheduler.store.db import reading

        found = [p for p in problems if p.kind is not ProblemKind.MANUAL]
        if not found:
            return {}
        with reading(engine) as conn:
            names = names_for(conn, mentioned(found))  # type: ignore[arg-type]
        return {p.id: problem_line(p, names, lang, week_monday(p.last_seen) if p.last_seen else None) for p in found}

    def problems_doc(week: str, problems: list[Problem]) -> dict[str, Any]:
        """The stable JSON of a problem list (app/problems.problems_json), stale marks included."""
        from scheduler.app.problems import problems_json, stale_marks
        from scheduler.store.db import reading

        with reading(engine) as conn:
            stale = stale_marks(conn, week, problems, pf) if week and problems else {}
        return problems_json(week, problems, stale)

    def week_glance(a: Account) -> tuple[str, list[ProblemLight], list[Problem]]:
        """The latest week's problems `a` reads, as lights to count, and in full the open red ones
        the week page lists (the first RED_LISTED): one light query, not the whole list."""
        from scheduler.store.db import reading
        from scheduler.store.problems import problems_of_week, week_lights

        acc = access()
        try:
            with reading(engine) as conn:
                wk, lights = week_lights(conn, unit=a.unit if a.role is Role.UNIT else None, portfolio=pf)
                if not (a.sees_all or a.role is Role.UNIT):  # a unit's own are already all it reads
                    lights = [x for x in lights if can_read_problem(a, x.unit, acc.get(x.project))]
                shown = [x.id for x in lights if x.light is Light.RED and x.status is not ProblemStatus.CLOSED]
                reds = problems_of_week(conn, wk, ids=shown[:RED_LISTED], portfolio=pf)[1] if shown else []
        except NotFound:
            return "", [], []
        return wk, lights, reds

    def narrowed(a: Account) -> Any:
        from scheduler.outputs.view import narrow

        got = workplace.week_view(engine, config)
        if got is None:
            return None
        view = got[0]
        keep = visible(a)
        return view if keep is None else narrow(view, set(keep))

    # -- signing in --------------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> Response:
        token = login_csrf(request)
        resp = page(request, "login.html", None, login_token=token)
        resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies)
        return resp

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form(max_fields=10)
        check_login_csrf(request, form)
        name, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
        from starlette.concurrency import run_in_threadpool

        try:
            signed = await run_in_threadpool(accounts.sign_in, engine, name, password, address_of(request), None,
                                             pf)
        except accounts.Throttled as e:
            return page(request, "login.html", None, 429, login_token=login_csrf(request),
                        error=error_detail(e, lang))
        except DispatchError as e:  # the detail alone: the page is the sign-in's
            return page(request, "login.html", None, 401, login_token=login_csrf(request),
                        error=error_detail(e, lang))
        resp = RedirectResponse("/", 303)
        resp.set_cookie(COOKIE, signed.token, max_age=accounts.SESSION_HOURS * 3600, httponly=True,
                        samesite="lax", secure=secure_cookies)
        resp.delete_cookie(LOGIN_COOKIE)
        return resp

    @app.post("/logout", include_in_schema=False)
    def logout(w: WriterDep) -> Response:
        if w.caller.token:
            accounts.sign_out(engine, w.caller.token)
            workplace.audited(engine, w.account, "logout", w.account.username, {}, w.caller.address)
        resp = RedirectResponse("/login", 303)
        resp.delete_cookie(COOKIE)
        return resp

    # -- static ------------------------------------------------------------------------------------

    @app.get("/static/style.css", include_in_schema=False)
    def style() -> Response:
        return FileResponse(HERE / "static" / "style.css", media_type="text/css",
                            headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/cjk.otf", include_in_schema=False)
    def cjk_font() -> Response:
        from scheduler.outputs.fonts import cjk_font_path

        return FileResponse(cjk_font_path(), media_type="font/otf", headers={"Cache-Control": "max-age=604800"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # -- the week ------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def week_page(request: Request, c: CallerDep) -> Response:
        a = c.account
        view = narrowed(a)
        wk, problems, reds = week_glance(a)
        by_unit: dict[str, dict[str, int]] = {}
        for p in problems:
            if p.status is ProblemStatus.CLOSED:
                continue
            row = by_unit.setdefault(p.unit, {"red": 0, "yellow": 0, "green": 0, "total": 0})
            row[p.light.value] = row.get(p.light.value, 0) + 1
            row["total"] += 1
        wk_report = workplace.report_week(config)
        status = workplace.reporting(engine, config, wk_report)
        units = list(status.units)
        if a.role is Role.UNIT:
            units = [u for u in units if u.unit == a.unit]
        elif not a.sees_all:
            keep = visible(a) or frozenset()
            acc = access()
            units = [u for u in units if any(u.unit in acc[pid].units for pid in keep if pid in acc)]
        return page(request, "week.html", c, view=view, problem_week=wk, by_unit=sorted(by_unit.items()),
                    report_week=wk_report, missing=[u.unit for u in units if u.status == "missing" and u.expected],
                    late=[u.unit for u in units if u.status == "late"],
                    reported=[u for u in units if u.status != "missing"], n_problems=len(problems), reds=reds,
                    lines=lines(reds))

    @app.get("/gantt.svg", include_in_schema=False)
    def portfolio_gantt(c: CallerDep) -> Response:
        svg = workplace.portfolio_svg(engine, config, visible(c.account))
        if svg is None:
            raise HTTPException(404, "no weekly run yet")
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})

    @app.get("/projects/{pid}", response_class=HTMLResponse, include_in_schema=False)
    def project_page(request: Request, pid: str, c: CallerDep) -> Response:
        a = c.account
        project_or_404(a, pid)
        view = narrowed(a)
        pv = next((p for p in view.projects if p.id == pid), None) if view is not None else None
        factors = workplace.project_factors(engine, pid, workplace.report_week(config), pf)
        if a.role is Role.UNIT:
            factors = [f for f in factors if f[1] == a.unit]
        _wk, problems = week_problems(a, project=pid)
        history = workplace.project_events(engine, pid, {p.id for p in problems} if a.role is Role.UNIT else None,
                                           portfolio=pf)
        return page(request, "project.html", c, pid=pid, p=pv, factors=factors, problems=problems, history=history,
                    lines=lines(problems))

    @app.get("/projects/{pid}/gantt.svg", include_in_schema=False)
    def project_gantt(pid: str, c: CallerDep) -> Response:
        project_or_404(c.account, pid)
        svg = workplace.gantt_svg(engine, config, pid)
        if svg is None:
            raise HTTPException(404, "no weekly run of this project yet")
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})

    # -- problems ------------------------------------------------------------------------------------

    @app.get("/problems", response_class=HTMLResponse, include_in_schema=False)
    def problems_page(request: Request, c: CallerDep, week: str | None = None) -> Response:
        wk, problems = week_problems(c.account, week)
        return page(request, "problems.html", c, problem_week=wk, problems=problems, lines=lines(problems))

    @app.get("/problem/{problem_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def problem_page(request: Request, problem_id: str, c: CallerDep) -> Response:
        from scheduler.store.db import reading
        from scheduler.store.problems import history

        a = c.account
        p = problem_or_404(a, problem_id)
        with reading(engine) as conn:
            weeks, events, answers = history(conn, problem_id)
        line = lines(weeks[-1:]).get(problem_id, "")  # as its latest week's run found it
        return page(request, "problem.html", c, p=p, weeks=weeks, events=events, answers=answers,
                    can_answer=can_answer_problem(a, p.unit), decisions=list(DECISIONS), line=line)

    @app.post("/answer/{problem_id:path}", include_in_schema=False)
    def answer(request: Request, problem_id: str, w: WriterDep) -> Response:
        a = w.account
        p = problem_or_404(a, problem_id)
        if not can_answer_problem(a, p.unit):
            raise HTTPException(403, "only the responsible unit answers this problem")
        promised = _date(w.get("promised"), "promised")
        workplace.answer_problem(engine, a, problem_id, unit=p.unit, situation=w.get("situation"),
                                 measures=w.get("measures"), promised=promised, address=w.caller.address)
        return RedirectResponse(f"/problem/{problem_id}?answered=1", 303)

    @app.post("/decide/{problem_id:path}", include_in_schema=False)
    def decide(problem_id: str, w: WriterDep) -> Response:
        a = w.account
        problem_or_404(a, problem_id)
        office_only(a)
        action = DECISIONS.get(w.get("action"))
        if action is None:
            raise HTTPException(400, "unknown decision")
        workplace.decide_problem(engine, a, problem_id, action, reason=w.get("reason"), matters=w.get("matters"),
                                 proposal=w.get("proposal"), address=w.caller.address)
        return RedirectResponse(f"/problem/{problem_id}?decided={action.value}", 303)

    # -- reports -------------------------------------------------------------------------------------

    def report_unit(a: Account, unit: str | None) -> str:
        if a.role is Role.UNIT:
            if unit and unit != a.unit:
                raise HTTPException(403, "a unit reports for itself only")
            assert a.unit is not None
            return a.unit
        if not a.office:
            raise HTTPException(403, "only units and the office submit reports")
        if not unit:
            raise HTTPException(400, "choose the unit (?unit=…)")
        return unit

    def report_week(week: str | None) -> str:
        from scheduler.io.reports import normalize_week

        return normalize_week(week) if week else workplace.report_week(config)

    @app.get("/report", response_class=HTMLResponse, include_in_schema=False)
    def report_page(request: Request, c: CallerDep, unit: str | None = None, week: str | None = None,
                    stored: int | None = None) -> Response:
        a = c.account
        if a.office and not unit:
            wk = report_week(week)
            status = workplace.reporting(engine, config, wk)
            return page(request, "report_units.html", c, units=[u.unit for u in status.units], week=wk)
        u, wk = report_unit(a, unit), report_week(week)
        return page(request, "report.html", c, unit=u, week=wk, rows=_form_rows(engine, u, wk, pf), values={},
                    stored=stored, done=workplace.reported(engine, wk, u, pf))

    @app.post("/report", response_class=HTMLResponse, include_in_schema=False)
    def submit_report(request: Request, w: WriterDep) -> Response:
        from scheduler.app.ingest import ingest_form

        a = w.account
        u, wk = report_unit(a, w.get("unit") or None), report_week(w.get("week") or None)
        rows = _form_rows(engine, u, wk, pf)
        entries = _entries(rows, w.form)
        try:
            r = ingest_form(engine, u, wk, entries, source=t("web.form_source", lang), units=config.units or None,
                            rules=config.reporting, timezone=config.timezone, portfolio=pf,
                            after=_audit_report(a, w.caller.address))
        except DispatchError as e:
            values = {k: v for k, v in w.form.items() if isinstance(v, str)}
            return page(request, "report.html", w.caller, 400, unit=u, week=wk, rows=rows, values=values,
                        error=error_message(e, lang), done=workplace.reported(engine, wk, u, pf))
        return RedirectResponse(f"/report?unit={_q(u)}&week={wk}&stored={r.version}", 303)

    @app.post("/report/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_report(request: Request, w: WriterDep) -> Response:
        from scheduler.app.ingest import store_parsed
        from scheduler.io.reports import parse_report

        a = w.account
        if not (a.office or a.role is Role.UNIT):
            raise HTTPException(403, "only units and the office submit reports")
        up = w.form.get("file")
        if up is None or isinstance(up, str):
            raise HTTPException(400, "choose the filled .xlsx file")
        data = up.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise HTTPException(413, f"a report workbook is at most {MAX_UPLOAD // 1024 // 1024} MB")
        name = re.sub(r'[\\/:*?"<>|\s]+', "_", Path(up.filename or "report.xlsx").name) or "report.xlsx"
        with tempfile.TemporaryDirectory(prefix="dispatch-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            try:
                parsed = parse_report(path)
                if not can_report_for(a, parsed.unit):
                    raise HTTPException(403, "a unit reports for itself only")
                r = store_parsed(engine, parsed, units=config.units or None, rules=config.reporting,
                                 timezone=config.timezone, portfolio=pf, after=_audit_report(a, w.caller.address))
            except DispatchError as e:
                return page(request, "error.html", w.caller, 400, message=error_message(e, lang))
        return RedirectResponse(f"/report?unit={_q(r.unit)}&week={r.week}&stored={r.version}", 303)

    @app.get("/report/template", include_in_schema=False)
    def template(c: CallerDep, unit: str | None = None, week: str | None = None) -> Response:
        u, wk = report_unit(c.account, unit), report_week(week)
        name, data = workplace.template_bytes(engine, u, wk, pf)
        return _attachment(data, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/reports", response_class=HTMLResponse, include_in_schema=False)
    def reports_page(request: Request, c: CallerDep) -> Response:
        a = c.account
        if not (a.office or a.role in (Role.UNIT, Role.VIEWER)):
            raise HTTPException(403, "reports are the units' and the office's")
        versions = workplace.report_versions(engine, a.unit if a.role is Role.UNIT else None, portfolio=pf)
        return page(request, "reports.html", c, versions=versions)

    # -- the office ----------------------------------------------------------------------------------

    @app.post("/week/run", include_in_schema=False)
    def run(w: WriterDep) -> Response:
        office_only(w.account)
        result = workplace.run_week(engine, config, w.account, _date(w.get("data_date"), "data_date"),
                                    w.caller.address)
        return RedirectResponse(f"/?ran={result.week}", 303)

    @app.get("/download/{what}", include_in_schema=False)
    def download(what: str, c: CallerDep) -> Response:
        a = c.account
        if what not in workplace.DOWNLOADS:
            raise HTTPException(404, "no such document")
        leader: str | None = None
        keep: frozenset[str] | None = None
        if not a.sees_all:
            if a.role is not Role.LEADER or what == "findings":
                raise HTTPException(403, "the week's documents are the office's")
            leader, keep = a.leader, visible(a)
        got = workplace.download(engine, config, what, leader=leader if what != "annex" else None,
                                 project_ids=keep if what == "annex" else None)
        if got is None:
            raise HTTPException(404, "no weekly run yet")
        name, data = got
        media = {".pdf": "application/pdf", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml"
                 ".sheet", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        return _attachment(data, name, media[Path(name).suffix])

    @app.get("/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, c: CallerDep) -> Response:
        from scheduler.store.db import reading
        from scheduler.store.users import list_users

        office_only(c.account)
        with reading(engine) as conn:
            found = list_users(conn, pf)
        return page(request, "users.html", c, users=found, roles=[r.value for r in Role])

    @app.post("/users", include_in_schema=False)
    def add_user(w: WriterDep) -> Response:
        office_only(w.account)
        projects = [x for x in re.split(r"[\s,，、]+", w.get("projects")) if x]
        accounts.add_user(engine, w.get("username"), str(w.form.get("password") or ""), w.get("role"),
                          by=w.account, display_name=w.get("display_name"), unit=w.get("unit") or None,
                          leader=w.get("leader") or None, projects=projects, address=w.caller.address,
                          portfolio=pf)
        return RedirectResponse("/users", 303)

    @app.post("/users/{username}/disable", include_in_schema=False)
    def disable_user(username: str, w: WriterDep) -> Response:
        office_only(w.account)
        accounts.set_disabled(engine, username, w.get("enable") != "1", by=w.account, address=w.caller.address)
        return RedirectResponse("/users", 303)

    @app.post("/users/{username}/passwd", include_in_schema=False)
    def passwd(username: str, w: WriterDep) -> Response:
        if not (w.account.office or w.account.username == username):
            raise HTTPException(403, "only the office changes another account's password")
        accounts.set_password(engine, username, str(w.form.get("password") or ""), by=w.account,
                              address=w.caller.address)
        return RedirectResponse("/users" if w.account.office else "/", 303)

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, c: CallerDep) -> Response:
        from scheduler.store.db import reading
        from scheduler.store.users import audit_entries

        office_only(c.account)
        with reading(engine) as conn:
            entries = audit_entries(conn)
        return page(request, "audit.html", c, entries=entries)

    # -- the JSON API ---------------------------------------------------------------------------------

    @app.get("/api/week", tags=["api"], summary="The latest week's lights and counts (the projects the caller reads)")
    def api_week(c: CallerDep) -> dict[str, Any]:
        view = narrowed(c.account)
        if view is None:
            raise HTTPException(404, "no weekly run yet")
        g = view.glance
        return {"week": view.week, "data_date": view.data_date.isoformat(),
                "glance": {"projects": g.projects, "red": g.red, "yellow": g.yellow, "green": g.green,
                           "findings": g.findings, "red_findings": g.red_findings, "escalations": g.escalations},
                "projects": [_project_json(p) for p in view.projects]}

    @app.get("/api/problems", tags=["api"], summary="A week's problem list (default: the latest)")
    def api_problems(c: CallerDep, week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{1,2}$")] = None
                     ) -> dict[str, Any]:
        wk, problems = week_problems(c.account, week)
        return problems_doc(wk, problems)

    @app.get("/api/projects/{pid}", tags=["api"], summary="One project: light, milestones, problems")
    def api_project(pid: str, c: CallerDep) -> dict[str, Any]:
        project_or_404(c.account, pid)
        view = narrowed(c.account)
        pv = next((p for p in view.projects if p.id == pid), None) if view is not None else None
        if pv is None:
            raise HTTPException(404, "no weekly run of this project yet")
        wk, problems = week_problems(c.account, project=pid)
        return {**_project_json(pv), "milestones": [
            {"id": r.key, "name": r.label, "forecast_start": r.forecast_start.isoformat(),
             "forecast_finish": r.forecast_finish.isoformat(), "percent": r.percent, "light": r.light.value,
             "critical": r.critical, "unit": r.unit,
             "baseline_finish": r.baseline_finish.isoformat() if r.baseline_finish else None}
            for r in pv.gantt.rows], "problems": problems_doc(wk, problems)["problems"]}

    return app


class SecurityHeaders:
    """The security headers on every response (and no-store on all but the static files): a plain
    ASGI middleware, as cheap as a header copy (Starlette's BaseHTTPMiddleware runs every request
    through an extra task and stream)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cached = scope["path"] in CACHED

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    headers.setdefault(name, value)
                if not cached:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def app_from_env() -> FastAPI:
    """The app of one server process among several (`dispatch web --workers N`): the configuration
    named by $DISPATCH_CONFIG and $DISPATCH_PORTFOLIO, as the CLI passed them on."""
    import os

    from scheduler.io.config import load_config
    from scheduler.store.db import open_database

    config = load_config(os.environ.get("DISPATCH_CONFIG"), portfolio=os.environ.get("DISPATCH_PORTFOLIO"))
    return create_app(config, open_database(config.database_url),
                      secure_cookies=os.environ.get("DISPATCH_SECURE_COOKIES") == "1")


# -- module helpers ------------------------------------------------------------------------------------


def _q(s: str) -> str:
    from urllib.parse import quote

    return quote(s)


def _date(v: str, name: str) -> dt.date | None:
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise DispatchError("bad-date", f"{name}: {v!r} is not a date (YYYY-MM-DD)",
                            params={"key": name, "value": shown(v)}) from None


def _attachment(data: bytes, name: str, media: str) -> Response:
    from urllib.parse import quote

    return Response(data, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _project_json(p: Any) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "light": p.light.value, "lead_unit": p.lead_unit, "leader": p.leader,
            "percent": p.percent, "forecast_finish": p.forecast_finish.isoformat() if p.forecast_finish else None,
            "baseline_finish": p.baseline_finish.isoformat() if p.baseline_finish else None,
            "variance": p.variance}


def _date_said(d: object, lang: str, ref: dt.date | None = None) -> object:
    """A date on a page as the brief writes it (core.dates.date_text; with the year unless `ref`'s);
    what is no date as it is. An <input type=date> keeps the ISO value (the `iso` filter)."""
    if isinstance(d, dt.datetime):
        d = d.date()
    return date_text(d, ref, lang) if isinstance(d, dt.date) else ("" if d is None else d)


def _audit_action(code: str, lang: str) -> str:
    """An audit log action in words (problem.close: 问题销号, user.add: 新建账号); a code with no
    label (an older or newer one) as stored."""
    kind, _, action = code.partition(".")
    if kind == "problem" and f"problem.action.{action}" in STRINGS:
        return t("audit.action.problem", lang, action=t(f"problem.action.{action}", lang))
    return t(f"audit.action.{code}", lang) if f"audit.action.{code}" in STRINGS else code


def _week(week: str | None, lang: str, *, dates: bool = True) -> str:
    """A week as the pages name it (core.dates.week_text); what is not an ISO week (a hand-typed
    query) as it came."""
    try:
        return week_text(week or "", lang, dates=dates)
    except ValueError:
        return week or ""


def _form_rows(engine: Engine, unit: str, week: str, portfolio: str) -> list[dict[str, Any]]:
    """The form's rows in the template's order: kind, ids, names, the sheet row each stands for,
    and the current values (what the template prefills)."""
    from scheduler.io.reports import FIRST_ROW

    items = workplace.form_items(engine, unit, week, portfolio)
    rows: list[dict[str, Any]] = []
    for i, (p, m) in enumerate(items.milestones):
        rows.append({"kind": "milestone", "project": p.id, "project_name": p.name, "item": m.id,
                     "name": m.name, "row": FIRST_ROW + i,
                     "values": {"actual_start": m.actual_start, "actual_finish": m.actual_finish,
                                "percent": 100.0 if m.actual_finish else m.percent}})
    for i, (p, f) in enumerate(items.factors):
        rows.append({"kind": "factor", "project": p.id, "project_name": p.name, "item": f.id,
                     "name": f.name or f.kind, "row": FIRST_ROW + i,
                     "values": {"factor_status": f.status.value, "expected": f.expected, "blocker": f.blocker}})
    for i, p in enumerate(items.investment):
        rows.append({"kind": "project", "project": p.id, "project_name": p.name, "item": p.id, "name": p.name,
                     "row": FIRST_ROW + i, "values": {"investment_week": None}})
    for i, (p, fs) in enumerate(items.funds):
        rows.append({"kind": "fund", "project": p.id, "project_name": p.name, "item": fs.id,
                     "name": fs.name or fs.kind.value, "fund_kind": fs.kind.value, "row": FIRST_ROW + i,
                     "to_date": (sum(fs.issued.values()), sum(fs.received.values()), sum(fs.paid.values())),
                     "values": {"issued_week": None, "received_week": None, "paid_week": None}})
    for i, (p, q) in enumerate(items.quantities):
        rows.append({"kind": "quantity", "project": p.id, "project_name": p.name, "item": q.id, "name": q.name,
                     "measure": q.measure, "target": q.target, "done": q.done, "row": FIRST_ROW + i,
                     "values": {"quantity_done": None}})
    for i, p in enumerate(items.statistics):
        st = p.money
        rows.append({"kind": "statistics", "project": p.id, "project_name": p.name, "item": p.id, "name": p.name,
                     "row": FIRST_ROW + i,
                     "values": {"stage": st.stage.value if st.stage else None, "commenced": st.commenced,
                                "statistics": st.statistics.value if st.statistics else None,
                                "statistics_date": st.statistics_date}})
    for r in rows:  # the field names' parts (report.html)
        r["prefix"] = KIND_PREFIX[r["kind"]]
        r["item_key"] = "" if r["kind"] in PROJECT_LEVEL else r["item"]
    return rows


def _entries(rows: list[dict[str, Any]], form: Any) -> list[tuple[str, str, str, int, Mapping[str, Any]]]:
    """The form's fields as the rows a sheet would hold: the unit's items in template order, then
    any other item the form names (a tampered form: validation refuses it as the ingest would)."""
    typed: dict[tuple[str, str, str], dict[str, Any]] = {}
    for key, value in form.multi_items():
        m = _FIELD.match(key)
        if m and isinstance(value, str):
            kind = PREFIX_KIND[m.group(1)]
            iid = m.group(3) if kind not in PROJECT_LEVEL else m.group(2)
            typed.setdefault((kind, m.group(2), iid), {})[m.group(4)] = value
    out: list[tuple[str, str, str, int, Mapping[str, Any]]] = []
    counts: dict[str, int] = {}
    for r in rows:
        key = (r["kind"], r["project"], r["item"])
        counts[r["kind"]] = max(counts.get(r["kind"], 0), r["row"])
        out.append((r["kind"], r["project"], r["item"], r["row"], typed.pop(key, {})))
    for (kind, pid, iid), values in typed.items():  # not the unit's: stands for a row below its items
        counts[kind] = counts.get(kind, 3) + 1
        out.append((kind, pid, iid, counts[kind], values))
    return out


def _audit_report(who: Account, address: str) -> Callable[[Any, Any], None]:
    from scheduler.store.users import audit

    def after(conn: Any, r: Any) -> None:
        audit(conn, who, "report.store", f"{r.unit} {r.week}",
              {"version": r.version, "rows": r.rows, "unchanged": r.unchanged, "file": r.path.name}, address)

    return after
