"""config.toml checked key by key when it is read (scheduler/io/config.py): every bad config is ONE
`[bad-config]` line naming the key, exit 2, no traceback, nothing stored. Each case runs through the
real command line (`dispatch --config F validate projects/`; a few as a separate process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from scheduler.cli import cli
from scheduler.core.check import CheckThresholds
from scheduler.errors import DispatchError
from scheduler.io.config import REPO_ROOT, AlertSettings, load_config
from tests.helpers import dump

PROJECTS = REPO_ROOT / "projects"
CALENDARS = REPO_ROOT / "calendar"

# (case id, config.toml text, the key the error line must name)
BAD = [
    # wrong type
    ("lookahead-text", '[check]\nlookahead_weeks = "four"\n', "[check] lookahead_weeks"),
    ("lookahead-huge-negative", "[check]\nlookahead_weeks = -1e8\n", "[check] lookahead_weeks"),
    ("lookahead-float", "[check]\nlookahead_weeks = 4.0\n", "[check] lookahead_weeks"),
    ("slip-bool", "[check]\nslip_yellow_max_days = true\n", "[check] slip_yellow_max_days"),
    ("progress-text", '[check]\nprogress_yellow_points = "10"\n', "[check] progress_yellow_points"),
    ("escalate-array", "[check]\nescalate_after_weeks = [2]\n", "[check] escalate_after_weeks"),
    ("port-text", '[alerts]\nsmtp_port = "25"\n', "[alerts] smtp_port"),
    ("deliver-string-false", '[alerts]\ndeliver = "false"\n', "[alerts] deliver"),
    ("deliver-int", "[alerts]\ndeliver = 0\n", "[alerts] deliver"),
    ("backoff-text", '[alerts]\nbackoff_seconds = "30"\n', "[alerts] backoff_seconds"),
    ("max-attempts-text", '[alerts]\nmax_attempts = "8"\n', "[alerts] max_attempts"),
    ("data-dir-number", "[paths]\ndata_dir = 5\n", "[paths] data_dir"),
    ("calendar-dir-array", "[paths]\ncalendar_dir = [1]\n", "[paths] calendar_dir"),
    ("url-number", "[database]\nurl = 5\n", "[database] url"),
    ("grace-text", '[weekly]\nmisfire_grace_seconds = "a"\n', "[weekly] misfire_grace_seconds"),
    ("language-number", "language = 1\n", "language"),
    ("email-number", '[units."县水利局"]\nemail = 5\n', '[units."县水利局"] email'),
    ("webhook-array", '[units."县水利局"]\nwebhook = [1]\n', '[units."县水利局"] webhook'),
    ("section-not-table", "weekly = 3\n", "[weekly]"),
    ("unit-not-table", '[units]\n"县水利局" = 1\n', '[units."县水利局"]'),
    # out of range
    ("lookahead-zero", "[check]\nlookahead_weeks = 0\n", "[check] lookahead_weeks"),
    ("lookahead-53", "[check]\nlookahead_weeks = 53\n", "[check] lookahead_weeks"),
    ("grace-negative", "[weekly]\nmisfire_grace_seconds = -1\n", "[weekly] misfire_grace_seconds"),
    ("grace-zero", "[weekly]\nmisfire_grace_seconds = 0\n", "[weekly] misfire_grace_seconds"),
    ("port-zero", "[alerts]\nsmtp_port = 0\n", "[alerts] smtp_port"),
    ("port-too-big", "[alerts]\nsmtp_port = 70000\n", "[alerts] smtp_port"),
    ("max-attempts-huge", "[alerts]\nmax_attempts = 1000\n", "[alerts] max_attempts"),
    ("backoff-negative", "[alerts]\nbackoff_seconds = -1\n", "[alerts] backoff_seconds"),
    ("backoff-inf", "[alerts]\nbackoff_seconds = inf\n", "[alerts] backoff_seconds"),
    ("progress-nan", "[check]\nprogress_red_points = nan\n", "[check] progress_red_points"),
    ("progress-over-100", "[check]\nprogress_red_points = 101\n", "[check] progress_red_points"),
    # inverted thresholds
    ("yellow-above-red", "[check]\nprogress_yellow_points = 40\nprogress_red_points = 30\n",
     "[check] progress_red_points"),
    ("yellow-above-default-red", "[check]\nprogress_yellow_points = 40\n", "[check] progress_red_points"),
    # unknown keys, one in each section
    ("unknown-top-level", 'langauge = "zh"\n', "langauge"),
    ("unknown-section", "[alert]\nsmtp_port = 25\n", "[alert]"),
    ("unknown-paths", '[paths]\ndata_dri = "var"\n', "[paths] data_dri"),
    ("unknown-database", '[database]\nuri = ""\n', "[database] uri"),
    ("unknown-scheduling", '[scheduling]\ndefault_calender = "office"\n', "[scheduling] default_calender"),
    ("unknown-weekly", '[weekly]\ncorn = "30 8 * * mon"\n', "[weekly] corn"),
    ("unknown-check", "[check]\nlookahead_week = 4\n", "[check] lookahead_week"),
    ("unknown-alerts", '[alerts]\nsmtp_hots = "x"\n', "[alerts] smtp_hots"),
    ("unknown-unit-key", '[units."县水利局"]\nemial = ["a@b.cn"]\n', '[units."县水利局"] emial'),
    # bad cron
    ("cron-bad-day", '[weekly]\ncron = "30 8 * * funday"\n', "[weekly] cron"),
    ("cron-words", '[weekly]\ncron = "every monday"\n', "[weekly] cron"),
    ("cron-six-fields", '[weekly]\ncron = "0 30 8 * * mon"\n', "[weekly] cron"),
    ("cron-minute-60", '[weekly]\ncron = "60 8 * * mon"\n', "[weekly] cron"),
    # unknown time zone, path traversal
    ("zone-unknown", '[weekly]\ntimezone = "Mars/Olympus"\n', "[weekly] timezone"),
    ("zone-traversal", '[weekly]\ntimezone = "../../../../etc/passwd"\n', "[weekly] timezone"),
    ("zone-absolute", '[weekly]\ntimezone = "/etc/localtime"\n', "[weekly] timezone"),
    ("zone-folder", '[weekly]\ntimezone = "America"\n', "[weekly] timezone"),
    ("zone-empty", '[weekly]\ntimezone = ""\n', "[weekly] timezone"),
    # malformed text values
    ("language-fr", 'language = "fr"\n', "language"),
    ("database-url", '[database]\nurl = "not a url"\n', "[database] url"),
    ("calendar-traversal", '[scheduling]\ndefault_calendar = "../office"\n', "[scheduling] default_calendar"),
    ("data-dir-empty", '[paths]\ndata_dir = ""\n', "[paths] data_dir"),
    ("sender-header-injection", '[alerts]\nsender = "a@b.cn\\r\\nBcc: x@y.cn"\n', "[alerts] sender"),
    ("smtp-host-space", '[alerts]\nsmtp_host = "mail server"\n', "[alerts] smtp_host"),
    ("email-not-address", '[units."县水利局"]\nemail = ["slj@county.gov.cn", "slj"]\n', '[units."县水利局"] email[2]'),
    ("email-crlf", '[units."县水利局"]\nemail = "a@b.cn\\nBcc: c@d.cn"\n', '[units."县水利局"] email[1]'),
    ("webhook-scheme", '[units."县水利局"]\nwebhook = "ftp://robot"\n', '[units."县水利局"] webhook'),
    # hostile-input limits (issue 14): delivery deadlines and report-file bounds
    ("send-timeout-zero", "[alerts]\nsend_timeout_seconds = 0\n", "[alerts] send_timeout_seconds"),
    ("pass-deadline-text", '[alerts]\npass_deadline_seconds = "300"\n', "[alerts] pass_deadline_seconds"),
    ("retry-every-zero", "[alerts]\nretry_every_seconds = 0\n", "[alerts] retry_every_seconds"),
    ("ingest-ratio-text", '[ingest]\nmax_ratio = "200"\n', "[ingest] max_ratio"),
    ("ingest-size-negative", "[ingest]\nmax_file_mb = -1\n", "[ingest] max_file_mb"),
    ("unknown-ingest", "[ingest]\nmax_file_size = 20\n", "[ingest] max_file_size"),
    ("unit-name-control", '[units."县\\u0007水利局"]\nemail = "a@b.cn"\n', '[units."县\\x07水利局"]'),
]


def write(folder: Path, text: str, name: str = "config.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line(res: Result) -> str:
    """Exit 2, exactly one stderr line, no traceback, no bare exception: that line."""
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output + res.stderr
    assert res.exit_code == 2, (res.exit_code, res.stderr)
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def validate(config: Path) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), "validate", str(PROJECTS)], catch_exceptions=True)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPATCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("DISPATCH_CONFIG", raising=False)


@pytest.mark.parametrize(("text", "key"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_config_is_one_line_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    """Under the default language (zh) the rule is said in Chinese; in English with language = "en"."""
    cfg = write(tmp_path, text)
    line = one_line(validate(cfg))
    assert line.startswith(f"错误：{cfg}：配置有误［bad-config］：{key}"), line
    assert "须" in line or "未知的配置项" in line or "不得" in line, line
    if not text.startswith("lang"):
        en = write(tmp_path / "en", 'language = "en"\n' + text)
        line = one_line(validate(en))
        assert line.startswith(f"error: {en}: [bad-config] {key}: "), line
        assert "must" in line or "unknown key" in line, line


def test_the_issue_example_word_for_word(tmp_path: Path) -> None:
    cfg = write(tmp_path, 'language = "en"\n[check]\nlookahead_weeks = "four"\n')
    assert one_line(validate(cfg)) == (f"error: {cfg}: [bad-config] [check] lookahead_weeks: must be an integer "
                                       "between 1 and 52 (got 'four')")
    zh = write(tmp_path / "zh", '[check]\nlookahead_weeks = "four"\n')
    assert one_line(validate(zh)) == (f"错误：{zh}：配置有误［bad-config］：[check] lookahead_weeks："
                                      "须为 1 到 52 之间的整数（实际为 'four'）")


def test_inverted_thresholds_name_both_keys(tmp_path: Path) -> None:
    cfg = write(tmp_path, 'language = "en"\n[check]\nprogress_yellow_points = 40\nprogress_red_points = 30\n')
    assert one_line(validate(cfg)).endswith(
        "[check] progress_red_points: must not be less than progress_yellow_points (40.0) (got 30.0)")


@pytest.mark.parametrize(("text", "key"), [
    ('[weekly]\ntimezone = "../../../../etc/passwd"\n', "[weekly] timezone"),
    ('[alerts]\ndeliver = "false"\n', "[alerts] deliver"),
    ('[check]\nlookahead_weeks = "four"\n', "[check] lookahead_weeks"),
], ids=["zone-traversal", "string-bool", "lookahead-text"])
def test_bad_config_as_a_separate_process(tmp_path: Path, text: str, key: str) -> None:
    """`python -m scheduler.cli --config F validate projects/`: the real process, its exit code and stderr."""
    cfg = write(tmp_path, text)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("DISPATCH_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "scheduler.cli", "--config", str(cfg), "validate", str(PROJECTS)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and f"［bad-config］：{key}" in lines[0], proc.stderr


@pytest.mark.parametrize(("text", "key"), [
    ('[check]\nlookahead_weeks = "four"\n', "[check] lookahead_weeks"),
    ('[alerts]\ndeliver = "false"\n', "[alerts] deliver"),
    ('[weekly]\ntimezone = "Mars/Olympus"\n', "[weekly] timezone"),
    ('[check]\nprogress_yellow_points = 50\n', "[check] progress_red_points"),
    ("[check]\nno_such = 1\n", "[check] no_such"),
], ids=["lookahead-text", "string-bool", "zone", "inverted", "unknown-key"])
def test_bad_config_stores_nothing(engine: Engine, config_file: Path, portfolio_dir: Path, text: str,
                                   key: str) -> None:
    """With a loaded database, `load` and `run` under a bad config refuse before touching it."""
    good = config_file.read_text(encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(config_file), "load", str(portfolio_dir)])
    assert res.exit_code == 0, res.stderr
    before = dump(engine)
    bad = write(config_file.parent / "bad", good + text)
    for args in (["load", str(portfolio_dir)], ["run", "--data-date", "2026-11-23"]):
        line = one_line(CliRunner().invoke(cli, ["--config", str(bad), *args], catch_exceptions=True))
        assert f"[bad-config] {key}" in line, line
    assert dump(engine) == before


def test_shipped_config_is_valid_and_states_the_defaults() -> None:
    """The repository's config.toml passes, and its [check] and [alerts] values are the defaults."""
    config = load_config(REPO_ROOT / "config.toml")
    assert config.check == CheckThresholds()
    assert config.alerts.model_dump() == AlertSettings(sender="dispatch@fgj.county.gov.cn").model_dump()
    assert (config.cron, config.timezone, config.misfire_grace_seconds) == ("30 8 * * mon", "Asia/Shanghai", 86400)
    assert config.units["县发改局"].email == ("fgj@xiangyin.gov.cn",)
    assert (config.portfolio, config.county) == ("xiangyin", "湘阴县")


