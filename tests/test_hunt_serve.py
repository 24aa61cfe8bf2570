"""`allocator serve`'s security and reliability hunt: only this machine's names are answered
(DNS rebinding), only the page itself may change the plan (cross-site requests), odd numbers in
a query, a header or the body are refused in words, a fault of the program is one line without
the token, Save writes its model file whole or not at all and never into the dataset, and a
signal right after the URL stops the server cleanly. In-process (Starlette's TestClient) except
the signal, which needs the process."""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
import threading

import pytest
from starlette.testclient import TestClient

from allocator.errors import UsageError
from allocator.serve.app import HEADER, create_app
from conftest import BASELINE, ROOT

TOKEN = "hunt-token-not-secret"
AUTH = {HEADER: TOKEN}
PORT = 8765
HERE = f"127.0.0.1:{PORT}"
EDIT = "pools.ecosystem/phase3.budget_musd=6700"


@pytest.fixture(scope="module")
def local(held, project) -> TestClient:
    """The app as serve runs it (only 127.0.0.1 and localhost answered), reached as the page
    reaches it: http://127.0.0.1:PORT."""
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    return TestClient(asgi, base_url=f"http://{HERE}", raise_server_exceptions=False)


def _plan(client: TestClient) -> dict:
    answer = client.get("/api/plan", headers=AUTH)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


@pytest.mark.parametrize(
    "host",
    ["evil.example", f"evil.example:{PORT}", "127.0.0.1.evil.example", "localhost.evil:80", ""],
)
def test_a_request_naming_another_host_is_refused_403_even_with_the_token(local, host):
    """A page whose name was rebound to 127.0.0.1 sends its own name as Host: refused with 403
    and the API's one JSON line (before: 400 and Starlette's plain 'Invalid host header')."""
    refused = local.get("/api/plan", headers=AUTH | {"host": host})
    assert refused.status_code == 403, refused.text[:200]
    body = refused.json()
    assert body["status"] == "error"
    assert "127.0.0.1" in body["error"]
    assert "Fix:" in body["error"]


@pytest.mark.parametrize("host", [HERE, f"localhost:{PORT}", "127.0.0.1", "localhost"])
def test_this_machines_names_are_answered(local, host):
    assert local.get("/api/plan", headers=AUTH | {"host": host}).status_code == 200


@pytest.mark.parametrize(
    "foreign",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},  # a sandboxed frame or a file:// page
        {"origin": f"http://localhost:{PORT + 1}"},  # another local server's page
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ],
)
def test_a_change_from_another_page_is_refused_even_with_the_token(local, project, foreign):
    """Set, reset and Save from another origin (a page that learned or guessed the token)
    change nothing (before: 200, the plan edited and a scenario saved)."""
    before = _plan(local)
    calls = [
        ("/api/set", {"set": [EDIT]}),
        ("/api/reset", {}),
        ("/api/save", {"name": "cross_site"}),
    ]
    for path, body in calls:
        refused = local.post(path, json=body, headers=AUTH | foreign)
        assert refused.status_code == 403, (path, refused.text[:200])
        assert "another page" in refused.json()["error"]
    after = _plan(local)
    assert (after["rev"], after["sets"]) == (before["rev"], before["sets"])
    assert not (project / "models" / "cross_site.yaml").exists()


def test_a_change_from_the_page_itself_is_answered(local):
    same = {"origin": f"http://{HERE}", "sec-fetch-site": "same-origin"}
    answer = local.post("/api/set", json={"set": [EDIT]}, headers=AUTH | same)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["sets"] == [EDIT]
    assert local.post("/api/reset", headers=AUTH | same).status_code == 200


@pytest.mark.parametrize(
    "rev",
    ["\u00b2", "\u0661", "1" * 5000, "+1", " 1"],  # superscript two, Arabic-Indic one
)
def test_a_revision_that_is_not_ascii_digits_is_refused_in_words(local, rev):
    """'²'.isdigit() is True and int('²') raises; so does int() of 5,000 digits (before: 500
    and a traceback on the server's stderr)."""
    refused = local.get("/api/details", params={"rev": rev}, headers=AUTH)
    assert refused.status_code == 400, refused.text[:200]
    assert "is not a revision of the plan" in refused.json()["error"]


