"""`allocator serve`'s loose ends (task srv), each as a test that failed before its fix: the
details give the quick answer's numbers, a stop cancels a details solve and a Save (undone, no
traceback), the page says the existing/new split `allocator solve` prints, Save records the
model file as served, the token in a URL opens the page once (then an HttpOnly cookie), and
details asked for before any plan name a fix the API accepts. In-process (Starlette's
TestClient) except the stops, which need the process, and the page, which needs Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from allocator.cli.commands import app as cli_app
from allocator.serve.app import HEADER, create_app
from allocator.serve.brief import as_tables
from conftest import BASELINE, NO_CHROMIUM, ROOT, chromium, page_in_chromium

TOKEN = "srv-token-not-secret"
AUTH = {HEADER: TOKEN}
EDIT = "pools.ecosystem/phase3.budget_musd=6700"
"""An edit whose warm re-solve and `allocator solve --set` differ in their last bits
(550633.54 and 550633.5399999999 jobs, measured)."""


def _solve_stdout(project: Path, *sets: str) -> list[str]:
    """The lines `allocator solve --set ...` prints on stdout for the project's dataset."""
    args = ["solve", "--inputs", str(project / "inputs" / "peru2040")]
    args += [a for s in sets for a in ("--set", s)]
    res = CliRunner().invoke(cli_app, [*args, "--out", str(project / f"cli-{len(sets)}")])
    assert res.exit_code == 0, res.stderr
    return res.stdout.splitlines()


# 1. the details give the numbers of the quick answer


def test_the_details_give_the_numbers_of_the_quick_answer(client):
    """The quick answer rounds run.json's numbers to 12 significant digits (as the CSV tables
    write them); the details of the same revision gave them exact (550633.5399999999 beside
    550633.54), in their headline and in the report's data-value: one number two ways."""
    quick = client.post("/api/set", json={"set": [EDIT]}, headers=AUTH).json()
    details = client.get(quick["details"], headers=AUTH).json()
    assert details["rev"] == quick["rev"]
    assert details["headline"] == quick["headline"]
    value = re.search(r'id="headline-value" data-value="([^"]*)"', details["report"])
    assert value is not None
    assert value.group(1) == repr(quick["headline"]["value"])
    for tie in details["tie_classes"]:
        for member in tie["programs"]:
            for k in ("plan", "low", "high"):
                assert member[k] == as_tables(member[k]), member


# 3. the existing/new split of `allocator solve`


@pytest.mark.parametrize("sets", [(), (EDIT,)])
def test_the_page_says_the_existing_and_new_split_solve_prints(client, project, sets):
    """`allocator solve` says '545,334 direct jobs in 2040 (63,000 existing before the plan +
    482,334 new)' and each milestone's split; the page said the level alone."""
    path = "/api/set" if sets else "/api/reset"
    body = {"set": list(sets)} if sets else {}
    answer = client.post(path, json=body, headers=AUTH).json()
    stdout = _solve_stdout(project, *sets)
    head = answer["headline"]
    said = f"{head['shown']} {head['label']}{head['split']}"
    assert head["split"].startswith(" (63,000 existing before the plan + ")
    assert stdout[0].endswith(f": {said}"), (stdout[0], said)
    assert answer["levels"], answer.keys()
    for line in answer["levels"]:
        assert f"  {line}" in stdout, (line, stdout[:5])
    assert any("63,000 existing +" in line for line in answer["levels"])
    details = client.get(answer["details"], headers=AUTH).json()
    assert details["headline"]["split"] == head["split"]
    assert head["split"] in details["report"]


# 4. Save records the model file as served


@pytest.mark.parametrize("change", ["edited", "gone", "broken"])
def test_save_records_the_model_file_serve_read_whatever_it_became(tmp_path, change):
    """Save read the model file again: edited on disk, the saved scenario was the new file's
    (refused as 'changed on disk'); gone or broken, Save was refused. It now writes the bytes
    serve read at start, and `allocator solve` on the saved file gives the plan shown."""
    from allocator.runs.spec import layered
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    shutil.copytree(BASELINE, tmp_path / "inputs" / "peru2040")
    model = tmp_path / "models" / "served.yaml"
    model.parent.mkdir()
    served = (
        "name: served\ndataset: ../inputs/peru2040\nobjective: jobs\n"
        "set:\n  - pools.infrastructure/phase1.budget_musd=3100\n"
    )
    model.write_text(served, encoding="utf-8")
    held = HeldModel(layered(model))
    shown = held.edit([EDIT])
    if change == "edited":
        model.write_text(served.replace("3100", "2900"), encoding="utf-8")
    elif change == "gone":
        model.unlink()
    else:
        model.write_text("dataset: [unclosed\n", encoding="utf-8")
    saved = save(held, "kept", tmp_path / "models", tmp_path / "results")
    text = saved.model_file.read_text(encoding="utf-8")
    assert "pools.infrastructure/phase1.budget_musd=3100" in text
    assert "2900" not in text
    assert EDIT in text
    assert saved.run.info["objective"]["value"] == pytest.approx(
        shown.brief.objective["value"], rel=1e-12
    )


