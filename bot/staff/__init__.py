"""Staff use cases (the referral queue, decisions, alerts, export), shared by the CLI and
the staff web page: they take a connection and plain values and return plain records;
printing belongs to the callers."""
