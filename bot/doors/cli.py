"""The kpibot command line: parse, call one use case, print what messages/ renders."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.store import queries
from bot.config.center import Center, open_center
from bot.usecases.requests import parse_period
from bot.store.db import SchemaError, ensure_schema, make_engine, shown_url, upgrade
from bot.doors.demo import build_demo
from bot.rounds.run import month_end_round, morning
from bot.sources.stats import ImportRejected, ImportReport, Progress, import_stats
from bot.usecases.days import nudges, team_digests
from bot.sources.pull import pull
from bot.rounds.scheduler import Rounds, build_scheduler
from bot.sources.roster import import_roster
from bot.doors.serve import build_bot
from bot.config.settings import Settings, load_settings
from bot.doors.slack.chat import slack_chat
from bot.rounds.status import jobs_status
from bot.usecases.standings import month_standings
from bot.usecases.mystats import NoQuotaError, stats_view
from messages.formats import bar
from messages.render import describe, render, text
from scoring.calendar import Month
from scoring.policy import LOCALES
from scoring.problems import Problem

Command = Callable[[argparse.Namespace, Settings], int]
log = logging.getLogger("kpibot")


def main(argv: list[str] | None = None) -> int:
    """Run one command; a problem becomes one line on stderr and a non-zero exit."""
    locale = os.environ.get("KPIBOT_LOCALE") if os.environ.get("KPIBOT_LOCALE") in LOCALES else "en"
    args = _parser(locale).parse_args(argv)
    try:
        settings = load_settings()
        locale = settings.locale
        return args.command(args, settings)
    except ImportRejected as rejected:
        return _fail(render("import_rejected", locale, problem=rejected))
    except Problem as problem:
        return _fail(describe(problem, locale))
    except SchemaError:
        return _fail(text(locale, "cli.schema"))
    except OperationalError as err:
        return _fail(text(locale, "cli.database", url=shown_url(os.environ.get("DATABASE_URL", "")),
                          reason=str(err.orig).strip().splitlines()[0]))
    except KeyboardInterrupt:
        return _fail(text(locale, "cli.interrupted"), code=130)
    except BrokenPipeError:  # the reader (say `| head`) has gone: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _fail(message: str, code: int = 1) -> int:
    print(message.rstrip("\n"), file=sys.stderr)
    return code


def _parser(locale: str) -> argparse.ArgumentParser:
    say = lambda key: text(locale, f"help.{key}")  # noqa: E731
    parser = argparse.ArgumentParser(prog="kpibot", description=say("kpibot"))
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    db = commands.add_parser("db", help=say("db")).add_subparsers(required=True, metavar="ACTION")
    db.add_parser("upgrade", help=say("db_upgrade")).set_defaults(command=db_upgrade)

    roster = commands.add_parser("roster", help=say("roster")).add_subparsers(required=True, metavar="ACTION")
    roster_import = roster.add_parser("import", help=say("roster_import"))
    roster_import.add_argument("file", metavar="FILE")
    roster_import.set_defaults(command=roster_import_command)

    stats = commands.add_parser("stats", help=say("stats")).add_subparsers(required=True, metavar="ACTION")
    stats_import = stats.add_parser("import", help=say("stats_import"))
    stats_import.add_argument("file", metavar="FILE")
    stats_import.add_argument("--format", choices=("daily", "cdr"), default="daily", help=say("format"))
    stats_import.set_defaults(command=stats_import_command)
    show = stats.add_parser("show", help=say("stats_show"))
    show.add_argument("employee_id", metavar="EMPLOYEE_ID")
    show.add_argument("--date", metavar="DAY", help=say("date"))
    show.add_argument("--locale", choices=LOCALES, help=say("locale"))
    show.set_defaults(command=stats_show)

    jobs = commands.add_parser("jobs", help=say("jobs")).add_subparsers(required=True, metavar="ACTION")
    run = jobs.add_parser("run", help=say("jobs_run")).add_subparsers(required=True, metavar="JOB")
    run_morning = run.add_parser("morning", help=say("morning"))
    run_morning.add_argument("--date", metavar="YYYY-MM-DD", help=say("morning_date"))
    run_morning.add_argument("--force", action="store_true", help=say("force"))
    run_morning.set_defaults(command=morning_command)
    run_month_end = run.add_parser("month-end", help=say("month_end"))
    run_month_end.add_argument("--month", metavar="YYYY-MM", help=say("month_end_month"))
    run_month_end.set_defaults(command=month_end_command)
    run.add_parser("pull", help=say("pull")).set_defaults(command=pull_command)
    jobs.add_parser("status", help=say("status")).set_defaults(command=status_command)
    commands.add_parser("scheduler", help=say("scheduler")).set_defaults(command=scheduler_command)

    serve = commands.add_parser("serve", help=say("serve"))
    serve.add_argument("--no-scheduler", action="store_true", help=say("no_scheduler"))
    serve.set_defaults(command=serve_command)

    demo = commands.add_parser("demo", help=say("demo"))
    demo.add_argument("--db", default="kpibot-demo.db", metavar="PATH", help=say("demo_db"))
    demo.add_argument("--date", metavar="YYYY-MM-DD", help=say("demo_date"))
    demo.set_defaults(command=demo_command)
    return parser


# --- commands --------------------------------------------------------------------------


def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    applied = upgrade(make_engine(settings.database_url))
    print(render("db_upgrade", settings.locale, applied=applied, url=shown_url(settings.database_url)), end="")
    return 0


def roster_import_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = _open(settings)
    with Session(engine) as session:
        report = import_roster(session=session, center=center, path=args.file,
                               progress=_progress_bar(args.file, settings.locale))
    return _print_report(report, args.file, settings.locale)


def stats_import_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = _open(settings)
    with Session(engine) as session:
        report = import_stats(session=session, center=center, path=args.file, fmt=args.format,
                              today=center.today(), progress=_progress_bar(args.file, settings.locale))
    return _print_report(report, args.file, settings.locale)


def stats_show(args: argparse.Namespace, settings: Settings) -> int:
    """What /mystats shows, for the same words: a day (default today), yesterday, or a month."""
    center, engine = _open(settings)
    today = center.today()
    period = parse_period(args.date or "", today)
    with Session(engine) as session:
        agent = queries.agent_by_employee_id(session=session, employee_id=args.employee_id)
        if agent is None:
            raise Problem("cli.unknown_employee", employee_id=args.employee_id)
        try:
            view = stats_view(session=session, center=center, agent=agent, day=period.day,
                              month=period.month, today=today)
        except NoQuotaError:
            raise Problem("cli.no_quota", name=agent.name, employee_id=agent.employee_id,
                          month=str(period.month)) from None
        locale = args.locale or center.locale_of(agent)
        print(render("stats", locale, v=view, policy=center.policy), end="")
    return 0


def serve_command(args: argparse.Namespace, settings: Settings) -> int:
    _log_to_terminal()
    _stop_on_sigterm()
    bot = build_bot(settings)
    scheduler = None if args.no_scheduler else build_scheduler(_rounds(bot.center, bot.engine))
    try:
        if scheduler is not None:
            scheduler.start()
        bot.run()
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        bot.close()
    return 0


def scheduler_command(args: argparse.Namespace, settings: Settings) -> int:
    _log_to_terminal()
    _stop_on_sigterm()
    center, engine = _open(settings)
    try:
        build_scheduler(_rounds(center, engine), blocking=True).start()
    except KeyboardInterrupt:
        pass
    return 0


def morning_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = _open(settings)
    day = _date(args.date) or center.today()
    report = morning(center=center, engine=engine, chat=slack_chat(settings, engine), day=day, force=args.force)
    print(render("round_report", settings.locale, r=report), end="")
    return 0


def month_end_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = _open(settings)
    month = _month(args.month) or Month.of(center.today()).previous()
    chat = slack_chat(settings, engine)
    report = month_end_round(center=center, engine=engine, chat=chat, month=month)
    print(render("round_report", settings.locale, r=report, no_channel=chat.channel is None), end="")
    return 0


def pull_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = _open(settings)
    if not settings.stats_source:
        raise Problem("settings.no_stats_source", variable="KPIBOT_STATS_SOURCE")
    pulled = pull(center=center, engine=engine, today=center.today())
    print(render("pull_report", settings.locale, pulled=pulled), end="")
    return 1 if any(p.failed for p in pulled) else 0  # so that cron notices a file left out


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = _open(settings)
    with Session(engine) as session:
        print(render("jobs_status", settings.locale, s=jobs_status(session=session)), end="")
    return 0


def _rounds(center: Center, engine: Engine) -> Rounds:
    pull_now = (lambda: pull(center=center, engine=engine, today=center.today())) \
        if center.settings.stats_source else None
    return Rounds(center, engine, slack_chat(center.settings, engine), pull_now)


def _stop_on_sigterm() -> None:
    """A platform stops a process with SIGTERM: stop as on Ctrl-C, finishing cleanly."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum, frame) -> None:
    log.info("stopping (signal %s)", signum)
    raise KeyboardInterrupt


