"""Kith: self-referral and support messaging for UK mental-health and carers' services."""

__version__ = "0.1.0"
