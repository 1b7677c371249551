"""Domain types and rules with no I/O: referrals, outcomes, deadlines, phone numbers."""
