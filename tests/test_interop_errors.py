"""Every malformed schedule file, and every import or export the tool cannot do, is refused with
one line `error: FILE[:LINE]: … [kind] …` and exit 2 — never a traceback — and writes nothing; under
language = "zh" the same line reads Chinese first, its detail in Chinese (strings.py err.<kind>)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.helpers import zh_detail_english
from tests.test_interop_cases import CASES, make_config, run

GOOD_XML = (CASES / "01_mspdi_programme.xml").read_text(encoding="utf-8")
GOOD_XER = (CASES / "03_xer_two_projects.xer").read_text(encoding="utf-8")
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol3;</Name></Project>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>
"""

NS = '<?xml version="1.0"?><Project xmlns="http://schemas.microsoft.com/project">'
MALFORMED: dict[str, tuple[str, str | bytes, str]] = {
    # name: (suffix, content, the [kind] the line must name)
    "not xml": (".xml", "this is a plain text note, not a schedule\n", "not-xml"),
    "binary": (".xml", b"\x00\x01\x02\xff\xfe garbage", "not-xml"),
    "empty": (".xml", b"", "truncated"),
    "truncated xml": (".xml", GOOD_XML[: len(GOOD_XML) // 2], "truncated"),
    "unknown mspdi version": (".xml", GOOD_XML.replace("<SaveVersion>14<", "<SaveVersion>99<"), "unknown-version"),
    "other xml": (".xml", '<?xml version="1.0"?><Schedule><Task/></Schedule>', "not-mspdi"),
    "missing predecessor": (".xml", GOOD_XML.replace("<PredecessorUID>7<", "<PredecessorUID>77<"),
                            "unknown-predecessor"),
    "cycle": (".xml", GOOD_XML.replace("<PredecessorUID>2</PredecessorUID>", "<PredecessorUID>7</PredecessorUID>"),
              "cycle"),
    "entity bomb": (".xml", BOMB, "xml-dtd"),
    "external entity": (".xml", XXE, "xml-dtd"),
    "bad duration": (".xml", GOOD_XML.replace("PT80H0M0S", "eighty hours"), "bad-value"),
    "lead refused": (".xml", (CASES / "02_mspdi_lead.xml").read_text(encoding="utf-8"), "negative-lag"),
    "not xer": (".xer", "%T\tTASK\n%F\ttask_id\n%R\t1\n%E\n", "not-xer"),
    "unknown xer version": (".xer", GOOD_XER.replace("ERMHDR\t19.12", "ERMHDR\t2.0", 1), "unknown-version"),
    "truncated xer": (".xer", GOOD_XER[: GOOD_XER.index("%T\tTASKPRED")], "truncated"),
    "xer relation to a missing task": (".xer", GOOD_XER.replace("%R\t7\t2002\t2001", "%R\t7\t2002\t9999"),
                                       "unknown-predecessor"),
    "xer row too long": (".xer", GOOD_XER.replace("%R\t1\t1002\t1001\t10\t10\tPR_FS\t0",
                                                  "%R\t1\t1002\t1001\t10\t10\tPR_FS\t0\textra\tmore"), "bad-xer"),
    "xer bad date": (".xer", GOOD_XER.replace("2026-09-01 08:00", "first of September"), "bad-value"),
    "xer bad relation type": (".xer", GOOD_XER.replace("PR_FF", "PR_XX"), "bad-relation-type"),
    "unknown format": (".mpp", b"\xd0\xcf\x11\xe0 an OLE compound file", "unknown-format"),
    "task without uid": (".xml", f"{NS}<SaveVersion>14</SaveVersion><Tasks><Task><Name>甲</Name></Task></Tasks>"
                                 "</Project>", "bad-task"),
    "task uid twice": (".xml", f"{NS}<SaveVersion>14</SaveVersion><Tasks><Task><UID>1</UID></Task><Task><UID>1</UID>"
                               "</Task></Tasks></Project>", "bad-task"),
    "link without its predecessor": (".xml", GOOD_XML.replace("<PredecessorUID>7</PredecessorUID>", ""), "bad-link"),
    "no start anywhere": (".xml", f"{NS}<SaveVersion>14</SaveVersion><Tasks><Task><UID>1</UID><Name>甲</Name>"
                                  "<Duration>PT8H0M0S</Duration></Task></Tasks></Project>", "bad-project"),
    "xer relation from a missing task": (".xer", GOOD_XER.replace("%R\t7\t2002\t2001", "%R\t7\t9999\t2001"),
                                         "unknown-successor"),
    "xer lag beyond any calendar": (".xer", GOOD_XER.replace("PR_FS\t8", "PR_FS\t800000"), "bad-lag"),
    "xer duration beyond any calendar": (".xer", GOOD_XER.replace("\t84\t84\t", "\t8400000\t8400000\t"),
                                         "bad-duration"),
    "xer two projects of one id": (".xer", GOOD_XER.replace("XJ-AVENUE\t2", "XJ-BRIDGE\t2"), "duplicate-project"),
    "xer project without a start": (".xer", GOOD_XER.replace("\t2026-10-08 08:00\t2026-10-08 00:00", "\t\t"),
                                    "bad-project"),
}


CJK = re.compile(r"[\u4e00-\u9fff]")
FORMAT_WORDS = ("MS Project XML XER ERMHDR SaveVersion UID Task PredecessorLink PredecessorUID StartDate Start TASK "
                "PROJECT task_id project_flag plan_start_date PR_FS PR_SS PR_FF PR_SF HH DOCTYPE ENTITY WBS mspdi xer "
                "keep level leads clamp write force out format encoding PT8H0M0S standard construction office")
"""Names of the formats' own elements, tables and fields, and option names: kept as written in a
Chinese detail."""


def assert_one_line(res: Result, kind: str, lang: str = "en", allowed: str = "") -> str:
    """Exit 2, exactly one stderr line naming the kind, no traceback; under zh the line is Chinese
    first and its detail Chinese (the file's own words, `allowed`, and format names aside)."""
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output + res.stderr
    assert res.exit_code == 2, (res.exit_code, res.stderr)
    lines = res.stderr.splitlines()
    if lang == "zh":
        assert len(lines) == 1 and lines[0].startswith("错误："), res.stderr
        assert f"［{kind}］：" in lines[0] and CJK.search(lines[0].split("［")[0].split("：")[-1]), lines[0]
        assert zh_detail_english(lines[0], allowed=allowed + FORMAT_WORDS) == [], lines[0]
        return lines[0]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert f"[{kind}]" in lines[0] and not CJK.search(lines[0]), lines[0]
    return lines[0]


def zh_config(tmp_path: Path) -> Path:
    """make_config's config.toml, in Chinese."""
    config = make_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace('language = "en"', 'language = "zh"'),
                      encoding="utf-8")
    return config


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_file_is_one_line_exit_2(tmp_path: Path, name: str, lang: str) -> None:
    suffix, content, kind = MALFORMED[name]
    config = make_config(tmp_path) if lang == "en" else zh_config(tmp_path)
    src = tmp_path / f"contractor{suffix}"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content, encoding="utf-8")
    out = tmp_path / "projects"
    calendars = sorted(p.name for p in (tmp_path / "calendar").iterdir())
    allowed = content if isinstance(content, str) else ""
    line = assert_one_line(run(config, "import", str(src), "--out", f"{out}/", "--write-calendar"), kind, lang,
                           allowed)
    assert line.startswith(("error: " if lang == "en" else "错误：") + str(src)), line
    assert not out.exists() or not any(out.iterdir())
    assert sorted(p.name for p in (tmp_path / "calendar").iterdir()) == calendars


