"""What reviewers do with a report: conversation, notes, triage, actions, the daily batch.

Domain verbs without Flask; privileged ones take the audit writer from their caller.
"""
