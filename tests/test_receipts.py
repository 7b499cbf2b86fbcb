"""Receipt codes: 80 bits, easy to write down, forgiving to type, stored only as an HMAC."""

import math
import re

from reporting.privacy import receipts


def test_receipt_has_at_least_80_bits_and_a_readable_shape():
    code = receipts.new_receipt()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)
    assert receipts.LENGTH * math.log2(len(receipts.ALPHABET)) >= 80


def test_receipts_do_not_repeat():
    assert len({receipts.new_receipt() for _ in range(2000)}) == 2000


def test_typing_is_forgiving():
    code = receipts.normalise("ABCD-2345-EFGH-6789")
    assert receipts.normalise(" abcd 2345 efgh 6789 ") == code
    assert receipts.normalise("ABCD2345EFGH6789") == code
    assert receipts.normalise("1O00-0000-0000-0000") == receipts.normalise("I0O0-0000-0000-0000")


def test_impossible_codes_are_refused():
    for text in ["", "ABCD", "ABCD-2345-EFGH-678U", "ABCD-2345-EFGH-6789-0", "x" * 1000, None]:
        assert receipts.normalise(text) is None


def test_digest_is_keyed():
    code = receipts.normalise(receipts.new_receipt())
    assert receipts.receipt_digest(code, b"a" * 32) != receipts.receipt_digest(code, b"b" * 32)
    assert code not in receipts.receipt_digest(code, b"a" * 32)


def test_every_symbol_is_drawn_evenly_in_every_position():
    """16 symbols from 10 random bytes: each of the 32 symbols in each position about
    equally often (4,000 draws: 125 expected per cell; a mapping that lost or doubled a
    symbol would leave a cell at 0 or near 250)."""
    draws = [receipts.normalise(receipts.new_receipt()) for _ in range(4000)]
    for position in range(receipts.LENGTH):
        counts = {symbol: 0 for symbol in receipts.ALPHABET}
        for code in draws:
            counts[code[position]] += 1
        assert min(counts.values()) > 60 and max(counts.values()) < 200, (position, counts)
