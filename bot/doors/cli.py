"""The kpibot command line: parse, call one use case, print what messages/ renders."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.config.center import Center
from bot.config.settings import Settings, load_settings
from bot.doors.arguments import parse
from bot.doors.console import Console, typed_lines
from bot.doors.demo import build_demo
from bot.doors.export import write_table
from bot.doors.wiring import build_bot, chat_platforms, open_world, round_platforms
from bot.rounds.contact import contact_round
from bot.rounds.month_end import month_end_round
from bot.rounds.morning import morning
from bot.rounds.scheduler import Rounds, build_scheduler
from bot.rounds.status import jobs_status
from bot.rounds.pull_summary import pull_and_tell
from bot.sources.roster import import_roster
from bot.sources.rows import ImportRejected, ImportReport, Progress
from bot.sources.stats import import_stats
from bot.store import queries
from bot.store.db import SchemaError, make_engine, shown_url, upgrade
from bot.usecases.days import nudges, team_digests
from bot.usecases.mystats import NoQuotaError, stats_view
from bot.usecases.payroll import payroll
from bot.usecases.periods import parse_day, parse_month, parse_period
from bot.usecases.standings import month_standings
from messages.formats import bar, vocabulary
from messages.payroll import payroll_table
from messages.render import catalog, describe, render, text
from scoring.calendar import Month
from scoring.contact import Week
from scoring.policy import LOCALES
from scoring.problems import Problem

Command = Callable[[argparse.Namespace, Settings], int]
log = logging.getLogger("kpibot")


def main(argv: list[str] | None = None) -> int:
    """Run one command; a problem becomes one line on stderr and a non-zero exit."""
    locale = os.environ.get("KPIBOT_LOCALE") if os.environ.get("KPIBOT_LOCALE") in LOCALES else "en"
    try:
        args = parse(argv, locale)
    except SystemExit as done:  # --help, --version, or a usage error argparse has already printed
        return int(done.code or 0)
    try:
        settings = load_settings()
        locale = settings.locale
        return COMMANDS[args.leaf](args, settings)
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


# --- commands --------------------------------------------------------------------------


def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    applied = upgrade(make_engine(settings.database_url))
    print(render("db_upgrade", settings.locale, applied=applied, url=shown_url(settings.database_url)), end="")
    return 0


def roster_import_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    with Session(engine) as session:
        report = import_roster(session=session, center=center, path=args.file,
                               progress=_progress_bar(args.file, settings.locale))
    return _print_report(report, args.file, settings.locale)


def stats_import_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    with Session(engine) as session:
        report = import_stats(session=session, center=center, path=args.file, fmt=args.format,
                              today=center.today(), progress=_progress_bar(args.file, settings.locale))
    return _print_report(report, args.file, settings.locale)


def stats_show(args: argparse.Namespace, settings: Settings) -> int:
    """What /mystats shows, for the same words: a day (default today), yesterday, or a month."""
    center, engine = open_world(settings)
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
    rounds = Rounds(bot.center, bot.engine, bot.platforms)
    scheduler = None if args.no_scheduler else build_scheduler(rounds)
    try:
        if scheduler is not None:
            scheduler.start()
        bot.run()
    except KeyboardInterrupt:
        pass
    finally:
        rounds.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        bot.close()
    return 0


def scheduler_command(args: argparse.Namespace, settings: Settings) -> int:
    _log_to_terminal()
    _stop_on_sigterm()
    center, engine = open_world(settings)
    rounds = Rounds(center, engine, round_platforms(settings, engine))
    try:
        build_scheduler(rounds, blocking=True).start()
    except KeyboardInterrupt:
        pass
    finally:
        rounds.stop()
    return 0


def morning_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    day = parse_day(args.date or "", center.today(), "cli", to_come=True)
    report = morning(center=center, engine=engine, platforms=round_platforms(settings, engine), day=day,
                     force=args.force)
    print(render("round_report", settings.locale, r=report), end="")
    return 0


def month_end_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    today = center.today()
    month = parse_month(args.month, today, "cli", to_come=True) if args.month else Month.of(today).previous()
    platforms = round_platforms(settings, engine)
    report = month_end_round(center=center, engine=engine, platforms=platforms, month=month)
    print(render("round_report", settings.locale, r=report, unset=platforms.unset_channels()), end="")
    return 0


def contact_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    week = Week.of(center.today()).previous()
    if args.week:
        try:
            week = Week.parse(args.week)
        except ValueError:
            raise Problem("round.bad_week", value=args.week) from None
    report = contact_round(center=center, engine=engine, platforms=round_platforms(settings, engine), week=week,
                           force=args.force)
    print(render("round_report", settings.locale, r=report), end="")
    return 0


def export_month_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    today = center.today()
    month = parse_month(args.month, today, "cli")
    locale = args.locale or settings.locale
    path = Path(args.output or f"kpibot-{month}.{args.format}")
    with Session(engine) as session:
        rows = payroll(session=session, center=center, month=month)
    header, cells = payroll_table(rows, center.policy, locale)
    try:
        write_table(path, args.format, header, cells, title=str(month))
    except OSError as err:
        return _fail(text(locale, "export.unwritable", path=path, reason=err.strerror or err.__class__.__name__))
    people = vocabulary(catalog(locale))[0]["count"](len(rows), "people")
    if month.last < today:
        print(text(locale, "export.wrote", month=month, people=people, path=path))
    else:
        print(text(locale, "export.as_of", month=month, day=today.isoformat(), people=people, path=path))
    return 0


def pull_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    if not settings.stats.source:
        raise Problem("settings.no_stats_source", variable="KPIBOT_STATS_SOURCE")
    pulled = pull_and_tell(center=center, engine=engine, platforms=chat_platforms(settings, engine),
                           today=center.today())
    print(render("pull_report", settings.locale, pulled=pulled), end="")
    return 1 if any(p.failed for p in pulled) else 0  # so that cron notices a file left out


def status_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    with Session(engine) as session:
        print(render("jobs_status", settings.locale, s=jobs_status(session=session)), end="")
    return 0


def _stop_on_sigterm() -> None:
    """A platform stops a process with SIGTERM: stop as on Ctrl-C, finishing cleanly."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum, frame) -> None:
    log.info("stopping (signal %s)", signum)
    raise KeyboardInterrupt


