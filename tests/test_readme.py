"""The README's "Send your first record" works as written, against a real server.

The commands are taken from the README itself (its shell blocks in that section), run
with a real shell, the real command line tool and curl, against a real `serve` on the
test database, with the demo's own settings for the data set. Only the address changes
(the test server's port) and the token (the one the first command printed).
"""

import json
import os
import re
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from performance_platform.configuration.importer import import_config
from performance_platform.demo.data import demo_config

from .conftest import database_url_for_tests

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def first_record_commands() -> list[str]:
    section = README.split("## Send your first record", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_the_readmes_first_record_is_stored_and_found(live_server_process):
    entry = next(
        d
        for d in demo_config()["data_sets"]
        if (d["data_group"], d["data_type"]) == ("carers-allowance", "transactions-by-channel")
    )
    import_config({"data_sets": [entry]})
    create, send, see = first_record_commands()
    env = {**os.environ, "DATABASE_URL": database_url_for_tests()}

    def run(script: str) -> subprocess.CompletedProcess:
        script = script.replace("http://127.0.0.1:8000", live_server_process.url)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, (script, done.stdout, done.stderr)
        return done

    token = run(create).stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token), token
    answer = run(send.replace("the-token-you-copied", token)).stdout
    assert answer.startswith("HTTP/1.1 200"), answer
    assert answer.rstrip().endswith('{"status":"ok"}') or '"status": "ok"' in answer, answer
    found = json.loads(run(see).stdout)["data"]
    assert len(found) == 1, found
    record = found[0]
    assert (record["channel"], record["count"], record["period"]) == ("digital", 1234, "week")
    # Today's date, as the shell's `date` gave it (a day either side if midnight passed).
    sent_at = datetime.fromisoformat(record["_timestamp"])
    assert sent_at.time() == time(0) and abs(datetime.now(UTC) - sent_at) < timedelta(days=2)
