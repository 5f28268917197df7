"""gunicorn's settings for the workspace, read with `--config python:workspace.gunicorn_config`
(README, Deployment). The number of workers and the address stay on the command line.

One setting: each worker freezes what it holds once the app is loaded. The app's modules, its
models' mappers and its compiled templates (some 230,000 objects that Python's garbage collector
tracks) live as long as the worker, yet every full collection walks them all again: about 150 ms,
once in every hundred or so dashboard pages, in the middle of someone's request. `gc.freeze()`
(the standard library's answer for servers that load once and then serve, see its documentation)
moves them out of the collector's way: a full collection then takes about 8 ms. Nothing the app
knows is kept or remembered by this; only the collector's work changes.
"""

import gc


def post_worker_init(worker) -> None:
    """Called by gunicorn in each worker after the app is loaded, before its first request."""
    gc.freeze()
