"""Tables for staff terminals: rich wraps long text to the terminal's width."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Let `kith.cli.main` end quietly, the same way for every command.
        raise BrokenPipeError


def table(*columns: str) -> Table:
    """A borderless table whose cells wrap rather than cut."""
    grid = Table(box=None, header_style="bold", pad_edge=False)
    for column in columns:
        grid.add_column(column, overflow="fold", justify="right" if column == "id" else "left")
    return grid


def show(grid: Table) -> None:
    """Print a table on standard output."""
    _Console(soft_wrap=False).print(grid)
