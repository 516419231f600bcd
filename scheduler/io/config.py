"""config.toml: paths, database URL, the weekly run's schedule, check thresholds, units and their
alert channels. Found via --config, $DISPATCH_CONFIG, ./config.toml, or the repository's own.

Every key is checked for type and range when the file is read (pydantic v2 models, strict: no
string is ever read as a number or a boolean; `extra="forbid"`: a misspelt key is refused), so a bad
config is one `[bad-config]` line naming the key, before anything is stored. The models below are
the one set of defaults (the check thresholds' own defaults live with them in core/check.py)."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from scheduler.core.check import CheckThresholds
from scheduler.core.findings import iso_week, week_monday
from scheduler.core.model import DEFAULT_PORTFOLIO
from scheduler.core.reporting import ReportingRules
from scheduler.errors import ConfigError, os_params, shown
from scheduler.io.limits import ReadLimits, read_limits
from scheduler.strings import t

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_DB = "DISPATCH_DATABASE_URL"
ENV_CONFIG = "DISPATCH_CONFIG"
ENV_PORTFOLIO = "DISPATCH_PORTFOLIO"
PORTFOLIO_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"

_NO_CONTROL = r"[^\x00-\x1f\x7f]"
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f<>,;\"]+@[^@\s\x00-\x1f\x7f<>,;\"]+$")
_ZONE = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$")  # a tz database key, never a path out


def _rule(key: str) -> dict[str, Any]:
    """The strings.py label that states a field's rule (shown when its value is refused)."""
    return {"rule": key}


Text = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=f"^{_NO_CONTROL}+$")]
UnitName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=f"^{_NO_CONTROL}+$")]


class _Section(BaseModel):
    """A table of config.toml: strict types, no unknown keys, frozen."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class PathsSection(_Section):
    """[paths]: folders, relative to the config file's folder."""

    data_dir: Text = Field(default="var", json_schema_extra=_rule("config.rule.path"))
    calendar_dir: Text = Field(default="calendar", json_schema_extra=_rule("config.rule.path"))
    projects_dir: Text = Field(default="projects", json_schema_extra=_rule("config.rule.path"))
    outbox_dir: Text = Field(default="var/outbox", json_schema_extra=_rule("config.rule.path"))


class DatabaseSection(_Section):
    """[database]: empty url = SQLite in data_dir."""

    url: str = Field(default="", json_schema_extra=_rule("config.rule.database_url"))

    @field_validator("url")
    @classmethod
    def _is_url(cls, v: str) -> str:
        if v:
            from sqlalchemy.engine import make_url

            try:
                make_url(v)
            except Exception:
                raise ValueError("not a database URL") from None
        return v


class SchedulingSection(_Section):
    """[scheduling]."""

    default_calendar: str = Field(default="construction", pattern=r"^[A-Za-z0-9_-]{1,100}$",
                                  json_schema_extra=_rule("config.rule.calendar"))


class WeeklySection(_Section):
    """[weekly]: when `dispatch serve` runs the week."""

    cron: str = Field(default="30 8 * * mon", json_schema_extra=_rule("config.rule.cron"))
    timezone: str = Field(default="Asia/Shanghai", json_schema_extra=_rule("config.rule.timezone"))
    misfire_grace_seconds: int = Field(default=86400, ge=1, le=366 * 86400,
                                       json_schema_extra=_rule("config.rule.int"))

    @field_validator("cron")
    @classmethod
    def _is_crontab(cls, v: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(v, timezone="UTC")
        except Exception:
            raise ValueError("not a crontab expression") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _is_zone(cls, v: str) -> str:
        if not _ZONE.match(v) or ".." in v.split("/"):
            raise ValueError("not a time zone name")
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("not a known time zone") from None
        return v


_TH: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(CheckThresholds)}


