"""`agreements report annual` as typed: the Word document read back, the
formats, a year with nothing, bad input, the record as it now reads
(corrections, retractions, voids), uncertain dates, edited templates."""

from __future__ import annotations

import re
import shutil

import docx
import pytest

from agreements.annual.templates import SHIPPED
from tests.support import ok, refused


def test_the_word_document_reads_back_with_headings_and_paragraphs(seeded, cli, tmp_path):
    out = tmp_path / "hesabat-2016.docx"
    said = ok(cli("report", "annual", "--year", "2016", "--lang", "az", "--out", str(out)))
    assert said == f"Wrote {out} (16 agreement(s)).\n"  # the format from the extension
    document = docx.Document(str(out))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "2016-cı ildə beynəlxalq müqavilələr üzrə görülmüş işlər")
    assert ("Heading 2", "Rusiya Federasiyası") in headings and ("Heading 2", "Moldova") in headings
    moldova = next(p for p in document.paragraphs if "Moldova Respublikası arasında" in p.text)
    assert moldova.runs[0].bold and moldova.runs[0].text.startswith("“Azərbaycan Respublikası və Moldova")
    assert "23-25 fevral 2016-cı il tarixlərdə Kişinyov şəhərində" in moldova.text
    assert "18-19 oktyabr 2016-cı il tarixlərdə Bakı şəhərində" in moldova.text
    letter = next(p for p in document.paragraphs if "avtomobil əlaqələri" in p.text)
    assert "25 may 2016-cı il tarixli 02/1097 nömrəli məktub" in letter.text
    assert document.core_properties.title == headings[0][1]


def test_a_word_document_needs_a_file(seeded, cli):
    refused(cli("report", "annual", "--year", "2016", "--format", "docx"), "--out", exit_code=2)


@pytest.mark.parametrize("year", ["16", "20166", "twenty", "-2016"])
def test_a_bad_year_is_a_usage_error(seeded, cli, year):
    refused(cli("report", "annual", "--year", year), "--year", exit_code=2)


def test_the_year_is_required(seeded, cli):
    refused(cli("report", "annual"), "--year", exit_code=2)


def test_a_year_with_nothing_says_so(seeded, cli, tmp_path):
    assert "no work on agreements in 2015" in ok(cli("report", "annual", "--year", "2015"))
    az = ok(cli("report", "annual", "--year", "2015", "--lang", "az"))
    assert "2015-ci il ərzində sazişlər üzrə görülmüş heç bir iş qeydə alınmamışdır" in az
    out = tmp_path / "2015.docx"
    said = ok(cli("report", "annual", "--year", "2015", "--out", str(out)))
    assert said == "The negotiation history records no work on agreements in 2015.\n"
    assert any("no work on agreements in 2015" in p.text for p in docx.Document(str(out)).paragraphs)


def test_html_and_markdown(seeded, cli, tmp_path):
    page = ok(cli("report", "annual", "--year", "2016", "--format", "html"))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert '<p id="RA-CHE"><strong>“Agreement between the Republic of Azerbaijan and the Swiss' in page
    out = tmp_path / "report.md"
    ok(cli("report", "annual", "--year", "2016", "--out", str(out)))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Work done in 2016 on international agreements\n") and "\n## Moldova\n" in text
    assert text == ok(cli("report", "annual", "--year", "2016"))


def test_the_record_as_it_now_reads(seeded, cli):
    """A correction shows its value, a retracted event and a voided agreement are left out."""
    ok(cli("correct", "RA-MDA", "3", "--place", "Ungheni", "--reason", "the second round met in Ungheni"))
    ok(cli("retract", "RA-MDA", "2", "--reason", "the first round was recorded on the wrong agreement"))
    ok(cli("void", "RA-CHE", "--reason", "entered twice"))
    text = ok(cli("report", "annual", "--year", "2016", "--lang", "az"))
    moldova = text.split("\n## Moldova\n", 1)[1].split("\n## ", 1)[0]
    assert "18-19 oktyabr 2016-cı il tarixlərdə Ungheni şəhərində" in moldova
    assert "Bakı" not in moldova and "Kişinyov" not in moldova and "23-25 fevral" not in moldova
    # without the first round, the opening it implied is stated
    assert "Layihə üzrə 2016-cı ilin fevralın 23-dək ekspertlər səviyyəsində danışıqlar aparılırdı." in moldova
    assert "İsveçrə" not in text and "10 oktyabr" not in text


