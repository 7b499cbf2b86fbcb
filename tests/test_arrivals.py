"""When a gathered request is whole enough for a thread to take it (reporting/ops/arrivals.py).

Handing over too early holds a thread on a slow client; too late (or never) leaves an honest
request waiting for its deadline. So every framing a client may send either completes or is
handed over at once, and a byte-at-a-time arrival becomes ready on exactly its last byte.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.ops.arrivals import BODY_LIMIT, HEAD_LIMIT, Arrival

HEAD = b"POST /api/v1/reports HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"


def _ready_at(request: bytes) -> int | None:
    """After how many bytes, fed one at a time, the arrival is ready (None: never)."""
    arrival = Arrival(deadline=0.0)
    for i in range(len(request)):
        if arrival.add(request[i : i + 1]):
            return i + 1
    return None


def test_a_request_without_a_body_is_ready_on_its_blank_line():
    request = b"GET /api/v1/taxonomy HTTP/1.1\r\nHost: h\r\n\r\n"
    assert _ready_at(request) == len(request)
    assert _ready_at(request[:-2]) is None


def test_a_body_is_awaited_to_its_declared_length():
    body = b'{"kind": "near-miss"}'
    request = HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
    assert _ready_at(request) == len(request)
    assert _ready_at(request[:-1]) is None


def test_header_names_are_case_blind_and_bare_newlines_end_a_head():
    body = b"{}"
    request = b"POST / HTTP/1.1\nhost: h\ncontent-LENGTH:  2 \n\n" + body
    assert _ready_at(request) == len(request)


@pytest.mark.parametrize(
    "framing",
    [
        b"Transfer-Encoding: chunked\r\n",  # the body's end is not in the head
        b"Expect: 100-continue\r\n",  # the client sends the body only when asked
        b"Content-Length: 2\r\nContent-Length: 3\r\n",  # gunicorn refuses it
        b"Content-Length: -1\r\n",
        b"Content-Length: 12abc\r\n",
        b"Content-Length: %d\r\n" % (BODY_LIMIT + 1),  # the app refuses it
    ],
)
def test_what_cannot_be_awaited_is_handed_over_with_its_head(framing):
    head = HEAD + framing + b"\r\n"
    assert _ready_at(head + b"trailing body bytes") == len(head)


def test_a_head_that_never_ends_is_handed_over_past_the_limit():
    arrival = Arrival(deadline=0.0)
    assert not arrival.add(b"GET / HTTP/1.1\r\nX: " + b"a" * (HEAD_LIMIT - 100))
    assert arrival.add(b"a" * 200)


def test_everything_gathered_is_kept_for_the_parser():
    body = b"x" * 5000
    request = HEAD + b"Content-Length: 5000\r\n\r\n" + body
    arrival = Arrival(deadline=0.0)
    parts = [request[i : i + 700] for i in range(0, len(request), 700)]
    readiness = [arrival.add(part) for part in parts]
    assert readiness == [False] * (len(parts) - 1) + [True]
    assert bytes(arrival.data) == request


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=64))
def test_any_bytes_in_any_pieces_decide_as_the_whole_would(noise, piece):
    """Readiness depends on the bytes so far, never on how they were cut."""
    whole = Arrival(deadline=0.0)
    whole.add(noise)
    cut = Arrival(deadline=0.0)
    for i in range(0, len(noise), piece):
        cut.add(noise[i : i + piece])
    assert cut.ready == whole.ready
