"""Every malformed schedule file, and every import or export the tool cannot do, is refused with
one line `error: FILE[:LINE]: … [kind] …` and exit 2 — never a traceback — and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

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
}


def assert_one_line(res: Result, kind: str) -> str:
    """Exit 2, exactly one stderr line naming the kind, no traceback; returns the line."""
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output + res.stderr
    assert res.exit_code == 2, (res.exit_code, res.stderr)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert f"[{kind}]" in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_file_is_one_line_exit_2(tmp_path: Path, name: str) -> None:
    suffix, content, kind = MALFORMED[name]
    config = make_config(tmp_path)
    src = tmp_path / f"contractor{suffix}"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content, encoding="utf-8")
    out = tmp_path / "projects"
    calendars = sorted(p.name for p in (tmp_path / "calendar").iterdir())
    line = assert_one_line(run(config, "import", str(src), "--out", f"{out}/", "--write-calendar"), kind)
    assert str(src) in line
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


def test_refused_options_and_existing_files(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    xml, xer = CASES / "01_mspdi_programme.xml", CASES / "03_xer_two_projects.xer"
    out = tmp_path / "p.toml"
    assert_one_line(run(config, "import", str(xml), "--out", str(out), "--level", "0"), "bad-option")
    assert_one_line(run(config, "import", str(xer), "--out", str(out), "--project-id", "X"), "bad-option")
    assert_one_line(run(config, "import", str(xml), "--out", str(out), "--milestones-only", "--keep", "9.9"),
                    "bad-option")
    assert_one_line(run(config, "import", str(xml), "--out", str(out), "--calendar", "lunar"), "unknown-calendar")
    assert_one_line(run(config, "import", str(xml), "--out", str(out), "--project-id", "bad id"), "bad-project-id")
    assert_one_line(run(config, "import", str(tmp_path / "none.xml"), "--out", str(out)), "unreadable")
    old = tmp_path / "old.xml"
    old.write_text(GOOD_XML.replace("2026-", "2006-"), encoding="utf-8")
    line = assert_one_line(run(config, "import", str(old), "--out", str(out)), "date-out-of-range")
    assert "--write-calendar" in line and not out.exists()
    assert run(config, "import", str(xml), "--out", str(out), "--write-calendar").exit_code == 0
    assert_one_line(run(config, "import", str(xml), "--out", str(out), "--write-calendar"), "exists")
    assert run(config, "import", str(xml), "--out", str(out), "--write-calendar", "--force").exit_code == 0
    (tmp_path / "projects").mkdir()
    assert_one_line(run(config, "export", "NO-SUCH", "--format", "xer", "--out", str(tmp_path / "x.xer")),
                    "unknown-project")
