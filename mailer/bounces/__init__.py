"""Bounces and complaints: read what comes back, decide what it means, keep the list clean."""