class CheckSection(_Section):
    """[check]: the thresholds of the weekly check (defaults: core.check.CheckThresholds)."""

    lookahead_weeks: int = Field(default=_TH["lookahead_weeks"], ge=1, le=52,
                                 json_schema_extra=_rule("config.rule.int"))
    slip_yellow_max_days: int = Field(default=_TH["slip_yellow_max_days"], ge=0, le=3650,
                                      json_schema_extra=_rule("config.rule.int"))
    progress_yellow_points: float = Field(default=_TH["progress_yellow_points"], ge=0, le=100,
                                          json_schema_extra=_rule("config.rule.number"))
    progress_red_points: float = Field(default=_TH["progress_red_points"], ge=0, le=100,
                                       json_schema_extra=_rule("config.rule.number"))
    escalate_after_weeks: int = Field(default=_TH["escalate_after_weeks"], ge=1, le=52,
                                      json_schema_extra=_rule("config.rule.int"))
    overdue_red_days: int = Field(default=_TH["overdue_red_days"], ge=0, le=3650,
                                  json_schema_extra=_rule("config.rule.int"))
    deadline_red_days: int = Field(default=_TH["deadline_red_days"], ge=0, le=3650,
                                   json_schema_extra=_rule("config.rule.int"))
    deadline_missed_weeks: int = Field(default=_TH["deadline_missed_weeks"], ge=0, le=520,
                                       json_schema_extra=_rule("config.rule.int"))
    approval_red_days: int = Field(default=_TH["approval_red_days"], ge=0, le=3650,
                                   json_schema_extra=_rule("config.rule.int"))
    payment_yellow_points: float = Field(default=_TH["payment_yellow_points"], ge=0, le=100,
                                         json_schema_extra=_rule("config.rule.number"))
    payment_red_points: float = Field(default=_TH["payment_red_points"], ge=0, le=100,
                                      json_schema_extra=_rule("config.rule.number"))
    statistics_yellow_months: int = Field(default=_TH["statistics_yellow_months"], ge=0, le=120,
                                          json_schema_extra=_rule("config.rule.int"))
    statistics_red_months: int = Field(default=_TH["statistics_red_months"], ge=0, le=120,
                                       json_schema_extra=_rule("config.rule.int"))

    @model_validator(mode="after")
    def _red_after_yellow(self) -> CheckSection:
        for red, yellow in (("progress_red_points", "progress_yellow_points"),
                            ("payment_red_points", "payment_yellow_points"),
                            ("statistics_red_months", "statistics_yellow_months")):
            if getattr(self, red) < getattr(self, yellow):
                raise PydanticCustomError("config_order", "red below yellow",
                                          {"field": red, "value": getattr(self, red), "other": yellow,
                                           "other_value": getattr(self, yellow)})
        return self

    def thresholds(self) -> CheckThresholds:
        """The core's value type."""
        return CheckThresholds(**self.model_dump())


