"""gunicorn's settings for the showroom and central servers; gunicorn reads this file from the directory it
starts in (`make run`, the benchmarks).

Worker processes: one more than twice the cores (at most 9, so central's connection pools stay within
PostgreSQL's limit), two threads each. A keep-alive connection stays with the worker that accepted it; with two
workers of four threads one of them often held six of eight tills' connections and, bound by Python's GIL, ran
on one core while the other idled (bench/checkout.py at 8 clients: p50 of a sale 13–17 ms; now 10–12 ms)."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 9)))
threads = 2
