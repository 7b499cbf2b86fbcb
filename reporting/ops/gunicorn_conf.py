"""gunicorn settings for serving the app: no access log, addresses redacted from errors.

Use with ``gunicorn -c python:reporting.ops.gunicorn_conf wsgi:app``.
"""

import multiprocessing
import os

bind = os.environ.get("REPORTING_BIND", "127.0.0.1:5000")
# Two processes a core (at most 8): a filing thread waits for the writer process's answer
# and then for its own process's interpreter lock, so with one process a core each computed
# only 55-60 % of the time and the machine idled 13 %; with two a core it idles 3-4 %
# (docs/performance.md).
workers = int(os.environ.get("REPORTING_WORKERS", min(8, 2 * multiprocessing.cpu_count())))
# Threads, which take a request only once it has arrived whole (gathered on the worker's
# poller, within REPORTING_REQUEST_SECONDS), so a client that trickles holds none
# (ops/slow_clients.py).
worker_class = "reporting.ops.slow_clients.DeadlineThreadWorker"
threads = int(os.environ.get("REPORTING_THREADS", 8))
# Each answer closes its connection, as the sync workers did: the reverse proxy opens a
# connection per request anyway, and an idle kept-alive connection is one more to hold.
keepalive = 0
timeout = 30
graceful_timeout = 20
# Never log requests: a line per request records when someone filed, and from where.
accesslog = None
disable_redirect_access_to_syslog = True
errorlog = os.environ.get("REPORTING_ERROR_LOG", "-")
loglevel = os.environ.get("REPORTING_LOG_LEVEL", "info")
logger_class = "reporting.web.logs.GunicornLogger"
# Addresses from a proxy are trusted only as configured in the app (PROXY_FIX_HOPS).
forwarded_allow_ips = ""
proc_name = "reporting"
# gunicorn 27 opens a control socket under $HOME that any local user may drive; not needed.
control_socket_disable = True
limit_request_line = 4094
limit_request_fields = 60


def post_fork(server, worker):
    """Each worker under SCHED_BATCH unless turned off (reporting/ops/scheduling.py)."""
    from reporting.ops import scheduling

    if scheduling.wanted():
        scheduling.make_batch()


def pre_request(worker, req):
    """Replaces gunicorn's default hook, which logs every request line at debug level."""


_writer = []


def when_ready(server):
    """Start the writer process for reporters' rows (reporting/writer/) beside the workers."""
    from reporting.ops import writer_process

    _writer.append(writer_process.start())


def on_exit(server):
    from reporting.ops import writer_process

    while _writer:
        writer_process.stop(_writer.pop())
