"""One writer process for reporters' rows on SQLite, fed by the serving workers.

Under load a filing's write cost far more than the write itself: the thread holding the
writers' lock shares its process with threads scrubbing and sealing other filings, so it
waits for the interpreter between SQLite calls while every other writer, in both
processes, waits for it (docs/performance.md: a quarter of the machine idle, the lock held
3 ms at p90 for a 0.5 ms transaction). A process that only writes never waits like that.

`service` is that process's loop (`reporting writer`, started beside the workers by
ops/gunicorn_conf.py); `client` is what a worker calls; `protocol` is what they say to
each other over a Unix socket beside the database (mode 0600, in the 0700 instance
folder). The writer is an accelerator, never a single point of failure: without one
(tests, `flask run`, PostgreSQL, a writer that died) a worker writes the row itself, as
before, and a row can never be stored twice, because both paths insert the same random
primary key.
"""
