"""`allocator serve`: the API in-process (edits, bad input, token, Save), the command as a real
process started and stopped 20 times, and the page in headless Chromium."""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from allocator.cli.commands import app as cli_app
from allocator.report import rounding
from allocator.report.write import write_csv
from allocator.runs.spec import RunSpec
from allocator.serve.app import HEADER, MAX_BODY, create_app
from allocator.serve.held import HeldModel
from conftest import BASELINE, NO_CHROMIUM, ROOT, chromium, page_in_chromium

TOKEN = "test-token-not-secret"
CELL = "pools.ecosystem/phase3.budget_musd"
EDIT = f"{CELL}=6700"
AUTH = {HEADER: TOKEN}


@pytest.fixture(scope="module")
def cli_edit(project) -> dict:
    """run.json of `allocator solve --set EDIT` on the project's dataset."""
    out = project / "cli-edit"
    args = ["solve", "--inputs", str(project / "inputs" / "peru2040"), "--set", EDIT]
    res = CliRunner().invoke(cli_app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    return json.loads((out / "run.json").read_text(encoding="utf-8"))


def cli_error(*sets: str) -> str:
    """The `error:` line `allocator solve --set ...` prints for `sets`, without the prefix."""
    args = ["solve", "--inputs", str(BASELINE)] + [a for s in sets for a in ("--set", s)]
    res = CliRunner().invoke(cli_app, args)
    assert res.exit_code == 2, res.output
    line = next(x for x in res.stderr.splitlines() if x.startswith("error: "))
    return line.removeprefix("error: ")


def test_every_request_needs_the_token(client):
    """Every API request; the page is the same bytes for everyone, with no plan and no token in
    it (the address serve prints, `/?token=`, sets the token as an HttpOnly cookie and sends
    the browser to `/`: tests/test_fix_srv.py)."""
    bare, wrong = client.get("/"), client.get("/?token=wrong")
    assert bare.status_code == wrong.status_code == 200
    assert bare.text == wrong.text
    for secret in (TOKEN, "545,334", "545334"):
        assert secret not in bare.text
    assert client.get("/api/plan").status_code == 403
    assert client.get("/api/plan", params={"token": "wrong"}).status_code == 403
    refused = client.get("/api/plan", headers={HEADER: "wrong"})
    assert refused.status_code == 403
    assert "token" in refused.json()["error"]
    assert client.post("/api/set", json={"set": [EDIT]}).status_code == 403
    page = client.get("/")
    assert page.status_code == 200
    assert "allocator serve: what if" in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")  # nothing fetched
    assert client.get("/report.html", headers=AUTH).status_code == 404
    assert (
        client.get("/", params={"token": TOKEN}, headers={"host": "evil.example"}).status_code
        == 403  # a foreign host: refused as a missing token is (tests/test_hunt_serve.py)
    )


def test_an_edit_gives_the_headline_of_solve_set(client, cli_edit, project):
    first = client.get("/api/plan", headers=AUTH).json()
    answer = client.post("/api/set", json={"set": [EDIT]}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    state = answer.json()
    want = cli_edit["objective"]["value"]
    assert math.isclose(state["headline"]["value"], want, rel_tol=1e-9)
    assert state["headline"]["shown"] == rounding.shown(want, "jobs")  # as report.html
    assert state["headline"]["unit"] == cli_edit["objective"]["unit"] == "jobs"
    assert state["how"].startswith("held:")  # bounds changed on the held instance, no rebuild
    assert state["sets"] == [EDIT]
    moved = state["moved"]
    assert moved["headline"]["first"] == first["headline"]["value"]
    assert math.isclose(moved["headline"]["change"], want - first["headline"]["value"])
    jobs = {m["name"]: m for m in moved["outcomes"]}["jobs_2040"]
    assert math.isclose(jobs["now"], cli_edit["outcomes"]["jobs_2040"], rel_tol=1e-9)
    assert moved["programs"], "500 more in phase 3 moves money into some program"
    details = client.get(state["details"], headers=AUTH).json()  # the report, asked for next
    assert details["rev"] == state["rev"]
    assert math.isclose(details["headline"]["value"], want, rel_tol=1e-9)
    assert f'data-value="{details["headline"]["value"]!r}"' in details["report"]


def test_the_plan_of_an_edit_is_the_plan_of_solve_set(client, held, cli_edit, project):
    rev = client.post("/api/set", json={"set": [EDIT]}, headers=AUTH).json()["rev"]
    tables = held.details(rev).run.tables
    money = held.answer().brief.programs  # the held instance's warm answer
    by_phase = tables["allocation_by_phase"]
    cold = dict(zip(by_phase["program"], by_phase["total_musd"], strict=True))
    assert money.keys() == cold.keys()
    assert all(math.isclose(money[p], cold[p], rel_tol=1e-9, abs_tol=1e-9) for p in cold)
    for name in ("allocation", "allocation_by_phase", "outcomes"):
        write_csv(tables[name], project / f"served-{name}.csv")
        cli = (project / "cli-edit" / f"{name}.csv").read_bytes()
        assert (project / f"served-{name}.csv").read_bytes() == cli, name


@pytest.mark.parametrize(
    "bad",
    [
        "pools.nowhere/phase3.budget_musd=100",  # unknown key
        "pools.ecosystem/phase3.budgett_musd=100",  # unknown column: did you mean
        f"{CELL}=abc",  # text in a number
        f"{CELL}=1e400",  # a huge number
        "nothing=1",  # not TABLE.KEY.COLUMN=VALUE
    ],
)
def test_bad_input_is_a_4xx_in_the_words_of_the_cli(client, bad):
    before = client.get("/api/plan", headers=AUTH).json()
    refused = client.post("/api/set", json={"set": [bad]}, headers=AUTH)
    assert refused.status_code == 400
    body = refused.json()
    assert body["status"] == "error"
    assert body["exit_code"] == 2
    assert body["error"] == cli_error(bad)
    after = client.get("/api/plan", headers=AUTH)  # still serving, the scenario unchanged
    assert after.status_code == 200
    assert after.json()["sets"] == before["sets"]
    assert after.json()["headline"] == before["headline"]


def test_bodies_that_are_not_a_list_of_sets_are_refused(client):
    too_big = json.dumps({"set": ["x" * MAX_BODY]})
    cases = [
        (b"not json", 400, "not JSON"),
        (b"[1, 2]", 400, "not a JSON object"),
        (b'{"set": 5}', 400, "list of texts"),
        (b'{"set": []}', 400, "no cell to set"),
        (too_big.encode(), 413, "over 65,536 bytes"),
    ]
    for content, status, words in cases:
        refused = client.post("/api/set", content=content, headers=AUTH)
        assert refused.status_code == status, content[:40]
        assert words in refused.json()["error"]
    assert client.get("/api/plan", headers=AUTH).status_code == 200


def test_save_writes_a_model_file_that_solve_turns_into_the_same_bytes(client, project):
    assert client.post("/api/set", json={"set": [EDIT]}, headers=AUTH).status_code == 200
    saved = client.post("/api/save", json={"name": "eco_plus"}, headers=AUTH)
    assert saved.status_code == 200, saved.text
    model = project / "models" / "eco_plus.yaml"
    folder = project / "results" / "eco_plus"
    assert saved.json()["model_file"] == str(model)
    text = model.read_text(encoding="utf-8")
    assert f"- {EDIT}" in text
    assert "dataset: ../inputs/peru2040" in text
    again = project / "again"
    res = CliRunner().invoke(cli_app, ["solve", str(model), "--out", str(again)])
    assert res.exit_code == 0, res.stderr
    csvs = sorted(p.name for p in folder.glob("*.csv"))
    assert "allocation.csv" in csvs
    for name in csvs:
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name
    twice = client.post("/api/save", json={"name": "eco_plus"}, headers=AUTH)
    assert twice.status_code == 400
    assert "exists" in twice.json()["error"]
    assert model.read_text(encoding="utf-8") == text  # nothing replaced
    escaping = client.post("/api/save", json={"name": "../eco"}, headers=AUTH)
    assert escaping.status_code == 400
    assert not (project / "eco.yaml").exists()


def test_save_refuses_a_dangling_symlink_in_the_clients_words(client, project, tmp_path):
    """models/<name>.yaml a symlink to nowhere: before, open(..., "x") raised FileExistsError
    past the API's errors (500 and a traceback on the server's stderr); now a 400 that says
    the file exists, and nothing is written where the link points."""
    (project / "models").mkdir(exist_ok=True)
    target = tmp_path / "elsewhere.yaml"
    (project / "models" / "dangling.yaml").symlink_to(target)
    refused = client.post("/api/save", json={"name": "dangling"}, headers=AUTH)
    assert refused.status_code == 400, refused.text
    assert "exists" in refused.json()["error"]
    assert "dangling.yaml" in refused.json()["error"]
    assert not target.exists()
    assert not (project / "results" / "dangling").exists()
    assert client.get("/api/plan", headers=AUTH).status_code == 200  # still serving


def test_an_answer_shows_its_own_cells_not_those_of_a_later_edit(held):
    """Two tabs: a request's answer is turned into JSON after the lock is let go, so another
    edit may land in between. The cells it lists are those its plan was solved with (before:
    the held model's cells of the moment, beside a headline of other cells)."""
    from allocator.serve.app import page_state

    mine = held.edit([EDIT])
    try:
        held.reset()  # the other tab, between the solve and the JSON of the first
        shown = json.loads(page_state(held, mine).body)
    finally:
        held.reset()
    assert shown["sets"] == [EDIT]
    assert shown["headline"]["value"] == mine.brief.objective["value"]


def test_the_page_runs_only_its_own_script(client):
    """The report is put in the page with innerHTML: its renderer escapes every input text,
    and the page's CSP allows no other script than its own (by hash), so an escape missed
    later, e.g. <img src=x onerror=...> in a name, cannot run (before: 'unsafe-inline', which
    lets such a handler run)."""
    import base64
    import hashlib

    page = client.get("/", headers=AUTH)
    assert page.status_code == 200
    script = page.text.partition("<script>")[2].partition("</script>")[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = dict(
        p.strip().split(" ", 1) for p in page.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == f"'sha256-{digest}'"
    assert "unsafe" not in policy["script-src"]


def test_a_deeply_nested_body_is_refused_as_not_json(client):
    """60,000 brackets fit in the body limit and make json.loads raise RecursionError, past
    the API's errors (before: a 500 and a traceback on the server's stderr)."""
    for body in (b"[" * 60_000, b'{"set":' * 9_000):
        refused = client.post("/api/set", content=body, headers=AUTH)
        assert refused.status_code == 400, refused.text
        assert "not JSON" in refused.json()["error"]
    assert client.get("/api/plan", headers=AUTH).status_code == 200  # still serving


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (
            {"objective": "jbos"},
            "unknown objective 'jbos'. Fix: use one of jobs, exports, weighted",
        ),
        ({"targets": "sfot"}, "unknown --targets 'sfot'. Fix: use one of off, soft, hard"),
    ],
)
def test_an_unknown_objective_or_targets_is_refused_as_solve_refuses_it(project, option, words):
    """`allocator serve --objective jbos` served a plan headed "jbos 1.0" (US$ million of
    exports) and --targets sfot solved with hard targets; solve refuses both, exit 2."""
    from allocator.serve.stopping import Scenario

    opts = RunSpec(inputs=project / "inputs" / "peru2040", **option)
    scenario = Scenario(lambda: HeldModel(opts))
    asgi = create_app(scenario, TOKEN, project / "models", project / "results", ("testserver",))
    refused = TestClient(asgi).get("/api/plan", headers=AUTH)
    assert refused.status_code == 400, refused.text[:300]
    assert refused.json()["error"] == words


def test_save_after_the_model_file_is_gone_writes_it_as_served(project):
    """The model file serve started from, deleted meanwhile: Save read it again and raised
    FileNotFoundError (a 500 and a traceback), then refused it in words; now it writes the
    bytes serve read (tests/test_fix_srv.py)."""
    from allocator.runs.spec import layered
    from allocator.serve.save import save

    model = project / "models" / "gone.yaml"
    model.parent.mkdir(exist_ok=True)
    model.write_text("dataset: ../inputs/peru2040\nobjective: jobs\n", encoding="utf-8")
    held = HeldModel(layered(model))
    model.unlink()
    saved = save(held, "after_gone", project / "models", project / "results")
    assert "Saved by allocator serve from " in saved.model_file.read_text(encoding="utf-8")


def _free(port: int) -> bool:
    """Nothing listens on `port`: a connection is refused, and a server may bind it again (as
    serve binds, past the closed connections' TIME_WAIT)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen(1)
        except OSError:
            return False
    return True


def _start() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "allocator.cli", "serve", "--inputs", str(BASELINE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ | {"NO_PROXY": "*"},
    )


def test_the_server_starts_and_stops_20_times_leaving_nothing_behind():
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
    for batch in range(5):  # 4 at a time: the 2 cores start the next while one stops
        procs = [_start() for _ in range(4)]
        watchdog = threading.Timer(60, lambda ps=procs: [p.kill() for p in ps])
        watchdog.start()
        try:
            ports = []
            for proc in procs:
                url = proc.stdout.readline().split()[-1]
                assert url.startswith("http://127.0.0.1:"), url
                ports.append(int(url.split(":")[2].split("/")[0]))
                with opener.open(url, timeout=30) as page:
                    assert page.status == 200
                    assert b"allocator serve" in page.read()
            for k, proc in enumerate(procs):  # Ctrl-C, and SIGTERM as a service manager sends
                proc.send_signal(signal.SIGINT if (batch + k) % 2 else signal.SIGTERM)
            for proc, port in zip(procs, ports, strict=True):
                assert proc.wait(timeout=30) == 0
                stderr = proc.stderr.read()
                assert "Traceback" not in stderr
                assert "stopped" in stderr
                assert _free(port)
        finally:
            watchdog.cancel()
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                proc.stdout.close()
                proc.stderr.close()


@pytest.mark.skipif(chromium() is None, reason=NO_CHROMIUM)
def test_the_page_in_headless_chromium_shows_the_headline_of_solve_set(
    held, project, cli_edit, monkeypatch
):
    """The answer's headline at once, then the report of the same revision; the details of an
    earlier edit that arrive late (held back here until the next edit's are shown) are dropped."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    computed, release, late = threading.Event(), threading.Event(), {"rev": -1}
    real = held.details

    def held_back(rev: int):
        got = real(rev)
        if rev == late["rev"]:  # solved before the next edit, answered after it
            computed.set()
            release.wait(60)
        return got

    monkeypatch.setattr(held, "details", held_back)
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    with page_in_chromium(asgi, monkeypatch) as (driver, port):
        try:
            driver.get(f"http://127.0.0.1:{port}/?token={TOKEN}")  # as printed
            wait = WebDriverWait(driver, 120)
            ready = (By.CSS_SELECTOR, '#status[data-state="ready"]')
            wait.until(lambda d: d.find_elements(*ready))
            assert TOKEN not in driver.current_url  # out of the address bar and the history
            assert driver.current_url.endswith(f"{port}/"), driver.current_url
            driver.refresh()  # the tab keeps its token: a reload still answers
            wait.until(lambda d: d.find_elements(*ready))
            assert driver.find_element(By.ID, "error").is_displayed() is False
            driver.find_element(By.CSS_SELECTOR, 'details[data-table="pools"] summary').click()

            def edit(typed: str) -> None:
                cell = driver.find_element(By.CSS_SELECTOR, f'input[data-address="{CELL}"]')
                cell.send_keys(Keys.CONTROL, "a")
                cell.send_keys(typed, Keys.ENTER)
                wait.until(lambda d: f"={typed}" in d.find_element(By.ID, "sets").text)
                wait.until(lambda d: d.find_elements(*ready))

            late["rev"] = held.rev + 1
            edit("6600")  # its details solved now, answered after the next edit's
            assert computed.wait(60)
            edit("6700.0")  # 6700 as typed: another text than the cell's
            rev = str(held.rev)
            want = cli_edit["objective"]["value"]
            answer = driver.find_element(By.ID, "answer-value")  # at once, before the details
            assert driver.find_element(By.ID, "answer-headline").get_attribute("data-rev") == rev
            assert math.isclose(float(answer.get_attribute("data-value")), want, rel_tol=1e-9)
            assert answer.text.startswith(rounding.shown(want, "jobs") + " ")
            shown = f'#report[data-rev="{rev}"]'
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, shown))
            status = driver.find_element(By.ID, "details-status")
            assert (status.get_attribute("data-state"), status.get_attribute("data-rev")) == (
                "ready",
                rev,
            )
            release.set()  # the late details of 6600 arrive now: dropped
            section = (By.CSS_SELECTOR, f'#details-section[data-dropped="{late["rev"]}"]')
            wait.until(lambda d: d.find_elements(*section))
            assert driver.find_elements(By.CSS_SELECTOR, shown)
            shown = driver.find_element(By.ID, "headline-value")
            assert shown.text == rounding.shown(
                want, cli_edit["objective"]["unit"]
            )  # as report.html
            assert math.isclose(float(shown.get_attribute("data-value")), want, rel_tol=1e-9)
            assert driver.find_element(By.ID, "error").is_displayed() is False
        finally:
            release.set()


def test_the_held_instance_takes_bounds_in_place_and_refuses_a_new_structure():
    from allocator.data.cellset import apply_set, parse_set
    from allocator.data.inputs import load_inputs
    from allocator.serve.held import HELD, update_held
    from allocator.solver.compile import build_lp, standard_form

    inp = load_inputs(BASELINE)
    lp, _ = build_lp(inp)
    budget = lp.row_names.index("budget(ecosystem,phase3)")
    assert lp.row_upper[budget] != 6700
    more = apply_set(inp, parse_set(EDIT))
    assert update_held(lp, standard_form(more)) == HELD
    assert lp.row_upper[budget] == 6700
    assert lp.highs.getLp().row_upper_[budget] == 6700  # on the held instance, not a copy
    floor = apply_set(inp, parse_set("groups.capital_group/automotive_industry/all.min_musd=100"))
    rows = len(lp.row_names)
    assert update_held(lp, standard_form(floor)) is None  # a new group_min row: rebuild
    assert len(lp.row_names) == rows


def test_a_port_in_use_is_refused_before_serving():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        res = CliRunner().invoke(cli_app, ["serve", "--port", str(port)])
    assert res.exit_code == 2
    assert f"--port {port}: port {port} on 127.0.0.1 is in use" in res.stderr
    assert "Fix: give another --port" in res.stderr
    assert "Traceback" not in res.output
