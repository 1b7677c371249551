"""What Kith says in an outcome survey: the invitation, each statement, re-asks, thanks.

The statements, their intro and the answer labels are the definition's own wording,
translated like its questions (conversations/babel_extract.py); the rest is here. The
invitation names only the service's short (discreet) name: the statements, which may
name mental health, come only after the person says YES.
"""

from __future__ import annotations

from collections.abc import Sequence

from conversations.i18n import Translator


def invitation(t: Translator, service: str, count: int) -> str:
    """The first message, sent by the scheduler: may we ask, how long, how to say no."""
    return t.ngettext(
        "{service} would like to know how your support is going: {count} short statement, "
        "one at a time. Reply YES to begin, or NO if you would rather not.",
        "{service} would like to know how your support is going: {count} short statements, "
        "one at a time. Reply YES to begin, or NO if you would rather not.",
        count,
    ).format(service=service, count=count)


def invitation_reask(t: Translator) -> str:
    """An answer to the invitation that is neither YES nor NO."""
    return t.gettext(
        "Sorry, please reply YES to begin the statements, or NO if you would rather not."
    )


def statement(
    t: Translator,
    number: int,
    total: int,
    text: str,
    labels: Sequence[str],
    intro: str | None = None,
) -> str:
    """One statement (already translated), its number, and the answers by number."""
    answers = ", ".join(f"{n} {label}" for n, label in enumerate(labels, start=1))
    lines = [intro] if intro else []
    lines.append(
        t.gettext("{number} of {total}: {statement}").format(
            number=number, total=total, statement=text
        )
    )
    lines.append(t.gettext("Reply {answers}, or SKIP.").format(answers=answers))
    return "\n".join(lines)


def reask(t: Translator, count: int) -> str:
    """An odd answer to a statement: short, and only a few times (then it is left)."""
    return t.gettext("Sorry, please reply with a number from 1 to {count}, or SKIP.").format(
        count=count
    )


def thanks(t: Translator) -> str:
    """After the last statement."""
    return t.gettext("Thank you for your answers. They help us improve the support we give.")


def declined(t: Translator) -> str:
    """NO to the invitation (or no clear answer to it)."""
    return t.gettext("That is fine, thank you. We will not ask these now.")