def test_the_huayuan_example_is_its_own_portfolio_in_the_same_database() -> None:
    xy = load_config(REPO_ROOT / "config.toml")
    hy = load_config(REPO_ROOT / "examples" / "huayuan" / "config.toml")
    assert (hy.portfolio, hy.county) == ("huayuan", "花垣县")
    assert hy.data_dir.resolve() == xy.data_dir.resolve()  # one SQLite file, two portfolios
    assert hy.projects_dir == REPO_ROOT / "examples" / "huayuan" / "projects"
    assert hy.calendar_dir.resolve() == xy.calendar_dir.resolve()
    assert "县发展和改革局" in hy.units and "县发改局" not in hy.units
    assert "县发改局" in xy.units and "县发展和改革局" not in xy.units


def test_portfolio_from_the_command_line_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'portfolio = "xiangyin"\n')
    assert load_config(path).portfolio == "xiangyin"
    monkeypatch.setenv("DISPATCH_PORTFOLIO", "huayuan")
    assert load_config(path).portfolio == "huayuan"
    assert load_config(path, portfolio="other").portfolio == "other"
    with pytest.raises(DispatchError, match="portfolio"):
        load_config(path, portfolio="湘阴 县")


def test_an_empty_config_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.check == CheckThresholds() and config.alerts == AlertSettings()
    assert config.language == "zh" and config.default_calendar == "construction"
    assert config.data_dir == tmp_path / "var"
    assert config.database_url == f"sqlite:///{tmp_path / 'var' / 'dispatch.sqlite'}"


def test_good_edge_values_are_taken(tmp_path: Path) -> None:
    """Bounds are inclusive; an int is a number; a single address is a list of one; equal thresholds
    are not inverted."""
    config = load_config(write(tmp_path, (
        '[check]\nlookahead_weeks = 52\nprogress_yellow_points = 20\nprogress_red_points = 20\n'
        '[alerts]\nsmtp_port = 65535\nbackoff_seconds = 30\ndeliver = true\nmax_attempts = 30\n'
        '[weekly]\ntimezone = "America/Argentina/Buenos_Aires"\ncron = "0 9 1-7 * mon"\n'
        '[units."县水利局"]\nemail = "slj@county.gov.cn"\nwebhook = "https://oapi.dingtalk.com/robot/send?x=1"\n')))
    assert config.check.lookahead_weeks == 52 and config.check.progress_red_points == 20
    assert config.alerts.deliver is True and config.alerts.backoff_seconds == 30.0
    assert config.alerts.smtp_port == 65535 and config.timezone == "America/Argentina/Buenos_Aires"
    assert config.units["县水利局"].email == ("slj@county.gov.cn",)
