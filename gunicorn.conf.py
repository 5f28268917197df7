"""gunicorn's settings for the workspace. gunicorn reads this file by itself when it is started in
the checkout; elsewhere, name it: `gunicorn --config /path/to/checkout/gunicorn.conf.py ...`
(README, Deployment). The number of workers and the address stay on the command line. It is a
file, not a module of the package, so that gunicorn's master process imports none of the app:
workers started after a reload (`kill -HUP`) then load the code as it is on disk.

One setting: each worker freezes what it holds once the app is loaded. The app's modules, its
models' mappers and its compiled templates (some 230,000 objects that Python's garbage collector
tracks) live as long as the worker, yet every full collection walks them all again: 120-150 ms,
in the middle of someone's request (about once in a hundred dashboard pages, once in ten
self-evaluation overviews). `gc.freeze()` moves them out of the collector's sight, so a full
collection walks only what requests make: about 8 ms. Nothing the app knows is kept or
remembered by this; only the collector's work changes. An operator with a gunicorn config of
their own copies `post_worker_init` into it.
"""

import gc


def post_worker_init(worker) -> None:
    """Called by gunicorn in each worker after the app is loaded, before its first request."""
    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()
