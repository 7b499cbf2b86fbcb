"""Acceptance: nothing about the reporter is stored or logged.

A real gunicorn (2 sync workers, error log at debug level) serves a fresh instance. Reports
are filed from a distinctive source address (127.77.88.99) through the API and the web form,
each request carrying distinctive forwarding headers and a distinctive user agent; a malformed
request, a request with an over-long header line and follow-ups come from the same address.
Then every byte the deployment kept (the instance folder, the SQLite files, gunicorn's error
log and output, and a pg_dump of the PostgreSQL schema) is searched for the address, the
headers, the receipts and every 12-character window of every narrative, raw and scrubbed.

The test also proves it is meaningful: the narratives do open with the recovery key (so the
data is there, sealed), the error log recorded the malformed request (with the address
redacted), and once the recovery key file is gone the review group's private key appears
nowhere, in any common encoding.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from conftest import PG_URL_ENV, csrf_token, hidden_inputs, receipt_in, textarea
from servers import free_port

from reporting import reports
from reporting.db import bind, close_all, open_database
from reporting.models import Report
from reporting.privacy.crypto import parse_recovery_key
from reporting.privacy.keys import unlock_with_recovery_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SOURCE = "127.77.88.99"
FORWARDED_FOR = "203.0.113.77"
REAL_IP = "198.51.100.23"
FORWARDED = "192.0.2.44"
AGENT_PRODUCT = "Distinctive-Agent"
AGENT_FINGERPRINT = "ZQXJ-fingerprint-7781"
USER_AGENT = f"{AGENT_PRODUCT}/9.9 ({AGENT_FINGERPRINT})"
ADDRESSES = (SOURCE, FORWARDED_FOR, REAL_IP, FORWARDED)
DISTINCTIVE_HEADERS = {
    "X-Forwarded-For": FORWARDED_FOR,
    "X-Real-IP": REAL_IP,
    "Forwarded": f"for={FORWARDED}",
    "User-Agent": USER_AGENT,
}
WINDOW = 12
BOOT_SECONDS = 30
STOP_SECONDS = 25

# Identifiers (names, an MRN, a staff number, dates, a phone number, an email, a URL, an
# address) inside long text made of unusual words, so that no 12-character window of it can
# occur by chance in anything the instance holds.
API_NEAR_MISS = (
    "Overnight on the quinquireme corridor, Dr Aurelio Quenneville wrote up forty milligrams "
    "of zorvastatin-plex for Mrs Gwendolyn Fairweather-Oduya (MRN 88412290, born 03/02/1951, "
    "aged 94), but the glossy amber vial from the hyperborean cupboard held four hundred. "
    "Staff nurse Philippa Throckmorton, staff number 55-7731-90, spotted the decimal at 02:35 "
    "and phoned pharmacy on 07700 900461; I emailed p.throckmorton@quillwort-trust.example "
    "and filed nothing else. Afterwards the jacquard-pattern checklist at "
    "https://wiki.quillwort.example/zorva-checklist was pinned up beside bay four at "
    "17 Marigold Crescent annexe. Nobody was harmed; the wobbly syringe-driver firmware "
    "still rounds mantissas oddly and our sesquipedalian double-signature rule saved us."
)
API_MORAL_DISTRESS = (
    "Since Ms Zoë Ólafsdóttir-Brannigan began the fifth cycle of xylocarbine, her family "
    "insists on escalation while Prof Bartholomew Nkemelu-Strand tells us the futile plan "
    "stays. On 12 March 2026 at 19:40 I sat with her daughter Imogen for an hour behind the "
    "tamarind curtain; patient record 4471-0098-2 says full escalation. Call me on "
    "+44 7911 123456 if needed, or write to me at bramble.nightjar@kestrel.example. I keep "
    "lying awake composing lipogrammatic apologies, and the marmalade-coloured rota on "
    "the vestibule corkboard shows three of us covering twenty-two beds again."
)
WEB_NEAR_MISS = (
    "During the crepuscular handover, Sister Henrietta Vandersloot-Abara connected the "
    "heparin quokka-line to the arterial port of Mr Ignatius Pemberton-Zhou, NHS number "
    "943 476 5919, born 28/11/1933. Charge nurse Leopold Anwar-Fitzgibbon, employee ID "
    "E-402817, traced the tubing twice and unclamped it at 04:12 before any flush ran. "
    "Contact: leopold.af@wombat-ward.example or 0161 496 0000. The trolley from the "
    "ultramarine storeroom had unlabelled connectors; pomegranate tape now marks each one, "
    "and the flibbertigibbet audit tool we tried last winter never caught this kind of slip."
)
WEB_MORAL_DISTRESS = (
    "Dr Cornelius Abernathy-Okafor told the team to keep quiet about the cancelled "
    "tracheostomy list for Mr Rufus Delacroix-Nwosu, MRN 66120034, who is 91 and lives at "
    "42 Juniper Wynd. On 07/01/2026 the consultant said anyone raising it with the "
    "governance office would regret it. I felt the same iridescent knot of shame I felt "
    "during the apricot-wing closures, and the hollyhock-painted break room went silent. "
    "My colleague Ottoline Garcia-Mbeki (ext 4421) cried in the sluice; we were "
    "forbidden to document the gobsmacking delay in the marsupial-shaped notes template."
)


# ---- talking to the server from the distinctive source address ----------------------------


class _BoundHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        kwargs["source_address"] = (SOURCE, 0)
        super().__init__(*args, **kwargs)


class _BoundHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_BoundHTTPConnection, req)


class Client:
    """A browser-like client (cookies kept) whose every request leaves from SOURCE."""

    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _BoundHandler(),
            urllib.request.HTTPCookieProcessor(CookieJar()),
        )

    def request(
        self, method: str, path: str, *, json_body=None, form=None, timeout: float = 10
    ) -> tuple[int, str]:
        headers = dict(DISTINCTIVE_HEADERS)
        data = None
        if json_body is not None:
            import json

            data = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def json(self, method: str, path: str, body=None) -> tuple[int, dict]:
        import json

        status, text = self.request(method, path, json_body=body)
        return status, json.loads(text) if text else {}


def raw_exchange(port: int, payload: bytes, timeout: float = 5) -> bytes:
    """Send bytes over a raw socket from SOURCE; whatever comes back, until the server closes."""
    with socket.create_connection((HOST, port), timeout=timeout, source_address=(SOURCE, 0)) as s:
        s.sendall(payload)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


# ---- the server ---------------------------------------------------------------------------


class Server:
    def __init__(self, tmp_path: Path, instance_dir: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.error_log = tmp_path / "gunicorn-error.log"
        self.stdout_path = tmp_path / "gunicorn-stdout.log"
        self.stderr_path = tmp_path / "gunicorn-stderr.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTING_")}
        env.update(
            REPORTING_INSTANCE_PATH=str(instance_dir),
            REPORTING_BIND=f"{HOST}:{self.port}",
            REPORTING_WORKERS="2",
            REPORTING_ERROR_LOG=str(self.error_log),
            REPORTING_LOG_LEVEL="debug",
        )
        if database_url:
            env["REPORTING_DATABASE_URL"] = database_url
        self._out = self.stdout_path.open("wb")
        self._err = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:reporting.ops.gunicorn_conf",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )

    def output(self) -> str:
        parts = []
        for path in (self.error_log, self.stdout_path, self.stderr_path):
            if path.exists():
                parts.append(f"--- {path.name}\n{path.read_text('utf-8', 'replace')[-4000:]}")
        return "\n".join(parts)

    def wait_ready(self, client: Client) -> None:
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"gunicorn exited with {self.process.returncode}\n" + self.output()
                )
            try:
                status, _ = client.request("GET", "/api/v1/taxonomy", timeout=2)
            except OSError:
                status = None
            if status == 200:
                return
            time.sleep(0.1)  # polling interval only; readiness is the 200 above
        raise AssertionError(f"gunicorn not ready after {BOOT_SECONDS} s\n" + self.output())

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
                    raise AssertionError(
                        f"gunicorn did not stop within {STOP_SECONDS} s of SIGTERM"
                    ) from None
        finally:
            self._out.close()
            self._err.close()


# ---- scanning -----------------------------------------------------------------------------


def windows(text: str, size: int = WINDOW) -> set[str]:
    return {text[i : i + size] for i in range(max(1, len(text) - size + 1))}


def find_windows(data: bytes, needles: dict[bytes, str]) -> list[str]:
    """Labels of the needles (all short) that occur in data: one pass per needle length."""
    found = []
    for length in sorted({len(n) for n in needles}):
        of_length = {n for n in needles if len(n) == length}
        seen = set()
        for i in range(len(data) - length + 1):
            piece = data[i : i + length]
            if piece in of_length and piece not in seen:
                seen.add(piece)
                found.append(needles[piece])
    return found


def scan(sources: dict[str, bytes], needles: dict[bytes, str], windowed: dict[bytes, str]):
    hits = []
    for name, data in sources.items():
        for needle, label in needles.items():
            if needle in data:
                hits.append(f"{label} found in {name}")
        hits.extend(f"{label} found in {name}" for label in find_windows(data, windowed))
    return hits


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pg_dump(database_url: str) -> bytes:
    schema = re.search(r"search_path%3D(\w+)", database_url).group(1)
    base = os.environ[PG_URL_ENV].split("?", 1)[0]
    done = subprocess.run(
        ["pg_dump", f"--schema={schema}", base], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"CREATE TABLE" in done.stdout, "pg_dump holds no table: wrong schema?"
    return done.stdout


def encodings(label: str, value: bytes) -> dict[bytes, str]:
    return {
        value: f"{label} (raw)",
        value.hex().encode(): f"{label} (hex)",
        value.hex().upper().encode(): f"{label} (HEX)",
        base64.b64encode(value): f"{label} (base64)",
        base64.b64encode(value).rstrip(b"="): f"{label} (base64, unpadded)",
        base64.urlsafe_b64encode(value).rstrip(b"="): f"{label} (base64url)",
        base64.b32encode(value).rstrip(b"="): f"{label} (base32)",
        base64.b32encode(value).lower().rstrip(b"="): f"{label} (base32, lower)",
    }


# ---- the reporter's visits ----------------------------------------------------------------


def file_by_api(client: Client, narrative: str, **fields) -> tuple[str, str]:
    """File through the API; returns the receipt and the narrative as it will be stored."""
    status, scrubbed = client.json("POST", "/api/v1/deidentify", {"narrative": narrative})
    assert status == 200, scrubbed
    status, filed = client.json("POST", "/api/v1/reports", {**fields, "narrative": narrative})
    assert status == 201, filed
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", filed["receipt"]), filed
    return filed["receipt"], scrubbed["narrative"]


def file_by_web(client: Client, kind: str, narrative: str, **fields) -> tuple[str, str]:
    """Walk the web form with JavaScript off; returns the receipt and the reviewed narrative."""
    status, page = client.request("GET", "/report")
    assert status == 200
    status, page = client.request(
        "POST", "/report", form={"csrf_token": csrf_token(page), "action": "start", "kind": kind}
    )
    assert status == 200, page
    form = {"csrf_token": csrf_token(page), "kind": kind, "action": "continue"}
    form.update(fields, narrative=narrative)
    status, page = client.request("POST", "/report", form=form)
    assert status == 200, page
    for _round in range(3):
        scrubbed = textarea(page)
        data = hidden_inputs(page)
        data.update(csrf_token=csrf_token(page), narrative=scrubbed, action="submit")
        status, page = client.request("POST", "/report", form=data)
        assert status == 200, page
        if "<code>" in page:
            return receipt_in(page), scrubbed
    raise AssertionError("the review step never filed the report")


def follow_up_by_web(client: Client, receipt: str) -> None:
    status, page = client.request("GET", "/follow-up")
    assert status == 200
    status, page = client.request(
        "POST", "/follow-up", form={"csrf_token": csrf_token(page), "receipt": receipt}
    )
    assert status == 200, page


# ---- the test -----------------------------------------------------------------------------


def test_nothing_about_the_reporter_is_stored_or_logged(
    backend, database_url, initialised, recovery_key_file, tmp_path
):
    instance_dir = initialised
    narratives = [API_NEAR_MISS, API_MORAL_DISTRESS, WEB_NEAR_MISS, WEB_MORAL_DISTRESS]
    raw_windows = {
        w.encode("utf-8"): f"12-char window {w!r} of raw narrative {n}"
        for n, text in enumerate(narratives, 1)
        for w in windows(text)
    }
    baseline = files_under(instance_dir)
    overlap = [
        f"{label} in {name}"
        for name, data in baseline.items()
        for label in find_windows(data, raw_windows)
    ]
    assert not overlap, "test narratives overlap the fresh instance; reword them:\n" + "\n".join(
        overlap[:10]
    )

    server = Server(tmp_path, instance_dir, database_url)
    client = Client(server.port)
    try:
        server.wait_ready(client)
        filed = [
            file_by_api(
                client,
                API_NEAR_MISS,
                kind="near-miss",
                category="medication",
                unit="icu",
                role="nursing",
                stopped_by="staff",
                potential_harm="severe",
            ),
            file_by_api(
                client,
                API_MORAL_DISTRESS,
                kind="moral-distress",
                category="non-beneficial-treatment",
                unit="ward-7b",
                role="medical",
                intensity=8,
                distress_type="constraint",
            ),
            file_by_web(
                client,
                "near-miss",
                WEB_NEAR_MISS,
                category="device-health-it",
                unit="hdu",
                role="nursing",
                stopped_by="staff",
                potential_harm="death",
            ),
            file_by_web(
                Client(server.port),
                "moral-distress",
                WEB_MORAL_DISTRESS,
                category="pressure-to-stay-silent",
                unit="department:surgery",
                role="allied-health",
                intensity="9",
                distress_type="conflict",
            ),
        ]
        receipts = [receipt for receipt, _ in filed]
        scrubbed = [text for _, text in filed]
        for raw, clean in zip(narratives, scrubbed, strict=True):
            assert clean and clean != raw, "the scrubber left the narrative unchanged"

        # Follow-ups: a real receipt through the API and the web form, and an unknown one.
        status, answer = client.json("POST", "/api/v1/follow-up", {"receipt": receipts[0]})
        assert status == 200 and answer["status"] == "received", answer
        follow_up_by_web(client, receipts[2])
        status, answer = client.json(
            "POST", "/api/v1/follow-up", {"receipt": "AAAA-BBBB-CCCC-DDDD"}
        )
        assert status == 404, answer

        # A malformed request and an over-long header line, both carrying the headers.
        header_lines = b"".join(f"{k}: {v}\r\n".encode() for k, v in DISTINCTIVE_HEADERS.items())
        reply = raw_exchange(server.port, b"GARBAGE /\x00 HTTP/9.9\r\n" + header_lines + b"\r\n")
        assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
        long_line = (
            f"X-Forwarded-For: {FORWARDED_FOR}, ".encode()
            + b"9" * 9000
            + f" {USER_AGENT}".encode()
            + b"\r\n"
        )
        reply = raw_exchange(
            server.port,
            b"POST /api/v1/reports HTTP/1.1\r\nHost: reporting\r\n"
            + header_lines
            + long_line
            + b"Content-Length: 0\r\n\r\n",
        )
        assert reply.startswith(b"HTTP/1.1 431"), reply[:200]
    finally:
        server.stop()

    # ---- everything the deployment kept --------------------------------------------------
    error_log = server.error_log.read_text("utf-8", "replace")
    assert error_log.strip(), "gunicorn's error log is empty: the test proves nothing"
    # At debug level gunicorn's default pre_request hook would log each request, timed.
    assert not re.search(r"\] (GET|POST) /", error_log), "request lines reached the error log"
    assert error_log.count("Invalid request from ip=[address]") >= 2, (
        "the error log does not record both malformed requests (address redacted):\n"
        + error_log[-3000:]
    )
    sources = files_under(instance_dir)
    assert any(name.endswith("reporting.db") for name in sources) or database_url
    sources[str(server.error_log)] = server.error_log.read_bytes()
    sources[str(server.stdout_path)] = server.stdout_path.read_bytes()
    sources[str(server.stderr_path)] = server.stderr_path.read_bytes()
    if database_url:
        sources["pg_dump of the test schema"] = pg_dump(database_url)

    needles: dict[bytes, str] = {}
    for address in ADDRESSES:
        needles[address.encode("utf-8")] = f"address {address} (UTF-8)"
        needles[address.encode("utf-16-le")] = f"address {address} (UTF-16-LE)"
    for marker in (AGENT_PRODUCT, AGENT_FINGERPRINT):
        needles[marker.encode("utf-8")] = f"user agent {marker!r}"
        needles[marker.encode("utf-16-le")] = f"user agent {marker!r} (UTF-16-LE)"
    for receipt in receipts:
        needles[receipt.encode()] = f"receipt {receipt}"
        needles[receipt.replace("-", "").encode()] = f"receipt {receipt} without dashes"
    windowed = dict(raw_windows)
    for n, text in enumerate(scrubbed, 1):
        for w in windows(text):
            windowed.setdefault(
                w.encode("utf-8"), f"12-char window {w!r} of scrubbed narrative {n}"
            )

    hits = scan(sources, needles, windowed)
    assert not hits, "reporter data found:\n" + "\n".join(hits[:40])

    # ---- the data is there, sealed: the recovery key opens every narrative -----------------
    db = open_database(database_url, str(instance_dir))
    bind(db)
    try:
        with db.connection_context():
            private_key = unlock_with_recovery_key(recovery_key_file.read_text())
            stored = list(Report.select())
            opened = sorted(reports.open_narrative(r, private_key) for r in stored)
            assert all(r.narrative and b"zorvastatin" not in r.narrative for r in stored)
    finally:
        close_all(db)
    assert opened == sorted(scrubbed), "the stored narratives are not what the reporter saw"

    # ---- without the recovery key file, the private key is nowhere ------------------------
    recovery_secret = parse_recovery_key(recovery_key_file.read_text())
    recovery_key_file.unlink()
    assert len(private_key) == 32
    sources = files_under(instance_dir)
    if database_url:
        sources["pg_dump of the test schema"] = pg_dump(database_url)
    sources[str(server.error_log)] = server.error_log.read_bytes()
    key_needles = {
        **encodings("review private key", private_key),
        **encodings("recovery secret", recovery_secret),
    }
    hits = scan(sources, key_needles, {})
    assert not hits, "key material found:\n" + "\n".join(hits)
