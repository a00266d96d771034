"""A web worker's heap and Python's garbage collector.

The collector's full passes walk every object the process holds: in a web worker, the
application, Django, the privacy screen's language model, the compiled templates and
statements, about 200,000 objects. A full pass took 50 to 95 ms, in the middle of whichever
request triggered it, once every few dozen requests: the slowest twentieth of the pages at
national scale was made of those pauses (`bench/pages_bench.py`). What lives that long is moved
out of the collector's sight with `gc.freeze()`, as Python's documentation advises for a
server that forks: once in gunicorn's master, before the workers fork (which also keeps the
collector from writing to the pages the workers share with it), and once in each worker after
its first requests, which build the templates and statements it keeps. A full pass then takes
1 to 25 ms. An object frozen is never collected: only what a worker holds after its first
requests is, once, and gunicorn replaces a worker after `max_requests` anyway.
"""

import gc

# Requests a worker serves before it freezes what it then holds: enough for the pages and API
# calls of a day to have built their templates and statements, few against `max_requests`.
WARM_REQUESTS = 200

_served = 0


def freeze() -> int:
    """Collects what is already garbage, then freezes everything alive; how many objects are
    frozen in all."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def request_served() -> None:
    """Counts a request the worker has served and freezes once, after the first
    `WARM_REQUESTS`."""
    global _served
    _served += 1
    if _served == WARM_REQUESTS:
        freeze()
