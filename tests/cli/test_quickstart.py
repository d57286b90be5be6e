"""The README's main job: init, import the seed history, list the pipeline."""

from tests.support import SEED


def test_init_import_list_on_a_fresh_database(cli, isolated):
    code, out, _ = cli("init")
    assert code == 0 and "Created the database" in out
    code, out, _ = cli("init")
    assert code == 0 and "up to date" in out
    code, out, _ = cli("import", str(SEED))
    assert code == 0
    assert "Imported 18 new agreement(s)" in out
    code, out, _ = cli("list")
    assert code == 0
    assert "18 agreement(s)" in out
    for code_ in ("RA-MDA", "RA-CHE", "MP-EU", "IP-BNL", "PR-RUS-ROAD"):
        assert code_ in out


def test_history_of_moldova_shows_both_2016_rounds(seeded, cli):
    code, out, _ = cli("history", "RA-MDA")
    assert code == 0
    assert "2016-02-23 – 2016-02-25" in out and "Kişinyov" in out
    assert "2016-10-18 – 2016-10-19" in out and "Bakı" in out
    assert "open articles: 1" in out