def test_uncertain_dates_are_written_as_uncertain(seeded, cli):
    ok(cli("round", "RA-MDA", "--on", "2016", "--place", "Bakı", "--outcome", "Contacts at expert level"))
    ok(cli("note", "RA-TUR", "Asked the MFA", "--on", "2016-11", "--ref", "letter No. 05/77 of 3 November 2016"))
    ok(cli("note", "RA-PAK", "Called the MFA", "--on", "2016-09", "--ref", "tel. message"))
    az = ok(cli("report", "annual", "--year", "2016", "--lang", "az"))
    en = ok(cli("report", "annual", "--year", "2016", "--lang", "en"))
    assert "Layihənin 2016-cı il ərzində Bakı şəhərində ekspertlər səviyyəsində müzakirəsi keçirilmişdir" in az
    assert "The draft was discussed at expert level in Baku during 2016." in en
    assert "3 noyabr 2016-cı il tarixli 05/77 nömrəli məktub" in az
    assert "Correspondence on the draft: letter No. 05/77 of 3 November 2016." in en
    assert "yazışma (2016-cı ilin sentyabr ayında): tel. message" in az
    assert "Correspondence on the draft in September 2016: tel. message." in en
    # "no later than": the opening of RA-TUR, as the seed gives it
    assert "2016-cı ilin dekabrın 31-dək qarşı tərəfə təqdim edilməsi məqsədilə" in az
    assert "for submission to the counterpart no later than 31 December 2016" in en


def test_edited_templates_replace_the_shipped_ones(seeded, cli, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    sentences = (SHIPPED / "sentences.en.j2").read_text(encoding="utf-8")
    (folder / "sentences.en.j2").write_text(sentences.replace("was signed", "was duly signed"), encoding="utf-8")
    (folder / "layout.toml").write_text('counterparts = ["MDA"]\n', encoding="utf-8")
    text = ok(cli("report", "annual", "--year", "2016", "--templates", str(folder)))
    assert "The Agreement was duly signed on 10 October 2016." in text
    assert re.findall(r"^## (.+)$", text, re.M)[0] == "Moldova"  # the edited layout's order
    assert "## Russia\n" in text  # names from CLDR: the edited layout names none
    shutil.copy(SHIPPED / "report.md.j2", folder / "report.md.j2")
    (folder / "report.md.j2").write_text("{% for x in %}\n", encoding="utf-8")
    refused(cli("report", "annual", "--year", "2016", "--templates", str(folder)), "report.md.j2, line 1")


def test_a_missing_templates_folder_is_a_usage_error(seeded, cli, tmp_path):
    refused(
        cli("report", "annual", "--year", "2016", "--templates", str(tmp_path / "none")), "--templates", exit_code=2
    )


def test_a_reference_document_gives_the_word_document_its_styles(seeded, cli, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    reference = docx.Document()
    reference.styles["Normal"].font.name = "Arial"
    reference.save(str(folder / "reference.docx"))
    out = tmp_path / "styled.docx"
    ok(cli("report", "annual", "--year", "2016", "--out", str(out), "--templates", str(folder)))
    assert docx.Document(str(out)).styles["Normal"].font.name == "Arial"
    plain = tmp_path / "plain.docx"
    ok(cli("report", "annual", "--year", "2016", "--out", str(plain)))
    assert docx.Document(str(plain)).styles["Normal"].font.name == "Times New Roman"


def test_each_partys_acts_are_stated(seeded, cli):
    ok(cli("act", "RA-CHE", "--party", "CHE", "--kind", "approval", "--on", "2016-12-01", "--instrument", "decision"))
    ok(
        cli(
            "act",
            "RA-CHE",
            "--party",
            "CHE",
            "--kind",
            "notification",
            "--on",
            "2016-12-05",
            "--received",
            "2016-12-09",
        )
    )
    en = ok(cli("report", "annual", "--year", "2016"))
    az = ok(cli("report", "annual", "--year", "2016", "--lang", "az"))
    assert "Approval by Switzerland on 1 December 2016 (decision)." in en
    assert "by Switzerland on 5 December 2016, received on 9 December 2016." in en
    assert "İsveçrə tərəfindən 1 dekabr 2016-cı il tarixdə təsdiq edilmişdir (decision)." in az
    assert "bildiriş 9 dekabr 2016-cı il tarixdə alınmışdır." in az
