"""Delivery: the outbox dispatcher that claims stored messages and hands them to a sender."""