def _log_to_terminal() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def console_command(args: argparse.Namespace, settings: Settings) -> int:
    center, engine = open_world(settings)
    door = Console(center=center, engine=engine, platforms=chat_platforms(settings, engine),
                   employee_id=args.employee_id, out=sys.stdout)
    door.check()
    door.run(typed_lines(f"{args.employee_id}> "))
    return 0


def demo_command(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.db)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    settings = replace(settings, database_url=f"sqlite:///{path}")
    center, engine = open_world(settings, new=True)
    day = parse_day(args.date, center.today(), "cli", to_come=True) if args.date \
        else _last_working_day(center, center.today())
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
                     places=standings.top), end="")
        print("\n" + text(locale, "demo.next", path=path, kpibot=_how_to_run(), employee_id=nudge.agent.employee_id,
                          lead=demo.leads[0].name, lead_id=demo.leads[0].employee_id))
    return 0


COMMANDS: dict[str, Command] = {
    "db upgrade": db_upgrade,
    "roster import": roster_import_command,
    "stats import": stats_import_command,
    "stats show": stats_show,
    "jobs run morning": morning_command,
    "jobs run month-end": month_end_command,
    "jobs run contact": contact_command,
    "jobs run pull": pull_command,
    "export month": export_month_command,
    "jobs status": status_command,
    "serve": serve_command,
    "scheduler": scheduler_command,
    "console": console_command,
    "demo": demo_command,
}


# --- helpers ---------------------------------------------------------------------------


def _how_to_run() -> str:
    """kpibot as this process was started, to type again from here: `kpibot` when the PATH finds
    this very script, else the script's own path (.venv/bin/kpibot), else `python -m bot`."""
    script = Path(sys.argv[0])
    if script.name == "__main__.py":
        return f"{_from_here(Path(sys.executable))} -m bot"
    found = shutil.which("kpibot")
    if found and Path(found).resolve() == script.resolve():
        return "kpibot"
    return _from_here(script)


def _from_here(path: Path) -> str:
    """`path` relative to the working directory when it lies below it (absolute otherwise)."""
    absolute = path.absolute()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


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
