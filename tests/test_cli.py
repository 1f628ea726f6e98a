"""Hostile arguments to the ``performance-platform`` command line.

Every case runs the real command as a subprocess against the test database and must
fail cleanly: a non-zero exit status, a message on stderr that says what is wrong, and
no Python traceback.
"""

import os
import re
import signal
import subprocess
import sys

import pytest

from performance_platform.datastore.models import DataSet, WriteToken
from tests.conftest import ROOT, Server, _free_port, database_url_for_tests, wait_until_up

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 120  # generous: the machine may be busy; a hang is still caught


def run_cli(
    *args: str, stdin: bytes | None = None, cwd=ROOT, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``performance-platform ARGS`` on the test database, killing it if it hangs."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "performance_platform.cli", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so a `serve` that wrongly started can be stopped whole
    )
    try:
        out, err = process.communicate(stdin, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"performance-platform {' '.join(args)} did not finish in {TIMEOUT} s")
    return subprocess.CompletedProcess(
        process.args, process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    )


def assert_clean_failure(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    assert message in result.stderr, result.stderr


# --- serve -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "abc"], r"--port must be a number from 0 to 65535, not 'abc'"),
        (["--port", "99999"], r"--port must be a number from 0 to 65535, not '99999'"),
        (["--port", "-1"], r"--port must be a number from 0 to 65535, not '-1'"),
        (["--port", ""], r"--port must be a number from 0 to 65535, not ''"),
        (["--port", "1e3"], r"--port must be a number from 0 to 65535, not '1e3'"),
        (["--workers", "0"], r"--workers must be a whole number .*, not '0'"),
        (["--workers", "-3"], r"--workers must be a whole number .*, not '-3'"),
        (["--workers", "1.5"], r"--workers must be a whole number .*, not '1\.5'"),
        (["--workers", "many"], r"--workers must be a whole number .*, not 'many'"),
        (["--host", ""], r"--host must be a host name or address"),
        (["--host", "bad host"], r"--host must be a host name or address"),
        (["--port"], r"argument --port: expected one argument"),
        (["--no-such-option"], r"unrecognized arguments: --no-such-option"),
    ],
)
def test_serve_refuses(args, message):
    # A free port wherever the port is not the point, so a regression that did start
    # the server could not collide with anything (and is killed on timeout).
    if "--port" not in args:
        args = [*args, "--port", str(_free_port())]
    result = run_cli("serve", "--no-collectstatic", *args)
    assert_clean_failure(result, "")
    assert re.search(message, result.stderr), result.stderr
    assert result.returncode in (1, 2)


def test_serve_refuses_both_static_options():
    result = run_cli("serve", "--collectstatic", "--no-collectstatic", "--port", str(_free_port()))
    assert_clean_failure(result, "not allowed with argument")
    assert result.returncode == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SERVE_HEADER_TIMEOUT", "soon"),
        ("SERVE_BODY_TIMEOUT", "0"),
        ("SERVE_KEEPALIVE_TIMEOUT", "-5"),
        ("SERVE_GRACEFUL_TIMEOUT", "1e9"),
    ],
)
def test_serve_refuses_bad_timeouts(name, value):
    result = run_cli("serve", "--no-collectstatic", "--port", str(_free_port()), env={name: value})
    assert_clean_failure(result, f"{name} must be a number of seconds from 0.1 to 3600")
    assert result.returncode == 1


# --- tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: action"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["create"], "the following arguments are required: group, type, --label"),
        (["create", "some-group"], "the following arguments are required: type, --label"),
        (["create", "some-group", "some-type"], "the following arguments are required: --label"),
        (["create", "some-group", "some-type", "--label"], "expected one argument"),
        (["revoke", "some-group", "some-type"], "one of the arguments --label --prefix"),
    ],
)
def test_tokens_usage_errors(args, message):
    result = run_cli("tokens", *args)
    assert_clean_failure(result, message)
    assert result.returncode == 2


def test_tokens_create_for_an_unknown_data_set(make_data_set):
    make_data_set()  # another data set exists; the one asked for does not
    result = run_cli("tokens", "create", "no-such-group", "no-such-type", "--label", "ci")
    assert_clean_failure(result, "No data set no-such-group/no-such-type")
    assert result.stdout == ""
    assert WriteToken.objects.filter(label="ci").count() == 0


def test_tokens_create_with_half_a_name_of_a_real_data_set(make_data_set):
    make_data_set(group="real-group", data_type="real-type")
    result = run_cli("tokens", "create", "real-group", "other-type", "--label", "ci")
    assert_clean_failure(result, "No data set real-group/other-type")
    assert WriteToken.objects.filter(label="ci").count() == 0


@pytest.mark.parametrize("label", ["", "   ", "x" * 101])
def test_tokens_create_with_a_bad_label(make_data_set, label):
    make_data_set(group="real-group", data_type="real-type")
    result = run_cli("tokens", "create", "real-group", "real-type", "--label", label)
    assert_clean_failure(result, "--label must be 1 to 100 characters")
    assert result.stdout == ""  # no secret was printed
    assert WriteToken.objects.count() == 1  # only make_data_set's own


