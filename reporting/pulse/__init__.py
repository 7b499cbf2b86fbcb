"""Psychological-safety pulse surveys: instruments, waves, one-time codes and blind tokens.

A wave is a short survey open for a few weeks. Eligibility is a one-time code (printed per
unit or sent by invitation); the code is exchanged for a blind-signed token
(`reporting.privacy.blind_rsa`) and the token for one response, so the server can refuse a
second response without being able to link a response to the code that obtained it.
Results reach leadership only through releases. No Flask here.
"""
