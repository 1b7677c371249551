"""The `kith` subcommands, one module each; `bot.cli` parses and dispatches."""