def test_errors_name_the_line_or_the_task(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    src = tmp_path / "x.xer"
    src.write_text(str(MALFORMED["xer relation to a missing task"][1]), encoding="utf-8")
    line = assert_one_line(run(config, "import", str(src), "--out", str(tmp_path / "o.toml")), "unknown-predecessor")
    no = 1 + next(i for i, t in enumerate(GOOD_XER.splitlines()) if t.startswith("%R\t7\t2002"))
    assert f"x.xer:{no}:" in line and "9999" in line
    src = tmp_path / "y.xml"
    src.write_text(str(MALFORMED["missing predecessor"][1]), encoding="utf-8")
    line = assert_one_line(run(config, "import", str(src), "--out", str(tmp_path / "o.toml")), "unknown-predecessor")
    assert "milestone 3" in line and "UID 77" in line
    src = tmp_path / "z.xml"
    src.write_text(BOMB, encoding="utf-8")
    assert "z.xml:2:" in assert_one_line(run(config, "import", str(src), "--out", str(tmp_path / "o.toml")), "xml-dtd")


REFUSED_KINDS = ("bad-option", "unknown-calendar", "bad-project-id", "unreadable", "date-out-of-range", "exists",
                 "unwritable", "no-milestones", "unknown-project")
"""The kinds test_refused_options_and_existing_files sees refused (tests/test_errors.py counts them)."""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_refused_options_and_existing_files(tmp_path: Path, lang: str) -> None:
    config = make_config(tmp_path) if lang == "en" else zh_config(tmp_path)
    xml, xer = CASES / "01_mspdi_programme.xml", CASES / "03_xer_two_projects.xer"
    out = tmp_path / "p.toml"

    seen: set[str] = set()

    def refused(kind: str, *args: str) -> str:
        seen.add(kind)
        return assert_one_line(run(config, *args), kind, lang, allowed=" ".join((str(tmp_path), *args)))

    refused("bad-option", "import", str(xml), "--out", str(out), "--level", "0")
    refused("bad-option", "import", str(xer), "--out", str(out), "--project-id", "X")
    refused("bad-option", "import", str(xer), "--out", str(out))
    refused("bad-option", "import", str(xml), "--out", str(out), "--milestones-only", "--keep", "9.9")
    refused("unknown-calendar", "import", str(xml), "--out", str(out), "--calendar", "lunar")
    refused("bad-project-id", "import", str(xml), "--out", str(out), "--project-id", "bad id")
    refused("unreadable", "import", str(tmp_path / "none.xml"), "--out", str(out))
    old = tmp_path / "old.xml"
    old.write_text(GOOD_XML.replace("2026-", "2006-"), encoding="utf-8")
    line = refused("date-out-of-range", "import", str(old), "--out", str(out))
    assert "--write-calendar" in line and not out.exists()
    assert run(config, "import", str(xml), "--out", str(out), "--write-calendar").exit_code == 0
    refused("exists", "import", str(xml), "--out", str(out), "--write-calendar")
    assert run(config, "import", str(xml), "--out", str(out), "--write-calendar", "--force").exit_code == 0
    refused("unwritable", "import", str(xml), "--out", str(out / "under-a-file.toml"), "--force")
    plain = tmp_path / "plain.xml"
    plain.write_text(f"{NS}<SaveVersion>14</SaveVersion><StartDate>2026-09-01T08:00:00</StartDate><Tasks><Task>"
                     "<UID>1</UID><Name>甲</Name><Duration>PT16H0M0S</Duration></Task></Tasks></Project>",
                     encoding="utf-8")
    refused("no-milestones", "import", str(plain), "--out", str(tmp_path / "m.toml"), "--milestones-only")
    (tmp_path / "projects").mkdir()
    refused("unknown-project", "export", "NO-SUCH", "--format", "xer", "--out", str(tmp_path / "x.xer"))
    assert seen == set(REFUSED_KINDS)


def _xer_cycle(data: bytes) -> bytes:
    rows = ("%T\tTASKPRED\n%F\ttask_pred_id\ttask_id\tpred_task_id\tproj_id\tpred_proj_id\tpred_type\tlag_hr_cnt\n"
            "%R\t1\t101718\t101717\t4507\t4507\tPR_FS\t0\n%R\t2\t101717\t101718\t4507\t4507\tPR_FS\t0\n")
    return data.replace(b"%E", rows.encode() + b"%E")


def _drop_table(data: bytes, name: bytes) -> bytes:
    lines = data.split(b"\n")
    start = lines.index(b"%T\t" + name + b"\r") if b"%T\t" + name + b"\r" in lines else lines.index(b"%T\t" + name)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith((b"%T", b"%E")))
    return b"\n".join(lines[:start] + lines[end:])