# 5. the token: in a URL only to open the page, then an HttpOnly cookie


def _app(held, project, **kwargs) -> TestClient:
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    return TestClient(asgi, base_url="http://127.0.0.1:8765", **kwargs)


def test_the_token_in_the_url_opens_the_page_once_and_a_cookie_carries_it(held, project):
    """`?token=` was accepted on every API call (URLs leak through logs and history). Now only
    the page's first load takes it: it sets an HttpOnly, SameSite=Strict cookie (named by the
    port: two servers on one machine keep theirs) and redirects to the clean URL."""
    browser = _app(held, project, follow_redirects=False)
    first = browser.get("/", params={"token": TOKEN})
    assert first.status_code == 303
    assert first.headers["location"] == "/"
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"allocator-serve-8765={TOKEN};"), cookie
    for attribute in ("httponly", "samesite=strict", "path=/"):
        assert attribute in cookie.lower(), cookie
    assert first.headers["referrer-policy"] == "no-referrer"
    assert first.headers["cache-control"] == "no-store"
    page = browser.get("/")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert TOKEN not in page.text
    page_call = {"X-Allocator-Page": "1"}  # the page's script's header (task w2: the proof)
    assert browser.get("/api/plan", headers=page_call).status_code == 200  # the cookie
    assert browser.get("/api/plan", headers={"sec-fetch-site": "same-origin"}).status_code == 200
    for site in ("same-site", "cross-site"):  # another port of 127.0.0.1, another site
        refused = browser.get("/api/plan", headers={"sec-fetch-site": site})
        assert refused.status_code == 403, site


def test_the_api_takes_the_token_in_a_header_or_the_cookie_never_in_the_url(held, project):
    script = _app(held, project, follow_redirects=False)
    refused = script.get("/api/plan", params={"token": TOKEN})
    assert refused.status_code == 403
    assert "token" in refused.json()["error"]
    assert script.get("/api/details", params={"rev": "1", "token": TOKEN}).status_code == 403
    assert script.get("/api/plan", headers=AUTH).status_code == 200
    other = script.get("/api/plan", headers={"cookie": f"allocator-serve-9999={TOKEN}"})
    assert other.status_code == 403  # another server's cookie
    cookie = {"cookie": f"allocator-serve-8765={TOKEN}", "X-Allocator-Page": "1"}
    assert script.get("/api/plan", headers=cookie).status_code == 200  # from the page
    wrong = script.get("/", params={"token": "wrong"})
    assert wrong.status_code == 303  # out of the address bar too, but no cookie
    assert wrong.headers["location"] == "/"
    assert "set-cookie" not in wrong.headers
    assert script.get("/", params={"token": TOKEN, "x": "1"}).headers["location"] == "/"


def test_the_pages_script_never_holds_the_token():
    from allocator.serve.app import page_parts

    script = page_parts()[1]
    for way in ("sessionStorage", "X-Allocator-Token", "location.hash", "location.search"):
        assert way not in script  # the page never holds it: the cookie is HttpOnly


# 6. details before any plan


def test_details_asked_before_any_plan_name_a_fix_the_api_accepts(project):
    """Before any plan the fix named `?rev=0`, which the API refuses (fixed in d369c79): the
    fix it names now works when followed."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel

    held = HeldModel(RunSpec(inputs=project / "inputs" / "peru2040"))
    client = TestClient(create_app(held, TOKEN, hosts=("testserver",)))
    early = client.get("/api/details", params={"rev": "1"}, headers=AUTH)
    assert early.status_code == 400
    error = early.json()["error"]
    assert "rev=0" not in error
    asked = re.findall(r"/api/\w+(?:\?rev=\w+)?", error.partition("Fix:")[2])
    assert asked[0] == "/api/plan"
    plan = client.get(asked[0], headers=AUTH).json()
    assert client.get(plan["details"], headers=AUTH).status_code == 200


# 2. a stop cancels a details solve and a Save


_SLOW_SERVE = """
import os, runpy, sys, time
import allocator.serve.held as held
import allocator.serve.save as save
def slowly(real):
    def slow(*args, **kwargs):
        open(os.environ["SRV_MARK"], "w").close()
        for _ in range(300):  # 15 s in steps: a stop may land between two
            time.sleep(0.05)
        open(os.environ["SRV_MARK"] + ".ran", "w").close()
        return real(*args, **kwargs)
    return slow
held.solved = slowly(held.solved)
save.run_solve = slowly(save.run_solve)
sys.argv = ["allocator", "serve", "--inputs", sys.argv[1], "--models", sys.argv[2],
            "--results", sys.argv[3]]