def _log_to_terminal() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def demo_command(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.db)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    settings = replace(settings, database_url=f"sqlite:///{path}")
    center, engine = _open(settings)
    day = _date(args.date) or _last_working_day(center, center.today())
    locale = settings.locale
    with Session(engine) as session:
        demo = build_demo(session=session, center=center, day=day)
        round_ = nudges(session=session, center=center, today=day)
        print(text(locale, "demo.built", agents=len(demo.agents), leads=len(demo.leads),
                   teams=len(demo.teams), first=demo.first.isoformat(), last=demo.last.isoformat(),
                   path=path))
        behind = [n for n in round_.values() if n.reported and n.day.attainment and not n.day.attainment.met]
        nudge = behind[0] if behind else next(iter(round_.values()))
        _section(text(locale, "demo.nudge", name=nudge.agent.name, employee_id=nudge.agent.employee_id,
                      day=day.isoformat()))
        print(render("morning_nudge", locale, n=nudge), end="")
        _section(text(locale, "demo.digest", name=demo.leads[0].name))
        for digest in team_digests(session=session, lead=demo.leads[0], days=round_,
                                   day=center.calendar.previous_working_day(day)):
            print(render("lead_digest", locale, d=digest), end="")
        last_month = Month.of(day).previous()
        standings = month_standings(session=session, center=center, month=last_month,
                                    through=last_month.last)
        _section(text(locale, "demo.board"))
        print(render("leaderboard", locale, b=standings,
                     places=standings.places[:center.policy.leaderboard_places]), end="")
        print("\n" + text(locale, "demo.next", path=path, employee_id=nudge.agent.employee_id))
    return 0


# --- helpers ---------------------------------------------------------------------------


def _open(settings: Settings) -> tuple[Center, Engine]:
    """The center and a database whose schema is current (SQLite upgrades itself)."""
    center = open_center(settings)
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return center, engine


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Problem("cli.bad_date", value=value) from None


def _month(value: str | None) -> Month | None:
    if value is None:
        return None
    try:
        return Month.parse(value)
    except ValueError:
        raise Problem("cli.bad_month", value=value) from None


def _last_working_day(center: Center, day: date) -> date:
    return day if center.calendar.is_working_day(day) else center.calendar.previous_working_day(day)


def _section(title: str) -> None:
    print(f"\n== {title} ==")


def _print_report(report: ImportReport, file: str, locale: str) -> int:
    print(render("import_report", locale, report=report, file=Path(file).name), end="")
    return 0


def _progress_bar(file: str, locale: str) -> Progress | None:
    """A progress bar on stderr for long imports, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    label = text(locale, "import.reading", file=Path(file).name)

    def show(done: int, total: int) -> None:
        if total >= 5000:
            end = "\n" if done == total else ""
            print(f"\r{label} {bar(Fraction(done, total), 30)} {done:,}/{total:,}", end=end,
                  file=sys.stderr, flush=True)

    return show