BROKEN_SAMPLES: dict[str, tuple[str, Callable[[bytes], bytes], tuple[str, ...], str]] = {
    # name: (sample, how it is broken, options, the [kind] the line must name)
    "xer cut short": ("percent-complete-8.4.xer", lambda d: d[: len(d) // 2], (), "truncated"),
    "xer as utf-16": ("SuccessorCalendar.xer", lambda d: d.decode("cp1252").encode("utf-16"), (), "not-xer"),
    "xer read as ascii": ("SuccessorCalendar.xer", lambda d: d.replace(b"Test", "测试".encode()),
                          ("--encoding", "ascii"), "encoding"),
    "xer without PROJECT": ("percent-complete-8.4.xer", lambda d: _drop_table(d, b"PROJECT"), (), "no-project"),
    "xer without TASK": ("percent-complete-8.4.xer", lambda d: _drop_table(d, b"TASK"), (), "no-tasks"),
    "xer with a cycle": ("percent-complete-8.4.xer", _xer_cycle, (), "cycle"),
    "xer after its end": ("SuccessorCalendar.xer", lambda d: d + b"\n%R\tmore\n", (), "bad-xer"),
    "mspdi cut short": ("task-links-project2019-mspdi.xml", lambda d: d[: len(d) // 3], (), "truncated"),
    "mspdi bomb": ("mspdirelations.xml", lambda d: d.replace(b"?>", b"?>\n" + BOMB.split("\n", 1)[1]
                                                             .split("<Project")[0].encode(), 1), (), "xml-dtd"),
    "mspdi with a cycle": ("mspdirelations.xml", lambda d: d.replace(
        b"<UID>1</UID>", b"<UID>1</UID><PredecessorLink><PredecessorUID>5</PredecessorUID><Type>1</Type>"
        b"</PredecessorLink>", 2).replace(b"<PredecessorLink><PredecessorUID>5</PredecessorUID><Type>1</Type>"
                                          b"</PredecessorLink>", b"", 1), (), "cycle"),
    "mspdi as latin-1 text in utf-16": ("mspdirelations.xml", lambda d: b"\xff\xfe" + d[:501], (), "not-xml"),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(BROKEN_SAMPLES))
def test_broken_copies_of_real_files_are_refused_in_one_line(tmp_path: Path, name: str, lang: str) -> None:
    from tests.test_interop_samples import SAMPLES

    sample, breaks, options, kind = BROKEN_SAMPLES[name]
    if not SAMPLES.is_dir():
        pytest.skip(f"the shared interop samples are not at {SAMPLES}")
    src = tmp_path / sample
    src.write_bytes(breaks((SAMPLES / sample).read_bytes()))
    config = make_config(tmp_path) if lang == "en" else zh_config(tmp_path)
    out = tmp_path / "projects"
    line = assert_one_line(run(config, "import", str(src), "--out", f"{out}/", "--write-calendar", *options), kind,
                           lang, allowed=str(tmp_path))
    assert line.startswith(("error: " if lang == "en" else "错误：") + str(src)), line
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "任务 1 到 2 的 完成-开始(FS) 搭接有提前量（负时距）1 个工作日"),
    ("en", "the FS link from 1 to 2 has a lead (negative lag) of 1 working days"),
])
def test_a_refused_lead_names_its_link_type_in_the_configured_language(tmp_path: Path, lang: str, said: str) -> None:
    config = make_config(tmp_path) if lang == "en" else zh_config(tmp_path)
    line = assert_one_line(run(config, "import", str(CASES / "02_mspdi_lead.xml"), "--out", str(tmp_path / "p.toml")),
                           "negative-lag", lang)
    assert said in line, line