def test_a_content_length_of_5000_digits_is_refused_as_too_big(local):
    refused = local.post("/api/set", content=b"{}", headers=AUTH | {"content-length": "9" * 5000})
    assert refused.status_code == 413, refused.text[:200]
    assert "over 65,536 bytes" in refused.json()["error"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"set": ["%s"], "note": NaN}' % EDIT.encode(), "NaN"),
        (b'{"name": Infinity}', "Infinity"),
        (b'{"set": ["%s"], "x": -Infinity}' % EDIT.encode(), "-Infinity"),
        (b'{"set": %s}' % (b"7" * 6000), "6,000 digits"),
    ],
)
def test_nan_infinity_and_huge_numbers_in_the_body_are_refused(local, project, body, words):
    """JSON has no NaN or Infinity, and Python's json reads them as floats (before: the set
    was applied, 200; a name of Infinity was 'the name 'inf''; 6,000 digits 'not JSON')."""
    before = _plan(local)
    models = project / "models"
    saved = sorted(models.glob("*"))
    for path in ("/api/set", "/api/save"):
        refused = local.post(path, content=body, headers=AUTH)
        assert refused.status_code == 400, (path, refused.text[:200])
        error = refused.json()["error"]
        assert words in error, error
        assert "Fix:" in error
    after = _plan(local)
    assert (after["rev"], after["sets"]) == (before["rev"], before["sets"])
    assert sorted(models.glob("*")) == saved  # nothing saved


def test_a_fault_of_the_program_is_one_json_line_without_the_token(
    held, project, monkeypatch, caplog, capfd
):
    """An error no check foresaw: a 500 in the API's JSON words and one log line naming the
    route but not the URL's query (it holds the token); never a traceback (before: Starlette's
    plain 'Internal Server Error' and a traceback)."""

    def broken() -> None:
        raise RuntimeError("boom in the held model")

    asgi = create_app(held, TOKEN, project / "models", project / "results")
    client = TestClient(asgi, base_url=f"http://{HERE}", raise_server_exceptions=False)
    monkeypatch.setattr(held, "answer", broken)
    with caplog.at_level(logging.DEBUG):
        answer = client.get("/api/plan", headers=AUTH)
    assert answer.status_code == 500, answer.text[:200]
    body = answer.json()
    assert body["status"] == "error"
    assert "RuntimeError: boom in the held model" in body["error"]
    assert "\n" not in body["error"]
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    logged = "\n".join(server_side) + "".join(capfd.readouterr())  # the client logs its URL
    assert "/api/plan" in logged
    assert TOKEN not in logged
    assert TOKEN not in answer.text
    assert "Traceback" not in logged


def test_two_edits_and_a_save_at_once_leave_one_consistent_plan(held, project):
    """Three tabs at once: each answer's headline is the plan of its own cells, and the plan
    held after them is the plan of the cells it lists (the lock around the HiGHS instance)."""
    from allocator.serve.save import save

    held.reset()
    edits = [EDIT, "programs.lithium_processing.cap_musd=900"]
    answers, errors = {}, []
    start = threading.Barrier(3)

    def edit(text: str) -> None:
        start.wait()
        try:
            answers[text] = held.edit([text])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def saving() -> None:
        start.wait()
        try:
            save(held, "at_once", project / "models", project / "results")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(t,)) for t in edits]
    threads.append(threading.Thread(target=saving))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    last = max(answers.values(), key=lambda a: a.rev)
    assert held.answer().rev == last.rev
    assert sorted(last.sets) == sorted(edits)
    cold = held.details(last.rev).run.info["objective"]["value"]
    assert last.brief.objective["value"] == pytest.approx(cold, rel=1e-9)
    saved = (project / "models" / "at_once.yaml").read_text(encoding="utf-8")
    assert "dataset: ../inputs/peru2040" in saved
    held.reset()


def test_save_writes_its_model_file_whole_or_not_at_all(tmp_path):
    """A write that fails half-way (a full disk; here a file size limit) leaves no file behind
    (before: the first 100 bytes stayed, and Save of that name then said it exists)."""
    from allocator.serve.save import write_new

    path = tmp_path / "models" / "scenario.yaml"
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not a killed process
    caught: Exception | None = None
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, limit[1]))
    try:  # nothing else may write in here: the limit holds for the whole process
        write_new(path, "set:\n" + "- pools.public/phase1.budget_musd=6700\n" * 100)
    except Exception as exc:
        caught = exc
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)
    assert isinstance(caught, UsageError), caught
    assert "cannot be written" in str(caught)
    assert list(path.parent.iterdir()) == []  # neither the file nor a temporary one
    write_new(path, "name: whole\n")
    assert path.read_text(encoding="utf-8") == "name: whole\n"
    with pytest.raises(UsageError, match="exists"):
        write_new(path, "name: other\n")
    assert path.read_text(encoding="utf-8") == "name: whole\n"


