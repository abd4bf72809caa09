"""Subscribers: the list, consent, signup with double opt-in, unsubscribe, import and export."""
