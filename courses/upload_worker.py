"""The child side of courses.uploads.run_bounded.

Imported by the forkserver process only (multiprocessing's preload): it sets Django up
once there, so each child forked from it starts with the apps loaded and costs a fork,
not an interpreter start. Application code never imports this module at load time.
"""

from __future__ import annotations

import contextlib
import os
import resource

import django

# The spreadsheet reader (attendees.importing reads every format through pandas): loaded
# once here, so a child does not spend 0.4 s importing it for each file. Its numpy would
# start a BLAS thread per core, each reserving address space the child's limit counts,
# for arithmetic a parse never does: one thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
with contextlib.suppress(ImportError):
    import pandas  # noqa: F401

if os.environ.get("DJANGO_SETTINGS_MODULE"):
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _limit(kind: int, value: int) -> None:
    """Lower a limit to `value`; never raise one the process was started with."""
    soft, hard = resource.getrlimit(kind)
    for inherited in (soft, hard):
        if inherited != resource.RLIM_INFINITY:
            value = min(value, inherited)
    resource.setrlimit(kind, (value, hard))


def child_main(send, func, args, kwargs, language, memory_bytes, seconds, refused) -> None:
    """Run ``func`` under the limits and send back its outcome; ``refused`` is the
    exception class (courses.uploads.UploadRefused) whose message goes to the user, passed
    in so that this module imports nothing of the app (no import cycle with uploads)."""
    from django.utils import translation

    # What the child may take: the address space (Rust allocations of a reader library
    # fail cleanly against it, or abort this process, not the web worker) and CPU time
    # (the parent's wall-clock timeout is the main guard; this one holds if it is gone).
    _limit(resource.RLIMIT_AS, memory_bytes)
    _limit(resource.RLIMIT_CPU, seconds + 5)
    try:
        translation.activate(language)
        try:
            outcome = ("ok", func(*args, **kwargs))
        except refused as exc:
            outcome = ("refused", str(exc))
        except MemoryError:
            outcome = ("memory", None)
        except Exception as exc:  # reported to the parent, which raises it as a bug
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        send.send(outcome)
    except MemoryError:
        # If even this fails, the parent reads the closed pipe as "out of memory".
        with contextlib.suppress(Exception):
            send.send(("memory", None))
    finally:
        send.close()