def test_save_into_the_dataset_by_results_is_refused_in_serves_words(held, project):
    """`serve --results inputs/peru2040`: refused naming --results, before anything is
    written (before: solve's words, '--out ... choose a --out', after the model file was
    written and removed again)."""
    asgi = create_app(held, TOKEN, project / "models", project / "inputs" / "peru2040")
    client = TestClient(asgi, base_url=f"http://{HERE}")
    before = sorted(os.listdir(project / "inputs" / "peru2040"))
    refused = client.post("/api/save", json={"name": "into_data"}, headers=AUTH)
    assert refused.status_code == 400, refused.text[:300]
    error = refused.json()["error"]
    assert error.startswith("--results ")
    assert "inside the dataset" in error
    assert "--out" not in error
    assert sorted(os.listdir(project / "inputs" / "peru2040")) == before
    assert not (project / "models" / "into_data.yaml").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_right_after_the_url_stops_the_server_cleanly(sig):
    """Ctrl-C or SIGTERM at once after the URL is printed: exit 0 and 'stopped', as later
    (before: exit 130 and 'interrupted: no run folder was written', uvicorn not yet
    listening for signals)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "allocator.cli", "serve", "--inputs", str(BASELINE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    watchdog = threading.Timer(60, proc.kill)
    watchdog.start()
    try:
        url = proc.stdout.readline()
        assert "http://127.0.0.1:" in url, url
        proc.send_signal(sig)
        code = proc.wait(timeout=60)
        stderr = proc.stderr.read()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert code == 0, stderr
    assert "allocator serve: stopped" in stderr
    assert "interrupted" not in stderr
    assert "Traceback" not in stderr
    assert url.split("token=")[1].strip() not in stderr
    assert "/?token=" in url  # the page's first load only: it sets a cookie, redirects to /


def test_the_page_gets_the_token_from_its_url_as_an_httponly_cookie(local):
    """The token is in the URL serve prints, taken by the page's first load only: it becomes an
    HttpOnly cookie (the script never holds it; tests/test_fix_srv.py) and the browser is sent
    to the clean URL; no link of the page or report carries the Referer."""
    first = local.get("/", params={"token": TOKEN}, follow_redirects=False)
    assert first.status_code == 303
    assert "httponly" in first.headers["set-cookie"].lower()
    page = local.get("/")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert page.headers["referrer-policy"] == "no-referrer"
    assert TOKEN not in page.text
    assert json.dumps(HEADER) not in page.text


def test_save_to_models_outside_the_datasets_project_is_refused_in_serves_words(held, project):
    """`serve --models scenarios`: a model file's dataset must lie in its project (the folder
    above models/, else its own), so the model file written there could not be read. Refused
    before anything is written, naming --models (before: written, read back, removed, and the
    model file reader's 'points outside the project. Fix: use a folder inside the project')."""
    scenarios = project / "scenarios"
    asgi = create_app(held, TOKEN, scenarios, project / "results")
    client = TestClient(asgi, base_url=f"http://{HERE}")
    refused = client.post("/api/save", json={"name": "elsewhere"}, headers=AUTH)
    assert refused.status_code == 400, refused.text[:300]
    error = refused.json()["error"]
    assert error.startswith(f"--models {scenarios}")
    assert str(project / "models") in error  # the fix names a folder that works
    assert "points outside" not in error
    assert not scenarios.exists()
    assert not (project / "results" / "elsewhere").exists()


def test_a_client_gone_while_sending_its_body_is_no_fault_of_the_program(caplog):
    """The page closed half-way through a body: Starlette raises ClientDisconnect, which the
    API now answers as a refusal, logging nothing (before: a 'failed ... report it' line, and
    earlier a traceback)."""
    import asyncio

    from starlette.requests import Request

    from allocator.serve.body import ApiError, read_body

    messages = [
        {"type": "http.request", "body": b'{"set": [', "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict:
        return messages.pop(0)

    json = [(b"content-type", b"application/json")]  # as the page sends (else 415: rvfix)
    scope = {"type": "http", "method": "POST", "headers": json, "path": "/api/set"}
    with pytest.raises(ApiError) as refused:
        asyncio.run(read_body(Request(scope, receive)))
    assert refused.value.status == 400
    assert "ended before" in str(refused.value)
    assert not [r for r in caplog.records if r.name.startswith("allocator")]


@pytest.mark.parametrize(
    ("option", "key", "want"),
    [
        ({"objective": "exports"}, "objective", "exports"),
        ({"targets": "hard"}, "targets", "hard"),
        ({"measure": "discounted", "discount_rate": 0.05}, "discount_rate", 0.05),
    ],
)
def test_save_keeps_the_command_lines_options_over_the_model_files(project, option, key, want):
    """`serve models/base.yaml --objective exports`: the page showed the exports plan, and Save
    wrote the model file's `objective: jobs`, so `allocator solve` on the saved file gave
    another plan in silence. Now the saved file holds the options the page was solved with."""
    import yaml

    from allocator.runs.spec import layered
    from allocator.serve.held import HeldModel
    from allocator.serve.save import model_text

    model = project / "models" / "base_for_options.yaml"
    model.parent.mkdir(exist_ok=True)
    model.write_text(
        "dataset: ../inputs/peru2040\nobjective: jobs\ntargets: soft\nmeasure: final\n",
        encoding="utf-8",
    )
    held = HeldModel(layered(model, **option))
    kept = project / "models" / f"kept_{key}.yaml"
    kept.write_text(model_text(held, kept.stem, kept), encoding="utf-8")
    assert yaml.safe_load(kept.read_text(encoding="utf-8"))[key] == want
    again = layered(kept)  # as solve reads the saved file
    for name, value in option.items():
        assert getattr(again, name) == value, name


def test_a_model_file_with_decide_now_is_refused_not_served_as_another_plan(project):
    """`decide_now:` in the model file: `allocator solve` on it makes a two-stage plan, serve's
    page solved the one-stage plan in silence (and Save then wrote the two-stage one). Refused
    as --risk is, in words naming the model file's key."""
    from allocator.runs.spec import layered
    from allocator.serve.held import HeldModel
    from allocator.serve.stopping import Scenario

    model = project / "models" / "two_stage.yaml"
    model.parent.mkdir(exist_ok=True)
    model.write_text(
        "dataset: ../inputs/peru2040\nobjective: jobs\ndecide_now: [phase1]\n", encoding="utf-8"
    )
    scenario = Scenario(lambda: HeldModel(layered(model)))
    asgi = create_app(scenario, TOKEN, project / "models", project / "results")
    refused = TestClient(asgi, base_url=f"http://{HERE}").get("/api/plan", headers=AUTH)
    assert refused.status_code == 400, refused.text[:300]
    error = refused.json()["error"]
    assert "decide_now" in error
    assert "allocator solve" in error


def test_save_after_the_dataset_changed_on_disk_is_refused(tmp_path):
    """The page holds the dataset as serve read it; Save solved the CSV tables on disk, edited
    meanwhile, and wrote a run whose numbers the page never showed, in silence. Now refused
    before anything is written, saying why and what to do."""
    import shutil

    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel
    from allocator.serve.save import save

    data = tmp_path / "inputs" / "peru2040"
    shutil.copytree(BASELINE, data)
    held = HeldModel(RunSpec(inputs=data))
    held.edit([EDIT])
    pools = data / "pools.csv"
    text = pools.read_text(encoding="utf-8")
    edited = text.replace("infrastructure,phase1,5200,", "infrastructure,phase1,5300,", 1)
    assert edited != text
    pools.write_text(edited, encoding="utf-8")
    with pytest.raises(UsageError, match="changed on disk") as refused:
        save(held, "stale_data", tmp_path / "models", tmp_path / "results")
    assert "Fix:" in str(refused.value)
    assert not (tmp_path / "models" / "stale_data.yaml").exists()
    assert not (tmp_path / "results" / "stale_data").exists()


def test_the_model_file_gone_while_serving_stops_no_edit(project):
    """The model file serve started from, deleted (or renamed) while the page is open: each
    answer hashed it for run.json's options, so every edit failed (a 500 and a traceback).
    Edits go on (the plan needs only what serve read); the details, `allocator solve`'s run
    of that model file, are solved from the bytes serve read at start (as Save writes them):
    before, they were refused with 400."""
    import hashlib

    from allocator.runs.spec import layered
    from allocator.serve.held import HeldModel

    model = project / "models" / "going.yaml"
    model.parent.mkdir(exist_ok=True)
    model.write_text("dataset: ../inputs/peru2040\nobjective: jobs\n", encoding="utf-8")
    held = HeldModel(layered(model))
    asgi = create_app(held, TOKEN, project / "models", project / "results")
    client = TestClient(asgi, base_url=f"http://{HERE}", raise_server_exceptions=False)
    assert client.get("/api/plan", headers=AUTH).status_code == 200
    read = model.read_bytes()
    model.unlink()
    answer = client.post("/api/set", json={"set": [EDIT]}, headers=AUTH)
    assert answer.status_code == 200, answer.text[:300]
    details = client.get(answer.json()["details"], headers=AUTH)
    assert details.status_code == 200, details.text[:300]
    assert details.json()["rev"] == answer.json()["rev"]
    assert not model.exists()
    run = held.details(answer.json()["rev"]).run  # the same revision: solved once, held
    assert run.info["options"]["model_file_sha256"] == hashlib.sha256(read).hexdigest()
