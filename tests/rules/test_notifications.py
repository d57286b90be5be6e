"""notifications/: rendering, messages and the file transport, from plain data only."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy

import pytest

from notifications.i18n import Translator
from notifications.message import digest_message
from notifications.model import ActionItem, Digest, Movement, Person, PipelineRow, Upcoming
from notifications.render import render, render_html, render_text
from notifications.transport import FileTransport
from workflows.inputs import BadAddress, check_address, header_text

AZ_LETTERS = "ə ğ ı İ ö ü ş ç Ə Ğ Ö Ü Ş Ç"
SENDER = Person("digest@migration.gov.az", "Sazişlər izləmə sistemi")
WHEN = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def sample(locale: str = "az", name: str = "Gözəl Çobanoğlu-İsmayılqızı Şükürova", title: str | None = None) -> Digest:
    return Digest(
        week="2026-W48",
        locale=locale,
        recipient=Person("gozel@migration.gov.az", name),
        as_of=date(2026, 11, 23),
        moved_from=date(2026, 11, 16),
        moved_to=date(2026, 11, 22),
        coming_until=date(2026, 12, 6),
        needs_action=[
            ActionItem(
                "RA-TUR",
                title or "Türkiyə ilə readmissiya haqqında Saziş",
                "mfa",
                45,
                20,
                "critical",
                "mfa",
                stage_since=date(2026, 9, 1),
            ),
            ActionItem(
                "LM-RUS",
                "Əmək miqrasiyası",
                "expert_talks",
                200,
                180,
                "overdue",
                "counterpart",
                True,
                date(2026, 1, 10),
                True,
            ),
        ],
        acknowledged=[
            ActionItem(
                "RA-PAK",
                "Pakistan",
                "mfa",
                30,
                20,
                "overdue",
                "mfa",
                acknowledged_until=date(2026, 12, 1),
                acknowledgement="XİN cavabı gözlənilir",
            )
        ],
        moved=[
            Movement(
                date(2026, 11, 18),
                "RA-MDA",
                "Moldova",
                "stage_change",
                "leyla",
                "expert_talks",
                "internal_approval",
                note="Mətn razılaşdırılıb",
                reference="məktub № 02/2210",
            ),
            Movement(
                date(2026, 11, 19),
                "IP-DEU",
                "Almaniya",
                "round",
                "rashad",
                until=date(2026, 11, 20),
                place="Berlin",
                outcome="2 maddə açıq qalır",
            ),
        ],
        coming=[
            Upcoming(date(2026, 11, 24), "RA-CHE", "İsveçrə", "plan", "İmzalanma Bakıda"),
            Upcoming(date(2026, 12, 1), "RA-PAK", "Pakistan", "ack_expires"),
        ],
        pipeline=[
            PipelineRow("draft", 2),
            PipelineRow("expert_talks", 5),
            PipelineRow("mfa", 4),
            PipelineRow("in_force", 0),
        ],
    )


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def decoded(raw: bytes, header: str) -> str:
    """A header decoded by RFC 2047 rules (whitespace between adjacent encoded
    words is dropped). Python 3.11's address parser keeps it ("Şüküro va") when
    a long name is folded into two encoded words; mail clients do not."""
    from email.header import decode_header, make_header

    return str(make_header(decode_header(email.message_from_bytes(raw)[header])))


def test_dates_and_labels_follow_the_locale():
    assert Translator("az").date(date(2026, 11, 24)) == "24 noyabr 2026"
    assert Translator("en").date(date(2026, 11, 24)) == "24 November 2026"
    assert Translator("az").stage("mfa") == "Xarici İşlər Nazirliyi (XİN)"
    assert Translator("en").holder("counterpart") == "the counterpart"
    assert Translator("az").date_range(date(2026, 11, 30), date(2026, 12, 1)) == "30 noyabr – 1 dekabr 2026"
    assert Translator("en").date_range(date(2026, 12, 31), date(2027, 1, 2)) == "31 December 2026 – 2 January 2027"


@pytest.mark.parametrize(
    "locale, subject",
    [
        ("az", "Həftəlik icmal 2026-W48: 2 diqqət tələb edir"),
        ("en", "Weekly digest 2026-W48: 2 need action"),
    ],
)
def test_subject_carries_the_week_and_the_count(locale, subject):
    assert render(sample(locale)).subject == subject


def test_subject_singular_and_none():
    assert Translator("en").subject("2026-W48", 1) == "Weekly digest 2026-W48: 1 needs action"
    assert Translator("az").subject("2026-W48", 0) == "Həftəlik icmal 2026-W48: diqqət tələb edən yoxdur"


def test_text_part_has_every_section_in_azerbaijani():
    text = render_text(sample("az"))
    for expected in (
        "Diqqət tələb edir (2)",
        "Ötən həftə baş verənlər (2)",
        "Qarşıdakı tarixlər (2)",
        "Mərhələlər üzrə vəziyyət",
        "24 noyabr 2026",
        "ekspertlər səviyyəsində danışıqlar → dövlətdaxili razılaşdırma",
        "sənəd: məktub № 02/2210",
        "1 dekabr 2026 tarixədək",
        "qarşı tərəf gözlənilir",
        "Hörmətli Gözəl",
    ):
        assert expected in text, expected
    assert "█" in text  # the pipeline as text


def test_html_part_is_tables_with_inlined_css_and_no_scripts_or_remote_images():
    html = render_html(sample("en"))
    assert "<style" not in html and 'style="' in html  # inlined for Outlook
    assert (
        "<script" not in html.lower()
        and "<img" not in html.lower()
        and "http://" not in html
        and "https://" not in html
    )
    assert "Needs action (2)" in html and "Moved last week (2)" in html and "Coming up (2)" in html
    assert 'bgcolor="#2b6cb0"' in html  # a bar of the pipeline chart
    assert "19–20 November 2026" in html  # the round's dates


def test_a_title_with_a_script_tag_is_escaped_in_html():
    digest = sample("en", title='Agreement <script>alert("x")</script> & co')
    html = render_html(digest)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html and "&amp; co" in html
    assert '<script>alert("x")</script>' in render_text(digest)  # plain text stays as written


def test_message_has_both_parts_headers_and_azerbaijani_text_intact():
    digest = sample("az")
    when = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    raw = digest_message(digest, SENDER, when=when).as_bytes()
    assert max(raw) < 128  # 7-bit on the wire: encoded headers and quoted-printable parts
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"] == "Həftəlik icmal 2026-W48: 2 diqqət tələb edir"
    assert decoded(raw, "To") == "Gözəl Çobanoğlu-İsmayılqızı Şükürova <gozel@migration.gov.az>"
    assert [a.addr_spec for a in msg["To"].addresses] == ["gozel@migration.gov.az"]
    assert msg["From"].addresses[0].display_name == "Sazişlər izləmə sistemi"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@migration.gov.az>")
    assert msg["Date"].datetime == when
    assert msg["Content-Language"] == "az"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert msg.get_body(("plain",)).get_content_charset() == "utf-8"
    for letters in ("Gözəl Çobanoğlu-İsmayılqızı Şükürova", "Xarici İşlər Nazirliyi (XİN)", "Əmək miqrasiyası"):
        assert letters in text and letters in html


def test_a_name_with_cr_lf_cannot_inject_a_header():
    digest = sample("en", name="Ali\r\nBcc: spy@evil.example\r\nX-Injected: yes")
    msg = parse(digest_message(digest, SENDER, when=WHEN).as_bytes())
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert len(msg.get_all("To")) == 1
    assert [a.addr_spec for a in msg["To"].addresses] == ["gozel@migration.gov.az"]
    assert msg["To"].addresses[0].display_name == "Ali Bcc: spy@evil.example X-Injected: yes"
    assert header_text("a\u2028b\x00c") == "a b c"


@pytest.mark.parametrize("bad", ["no-at-sign", "two@@example.org", "a@b.az\r\nBcc: x@y.az", "", "a b@example.org"])
def test_invalid_addresses_are_refused(bad):
    with pytest.raises(BadAddress):
        check_address(bad)


def test_file_transport_writes_a_parseable_eml(tmp_path):
    msg = digest_message(sample("az"), SENDER, when=WHEN)
    transport = FileTransport(tmp_path / "outbox")
    with transport.session() as session:
        session.send(msg.as_bytes(), SENDER.email, ["gozel@migration.gov.az"], name="2026-W48-gozel@migration.gov.az")
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert [f.name for f in files] == ["2026-W48-gozel@migration.gov.az.eml"]
    parsed = parse(files[0].read_bytes())
    assert parsed["Message-ID"] == msg["Message-ID"]
    assert "Hörmətli Gözəl" in parsed.get_body(("plain",)).get_content()


def test_only_needs_action_leaves_the_other_sections_out():
    digest = sample("en")
    digest = Digest(**{**digest.__dict__, "only_needs_action": True})
    text = render_text(digest)
    assert "Needs action (2)" in text and "Moved last week" not in text and "Pipeline" not in text
    assert "needs action only" in text
