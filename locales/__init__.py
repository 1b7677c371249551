"""Gettext catalogs and per-language word lists (always-on words, crisis phrases)."""
