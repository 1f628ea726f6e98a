"""Fix the clock of the `serve` the browser tests start (Python imports ``sitecustomize``
at start-up from ``PYTHONPATH``, which ``conftest.site`` points here).

`serve` replaces itself with gunicorn (``os.execv``) and gunicorn forks its workers, so
patching the clock in the test process cannot reach them: each process that starts reads
``PP_TEST_FROZEN_NOW`` and stands still there, as the test process stood while it loaded
the demo. So "users online at 3:40pm", "last week" and the data's range say the same on every
run, whatever the time of day.
"""

import os

_frozen = os.environ.get("PP_TEST_FROZEN_NOW")
if _frozen:
    import time_machine

    time_machine.travel(_frozen, tick=False).start()