runpy.run_module("allocator.cli", run_name="__main__")
"""


def _ask(request: urllib.request.Request, got: dict) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=90) as answer:
            got["status"], got["body"] = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        got["status"], got["body"] = exc.code, exc.read()
    except OSError as exc:  # the connection closed by a stopping server: no answer at all
        got["error"] = repr(exc)


def _stopped_while(tmp_path: Path, sig: int, path: str, body: dict | None) -> dict:
    """Start serve (its details solve and Save's solve held back 15 s), ask `path`, stop it
    with `sig` once that solve has started; what came back and what the process said."""
    data = tmp_path / "inputs" / "peru2040"
    shutil.copytree(BASELINE, data)
    mark = tmp_path / "solving"
    env = os.environ | {"NO_PROXY": "*", "SRV_MARK": str(mark)}
    args = [str(data), str(tmp_path / "models"), str(tmp_path / "results")]
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    got: dict = {}
    try:
        url = proc.stdout.readline().split()[-1]
        base = url.partition("/?token=")[0]
        token = url.partition("/?token=")[2]
        headers = {HEADER: token, "Content-Type": "application/json"}
        plan: dict = {}
        _ask(urllib.request.Request(f"{base}/api/plan", headers=headers), plan)
        assert plan.get("status") == 200, plan
        rev = json.loads(plan["body"])["rev"]
        data_ = None if body is None else json.dumps(body).encode()
        asked = urllib.request.Request(f"{base}{path.format(rev=rev)}", data_, headers)
        asking = threading.Thread(target=_ask, args=(asked, got))
        asking.start()
        while not mark.exists() and proc.poll() is None:
            threading.Event().wait(0.05)
        proc.send_signal(sig)
        got["code"] = proc.wait(timeout=100)
        got["stderr"] = proc.stderr.read()
        asking.join(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    got["ran"] = Path(f"{mark}.ran").exists()
    return got


def _clean(got: dict) -> None:
    assert got["code"] == 0, got["stderr"]
    assert "allocator serve: stopped" in got["stderr"]
    assert "Traceback" not in got["stderr"], got["stderr"][:600]
    assert not got["ran"], "the solve went on after the stop"
    if "body" in got:
        answer = json.loads(got["body"])
        assert (got["status"], answer["status"]) == (503, "error"), got


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_cancels_a_details_solve(tmp_path, sig):
    """A stop answered the details request 503 at once but the process then waited for their
    solve to end (a long scenario's: half a minute) before it exited."""
    _clean(_stopped_while(tmp_path, sig, "/api/details?rev={rev}", None))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_cancels_a_save_and_leaves_nothing_of_it(tmp_path, sig):
    """A Save under way went on to its end after the stop; now its solve stops and the Save is
    undone: no model file, no run folder, no temp folder."""
    got = _stopped_while(tmp_path, sig, "/api/save", {"name": "stopped_save"})
    _clean(got)
    assert not (tmp_path / "models" / "stopped_save.yaml").exists()
    assert list((tmp_path / "models").glob("*")) == []
    results = tmp_path / "results"
    assert not results.exists() or list(results.iterdir()) == []


# the page in a browser: the address serve prints, the cookie, the split


@pytest.mark.skipif(chromium() is None, reason=NO_CHROMIUM)
def test_the_page_opened_as_printed_keeps_the_token_in_an_httponly_cookie(
    held, project, monkeypatch
):
    """Opened at `/?token=` as serve prints it: the address bar holds `/` at once, the script
    cannot read the cookie, a reload still answers, and the headline says the split."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    asgi = create_app(held, TOKEN, project / "models", project / "results")
    with page_in_chromium(asgi, monkeypatch) as (driver, port):
        held.reset()
        driver.get(f"http://127.0.0.1:{port}/?token={TOKEN}")  # as printed
        wait = WebDriverWait(driver, 120)
        ready = (By.CSS_SELECTOR, '#status[data-state="ready"]')
        wait.until(lambda d: d.find_elements(*ready))
        assert driver.current_url == f"http://127.0.0.1:{port}/"
        cookies = {c["name"]: c for c in driver.get_cookies()}
        kept = cookies[f"allocator-serve-{port}"]
        assert (kept["httpOnly"], kept["sameSite"]) == (True, "Strict")
        assert TOKEN not in driver.execute_script("return document.cookie")
        driver.refresh()
        wait.until(lambda d: d.find_elements(*ready))
        assert driver.find_element(By.ID, "error").is_displayed() is False
        headline = driver.find_element(By.ID, "answer-headline").text
        assert "(63,000 existing before the plan + " in headline, headline
        levels = driver.find_element(By.ID, "levels").text
        assert "jobs (jobs): " in levels, levels
        assert "63,000 existing + " in levels, levels
