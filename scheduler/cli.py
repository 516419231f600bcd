"""The `dispatch` command line: a thin adapter over the core and the storage, files, reports and
alerts adapters. Every DispatchError becomes one readable line on stderr and its exit code."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import sys
import unicodedata
from typing import Any, NoReturn

import click
from rich.table import Table

from scheduler.core.dates import date_text, moment_text, week_text
from scheduler.core.schedule import ScheduleResult, schedule_projects
from scheduler.errors import DispatchError, StorageError
from scheduler.io.calendarfiles import CalendarSet
from scheduler.io.config import Config, load_config
from scheduler.io.projectfile import collect_errors, read_portfolio
from scheduler.outputs.terminal import Wrapped, listing
from scheduler.outputs.terminal import console as Console
from scheduler.strings import STRINGS, error_text, say, t, usage_text

_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
_CLOSING = set("，。；：、）》」』”’！？,.;:)]")
_OPENING = set("（《「『“‘([")


def _cells(text: str) -> int:
    """The columns `text` takes in a terminal (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` broken into lines of at most `width` terminal columns, at a space or between two CJK
    characters (never before closing or after opening punctuation); click's wrapper breaks at spaces
    only, so Chinese help ran past 80 columns."""
    tokens: list[str] = []
    for tok in _TOKEN.findall(" ".join(text.split())):
        if tokens and (tok in _CLOSING or tokens[-1] in _OPENING or tokens[-1][-1] in _OPENING):
            tokens[-1] += tok
        else:
            tokens.append(tok)
    lines: list[str] = []
    cur = ""
    for tok in tokens:
        if tok.isspace():
            cur += " " if cur else ""
        elif cur.strip() and _cells(cur + tok) > width:
            lines.append(cur.rstrip())
            cur = tok
        else:
            cur += tok
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


class CellFormatter(click.HelpFormatter):
    """click's help formatter, wrapping by terminal columns (Chinese help stays within 80)."""

    def write_text(self, text: str) -> None:
        """A paragraph at the current indentation."""
        indent = " " * self.current_indent
        for line in wrap_cells(text, max(self.width - self.current_indent, 20)):
            self.write(f"{indent}{line}\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """Terms and their texts in two columns, the text wrapped by terminal columns."""
        rows = list(rows)
        first_col = min(max((_cells(r[0]) for r in rows), default=0), col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _cells(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _cells(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_cells(second, max(self.width - first_col - self.current_indent, 10)) or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class LocalisedContext(click.Context):
    """A context whose help is wrapped by terminal columns."""

    formatter_class = CellFormatter


def _help_key(ctx: click.Context) -> str:
    """The strings.py key of a command's help: help.<subcommand path>, help.cli for `dispatch`."""
    names: list[str] = []
    c = ctx
    while c.parent is not None:
        names.append(c.info_name or "")
        c = c.parent
    return "help." + (".".join(reversed(names)) or "cli")


def _help_lang(ctx: click.Context) -> str:
    """The language of --help: the config the command line names (--config, $DISPATCH_CONFIG, the
    default config.toml) read for its `language` only; unreadable: $DISPATCH_LANG, else Chinese."""
    root = ctx.find_root()
    state = root.obj if isinstance(root.obj, State) else State(root.params.get("config_path"))
    return _state_lang(state)


def _option_name(param: click.Parameter) -> str:
    """An option's key in strings.py: its longest name without dashes (--data-date: data-date)."""
    return max(param.opts, key=len).lstrip("-")


def _first_sentence(text: str) -> str:
    """The first sentence of a help text, without its full stop (the line in a list of commands)."""
    m = re.match(r"(.+?)(?:[。：；]|[.:;](?:\s|$))", text.split("\n\n")[0], re.S)
    return (m.group(1) if m else text.split("\n\n")[0]).replace("\n", " ")


class LocalisedCommand(click.Command):
    """A command whose help (its text, the one line in its group's list, every option's help and
    click's own headings) comes from strings.py in the configured language when the help is shown:
    click fixes the texts at import, before any config is read. The commands' docstrings are for
    developers; what users read is in strings.py (help.*)."""

    context_class = LocalisedContext

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usage line, its prefix in the configured language."""
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=t("help.usage", _help_lang(ctx)))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's own help (help.<path>)."""
        formatter.write_paragraph()
        with formatter.indentation():
            for i, para in enumerate(t(_help_key(ctx), _help_lang(ctx)).split("\n\n")):
                if i:
                    formatter.write_paragraph()
                formatter.write_text(para)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, each with help.<path>.<option> and its default or `required` in the configured
        language."""
        lang, key = _help_lang(ctx), _help_key(ctx)
        rows: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option) or param.hidden:
                continue
            name = _option_name(param)
            text = t("help.help" if name == "help" and param is self.get_help_option(ctx) else f"{key}.{name}", lang)
            extra = param.get_help_extra(ctx)
            notes = [t("help.default", lang, value=extra["default"])] if "default" in extra else []
            notes += [extra["range"]] if "range" in extra else []
            notes += [t("help.required", lang)] if "required" in extra else []
            rows.append((param.get_help_spec(ctx), f"{text}  [{'; '.join(notes)}]" if notes else text))
        if rows:
            with formatter.section(t("help.options", lang)):
                formatter.write_dl(rows)


class LocalisedGroup(LocalisedCommand, click.Group):
    """A group of localised commands; its list of commands shows each one's short help."""

    command_class = LocalisedCommand
    group_class = type  # subgroups are of the same class

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's options, then its commands."""
        LocalisedCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with help.<path>.short, else the first sentence of help.<path>."""
        lang, key = _help_lang(ctx), _help_key(ctx)
        prefix = "help." if key == "help.cli" else key + "."
        names = [n for n in self.list_commands(ctx) if not getattr(self.get_command(ctx, n), "hidden", True)]
        if not names:
            return
        rows = []
        for name in names:
            short = STRINGS.get(f"{prefix}{name}.short")
            rows.append((name, t(f"{prefix}{name}.short", lang) if short else
                         _first_sentence(t(f"{prefix}{name}", lang))))
        with formatter.section(t("help.commands", lang)):
            formatter.write_dl(rows)


class DispatchGroup(LocalisedGroup):
    """A click group that shows the project's own errors as one line, never a traceback, and its
    help in the configured language."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """The group's own options; a usage error in them is said in the configured language."""
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            path = next((v for k, v in itertools.pairwise(given) if k == "--config"),
                        next((a.removeprefix("--config=") for a in given if a.startswith("--config=")), None))
            _usage_error(e, ctx, _state_lang(State(path)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DispatchError as e:
            click.echo(error_text(e, _lang(ctx)), err=True)
            ctx.exit(e.exit_code)
        except click.UsageError as e:
            _usage_error(e, ctx, _help_lang(ctx))


def _usage_error(e: click.UsageError, ctx: click.Context, lang: str) -> NoReturn:
    """click's usage error (a missing argument, an unknown option, a bad value): under zh one
    Chinese line naming the command's usage and its help, exit 2; otherwise click's own text."""
    if lang != "zh":
        raise e
    where = e.ctx or ctx
    usage = " ".join([where.command_path, *where.command.collect_usage_pieces(where)])
    click.echo(usage_text(e.format_message(), usage, f"{where.command_path} -h", lang), err=True)
    ctx.exit(e.exit_code)


def _lang(ctx: click.Context) -> str:
    """The configured language for an error line: the config's when it loaded, else $DISPATCH_LANG,
    else Chinese (the county's)."""
    import os

    state = ctx.find_object(State)
    return _state_lang(state) if state is not None else os.environ.get("DISPATCH_LANG", "zh")


def _state_lang(state: State) -> str:
    """The language errors are shown in: the loaded config's, else the config file's `language` line
    read as plain TOML (the file may be the broken one), else Chinese."""
    import os
    import tomllib

    if state._config is not None:
        return str(state._config.language)
    try:
        from scheduler.io.config import find_config

        path = find_config(state.config_path)
        if path is not None:
            lang = tomllib.loads(path.read_text(encoding="utf-8")).get("language")
            if lang in ("zh", "en"):
                return str(lang)
    except Exception:  # a broken file: its own error says what; the line is shown in Chinese
        pass
    return os.environ.get("DISPATCH_LANG", "zh")


class State:
    """What commands share: the configuration, loaded once."""

    def __init__(self, config_path: str | None, portfolio: str | None = None) -> None:
        self.config_path = config_path
        self.portfolio = portfolio
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        """The configuration (config.toml and the environment)."""
        if self._config is None:
            self._config = load_config(self.config_path, portfolio=self.portfolio)
        return self._config

    @property
    def calendars(self) -> CalendarSet:
        """The calendars of the configured calendar folder."""
        return CalendarSet(self.config.calendar_dir)


pass_state = click.make_pass_decorator(State)


def parse_date(value: str | None, what: str = "date") -> dt.date | None:
    """A YYYY-MM-DD option value, or a readable error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=what) from None


@click.group(cls=DispatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, is_eager=True)
@click.option("--portfolio", default=None, metavar="KEY")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, portfolio: str | None) -> None:
    """Weekly project dispatch scheduler of the county development and reform bureau (重大项目周调度)."""
    ctx.obj = State(config_path, portfolio)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@pass_state
def validate(state: State, paths: tuple[str, ...]) -> None:
    """Check project files (or folders of them) against every rule of the file format."""
    cals = state.calendars
    good, errors = collect_errors(paths, calendars=cals, default_calendar=state.config.default_calendar)
    for e in errors:
        click.echo(error_text(e, _state_lang(state)), err=True)
    lang = state.config.language
    if errors:
        click.echo(t("validate.bad", lang, n=len(errors)), err=True)
        sys.exit(2)
    click.echo(t("validate.ok", lang, n=len(good)))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--data-date", "data_date", default=None, metavar="YYYY-MM-DD")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)
@pass_state
def schedule(state: State, files: tuple[str, ...], data_date: str | None, fmt: str) -> None:
    """Compute early and late dates, floats and the critical path of project files (CPM)."""
    dd = parse_date(data_date, "--data-date")
    cals = state.calendars
    pfs = read_portfolio(files, calendars=cals, default_calendar=state.config.default_calendar)
    projects = [pf.project for pf in pfs]
    needed = {p.calendar: cals[p.calendar] for p in projects}
    result = schedule_projects(projects, needed, dd)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    print_schedule_table(result, state.config.language)


def print_schedule_table(result: ScheduleResult, lang: str) -> None:
    """Rich tables of a schedule, one per project, critical rows marked."""
    console = Console()
    doc = result.to_json()
    for pi, (proj, pdoc) in enumerate(zip(result.frame.projects, doc["projects"], strict=True)):
        date = doc["data_date"] or t("schedule.plan", lang)
        rows = [(m.id, Wrapped(m.name), md["early_start"], md["early_finish"], md["late_start"], md["late_finish"],
                 "" if md["total_float"] is None else str(md["total_float"]),
                 "" if md["free_float"] is None else str(md["free_float"]),
                 t("critical.mark", lang) if md["critical"] else "", Wrapped(m.unit or proj.lead_unit))
                for m, md in zip(proj.milestones, pdoc["milestones"], strict=True)]
        keys = ("col.id", "col.name", "col.early_start", "col.early_finish", "col.late_start", "col.late_finish",
                "col.total_float", "col.free_float", "col.critical", "col.unit")
        table = listing(t("schedule.title", lang, name=proj.name, id=proj.id, date=date),
                        [t(k, lang) for k in keys], [i not in (1, 9) for i in range(len(keys))])
        for r, md in zip(rows, pdoc["milestones"], strict=True):
            table.add_row(*r, style="bold red" if md["critical"] else None)
        console.print(table)
        console.print(f"{t('col.finish', lang)}: {pdoc['finish']}  {t('col.calendar', lang)}: "
                      f"{pdoc['calendar']}")
        if pi < len(doc["projects"]) - 1:
            console.print()
    for w in result.warnings:
        console.print(t("cli.warning", lang, text=say(w, lang)), style="yellow")


# -- commands added by the other adapters register below (storage, check, reports, outputs) ---


@cli.command("alerts")
@click.option("--status", type=click.Choice(["pending", "written", "delivered", "failed", "all"]), default="all",
              show_default=True)
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--deliver", is_flag=True)
@click.option("--retry", is_flag=True)
@pass_state
def alerts_command(state: State, status: str, week: str | None, deliver: bool, retry: bool) -> None:
    """The alert outbox: who is told about which red finding, by email or robot webhook, and
    whether it was delivered (failed ones stay listed until --retry)."""
    from scheduler.delivery.loop import deliver_pending
    from scheduler.outputs.terminal import alerts_table
    from scheduler.store.alerts import list_alerts, retry_failed
    from scheduler.store.db import open_database

    config = state.config
    lang = config.language
    engine = open_database(config.database_url)
    try:
        if retry:
            click.echo(t("alert.retried", lang, n=retry_failed(engine, week=week, portfolio=config.portfolio)))
        if deliver:
            report = deliver_pending(engine, config)
            click.echo(report.summary(lang))
            for alert_id, error in report.errors:
                click.echo(f"  #{alert_id}: {error}", err=True)
        items = list_alerts(engine, status=None if status == "all" else status, week=week,
                            portfolio=config.portfolio)
    finally:
        engine.dispose()
    if not items:
        click.echo(t("alert.none", lang))
        return
    Console().print(alerts_table(items, lang, config.timezone))


@cli.command()
@pass_state
def serve(state: State) -> None:
    """Run the weekly check by itself on config's [weekly] cron (APScheduler, jobs kept in the
    database) and retry pending alerts every few minutes, until SIGTERM or Ctrl-C."""
    from scheduler.app.service import serve as run_service

    config = state.config
    run_service(config, str(config.path.resolve()) if config.path else None)


def _this_week(config: Config) -> str:
    """The ISO week of today in the configured timezone."""
    from zoneinfo import ZoneInfo

    from scheduler.core.findings import iso_week

    return iso_week(dt.datetime.now(ZoneInfo(config.timezone)).date())


@cli.command("report-template")
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--unit", "units", multiple=True, metavar="UNIT")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None)
@pass_state
def report_template(state: State, week: str | None, units: tuple[str, ...], out_dir: str | None) -> None:
    """Write each responsible unit's weekly report workbook (节点进度, 要素保障, 投资, 资金支付, 实物量,
    项目阶段与纳统, 问题整改, 新增问题), prefilled with the current values and the baseline dates;
    departments fill the yellow cells and send it back."""
    from pathlib import Path

    from scheduler.core.reports import apply_reports
    from scheduler.io.reports import normalize_week, write_templates
    from scheduler.store.columns import load_frame
    from scheduler.store.db import open_database
    from scheduler.store.problems import load_problems
    from scheduler.store.projects import read_projects
    from scheduler.store.reports import load_reports

    config = state.config
    wk = normalize_week(week) if week else _this_week(config)
    engine = open_database(config.database_url)
    try:
        pf = config.portfolio
        projects = apply_reports(read_projects(engine, portfolio=pf),
                                 load_reports(engine, week_max=wk, portfolio=pf)).projects
        frame, base = load_frame(engine, portfolio=pf)
        with engine.connect() as conn:
            problems = list(load_problems(conn, portfolio=pf).values())
    finally:
        engine.dispose()
    plan = {(frame.project_ids[int(frame.m_project[r])], frame.m_ids[r]):
            (dt.date.fromordinal(int(base.start[r])), dt.date.fromordinal(int(base.finish[r])))
            for r in range(frame.n) if base.start[r] > 0}
    folder = Path(out_dir) if out_dir else config.outbox_dir / "templates" / wk
    paths = write_templates(projects, wk, folder, units=units or None, plan=plan, problems=problems)
    click.echo(t("report.written", config.language, n=len(paths), week=week_text(wk, config.language)))
    for p in paths:
        click.echo(f"  {p}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--unit", "sender", required=True, metavar="UNIT")
@pass_state
def ingest(state: State, files: tuple[str, ...], sender: str) -> None:
    """Validate and store filled weekly reports of one unit; each file is stored whole or not at all
    (a bad cell is named by sheet and cell), a second file of the same unit and week is a new
    version. The operator names the sending unit (--unit): the file cannot vouch for itself.
    Prints a receipt per file: on time or late, what was read, what changed, which values were not
    applied and why (元 typed for 万元, percent going backwards, a date after the report's week),
    the answers recorded on the unit's problems and the problems it raised."""
    from pathlib import Path

    from scheduler.app.ingest import ingest_report
    from scheduler.store.db import open_database

    config = state.config
    lang = config.language
    engine = open_database(config.database_url)
    refused = 0
    try:
        for f in files:
            try:
                r = ingest_report(engine, Path(f), units=config.units or None,  # listed units only
                                  rules=config.reporting, timezone=config.timezone, portfolio=config.portfolio,
                                  sender=sender, limits=config.ingest)
            except DispatchError as e:
                if e.kind in ("database-unreachable", "write-refused"):
                    raise
                refused += 1
                click.echo(error_text(e, _state_lang(state)), err=True)
                continue
            for line in r.lines(lang):
                click.echo(line)
    finally:
        engine.dispose()
    if refused:
        click.echo(t("ingest.bad", lang, n=refused), err=True)
        sys.exit(2)


@cli.command("reporting")
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def reporting_command(state: State, week: str | None, fmt: str) -> None:
    """Who reported a week (报送情况): each unit answering for an open item is on time (first version
    by the deadline, [reporting] deadline of the week before), late, or missing."""
    from scheduler.app.reporting import reporting_of_week
    from scheduler.core.reporting import collecting_week
    from scheduler.io.reports import normalize_week
    from scheduler.store.db import open_database, utcnow

    config = state.config
    lang = config.language
    wk = normalize_week(week) if week else collecting_week(utcnow(), config.timezone)
    engine = open_database(config.database_url)
    try:
        status = reporting_of_week(engine, config, wk)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(status.to_json(), ensure_ascii=False, indent=1))
        return
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(config.timezone)
    title = t("reporting.title", lang, week=week_text(wk, lang), deadline=moment_text(status.deadline, lang))
    if not status.required:
        title += t("reporting.not_required", lang)
    table = Table(title=title)
    for key in ("col.unit", "col.status", "reporting.col.received", "reporting.col.version"):
        table.add_column(t(key, lang))
    style = {"missing": "bold red", "late": "yellow", "on_time": None}
    for u in status.units:
        table.add_row(u.unit, t(f"reporting.status.{u.status}", lang),
                      moment_text(u.received_at.astimezone(zone), lang) if u.received_at else "—",
                      f"v{u.version}" if u.version else "—", style=style[u.status])
    console = Console()
    console.print(table)
    counts = {s: sum(u.status == s for u in status.units) for s in ("on_time", "late", "missing")}
    console.print(t("reporting.counts", lang, **counts))


# -- storage: load, projects, baseline -------------------------------------------------------------


@cli.command("init")
@pass_state
def init_command(state: State) -> None:
    """Create the database (SQLite file or an empty PostgreSQL database) with its tables, once."""
    from scheduler.store.db import open_database

    config = state.config
    engine = open_database(config.database_url, create=True)
    try:
        shown = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    click.echo(t("init.done", config.language, url=shown))


@cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@pass_state
def load_command(state: State, paths: tuple[str, ...]) -> None:
    """Load project files (or folders of *.toml files) into the database."""
    from scheduler.app.loading import load_files
    from scheduler.store.db import open_database

    config = state.config
    try:
        engine = open_database(config.database_url)
    except StorageError:  # the files' own errors come first, as when they are read before the database
        _good, errors = collect_errors(paths, calendars=state.calendars, default_calendar=config.default_calendar)
        for e in errors:
            click.echo(error_text(e, _state_lang(state)), err=True)
        if errors:
            sys.exit(2)
        raise
    try:
        outcome = load_files(engine, paths, calendars=state.calendars, default_calendar=config.default_calendar,
                             portfolio=config.portfolio)
    finally:
        engine.dispose()
    if outcome.report is None:
        for e in outcome.errors:
            click.echo(error_text(e, _state_lang(state)), err=True)
        sys.exit(2)
    report = outcome.report
    lang = config.language
    table = Table(title=t("load.title", lang, n=outcome.files))
    for key in ("col.status", "load.count", "load.projects"):
        table.add_column(t(key, lang))
    for key, ids, style in (("load.added", report.added, "green"), ("load.updated", report.updated, "yellow"),
                            ("load.unchanged", report.unchanged, None)):
        table.add_row(t(key, lang), str(len(ids)), ", ".join(ids), style=style if ids else None)
    Console().print(table)


@cli.command("projects")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def projects_command(state: State, fmt: str) -> None:
    """List the projects in the database: lead unit, calendar, number of milestones and factor
    requirements, current baseline version, and the finish date of the plan (progress ignored)."""
    from scheduler.core.schedule import schedule_frame
    from scheduler.store.columns import load_frame
    from scheduler.store.db import open_database, reading
    from scheduler.store.projects import project_summaries

    config = state.config
    lang = config.language
    engine = open_database(config.database_url)
    try:
        with reading(engine) as conn:
            items = project_summaries(conn, portfolio=config.portfolio)
            frame, _ = load_frame(conn, portfolio=config.portfolio)
        status = _project_status(engine, lang, config.portfolio)
    finally:
        engine.dispose()
    finish: dict[str, str | None] = {}
    warnings: list[str] = []
    if frame.project_ids:
        cals = {name: state.calendars[name] for name in frame.calendar_names}
        plan = schedule_frame(frame, cals, None)
        finish = {pid: d.isoformat() if d else None
                  for pid, d in zip(frame.project_ids, plan.project_finish(), strict=True)}
        warnings = list(plan.warnings)
    if fmt == "json":
        doc = {"projects": [{"id": p.id, "name": p.name, "lead_unit": p.lead_unit, "calendar": p.calendar,
                             "milestones": p.milestones, "factors": p.factors,
                             "baseline_version": p.baseline_version or None, "plan_finish": finish.get(p.id),
                             "light": status[p.id][0] if status else None,
                             "status": status[p.id][1] if status else "",
                             "source_path": p.source_path, "digest": p.digest,
                             "loaded_at": p.loaded_at.isoformat()} for p in items],
               "warnings": warnings}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    console = Console()
    if not items:
        console.print(t("projects.none", lang))
        return
    table = Table(title=t("projects.title", lang, n=len(items)))
    # ids, lights and dates never wrap or shorten; names wrap instead (readable at 80 columns)
    for key in ("col.id", "col.name", "col.lead_unit", "col.light", "col.status", "col.baseline", "col.plan_finish"):
        fixed = key in ("col.id", "col.light", "col.baseline", "col.plan_finish")
        table.add_column(t(key, lang), no_wrap=fixed, overflow="fold", min_width=None if fixed else 6)
    styles = {"red": "bold red", "yellow": "yellow", "green": "green"}
    for p in items:
        light, text = status[p.id] if status else (None, t("projects.not_run", lang))
        table.add_row(p.id, p.name, p.lead_unit, t(f"out.light.{light}", lang) if light else "—", text,
                      f"v{p.baseline_version}" if p.baseline_version else "", finish.get(p.id) or "",
                      style=styles.get(light or ""))
    console.print(table)
    for w in warnings:
        console.print(t("cli.warning", lang, text=say(w, lang)), style="yellow")


def _project_status(engine: Any, lang: str, portfolio: str) -> dict[str, tuple[str, str]]:
    """Each project's light and status in the latest weekly run: (light, '红灯 2 项、黄灯 1 项 · 提请专题研究');
    a project the run found nothing wrong with is green (正常); empty before the first run. The light
    is the run's; the counts are its open problems (问题清单), as the brief and `dispatch problems`
    count them (the run's findings are more: a problem counts its symptoms under it)."""
    from collections import defaultdict

    from scheduler.app.problems import week_problems
    from scheduler.errors import NotFound
    from scheduler.store.runs import read_run

    try:
        info, found = read_run(engine, portfolio=portfolio)
    except NotFound:
        return {}
    _, problems, _, _ = week_problems(engine, info.week, None, portfolio)
    tally: dict[tuple[str, str], int] = defaultdict(int)
    for pb in problems:
        if pb.counts:
            tally[pb.project, pb.light.value] += 1
    escalated = set((info.summary or {}).get("escalated") or ())  # the problem list's (core/problems.py)
    out: dict[str, tuple[str, str]] = defaultdict(lambda: ("green", t("projects.ok", lang)))
    per: dict[str, list[Any]] = {}
    for f in found:
        if f.kind.value != "escalation":  # legacy rows of runs stored before escalation moved to problems
            per.setdefault(f.project, []).append(f)
    for pid, fs in per.items():
        light = ("red" if any(f.light.value == "red" for f in fs) else
                 "yellow" if any(f.light.value == "yellow" for f in fs) else "green")
        red, yellow = (tally[pid, "red"], tally[pid, "yellow"]) if problems else (
            sum(f.light.value == "red" for f in fs), sum(f.light.value == "yellow" for f in fs))
        text = t("projects.status", lang, red=red, yellow=yellow)
        if pid in escalated:
            text += t("projects.status.escalated", lang)
        out[pid] = (light, text)
    return out


@cli.command("baseline")
@click.argument("project")
@click.option("--reason", required=True, metavar="TEXT")
@pass_state
def baseline_command(state: State, project: str, reason: str) -> None:
    """Re-baseline PROJECT on purpose: its current plan (as last loaded) becomes a new baseline
    version that variance is measured against from now on. Earlier versions are kept; the
    reason is recorded. Prints the new version."""
    from scheduler.app.loading import new_baseline
    from scheduler.store.db import open_database

    if not reason.strip():
        raise click.BadParameter("give the reason for the new baseline", param_hint="--reason")
    config = state.config
    engine = open_database(config.database_url)
    try:
        version = new_baseline(engine, project, reason.strip(), calendars=state.calendars,
                               portfolio=config.portfolio)
    finally:
        engine.dispose()
    click.echo(t("baseline.new", config.language, id=project, version=version, reason=reason.strip()))


@cli.command("run")
@click.option("--data-date", "data_date", default=None, metavar="YYYY-MM-DD")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None)
@click.option("--wait", type=float, default=0.0, show_default=True, metavar="SECONDS")
@click.option("--annex", is_flag=True)
@click.option("--details", is_flag=True)
@click.option("--outputs/--no-outputs", default=True, show_default=True)
@pass_state
def run_command(state: State, data_date: str | None, out_dir: str | None, wait: float, annex: bool,
                details: bool, outputs: bool) -> None:
    """Run the weekly check once (周调度): apply the weekly reports, schedule, check, store the run
    (replacing an earlier run of the same week), write the outputs and send the alerts."""
    from pathlib import Path

    from scheduler.app.weekly import run_weekly
    from scheduler.store.db import open_database

    config = state.config
    dd = parse_date(data_date, "--data-date")
    engine = open_database(config.database_url)
    try:
        result = run_weekly(engine, config, dd, Path(out_dir) if out_dir else None, wait=wait, annex=annex,
                            outputs=outputs)
    finally:
        engine.dispose()
    print_run_summary(result, config.language, details)
    if result.output_error is not None:  # stored and alerted, but the files could not be written
        click.echo(error_text(result.output_error, config.language), err=True)
        sys.exit(result.output_error.exit_code)


def _output_paths(produced: Any) -> list[str]:
    """Whatever write_outputs returned, as paths to print (a path, a list of them, a mapping, or
    an object with a `paths` attribute)."""
    if produced is None:
        return []
    if hasattr(produced, "paths"):
        produced = produced.paths
    if isinstance(produced, dict):
        produced = list(produced.values())
    if isinstance(produced, str | bytes) or not hasattr(produced, "__iter__"):
        produced = [produced]
    return [str(p) for p in produced]


def print_run_summary(result: Any, lang: str, details: bool = False) -> None:
    """The rich summary `dispatch run` prints: where the outputs are, lights, changes since last
    week, investment against the 序时 plan, escalations and the red items."""
    console = Console()
    s = result.check.summary
    line = t("run.done", lang, week=week_text(result.week, lang), date=date_text(result.data_date, None, lang),
             id=result.run_id)
    if result.replaced:
        line += t("run.replaced", lang, ids=", ".join(f"#{i}" for i in result.replaced))
    console.print(line, style="bold")
    paths = _output_paths(result.outputs)
    console.print(t("run.outputs", lang, path=result.out_dir))
    for p in paths:
        console.print(f"  {p}")
    if result.outputs is None:
        console.print(t("run.no_outputs", lang))
    pl = s.project_lights
    console.print(t("run.projects", lang, n=s.projects, red=pl["red"], yellow=pl["yellow"], green=pl["green"]))
    open_problems = [p for p in result.problems if p.listed]  # the rows of the brief's 问题清单
    red = sum(p.light.value == "red" for p in open_problems)
    console.print(t("run.problems", lang, n=len(open_problems), red=red, yellow=len(open_problems) - red))
    fl = s.finding_lights
    console.print(t("run.findings", lang, n=len(result.findings), red=fl["red"], yellow=fl["yellow"],
                    new=len(s.new), resolved=len(s.resolved), persisting=len(s.persisting)))
    if s.investment_annual_plan:
        pct = (f"{100 * s.investment_completed / s.investment_plan_to_date:.1f}%"
               if s.investment_plan_to_date else "—")
        console.print(t("run.investment", lang, plan=f"{s.investment_annual_plan:,.0f}",
                        to_date=f"{s.investment_plan_to_date:,.0f}", done=f"{s.investment_completed:,.0f}",
                        pct=pct))
    if s.escalated:
        names = {p.id: p.name for p in result.projects}
        console.print(t("run.escalated", lang, names="、".join(
            f"{names.get(pid, pid)}（{pid}）" for pid in s.escalated)), style="bold red")
    if result.alerts_queued is not None:
        console.print(t("run.alerts", lang, n=result.alerts_queued))
    if result.delivery is not None and hasattr(result.delivery, "summary"):
        console.print(result.delivery.summary(lang))
    red = [f for f in result.findings if f.light.value == "red"]
    if red and details:
        console.print(findings_table(red, lang, t("run.red_title", lang), ref=result.data_date))
    for w in result.warnings:
        console.print(t("cli.warning", lang, text=say(w, lang)), style="yellow")


def findings_table(findings: Any, lang: str, title: str, names: Any = None, ref: dt.date | None = None) -> Table:
    """A rich table of findings: light, project, item, kind, unit, days, weeks red, what it says
    (its dates as of `ref`, the data date)."""
    from scheduler.core.phrases import finding_text

    keys = ("col.light", "col.project", "col.item", "col.kind", "col.unit", "col.days", "col.first_seen",
            "col.weeks_red", "col.message")
    table = listing(title, [t(k, lang) for k in keys], [k not in ("col.kind", "col.unit", "col.message") for k in keys])
    style = {"red": "bold red", "yellow": "yellow", "green": "green"}
    for f in findings:
        table.add_row(t(f"light.{f.light.value}", lang), f.project, f.factor or f.milestone or "",
                      Wrapped(t(f"kind.{f.kind.value}", lang) + (f"·{f.factor_kind}" if f.factor_kind else "")),
                      Wrapped(f.unit), "" if f.days is None else str(f.days),
                      week_text(f.first_seen, lang, dates=False) if f.first_seen else "",
                      str(f.weeks_red) if f.weeks_red else "", Wrapped(finding_text(f, names, lang, ref)),
                      style=style.get(f.light.value))
    return table


@cli.command("findings")
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--light", type=click.Choice(["all", "red", "yellow"]), default="all", show_default=True)
@pass_state
def findings_command(state: State, week: str | None, fmt: str, light: str) -> None:
    """The findings of a week's current run: what is late, which approvals block, who is behind."""
    from scheduler.app.weekly import findings_json
    from scheduler.io.reports import normalize_week
    from scheduler.store.alerts import names_for
    from scheduler.store.db import open_database, reading
    from scheduler.store.runs import read_run

    config = state.config
    lang = config.language
    engine = open_database(config.database_url)
    try:
        info, found = read_run(engine, normalize_week(week) if week else None, portfolio=config.portfolio)
        if light != "all":
            found = [f for f in found if f.light.value == light]
        with reading(engine) as conn:
            names = names_for(conn, found)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(findings_json(info, found, names, lang), ensure_ascii=False, indent=1))
        return
    title = t("findings.title", lang, week=week_text(info.week, lang), id=info.id,
              date=date_text(info.data_date, None, lang))
    if not found:
        click.echo(f"{title}: {t('findings.none', lang)}")
        return
    Console().print(findings_table(found, lang, title, names, info.data_date))


@cli.command("runs")
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def runs_command(state: State, week: str | None, fmt: str) -> None:
    """The stored weekly runs (all weeks, or one): which one is the week's current run and which a
    re-run replaced (kept as history), with when each ran and its lights."""
    from zoneinfo import ZoneInfo

    from scheduler.io.reports import normalize_week
    from scheduler.store.db import open_database
    from scheduler.store.runs import list_runs

    config = state.config
    lang = config.language
    wk = normalize_week(week) if week else None
    engine = open_database(config.database_url)
    try:
        found = list_runs(engine, wk, portfolio=config.portfolio)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps({"runs": [{"id": r.id, "week": r.week, "data_date": r.data_date.isoformat(),
                                         "started_at": r.started_at.isoformat() if r.started_at else None,
                                         "status": r.status, "current": r.current,
                                         "project_lights": (r.summary or {}).get("project_lights")}
                                        for r in found]}, ensure_ascii=False, indent=1))
        return
    scope = week_text(wk, lang) if wk else t("runs.all", lang)
    if not found:
        click.echo(t("runs.none", lang, scope=scope))
        return
    zone = ZoneInfo(config.timezone)
    keys = ("runs.col.run", "runs.col.week", "runs.col.data_date", "runs.col.started", "col.status",
            "runs.col.lights")
    table = listing(t("runs.title", lang, scope=scope, n=len(found)), [t(k, lang) for k in keys],
                    [k != "runs.col.lights" for k in keys])
    for r in found:
        lights = (r.summary or {}).get("project_lights") or {}
        table.add_row(f"#{r.id}", week_text(r.week, lang, dates=False), r.data_date.isoformat(),
                      f"{r.started_at.astimezone(zone):%Y-%m-%d %H:%M}" if r.started_at else "",
                      t("runs.current" if r.current else "runs.replaced", lang),
                      Wrapped(t("runs.lights", lang, red=lights.get("red", 0), yellow=lights.get("yellow", 0),
                                green=lights.get("green", 0))),
                      style=None if r.current else "dim")
    Console().print(table)


@cli.command("problems")
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--unit", default=None, metavar="UNIT")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_state
def problems_command(state: State, week: str | None, unit: str | None, fmt: str) -> None:
    """The problem list (问题清单) of a week: root causes, their symptoms counted under them."""
    from scheduler.app.problems import problems_json, week_problems
    from scheduler.core.findings import week_monday
    from scheduler.core.phrases import problem_drags, problem_what
    from scheduler.io.reports import normalize_week
    from scheduler.outputs.view import stale_text
    from scheduler.store.db import open_database

    config = state.config
    lang = config.language
    engine = open_database(config.database_url)
    try:
        wk, found, names, stale = week_problems(engine, normalize_week(week) if week else None, unit,
                                                config.portfolio)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(problems_json(wk, found, stale), ensure_ascii=False, indent=1))
        return
    red = sum(p.counts and p.light.value == "red" for p in found)
    title = t("problems.title", lang, week=week_text(wk, lang), n=len(found), red=red)
    if not found:
        click.echo(f"{title}: {t('problems.none', lang)}")
        return
    keys = ("col.light", "problems.col.id", "col.kind", "problems.col.what", "col.unit", "problems.col.status",
            "problems.col.due", "problems.col.drags", "problems.col.weeks_red", "problems.col.escalate")
    table = listing(title, [t(k, lang) for k in keys], [k in ("col.light", "problems.col.id", "problems.col.due",
                                                              "problems.col.weeks_red", "problems.col.escalate")
                                                         for k in keys], lines=True)
    style = {"red": "bold red", "yellow": "yellow", "green": "green"}
    monday = week_monday(wk)  # the week's dates are said as of its Monday
    for p in found:
        due = p.due_date
        status = t(p.status.label_key, lang)
        if p.exemption is not None:
            status += "\n" + t("problem.exempt", lang, by=p.exemption.by, reason=p.exemption.reason)
        mark = stale.get(p.id)
        what = problem_what(p, names, lang, monday)
        if mark is not None:  # the printout's mark: its light is last week's, its unit did not report
            what = stale_text(mark.carried_from, lang) + what
        table.add_row(t(f"light.{p.light.value}", lang), p.id, Wrapped(t(f"problem.kind.{p.kind.value}", lang)),
                      Wrapped(what), Wrapped(p.unit), Wrapped(status), due.isoformat() if due else "",
                      Wrapped(problem_drags(p, names, lang, monday)), str(p.weeks_red or ""), "✓" if p.escalate else "",
                      style=style.get(p.light.value) if p.counts else "dim")
    Console().print(table)


@cli.command("problem")
@click.argument("problem_id")
@click.option("--close", "action", flag_value="close")
@click.option("--exempt", "action", flag_value="exempt")
@click.option("--unexempt", "action", flag_value="unexempt")
@click.option("--escalate", "action", flag_value="escalate")
@click.option("--decision", "action", flag_value="decide")
@click.option("--reopen", "action", flag_value="reopen")
@click.option("--merge-into", "into", default=None, metavar="PROBLEM_ID")
@click.option("--reason", default="")
@click.option("--matters", default="")
@click.option("--proposal", default="")
@click.option("--by", "by", default="专班办公室", show_default=True)
@pass_state
def problem_command(state: State, problem_id: str, action: str | None, into: str | None, reason: str, matters: str,
                    proposal: str, by: str) -> None:
    """Record the office's decision on one problem: close, exempt, escalate, the meeting's decision,
    reopen or merge. Every decision needs --reason; without an action, show the problem."""
    from scheduler.app.problems import decide_problem, problems_json, stale_marks
    from scheduler.core.problems import Action
    from scheduler.store.db import open_database, reading
    from scheduler.store.problems import get_problem
    from scheduler.store.problems import history as problem_history

    config = state.config
    engine = open_database(config.database_url)
    try:
        if into is not None:
            action = "merge"
        if action is None:
            with reading(engine) as conn:
                p = get_problem(conn, problem_id)
                weeks, events, answers = problem_history(conn, problem_id)
                stale = stale_marks(conn, weeks[-1].last_seen, weeks[-1:], config.portfolio) if weeks else {}
            doc = problems_json(p.last_seen, [p], stale)["problems"][0]
            doc["history"] = [{"week": w.last_seen, "light": w.light.value, "status": w.status.value, "days": w.days,
                               "weeks_red": w.weeks_red, "symptoms": len(w.symptoms), "escalate": w.escalate}
                              for w in weeks]
            doc["events"] = [{"at": e.at.isoformat(), "week": e.week, "action": e.action.value, "by": e.by,
                              "text": e.text} for e in events]
            doc["answers"] = [{"week": a.week, "unit": a.unit, "situation": a.situation, "measures": a.measures,
                               "promised": a.promised.isoformat() if a.promised else None} for a in answers]
            click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
            return
        p = decide_problem(engine, problem_id, Action(action), reason=reason, by=by, matters=matters,
                           proposal=proposal, into=into)
    finally:
        engine.dispose()
    said = f"web.action.{action}"  # the office's word for it (销号, 豁免 …), as the web workplace says it
    click.echo(t("problem.done", config.language, id=p.id,
                 action=t(said, config.language) if said in STRINGS and config.language != "en" else action))


@cli.command("raise-problem")
@click.argument("project")
@click.option("--what", required=True)
@click.option("--unit", required=True)
@click.option("--person", default="")
@click.option("--partner", "partners", multiple=True)
@click.option("--due", default=None, metavar="YYYY-MM-DD")
@click.option("--measures", default="")
@click.option("--county", default="")
@click.option("--milestone", default=None)
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--by", "by", default="专班办公室", show_default=True)
@pass_state
def raise_problem_command(state: State, project: str, what: str, unit: str, person: str, partners: tuple[str, ...],
                          due: str | None, measures: str, county: str, milestone: str | None, week: str | None,
                          by: str) -> None:
    """Put a problem raised by hand on the problem list (问题清单)."""
    from scheduler.app.problems import raise_problem
    from scheduler.app.weekly import today
    from scheduler.core.findings import iso_week
    from scheduler.io.reports import normalize_week
    from scheduler.store.db import open_database

    config = state.config
    wk = normalize_week(week) if week else iso_week(today(config))
    engine = open_database(config.database_url)
    try:
        p = raise_problem(engine, project, what, unit=unit, week=wk, by=by, person=person, partners=partners,
                          due=parse_date(due, "--due"), measures=measures, county=county, milestone=milestone,
                          portfolio=config.portfolio)
    finally:
        engine.dispose()
    click.echo(t("problem.raised", config.language, id=p.id))


@cli.command("printout")
@click.option("--week", default=None, metavar="YYYY-Www")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None, metavar="FILE")
@click.option("--brief/--no-brief", default=True, show_default=True)
@click.option("--annex", is_flag=True)
@click.option("--leader", default=None, metavar="NAME")
@click.option("--project", "project_ids", multiple=True, metavar="ID")
@pass_state
def printout_command(state: State, week: str | None, out_file: str | None, brief: bool, annex: bool,
                     leader: str | None, project_ids: tuple[str, ...]) -> None:
    """Write the weekly brief (PDF and .docx) of a stored run, and on demand the annex."""
    from pathlib import Path

    from scheduler.app.reprint import view_of_run
    from scheduler.errors import NotFound
    from scheduler.io.reports import normalize_week
    from scheduler.outputs.render import write_annex, write_outputs
    from scheduler.outputs.view import for_leader, narrow
    from scheduler.store.db import open_database

    config = state.config
    lang = config.language
    engine = open_database(config.database_url)
    try:
        view, cals = view_of_run(engine, config, normalize_week(week) if week else None)
    finally:
        engine.dispose()
    if leader and not for_leader(view, leader).projects:
        raise NotFound("no-leader", t("printout.no_leader", lang, leader=leader), params={"leader": leader})
    out_dir = Path(out_file).parent if out_file else config.outbox_dir / view.week
    files: list[Path] = []
    if brief:
        files = write_outputs(view, out_dir, cals, leaders=False, leader=leader)
        if out_file:
            files[0] = files[0].replace(Path(out_file))
    if annex or project_ids:
        v = for_leader(view, leader) if leader else view
        if project_ids:
            unknown = sorted(set(project_ids) - {p.id for p in v.projects})
            if unknown:
                raise NotFound("no-project", t("printout.no_project", lang, ids="、".join(unknown)),
                               params={"template": "printout.no_project", "ids": "、".join(unknown)})
            v = narrow(v, set(project_ids))
        files += write_annex(v, out_dir, cals)
    for p in files:
        click.echo(str(p))


# -- schedule exchange with MS Project and Primavera P6 (docs/interop.md) ----------------------
@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(), metavar="PATH")
@click.option("--level", type=int, default=None, metavar="N")
@click.option("--milestones-only", is_flag=True)
@click.option("--keep", multiple=True, metavar="ID")
@click.option("--project-id", default=None, metavar="ID")
@click.option("--leads", type=click.Choice(["refuse", "clamp"]), default="refuse", show_default=True)
@click.option("--calendar", "calendar_name", default=None, metavar="NAME")
@click.option("--write-calendar", is_flag=True)
@click.option("--encoding", default=None, metavar="CODEC")
@click.option("--force", is_flag=True)
@pass_state
def import_command(state: State, file: str, out: str, level: int | None, milestones_only: bool,
                   keep: tuple[str, ...], project_id: str | None, leads: str, calendar_name: str | None,
                   write_calendar: bool, encoding: str | None, force: bool) -> None:
    """Import a contractor's programme (MS Project XML or P6 XER) as project files of the spec."""
    from pathlib import Path

    from .io.interop import ImportOptions, import_file, write_import

    if level is not None and milestones_only:
        raise click.UsageError("--level and --milestones-only exclude each other")
    if keep and not milestones_only:
        raise click.UsageError("--keep names key tasks to keep with --milestones-only")
    opts = ImportOptions(level=level, milestones_only=milestones_only, keep=keep, project_id=project_id,
                         clamp_leads=leads == "clamp", calendar=calendar_name, write_calendar=write_calendar,
                         default_calendar=state.config.default_calendar, language=state.config.language)
    results = import_file(Path(file), opts, state.calendars, encoding=encoding)
    for path in write_import(results, Path(out), state.config.calendar_dir, force=force):
        click.echo(str(path))
    for r in results:
        for w in r.warnings:
            lang = state.config.language
            said = t("cli.warning.project", lang, project=r.project.id, text=say(w, lang))
            click.echo(t("cli.warning", lang, text=said), err=True)


@cli.command("export")
@click.argument("projects", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["mspdi", "xer"]), required=True)
@click.option("--out", required=True, type=click.Path(), metavar="FILE")
@click.option("--data-date", "data_date", default=None, metavar="YYYY-MM-DD")
@pass_state
def export_command(state: State, projects: tuple[str, ...], fmt: str, out: str, data_date: str | None) -> None:
    """Export projects (project files, folders, or ids of the projects folder; no database) for MS Project or P6."""
    from pathlib import Path

    from scheduler.io.projectfile import expand_paths

    from .io.interop import export_files

    config = state.config
    paths: list[Path] = []
    by_id: dict[str, Path] | None = None
    for p in projects:
        if Path(p).exists():
            paths += expand_paths([p])
            continue
        if by_id is None:
            files = read_portfolio([config.projects_dir], default_calendar=config.default_calendar)
            by_id = {pf.project.id: pf.path for pf in files}
        if p not in by_id:
            from scheduler.errors import NotFound
            raise NotFound("unknown-project", f"{p} is neither a file nor a project id of {config.projects_dir}",
                           params={"case": "cli", "value": p, "folder": config.projects_dir})
        paths.append(by_id[p])
    pfs = read_portfolio(paths, calendars=state.calendars, default_calendar=config.default_calendar)
    if out.endswith(("/", "\\")):
        Path(out).mkdir(parents=True, exist_ok=True)
    written, warnings = export_files([pf.project for pf in pfs], state.calendars, fmt, Path(out),
                                     parse_date(data_date, "--data-date"))
    for path in written:
        click.echo(str(path))
    for w in warnings:
        click.echo(t("cli.warning", state.config.language, text=say(w, state.config.language)), err=True)


# -- the web workplace ------------------------------------------------------------------------------


@cli.command("web")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--secure-cookies/--no-secure-cookies", default=False, show_default=True)
@pass_state
def web_command(state: State, host: str, port: int, workers: int, secure_cookies: bool) -> None:
    """Serve the web workplace (工作台): units report and answer problems, the office runs the
    week, leaders read their projects; a JSON API under /api (OpenAPI at /openapi.json)."""
    import os

    import uvicorn

    from scheduler.store.db import open_database
    from scheduler.web.app import create_app

    config = state.config
    if workers > 1:  # each process opens the database itself
        if config.path is not None:
            os.environ["DISPATCH_CONFIG"] = str(config.path.resolve())
        os.environ["DISPATCH_PORTFOLIO"] = config.portfolio
        os.environ["DISPATCH_SECURE_COOKIES"] = "1" if secure_cookies else "0"
        uvicorn.run("scheduler.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="info", proxy_headers=False)
        return
    engine = open_database(config.database_url)
    try:
        uvicorn.run(create_app(config, engine, secure_cookies=secure_cookies), host=host, port=port,
                    log_level="info", proxy_headers=False)
    finally:
        engine.dispose()


@cli.group("user")
def user_group() -> None:
    """Accounts of the web workplace: office (办公室), unit (单位), leader (县领导), viewer."""


def _password(password: str | None) -> str:
    """--password, else $DISPATCH_PASSWORD, else asked twice without echo."""
    import os

    got = password or os.environ.get("DISPATCH_PASSWORD")
    return got if got else str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["office", "unit", "leader", "viewer"]), required=True)
@click.option("--unit", default=None)
@click.option("--leader", default=None)
@click.option("--project", "projects", multiple=True, metavar="ID")
@click.option("--name", "display_name", default="")
@click.option("--password", default=None)
@pass_state
def user_add(state: State, username: str, role: str, unit: str | None, leader: str | None,
             projects: tuple[str, ...], display_name: str, password: str | None) -> None:
    """Create an account (the first office account is created this way at setup)."""
    from scheduler.app.accounts import add_user
    from scheduler.store.db import open_database

    engine = open_database(state.config.database_url)
    try:
        a = add_user(engine, username, _password(password), role, by="cli", display_name=display_name, unit=unit,
                     leader=leader, projects=projects, portfolio=state.config.portfolio)
    finally:
        engine.dispose()
    click.echo(f"{a.username} ({a.role.value})")


@user_group.command("passwd")
@click.argument("username")
@click.option("--password", default=None)
@pass_state
def user_passwd(state: State, username: str, password: str | None) -> None:
    """Set an account's password (its browser sessions end)."""
    from scheduler.app.accounts import set_password
    from scheduler.store.db import open_database

    engine = open_database(state.config.database_url)
    try:
        set_password(engine, username, _password(password), by="cli")
    finally:
        engine.dispose()
    click.echo(username)


@user_group.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True)
@pass_state
def user_disable(state: State, username: str, enable: bool) -> None:
    """Disable an account: its sessions end and its API tokens are revoked."""
    from scheduler.app.accounts import set_disabled
    from scheduler.store.db import open_database

    engine = open_database(state.config.database_url)
    try:
        set_disabled(engine, username, not enable, by="cli")
    finally:
        engine.dispose()
    click.echo(username)


@user_group.command("token")
@click.argument("username")
@click.option("--name", default="api", show_default=True)
@pass_state
def user_token(state: State, username: str, name: str) -> None:
    """Print a new API token acting as the account (for machine clients: Authorization: Bearer TOKEN)."""
    from scheduler.app.accounts import new_token
    from scheduler.store.db import open_database

    engine = open_database(state.config.database_url)
    try:
        click.echo(new_token(engine, username, name, by="cli"))
    finally:
        engine.dispose()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dispatch")


if __name__ == "__main__":
    main()