def test_tokens_revoke_and_list_unknown_data_set():
    result = run_cli("tokens", "revoke", "no-such-group", "no-such-type", "--label", "x")
    assert_clean_failure(result, "No data set no-such-group/no-such-type")
    result = run_cli("tokens", "list", "no-such-group", "no-such-type")
    assert_clean_failure(result, "No data set no-such-group/no-such-type")
    result = run_cli("tokens", "list", "only-a-group")
    assert_clean_failure(result, "Give both GROUP and TYPE, or neither")


def test_tokens_create_really_works_for_a_known_data_set(make_data_set):
    """The control case: the same invocation with a real data set succeeds."""
    make_data_set(group="real-group", data_type="real-type")
    result = run_cli("tokens", "create", "real-group", "real-type", "--label", "ci")
    assert result.returncode == 0, result.stderr
    assert WriteToken.objects.filter(label="ci").count() == 1
    assert WriteToken.objects.get(label="ci").matches(result.stdout.strip())


# --- import-config -----------------------------------------------------------------------


def _import_fails(result, message):
    assert_clean_failure(result, "Nothing was imported.")
    assert message in result.stderr, result.stderr
    assert DataSet.objects.count() == 0


def test_import_config_missing_file(tmp_path):
    missing = tmp_path / "no-such-file.yaml"
    _import_fails(run_cli("import-config", str(missing)), f"cannot read {missing}")


def test_import_config_directory(tmp_path):
    _import_fails(run_cli("import-config", str(tmp_path)), "Is a directory")


def test_import_config_empty_path():
    _import_fails(run_cli("import-config", ""), "cannot read")


def test_import_config_without_an_argument():
    result = run_cli("import-config")
    assert_clean_failure(result, "the following arguments are required: file")
    assert result.returncode == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # A PNG signature: not UTF-8.
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "is not UTF-8 text"),
        # Random bytes, seeded: not UTF-8 either.
        (bytes((i * 7919 + 13) % 256 for i in range(4096)), "is not UTF-8 text"),
        # Valid UTF-8 but control characters: neither JSON nor YAML.
        (b"\x00\x01\x02\x03", "is neither valid JSON nor valid YAML"),
        # A YAML tag that would run code under an unsafe loader.
        (
            b'!!python/object/apply:os.system ["echo pwned"]\n',
            "is neither valid JSON nor valid YAML",
        ),
        (b"", "must hold a JSON/YAML object"),
        (b"[1, 2, 3]", "must hold a JSON/YAML object"),
        (b'{"data_sets": [{"data_group": "Bad Group!", "data_type": 5}]}', "data_sets[0]"),
    ],
    ids=["png", "random", "control-chars", "python-tag", "empty", "list", "bad-entry"],
)
def test_import_config_hostile_files(tmp_path, content, message):
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    result = run_cli("import-config", str(path))
    _import_fails(result, message)
    assert "pwned" not in result.stdout


def test_import_config_binary_on_stdin():
    result = run_cli("import-config", "-", stdin=b"\xff\xfe\x00binary\x80")
    _import_fails(result, "- is not UTF-8 text")


def test_import_config_really_works_for_a_good_file(tmp_path):
    """The control case: a sound file through the same path is imported."""
    path = tmp_path / "config.yaml"
    path.write_text("data_sets:\n  - data_group: real-group\n    data_type: real-type\n")
    result = run_cli("import-config", str(path))
    assert result.returncode == 0, result.stderr
    assert list(DataSet.objects.values_list("name", flat=True)) == ["real_group_real_type"]


def test_unknown_command():
    result = run_cli("frobnicate")
    assert_clean_failure(result, "Unknown command: 'frobnicate'")


# --- what `serve` and `make run` print -------------------------------------------------


def test_serve_prints_the_addresses_to_open_and_little_else(tmp_path):
    """`make run` ends with `serve`: the addresses (and the demo's sign-in lines, from
    --banner, with {base} filled in) must be what a person reads last."""
    port = _free_port()
    out, err = tmp_path / "out", tmp_path / "err"
    banner = tmp_path / "banner.txt"
    banner.write_text("Sign in as someone:\n  Sign in          {base}/manage/sign-in\n")
    env = {**os.environ, "DATABASE_URL": database_url_for_tests(), "LOG_LEVEL": "INFO"}
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "performance_platform.cli", "serve", "--port", str(port)]
            + ["--workers", "2", "--no-collectstatic", "--banner", str(banner)],
            env=env,
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            server = Server(port, process)
            wait_until_up(server, timeout=TIMEOUT)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    base = f"http://127.0.0.1:{port}"
    lines = out.read_text().splitlines()
    assert lines[:9] == [
        "Serving the Performance Platform (2 worker processes). Open:",
        f"  Home page        {base}/performance",
        f"  Services index   {base}/performance/services",
        f"  Signed-in pages  {base}/manage",
        f"  Django admin     {base}/admin/",
        f"  Data API (docs)  {base}/api/openapi.json",
        "Sign in as someone:",
        f"  Sign in          {base}/manage/sign-in",
        "Press Ctrl+C to stop.",
    ]
    # After them, only the access log (the start-up checks' requests).
    assert all('"GET /_status HTTP/1.1"' in line for line in lines[9:]), lines[9:]
    # uvicorn's own start-up chatter (INFO) is left out; warnings and errors would show.
    assert "Started server process" not in err.read_text()
    assert "Uvicorn running" not in err.read_text()


def test_load_demo_is_silent_at_verbosity_0():
    result = run_cli("load-demo", "--verbosity", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
