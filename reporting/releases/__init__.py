"""Counts made safe to publish: the suppression engine, monthly releases and the trends on them.

Nothing here imports Flask or decrypts; report rows become numbers only in `builder`, and
every figure leadership sees is a lookup in a stored release.
"""
