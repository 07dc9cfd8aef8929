"""Keeping what outlives a session: history and the journal of the session in progress."""
