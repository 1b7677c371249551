"""The `kith` command: parse arguments, load settings, run a subcommand."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.database import DatabaseNotReady, upgrade_blocking
from conversations.areas import AreaError
from conversations.registry import load_registry
from conversations.yamlfile import DefinitionError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kith", description="Kith: self-referral by SMS and chat")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate the database to this version")

    serve = commands.add_parser("serve", help="run the webhook server and the outbox")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)

    chat = commands.add_parser("chat", help="a conversation in the terminal")
    chat.add_argument("--service", required=True)
    chat.add_argument("--json", action="store_true", help="one JSON object per output line")
    chat.add_argument("--from", dest="address", default="console:local")
    chat.add_argument("--lang", default=None)

    services = commands.add_parser("services", help="service definitions")
    service_commands = services.add_subparsers(dest="services_command", required=True)
    listing = service_commands.add_parser("list")
    listing.add_argument("--json", action="store_true")
    diagram = service_commands.add_parser("diagram", help="Mermaid flowchart of a service")
    diagram.add_argument("id")
    check = service_commands.add_parser("check")
    check.add_argument("file", type=Path)

    referrals = commands.add_parser("referrals", help="the referral queue")
    referral_commands = referrals.add_subparsers(dest="referrals_command", required=True)
    ref_list = referral_commands.add_parser("list", help="open referrals, most pressing first")
    views = ref_list.add_mutually_exclusive_group()
    views.add_argument("--all", dest="view", action="store_const", const="all")
    views.add_argument("--overdue", dest="view", action="store_const", const="overdue")
    views.add_argument("--due-today", dest="view", action="store_const", const="due_today")
    ref_list.set_defaults(view="open")
    ref_list.add_argument("--service")
    ref_list.add_argument("--search", metavar="TEXT", help="id, name, phone or service")
    ref_list.add_argument("--limit", type=int)
    ref_list.add_argument("--json", action="store_true")
    show = referral_commands.add_parser("show")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    set_status = referral_commands.add_parser("set-status", help="move along the workflow")
    set_status.add_argument("id", type=int)
    set_status.add_argument("status")
    set_status.add_argument("--note")
    set_status.add_argument("--reason", help="not_accepted: the rule the person is told")
    set_status.add_argument("--no-notify", metavar="WHY", help="not_accepted: do not tell them")
    _by(set_status)
    note = referral_commands.add_parser("note", help="add a note to the history")
    note.add_argument("id", type=int)
    note.add_argument("text")
    _by(note)
    export = referral_commands.add_parser("export")
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("--service")
    export.add_argument("--since", metavar="YYYY-MM-DD", help="received on or after this day")
    export.add_argument("--until", metavar="YYYY-MM-DD", help="received on or before this day")

    alerts = commands.add_parser("alerts", help="staff alerts: crisis words, requests")
    alert_commands = alerts.add_subparsers(dest="alerts_command", required=True)
    alert_list = alert_commands.add_parser("list", help="unhandled first")
    alert_list.add_argument("--json", action="store_true")
    alert_list.add_argument("--open", action="store_true", help="only unhandled alerts")
    ack = alert_commands.add_parser("ack", help="record that an alert is handled")
    ack.add_argument("id", type=int)
    ack.add_argument("--note")
    _by(ack)

    surveys = commands.add_parser("surveys", help="outcome surveys and their answers")
    survey_commands = surveys.add_subparsers(dest="surveys_command", required=True)
    survey_list = survey_commands.add_parser("list", help="one line per survey, oldest first")
    survey_list.add_argument("--service")
    survey_list.add_argument("--point", choices=["start", "end"])
    survey_list.add_argument("--json", action="store_true")
    survey_show = survey_commands.add_parser("show", help="one survey's answers per statement")
    survey_show.add_argument("id", type=int)
    survey_show.add_argument("--json", action="store_true")
    survey_summary = survey_commands.add_parser("summary", help="answers per statement, % agree")
    survey_summary.add_argument("--service")
    survey_summary.add_argument("--json", action="store_true")

    outbox = commands.add_parser("outbox", help="outbound messages")
    outbox_commands = outbox.add_subparsers(dest="outbox_command", required=True)
    outbox_list = outbox_commands.add_parser("list", help="one line per message, oldest first")
    outbox_list.add_argument("--status")
    outbox_list.add_argument("--urgent", action="store_true", help="only urgent messages")
    outbox_list.add_argument("--json", action="store_true")
    for action, what in (
        ("retry", "send a failed or cancelled message again"),
        ("cancel", "stop a waiting message"),
    ):
        acting = outbox_commands.add_parser(action, help=what)
        acting.add_argument("id", type=int)
        _by(acting)

    commands.add_parser("dispatch", help="run only the outbox dispatcher")

    scheduler = commands.add_parser("scheduler", help="scheduled jobs (reminders, expiry...)")
    scheduler_commands = scheduler.add_subparsers(dest="scheduler_command", required=True)
    ticking = scheduler_commands.add_parser("tick", help="run every due job once, then exit")
    ticking.add_argument("--json", action="store_true")

    _appointment_parsers(commands)
    _group_parsers(commands)
    _call_parsers(commands)

    i18n = commands.add_parser("i18n", help="translation catalogs and their SMS cost")
    i18n.add_argument("action", choices=["extract", "update", "compile", "report"])
    i18n.add_argument(
        "--services-dir", type=Path, help="a provider's folder of definitions (its own catalogs)"
    )
    i18n.add_argument("--json", action="store_true", help="report: every prompt, as JSON")

    cost = commands.add_parser("sms-cost", help="SMS segments sent and their cost")
    cost.add_argument("--service")
    cost.add_argument("--since", metavar="YYYY-MM-DD")
    cost.add_argument("--json", action="store_true")

    telegram = commands.add_parser("telegram", help="the Telegram bot")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    polling = telegram_commands.add_parser("poll", help="fetch updates (no public URL needed)")
    polling.add_argument("--once", action="store_true", help="fetch once, reply, and stop")
    telegram_commands.add_parser("set-webhook", help="register KITH_PUBLIC_URL/telegram")
    return parser


def _appointment_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    appointments = commands.add_parser("appointments", help="appointments and their reminders")
    sub = appointments.add_subparsers(dest="appointments_command", required=True)
    when = "London time, like '2026-03-30 10:00'"
    add = sub.add_parser("add", help="book an appointment (reminders are planned)")
    add.add_argument("--service", required=True)
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="the person's mobile number")
    who.add_argument("--referral", type=int, help="a referral in Kith")
    add.add_argument("--at", required=True, help=when)
    add.add_argument("--place", required=True)
    add.add_argument("--with", dest="staff_first_name", required=True, help="first name")
    _by(add)
    move = sub.add_parser("move", help="move an appointment (reminders planned again)")
    move.add_argument("id", type=int)
    move.add_argument("--at", required=True, help=when)
    move.add_argument("--place")
    move.add_argument("--with", dest="staff_first_name")
    _by(move)
    cancel = sub.add_parser("cancel", help="cancel an appointment (the person is told once)")
    cancel.add_argument("id", type=int)
    cancel.add_argument("--note")
    _by(cancel)
    attend = sub.add_parser("attend", help="record attendance")
    attend.add_argument("id", type=int)
    attend.add_argument("outcome", choices=["attended", "missed", "cancelled_by_person"])
    _by(attend)
    listing = sub.add_parser("list", help="upcoming booked appointments")
    listing.add_argument("--service")
    listing.add_argument("--all", action="store_true", help="past and cancelled too")
    listing.add_argument("--json", action="store_true")
    importing = sub.add_parser("import", help="book appointments from a CSV file")
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="check every row, book none")
    _by(importing)


def _appointments(args: argparse.Namespace, settings: Settings, by: str) -> int:
    from bot.commands import appointment_import, appointments

    command = args.appointments_command
    if command == "add":
        return asyncio.run(
            appointments.add(
                settings,
                args.service,
                args.phone,
                args.referral,
                args.at,
                args.place,
                args.staff_first_name,
                by,
            )
        )
    if command == "move":
        return asyncio.run(
            appointments.move(settings, args.id, args.at, by, args.place, args.staff_first_name)
        )
    if command == "cancel":
        return asyncio.run(appointments.cancel(settings, args.id, by, args.note))
    if command == "attend":
        return asyncio.run(appointments.attend(settings, args.id, args.outcome, by))
    return asyncio.run(appointment_import.run_import(settings, args.file, by, args.dry_run))


def _group_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    groups = commands.add_parser("groups", help="groups, their members and session changes")
    sub = groups.add_subparsers(dest="groups_command", required=True)
    add = sub.add_parser("add", help="add a group with recurring sessions")
    add.add_argument("--service", required=True)
    add.add_argument("--name", required=True, help="for staff only; never in a message")
    add.add_argument("--venue", required=True)
    add.add_argument("--every", required=True, choices=["weekly", "fortnightly", "monthly"])
    add.add_argument("--first", required=True, help="the first session, like '2026-03-03 10:00'")
    _by(add)
    listing = sub.add_parser("list", help="every group")
    listing.add_argument("--service")
    listing.add_argument("--json", action="store_true")
    members = sub.add_parser("members", help="list, add or remove members")
    members.add_argument("id", type=int)
    members.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list")
    members.add_argument("--phone", action="append", default=[], help="repeat for several")
    members.add_argument("--telegram", action="append", default=[], metavar="CHAT_ID")
    members.add_argument("--lang", default="en", help="the language notices go in")
    members.add_argument("--reminders", action="store_true", help="send session reminders")
    members.add_argument("--json", action="store_true")
    _by(members)
    listing = sub.add_parser("sessions", help="the coming sessions, changes applied")
    listing.add_argument("id", type=int)
    listing.add_argument("--weeks", type=int, default=8)
    listing.add_argument("--json", action="store_true")
    change = sub.add_parser("change", help="cancel, move or change the venue of one session")
    change.add_argument("id", type=int)
    change.add_argument("--session", required=True, metavar="YYYY-MM-DD")
    change.add_argument("--cancel", action="store_true")
    change.add_argument("--to", help="the new time, like '2026-03-11 14:00'")
    change.add_argument("--venue")
    _by(change)


def _groups(args: argparse.Namespace, settings: Settings, by: str) -> int:
    from bot.commands import groups

    command = args.groups_command
    if command == "add":
        return asyncio.run(
            groups.add(settings, args.service, args.name, args.venue, args.every, args.first, by)
        )
    if command == "members":
        return asyncio.run(
            groups.members(
                settings,
                args.id,
                args.action,
                args.phone,
                args.telegram,
                args.lang,
                args.reminders,
                by,
            )
        )
    return asyncio.run(
        groups.change(settings, args.id, args.session, args.cancel, args.to, args.venue, by)
    )


def _call_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    volunteers = commands.add_parser("volunteers", help="volunteers making scheduled calls")
    sub = volunteers.add_subparsers(dest="volunteers_command", required=True)
    add = sub.add_parser("add", help="add a volunteer on SMS or Telegram")
    add.add_argument("--service", required=True)
    add.add_argument("--name", required=True, help="first name")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone")
    who.add_argument("--telegram", metavar="CHAT_ID")
    add.add_argument("--lang", default="en")
    add.add_argument("--list-at", default="08:30", help="when the day's call list goes")
    _by(add)
    listing = sub.add_parser("list", help="every volunteer")
    listing.add_argument("--service")
    listing.add_argument("--json", action="store_true")
    pausing = sub.add_parser("pause", help="pause a volunteer (or --resume)")
    pausing.add_argument("id", type=int)
    pausing.add_argument("--resume", action="store_true")
    _by(pausing)

    calls = commands.add_parser("calls", help="people volunteers call, and call slots")
    sub = calls.add_subparsers(dest="calls_command", required=True)
    add = sub.add_parser("add", help="add a person to call (consent and risk assessment first)")
    add.add_argument("--service", required=True)
    add.add_argument("--name", required=True, help="first name")
    add.add_argument("--phone", required=True)
    add.add_argument("--consent-recorded", action="store_true", help="their consent is on file")
    add.add_argument("--risk-assessed", action="store_true", help="staff have risk-assessed them")
    _by(add)
    slots = sub.add_parser("slots", help="add a recurring call slot for a callee")
    slots.add_argument("callee", type=int)
    slots.add_argument("--volunteer", type=int, required=True)
    slots.add_argument("--first", required=True, help="the first call, like '2026-03-10 10:00'")
    slots.add_argument(
        "--every", required=True, choices=["once", "weekly", "fortnightly", "monthly"]
    )
    slots.add_argument("--until", metavar="YYYY-MM-DD", help="the last day (time-limited support)")
    _by(slots)
    listing = sub.add_parser("list", help="the calls on one day")
    listing.add_argument("--day", metavar="YYYY-MM-DD", help="today by default")
    listing.add_argument("--volunteer", type=int)
    listing.add_argument("--service")
    listing.add_argument("--json", action="store_true")


def _calls(args: argparse.Namespace, settings: Settings, by: str) -> int:
    from bot.commands import calls

    if args.command == "volunteers":
        if args.volunteers_command == "add":
            return asyncio.run(
                calls.add_volunteer(
                    settings,
                    args.service,
                    args.name,
                    args.phone,
                    args.telegram,
                    args.lang,
                    args.list_at,
                    by,
                )
            )
        return asyncio.run(calls.pause(settings, args.id, args.resume, by))
    if args.calls_command == "add":
        return asyncio.run(
            calls.add_callee(
                settings,
                args.service,
                args.name,
                args.phone,
                args.consent_recorded,
                args.risk_assessed,
                by,
            )
        )
    return asyncio.run(
        calls.add_slot(
            settings, args.callee, args.volunteer, args.every, args.first, args.until, by
        )
    )


def _by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="NAME", help="who is making this change (or KITH_STAFF)")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.commands import alerts, chat, outbox, referrals, services

    if args.command == "db":
        upgrade_blocking(settings.database_url)
        print("database is up to date")
        return 0
    if args.command == "serve":
        from bot.web.serve import serve

        return serve(settings, args.host, args.port)
    if args.command == "chat":
        return asyncio.run(
            chat.run_chat(settings, args.service, args.json, args.address, args.lang)
        )
    if args.command == "services":
        if args.services_command == "list":
            return services.list_services(settings, args.json)
        if args.services_command == "diagram":
            return services.diagram(settings, args.id)
        return services.check_service(args.file)
    if args.command == "telegram":
        from bot.commands import telegram

        if args.telegram_command == "poll":
            return asyncio.run(telegram.poll(settings, args.once))
        return asyncio.run(telegram.set_webhook(settings))
    if args.command == "sms-cost":
        from bot.commands.costs import report

        return asyncio.run(report(settings, args.service, args.since, args.json))
    if args.command == "i18n":
        from bot.commands.i18n import run_i18n

        return run_i18n(settings, args.action, args.services_dir, args.json)
    if args.command == "dispatch":
        from bot.commands.dispatch import dispatch

        return dispatch(settings)
    if args.command == "scheduler":
        from bot.commands.scheduler import run_tick

        return asyncio.run(run_tick(settings, args.json))
    if args.command == "appointments" and args.appointments_command == "list":
        from bot.commands.appointments import list_appointments

        return asyncio.run(list_appointments(settings, args.service, args.all, args.json))
    if args.command == "groups" and args.groups_command in ("list", "sessions"):
        from bot.commands import groups

        if args.groups_command == "list":
            return asyncio.run(groups.list_groups(settings, args.service, args.json))
        return asyncio.run(groups.list_sessions(settings, args.id, args.weeks, args.json))
    if args.command == "groups" and args.groups_command == "members" and args.action == "list":
        from bot.commands.groups import list_members

        return asyncio.run(list_members(settings, args.id, args.json))
    if args.command == "volunteers" and args.volunteers_command == "list":
        from bot.commands.calls import list_volunteers

        return asyncio.run(list_volunteers(settings, args.service, args.json))
    if args.command == "calls" and args.calls_command == "list":
        from bot.commands.calls import list_calls

        return asyncio.run(list_calls(settings, args.day, args.volunteer, args.service, args.json))
    if args.command == "surveys":
        from bot.commands import surveys

        if args.surveys_command == "list":
            return asyncio.run(surveys.list_surveys(settings, args.service, args.point, args.json))
        if args.surveys_command == "show":
            return asyncio.run(surveys.show_survey(settings, args.id, args.json))
        return asyncio.run(surveys.summarise(settings, args.service, args.json))
    if args.command == "outbox" and args.outbox_command == "list":
        return asyncio.run(outbox.list_outbox(settings, args.status, args.urgent, args.json))
    if args.command == "alerts" and args.alerts_command == "list":
        return asyncio.run(alerts.list_alerts(settings, args.json, not args.open))
    if args.command == "referrals" and args.referrals_command == "list":
        return asyncio.run(
            referrals.list_referrals(
                settings,
                view=args.view,
                service=args.service,
                search=args.search,
                limit=args.limit,
                as_json=args.json,
            )
        )
    if args.command == "referrals" and args.referrals_command == "show":
        return asyncio.run(referrals.show_referral(settings, args.id, args.json))
    if args.command == "referrals" and args.referrals_command == "export":
        return asyncio.run(
            referrals.export_referrals(settings, args.service, args.since, args.until)
        )
    by = (args.by or "").strip() or settings.staff
    if not by:
        print("kith: say who is making this change: --by NAME or KITH_STAFF", file=sys.stderr)
        return 2
    if args.command == "alerts":
        return asyncio.run(alerts.ack_alert(settings, args.id, by, args.note))
    if args.command == "appointments":
        return _appointments(args, settings, by)
    if args.command == "groups":
        return _groups(args, settings, by)
    if args.command in ("volunteers", "calls"):
        return _calls(args, settings, by)
    if args.command == "outbox":
        return asyncio.run(outbox.change(settings, args.outbox_command, args.id, by))
    if args.referrals_command == "note":
        return asyncio.run(referrals.add_note(settings, args.id, args.text, by))
    return asyncio.run(
        referrals.set_status(
            settings,
            args.id,
            args.status,
            by=by,
            note=args.note,
            reason=args.reason,
            no_notify=args.no_notify,
        )
    )


def _one_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


def _definitions_problem(settings: Settings) -> str | None:
    """One line naming the file and line of a broken definition, or None."""
    try:
        load_registry(settings.services_dir)
    except (DefinitionError, AreaError) as exc:
        return _one_line(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kith` console script."""
    args = _parser().parse_args(argv)
    # The server logs its work; one-shot commands show only problems.
    # `kith chat` is a conversation: logs never appear inside it.
    level = {"serve": logging.INFO, "dispatch": logging.INFO, "chat": logging.CRITICAL + 1}.get(
        args.command, logging.WARNING
    )
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, level)
    try:
        if args.command in STAFF_COMMANDS and settings.services_dir is not None:
            problem = _definitions_problem(settings)
            if problem is not None:
                # Staff commands read the database, not the definitions: carry on.
                print(f"kith: warning: {problem}", file=sys.stderr)
                settings = replace(settings, skip_broken_definitions=True)
        return _run(args, settings)
    except (DefinitionError, AreaError) as exc:
        # `kith serve`, `kith chat`, `kith services`: one line naming file and line.
        print(f"kith: {_one_line(exc)}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    except DatabaseNotReady as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped to `head` ended early: stop quietly, as other commands do.
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


STAFF_COMMANDS = {
    "alerts",
    "appointments",
    "calls",
    "groups",
    "outbox",
    "referrals",
    "sms-cost",
    "surveys",
    "volunteers",
}


if __name__ == "__main__":
    sys.exit(main())
