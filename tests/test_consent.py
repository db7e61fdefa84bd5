"""Issue 13, point 5: consent and objection (s23ZB(6)-(8)); point 10: no default on yes/no."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import file_sha256
from tests.test_matching import add_volunteer, add_young
from tests.test_prompts import DOWN, ENTER, keys

TODAY = date.today()
CORE = ("--long-term-care-plan", "yes", "--carer-support", "yes", "--social-isolation", "yes")


def add(cli, *extra: str, code: int = 0):
    return cli("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
               "--date-of-birth", "01/02/2014", *CORE, *extra, code=code)


def test_best_interest_needs_insufficient_understanding_who_decided_and_why(cli, db_path):
    r = add(cli, "--consent", "best_interest", code=1)
    assert "best_interest is only for a young person without sufficient understanding" \
        in r.stderr
    assert "decided_by: is required" in r.stderr and "consent_note: is required" in r.stderr
    assert not db_path.exists()
    add(cli, "--consent", "best_interest", "--understanding", "sufficient", "--decided-by",
        "S. Worker, social worker", "--consent-note", "benefits outweigh", code=1)
    add(cli, "--consent", "best_interest", "--understanding", "insufficient", "--decided-by",
        "S. Worker, social worker", "--consent-note", "benefits outweigh")
    shown = cli.json("referral", "show", "1")
    assert (shown["consent"], shown["understanding"], shown["reoffer_date"]) == (
        "best_interest", "insufficient", None)
    assert shown["decided_by"] == "S. Worker, social worker"
    cli("referral", "accept", "1")  # accept takes best_interest


def test_accept_takes_yes_or_best_interest_only(cli, db_path):
    add(cli, "--consent", "no")
    r = cli("referral", "accept", "1", code=1)
    assert "consent is no" in r.stderr
    cli("referral", "update", "1", "--consent", "y")  # the yes/no forms still read
    assert cli.json("referral", "show", "1")["consent"] == "yes"
    cli("referral", "accept", "1")


def test_not_now_needs_a_reoffer_date_and_defers(cli, db_path):
    r = add(cli, "--consent", "not_now", code=1)
    assert "reoffer_date: is required with consent not_now" in r.stderr
    r = add(cli, "--consent", "yes", "--reoffer-date", "01/01/2027", code=1)
    assert "reoffer_date: is only for consent not_now" in r.stderr
    later = TODAY + timedelta(days=30)
    r = add(cli, "--consent", "not_now", "--reoffer-date", later.strftime("%d/%m/%Y"))
    assert "Deferred" in r.stderr
    shown = cli.json("referral", "show", "1")
    assert (shown["status"], shown["consent"], shown["reoffer_date"]) == (
        "deferred", "not_now", later.isoformat())
    r = cli("referral", "accept", "1", code=1)
    assert "consent is not_now" in r.stderr


def test_a_reoffer_shows_on_today_from_its_date_not_before(cli, db_path):
    later = TODAY + timedelta(days=30)
    add(cli, "--consent", "not_now", "--reoffer-date", later.isoformat())

    def reoffers(day: date) -> list[dict]:
        return [i for i in cli.json("today", "--as-of", day.isoformat())
                if i["kind"] == "reoffer"]

    assert reoffers(later - timedelta(days=1)) == []
    [item] = reoffers(later)
    assert item["id"] == 1 and item["days"] == 0
    assert "--consent yes|no|not_now" in item["summary"] and "Amy" not in item["summary"]
    assert reoffers(later + timedelta(days=3))[0]["days"] == 3
    # Their answer at the re-offer brings the referral back for a decision.
    r = cli("referral", "update", "1", "--consent", "yes")
    assert "now received" in r.stderr
    shown = cli.json("referral", "show", "1")
    assert (shown["status"], shown["reoffer_date"]) == ("received", None)
    assert reoffers(later) == []
    cli("referral", "update", "1", "--consent", "not_now", code=1)  # needs a date again
    cli("referral", "update", "1", "--consent", "not_now", "--reoffer-date", later.isoformat())
    assert cli.json("referral", "show", "1")["status"] == "deferred"


def _active_match(cli, db_path) -> str:
    yp = add_young(db_path, accepted=TODAY - timedelta(days=100))
    vol = add_volunteer(db_path, born=date(1980, 1, 1))
    m = cli("match", "propose", str(yp), str(vol), "--date",
            (TODAY - timedelta(days=90)).isoformat()).stdout.strip()
    cli("match", "accept", m, "--date", (TODAY - timedelta(days=89)).isoformat())
    cli("match", "start", m, "--date", (TODAY - timedelta(days=80)).isoformat())
    return m


def test_ending_for_the_young_persons_choice_needs_wants_another(cli, db_path):
    m = _active_match(cli, db_path)
    before = file_sha256(db_path)
    r = cli("--no-input", "match", "end", m, "--reason", "young_person_choice", code=1)
    assert "--wants-another yes|no" in r.stderr and "nothing was changed" in r.stderr
    assert file_sha256(db_path) == before
    cli("match", "end", m, "--reason", "young_person_choice", "--wants-another", "maybe",
        code=1)
    cli("match", "end", m, "--reason", "planned", "--wants-another", "yes", code=1)
    r = cli("match", "end", m, "--reason", "young_person_choice", "--wants-another", "no")
    assert "the referral is closed" in r.stderr
    assert cli.json("referral", "show", "1")["status"] == "closed"


def test_wants_another_yes_returns_them_to_the_waiting_list(cli, db_path):
    m = _active_match(cli, db_path)
    r = cli("match", "end", m, "--reason", "young_person_choice", "--wants-another", "yes")
    assert "back on the waiting list" in r.stderr
    assert cli.json("referral", "show", "1")["status"] == "accepted"


def test_wants_another_is_asked_at_a_terminal_with_no_default(cli, db_path, monkeypatch):
    from ivcli.cli.common import AppState

    m = _active_match(cli, db_path)
    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    with keys(ENTER, "no" + ENTER):  # Enter alone is not an answer
        r = cli("match", "end", m, "--reason", "young_person_choice")
    assert "the referral is closed" in r.stderr


def test_the_csv_import_takes_the_new_fields(cli, db_path, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(
        "first_name,last_name,date_of_birth,referral_date,consent,understanding,decided_by,"
        "consent_note,reoffer_date,pathway_plan\n"
        "Amy,Lee,01/02/2014,01/02/2026,Y,sufficient,,,,\n"
        "Ben,Ng,01/02/2013,01/02/2026,not now,,,,01/03/2027,\n"
        "Cy,Oh,01/02/2012,01/02/2026,best interest,insufficient,A Worker,why,,no\n",
        encoding="utf-8")
    r = cli("referral", "import", str(f))
    assert "Added 3 referral(s)" in r.stderr
    got = [(x["consent"], x["understanding"], x["reoffer_date"], x["status"])
           for x in (cli.json("referral", "show", str(i)) for i in (1, 2, 3))]
    assert got == [("yes", "sufficient", None, "received"),
                   ("not_now", None, "2027-03-01", "deferred"),
                   ("best_interest", "insufficient", None, "received")]
    bad = tmp_path / "bad.csv"
    bad.write_text("first_name,last_name,date_of_birth,referral_date,consent\n"
                   "Di,Po,01/02/2014,01/02/2026,not now\n"
                   "Ed,Qu,01/02/2014,01/02/2026,best_interest\n", encoding="utf-8")
    before = file_sha256(db_path)
    r = cli("referral", "import", str(bad), code=1)
    assert "line 2, reoffer_date: is required with consent not_now" in r.stderr
    assert "line 3, consent: best_interest is only" in r.stderr
    assert file_sha256(db_path) == before


def test_one_careless_enter_records_nothing(monkeypatch):
    from ivcli import prompts

    raw: dict[str, str | None] = {
        "first_name": "A", "last_name": "B", "date_of_birth": "01/01/2014",
        "referral_date": "01/01/2026", "reference": "R", "gender": "male", "area": "",
        "local_authority": "", "placement_type": "", "referrer_role": "self",
        "interests": "x"}
    with keys(ENTER, ENTER,  # care leaver, disability
              ENTER, ENTER, ENTER, ENTER,  # care plan, understanding, consent, carers
              ENTER):  # no additional criterion
        prompts.ask_referral(raw)
    assert (raw["care_leaver"], raw["disability"], raw["long_term_care_plan"],
            raw["understanding"], raw["consent"], raw["carer_support"]) == ("",) * 6
    # best_interest is offered only after insufficient understanding, then asks who and why.
    raw2 = {**raw, "understanding": None, "consent": None, "decided_by": None,
            "consent_note": None}
    with keys(DOWN + DOWN + ENTER, DOWN * 4 + ENTER, "A Worker" + ENTER, "why" + ENTER):
        prompts._ask_consent(raw2, lambda v: None)
    assert (raw2["understanding"], raw2["consent"], raw2["decided_by"]) == (
        "insufficient", "best_interest", "A Worker")
