"""What keeps a reporter unknown: scrubbing identifiers, sealing narratives, receipts and keys.

Pure domain code: no Flask. `crypto` imports nothing of the package; the rest build on it.
"""
