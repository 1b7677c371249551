"""Scheduled jobs: thin ticks that read due rows and queue messages in the outbox."""
