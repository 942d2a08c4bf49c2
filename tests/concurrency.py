"""Running work in several threads released together, for the tests of what happens at the same time."""

import threading

from django.db import connections


def at_once(count, work):
    """Run work(i) in `count` threads released together; (results, failures)."""
    barrier = threading.Barrier(count)
    results, failures = [], []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results.append(work(i))
        except Exception as error:  # reported by the caller, with the thread's error
            failures.append(error)
        finally:
            # Each thread has its own connection; left open, it would stop the test database being dropped.
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, failures
