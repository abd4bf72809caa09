"""Celery workers: sending, retries, bounce processing, list hygiene."""
