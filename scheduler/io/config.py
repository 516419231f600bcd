"""config.toml: paths, database URL, the weekly run's schedule, check thresholds, units and their
alert channels. Found via --config, $DISPATCH_CONFIG, ./config.toml, or the repository's own."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.core.check import CheckThresholds
from scheduler.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_DB = "DISPATCH_DATABASE_URL"
ENV_CONFIG = "DISPATCH_CONFIG"


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit (单位) and its alert channels."""

    name: str
    email: tuple[str, ...] = ()
    webhook: str | None = None


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """SMTP server, sender and retry policy of alert delivery."""

    smtp_host: str = "localhost"
    smtp_port: int = 25
    sender: str = "dispatch@localhost"
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    deliver: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, paths resolved against the config file's folder."""

    path: Path | None
    data_dir: Path
    calendar_dir: Path
    projects_dir: Path
    outbox_dir: Path
    database_url: str
    default_calendar: str = "construction"
    cron: str = "30 8 * * mon"
    timezone: str = "Asia/Shanghai"
    misfire_grace_seconds: int = 86400
    check: CheckThresholds = field(default_factory=CheckThresholds)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    units: dict[str, Unit] = field(default_factory=dict)
    language: str = "zh"

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


def _section(data: dict[str, Any], name: str, path: Path | None) -> dict[str, Any]:
    sec = data.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError("bad-config", f"[{name}] must be a table", file=path)
    return sec


def load_config(explicit: str | Path | None = None) -> Config:
    """Read config.toml (or defaults) and apply $DISPATCH_DATABASE_URL."""
    path = find_config(explicit)
    data: dict[str, Any] = {}
    base = REPO_ROOT
    if path is not None:
        base = path.resolve().parent
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise ConfigError("toml-syntax", str(e), file=path, line=getattr(e, "lineno", None)) from None
        except RecursionError:
            raise ConfigError("toml-syntax", "arrays or tables nested too deeply", file=path) from None
        except UnicodeDecodeError as e:
            raise ConfigError("encoding", f"not UTF-8 text (byte {e.start})", file=path) from None
        except OSError as e:
            raise ConfigError("unreadable", f"cannot read the file: {e.strerror}", file=path) from None
    paths = _section(data, "paths", path)
    data_dir = base / paths.get("data_dir", "var")
    url = os.environ.get(ENV_DB) or _section(data, "database", path).get("url") or ""
    if not url:
        url = f"sqlite:///{data_dir / 'dispatch.sqlite'}"
    weekly = _section(data, "weekly", path)
    check = _section(data, "check", path)
    alerts = _section(data, "alerts", path)
    units: dict[str, Unit] = {}
    for name, u in _section(data, "units", path).items():
        if not isinstance(u, dict):
            raise ConfigError("bad-config", f"[units.\"{name}\"] must be a table", file=path)
        email = u.get("email", [])
        if isinstance(email, str):
            email = [email]
        if not isinstance(email, list) or not all(isinstance(a, str) for a in email):
            raise ConfigError("bad-config", f"[units.\"{name}\"] email must be an address or a list of them",
                              file=path)
        webhook = u.get("webhook")
        if webhook is not None and not isinstance(webhook, str):
            raise ConfigError("bad-config", f"[units.\"{name}\"] webhook must be a URL", file=path)
        units[name] = Unit(name, tuple(email), webhook)
    try:
        return Config(
            path=path,
            data_dir=data_dir,
            calendar_dir=base / paths.get("calendar_dir", "calendar"),
            projects_dir=base / paths.get("projects_dir", "projects"),
            outbox_dir=base / paths.get("outbox_dir", "var/outbox"),
            database_url=url,
            default_calendar=_section(data, "scheduling", path).get("default_calendar", "construction"),
            cron=weekly.get("cron", "30 8 * * mon"),
            timezone=weekly.get("timezone", "Asia/Shanghai"),
            misfire_grace_seconds=int(weekly.get("misfire_grace_seconds", 86400)),
            check=CheckThresholds(**check),
            alerts=AlertSettings(**alerts),
            units=units,
            language=data.get("language", "zh"),
        )
    except (TypeError, ValueError) as e:
        raise ConfigError("bad-config", f"unknown or malformed setting: {e}", file=path) from None