class AlertSettings(_Section):
    """[alerts]: SMTP server, sender and retry policy of alert delivery. The bounds keep
    backoff_seconds * 2**(max_attempts - 1) a representable wait."""

    smtp_host: str = Field(default="localhost", pattern=r"^[A-Za-z0-9._:-]{1,253}$",
                           json_schema_extra=_rule("config.rule.host"))
    smtp_port: int = Field(default=25, ge=1, le=65535, json_schema_extra=_rule("config.rule.int"))
    sender: str = Field(default="dispatch@localhost", max_length=254, pattern=_EMAIL.pattern,
                        json_schema_extra=_rule("config.rule.sender"))
    max_attempts: int = Field(default=8, ge=1, le=30, json_schema_extra=_rule("config.rule.int"))
    backoff_seconds: float = Field(default=30.0, ge=0, le=86400,
                                   json_schema_extra=_rule("config.rule.number"))
    deliver: bool = Field(default=False, json_schema_extra=_rule("config.rule.bool"))
    supervision: list[Annotated[str, StringConstraints(max_length=254, pattern=_EMAIL.pattern)]] = Field(
        default_factory=list, json_schema_extra=_rule("config.rule.email"))
    """督查室: copied on every escalation (提请县政府专题研究)."""
    link: str = Field(default="", max_length=2000, pattern=r"^(https?://[^\s\x00-\x1f\x7f]+)?$",
                      json_schema_extra=_rule("config.rule.url"))
    """Where the week's papers can be read (a share or intranet page): named in robot messages too
    long for the platform, which are then summarised."""

    send_timeout_seconds: float = Field(default=20.0, gt=0, le=600, json_schema_extra=_rule("config.rule.number"))
    """Wall-clock deadline of one message (connect, every byte, the server's answer): a server that
    drips a byte every few seconds is cut off at it (delivery/deadline.py)."""
    pass_deadline_seconds: float = Field(default=300.0, gt=0, le=86400,
                                         json_schema_extra=_rule("config.rule.number"))
    """Wall-clock deadline of one delivery pass: alerts not reached by then wait for the next pass."""
    retry_every_seconds: float = Field(default=120.0, ge=1, le=86400, json_schema_extra=_rule("config.rule.number"))
    """How often `dispatch serve` delivers pending alerts (each still waits for its own backoff)."""


    @field_validator("supervision", mode="before")
    @classmethod
    def _one_supervisor(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class WebSection(_Section):
    """[web]: the web workplace as units reach it."""

    base_url: str = Field(default="", max_length=2000, pattern=r"^(https?://[^\s\x00-\x1f\x7f]+)?$",
                          json_schema_extra=_rule("config.rule.url"))
    """Its address (https://dispatch.county.gov.cn): a robot text too long for its platform ends
    with a link to the unit's problem list there (<base_url>/problems)."""


class IngestSection(_Section):
    """[ingest]: what reading a unit's report file may cost (io/limits.py), checked before parsing."""

    max_file_mb: float = Field(default=20, gt=0, le=1024, json_schema_extra=_rule("config.rule.number"))
    max_unpacked_mb: float = Field(default=100, gt=0, le=1024, json_schema_extra=_rule("config.rule.number"))
    max_ratio: float = Field(default=200, ge=1, le=100_000, json_schema_extra=_rule("config.rule.number"))
    max_members: int = Field(default=1_000, ge=1, le=100_000, json_schema_extra=_rule("config.rule.int"))

    def limits(self) -> ReadLimits:
        """The reader's value type."""
        return read_limits(**self.model_dump())


class UnitSection(_Section):
    """[units."NAME"]: a unit's alert channels."""

    email: list[Annotated[str, StringConstraints(max_length=254, pattern=_EMAIL.pattern)]] = Field(
        default_factory=list, json_schema_extra=_rule("config.rule.email"))
    webhook: str | None = Field(default=None, max_length=2000, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$",
                                json_schema_extra=_rule("config.rule.url"))
    secret: str | None = Field(default=None, max_length=200, pattern=r"^[\x21-\x7e]+$",
                               json_schema_extra=_rule("config.rule.secret"))
    """The DingTalk robot's 加签 secret (SEC…): requests are signed with it."""
    mobiles: list[Annotated[str, StringConstraints(pattern=r"^\+?[0-9-]{5,20}$")]] = Field(
        default_factory=list, json_schema_extra=_rule("config.rule.mobiles"))
    """Mobile numbers the robot message @-mentions (atMobiles)."""

    @field_validator("email", mode="before")
    @classmethod
    def _one_address(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


_RR = ReportingRules()


class ReportingSection(_Section):
    """[reporting]: when the units' weekly sheets are due (docs/reporting.md) and ingest's
    plausibility bound on investment."""

    first_week: str = Field(default="", json_schema_extra=_rule("config.rule.week"))
    deadline: str = Field(default="fri 17:00", json_schema_extra=_rule("config.rule.deadline"))
    remind_cron: str = Field(default=_RR.remind_cron, json_schema_extra=_rule("config.rule.cron"))
    investment_ratio_max: float = Field(default=_RR.investment_ratio_max, ge=2, le=1_000_000,
                                        json_schema_extra=_rule("config.rule.number"))
    quantity_ratio_max: float = Field(default=_RR.quantity_ratio_max, ge=1, le=1_000,
                                      json_schema_extra=_rule("config.rule.number"))

    @field_validator("first_week")
    @classmethod
    def _is_week(cls, v: str) -> str:
        if not v:
            return v
        try:
            return iso_week(week_monday(v.strip().upper()))
        except ValueError:
            raise ValueError("not an ISO week") from None

    @field_validator("deadline")
    @classmethod
    def _is_deadline(cls, v: str) -> str:
        ReportingRules.parse_deadline(v)
        return v

    @field_validator("remind_cron")
    @classmethod
    def _is_crontab(cls, v: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(v, timezone="UTC")
        except Exception:
            raise ValueError("not a crontab expression") from None
        return v

    def rules(self) -> ReportingRules:
        """The core's value type."""
        day, time = ReportingRules.parse_deadline(self.deadline)
        return ReportingRules(first_week=self.first_week or None, deadline_day=day, deadline_time=time,
                              remind_cron=self.remind_cron, investment_ratio_max=self.investment_ratio_max,
                              quantity_ratio_max=self.quantity_ratio_max)


class ConfigFile(_Section):
    """The whole of config.toml, as written."""

    language: Literal["zh", "en"] = Field(default="zh", json_schema_extra=_rule("config.rule.language"))
    portfolio: str = Field(default=DEFAULT_PORTFOLIO, pattern=PORTFOLIO_PATTERN,
                           json_schema_extra=_rule("config.rule.portfolio"))
    county: Text | None = Field(default=None, json_schema_extra=_rule("config.rule.text"))
    office: Text | None = Field(default=None, json_schema_extra=_rule("config.rule.text"))
    paths: PathsSection = PathsSection()
    database: DatabaseSection = DatabaseSection()
    scheduling: SchedulingSection = SchedulingSection()
    weekly: WeeklySection = WeeklySection()
    check: CheckSection = CheckSection()
    alerts: AlertSettings = AlertSettings()
    web: WebSection = WebSection()
    ingest: IngestSection = IngestSection()
    units: dict[UnitName, UnitSection] = Field(default_factory=dict,
                                               json_schema_extra=_rule("config.rule.table"))
    reporting: ReportingSection = ReportingSection()
    leaders: dict[UnitName, UnitSection] = Field(default_factory=dict,
                                                 json_schema_extra=_rule("config.rule.table"))
    """[leaders."常务副县长鲁民明"] email = …: county leaders copied on the escalations of the
    projects they 包联 (the project file's `leader` names them)."""


_DEFAULT = ConfigFile()


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit (单位) and its alert channels."""

    name: str
    email: tuple[str, ...] = ()
    webhook: str | None = None
    secret: str | None = None
    mobiles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, paths resolved against the config file's folder (defaults: the
    models above)."""

    path: Path | None
    data_dir: Path
    calendar_dir: Path
    projects_dir: Path
    outbox_dir: Path
    database_url: str
    default_calendar: str = _DEFAULT.scheduling.default_calendar
    cron: str = _DEFAULT.weekly.cron
    timezone: str = _DEFAULT.weekly.timezone
    misfire_grace_seconds: int = _DEFAULT.weekly.misfire_grace_seconds
    check: CheckThresholds = field(default_factory=_DEFAULT.check.thresholds)
    alerts: AlertSettings = _DEFAULT.alerts
    units: dict[str, Unit] = field(default_factory=dict)
    language: str = _DEFAULT.language
    reporting: ReportingRules = field(default_factory=ReportingRules)
    leaders: dict[str, Unit] = field(default_factory=dict)
    portfolio: str = DEFAULT_PORTFOLIO
    """The portfolio (one county) this configuration runs: its key in the database."""
    county: str | None = None
    """The county's name, shown on the printout."""
    office: str | None = None
    """Who issues the papers (the brief's byline), in the county's own spelling."""
    ingest: ReadLimits = field(default_factory=_DEFAULT.ingest.limits)
    web_base_url: str = ""
    """[web] base_url: the web workplace's address ("" when not given)."""

    def unit(self, name: str) -> Unit:
        """The unit's channels (none when it is not configured)."""
        return self.units.get(name) or Unit(name)


def find_config(explicit: str | Path | None = None) -> Path | None:
    """The config file to use, or None for built-in defaults."""
    for cand in (explicit, os.environ.get(ENV_CONFIG)):
        if cand:
            p = Path(cand)
            if not p.is_file():
                raise ConfigError("no-config", "configuration file not found", file=p)
            return p
    for p in (Path.cwd() / "config.toml", REPO_ROOT / "config.toml"):
        if p.is_file():
            return p
    return None


# -- a refused value as one line ---------------------------------------------------------------------


def _printable(text: str) -> str:
    """`text` with control characters escaped (the error stays one line)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _key(loc: tuple[int | str, ...], value: object) -> str:
    """Where in config.toml: `[check] lookahead_weeks`, `[units."县水利局"] email[2]`, `language`."""
    parts = [_printable(p) if isinstance(p, str) else p for p in loc if p != "[key]"]
    if not parts:
        return "config.toml"
    if parts[0] == "units" and len(parts) >= 2:
        head, rest = f'[units."{parts[1]}"]', parts[2:]
    elif len(parts) == 1:
        section = parts[0] in ConfigFile.model_fields and parts[0] not in ("language", "portfolio", "county", "office")
        return f"[{parts[0]}]" if section or isinstance(value, Mapping) else str(parts[0])
    else:
        head, rest = f"[{parts[0]}]", parts[1:]
    if not rest:
        return head
    return f"{head} {rest[0]}" + "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in rest[1:])


def _field(loc: tuple[int | str, ...]) -> FieldInfo | None:
    """The model field a location ends in (a unit's fields under any unit's name)."""
    if loc[:1] == ("units",):
        if len(loc) >= 3 and isinstance(loc[2], str):
            return UnitSection.model_fields.get(loc[2])
        return None
    model: type[BaseModel] | None = ConfigFile
    info: FieldInfo | None = None
    for p in loc:
        if model is None or not isinstance(p, str) or p not in model.model_fields:
            break
        info = model.model_fields[p]
        ann = info.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return info


def _bounds(info: FieldInfo) -> dict[str, object]:
    out: dict[str, object] = {}
    for m in info.metadata:
        for attr, key in (("ge", "lo"), ("gt", "lo"), ("le", "hi"), ("lt", "hi")):
            if getattr(m, attr, None) is not None:
                out[key] = getattr(m, attr)
    return out


def _got(value: object) -> str:
    return shown(value)


def _refusal(err: Mapping[str, Any], lang: str) -> str:
    """One pydantic error as `KEY: RULE (got VALUE)` in `lang`."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    loc = tuple(err["loc"])
    value = err.get("input")
    if kind == "config_order":  # a rule between two keys of a table: name the one that is off
        loc, value = (*loc, ctx["field"]), ctx["value"]
    key = _key(loc, value)
    if kind == "extra_forbidden":
        return t("config.refused.key", lang, item=key, rule=t("config.rule.unknown", lang))
    if kind == "config_order":
        rule = t("config.rule.order", lang, other=ctx.get("other"), other_value=ctx.get("other_value"))
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        rule = t("config.rule.table", lang)
    elif "[key]" in loc:
        rule = t("config.rule.unit_name", lang)
    else:
        info = _field(loc)
        extra = info.json_schema_extra if info is not None else None
        if isinstance(extra, dict) and isinstance(extra.get("rule"), str):
            rule = t(str(extra["rule"]), lang, **_bounds(info))  # type: ignore[arg-type]
        else:
            rule = t("config.rule.text", lang)
    return t("config.refused", lang, item=key, rule=rule, got=_got(value))


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> ConfigFile:
    """config.toml's table checked key by key; ConfigError (`bad-config`, one line naming the first
    refused key, in the file's own `language` when that is readable) if anything is wrong."""
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as e:
        lang = data.get("language")
        lang = lang if lang in ("zh", "en") else "zh"
        said = _refusal(e.errors(include_url=False)[0], lang)
        raise ConfigError("bad-config", said, file=path, params={"said": said}) from None


def load_config(explicit: str | Path | None = None, *, portfolio: str | None = None) -> Config:
    """Read config.toml (or defaults), check every key, and apply $DISPATCH_DATABASE_URL;
    `portfolio` (the CLI's --portfolio), else $DISPATCH_PORTFOLIO, overrides the file's."""
    path = find_config(explicit)
    data: dict[str, Any] = {}
    base = REPO_ROOT
    if path is not None:
        base = path.resolve().parent
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError("toml-syntax", str(e), file=path, line=getattr(e, "lineno", None),
                              params={"reason": str(e)}) from None
        except RecursionError:
            raise ConfigError("toml-syntax", "arrays or tables nested too deeply", file=path,
                              params={"case": "nesting"}) from None
        except UnicodeDecodeError as e:
            raise ConfigError("encoding", f"not UTF-8 text (byte {e.start})", file=path,
                              params={"byte": e.start}) from None
        except OSError as e:
            raise ConfigError("unreadable", f"cannot read the file: {e.strerror}", file=path,
                              params=os_params(e)) from None
    pf = portfolio or os.environ.get(ENV_PORTFOLIO)
    if pf:
        data = {**data, "portfolio": pf}
    cf = parse_config(data, path)
    data_dir = base / cf.paths.data_dir
    url = os.environ.get(ENV_DB) or cf.database.url or f"sqlite:///{data_dir / 'dispatch.sqlite'}"
    return Config(
        path=path,
        data_dir=data_dir,
        calendar_dir=base / cf.paths.calendar_dir,
        projects_dir=base / cf.paths.projects_dir,
        outbox_dir=base / cf.paths.outbox_dir,
        database_url=url,
        default_calendar=cf.scheduling.default_calendar,
        cron=cf.weekly.cron,
        timezone=cf.weekly.timezone,
        misfire_grace_seconds=cf.weekly.misfire_grace_seconds,
        check=cf.check.thresholds(),
        alerts=cf.alerts,
        units={name: Unit(name, tuple(u.email), u.webhook, u.secret, tuple(u.mobiles))
               for name, u in cf.units.items()},
        leaders={name: Unit(name, tuple(u.email), u.webhook, u.secret, tuple(u.mobiles))
                 for name, u in cf.leaders.items()},
        language=cf.language,
        reporting=cf.reporting.rules(),
        portfolio=cf.portfolio,
        county=cf.county,
        office=cf.office,
        ingest=cf.ingest.limits(),
        web_base_url=cf.web.base_url,
    )
