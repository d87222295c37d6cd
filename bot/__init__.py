"""kpibot: everything that touches the world, in rooms by concept.

    config/    settings, the center (policy, calendar, time zone)
    store/     the database: engine and migrations, tables, queries
    sources/   where the numbers come from: roster and stats files, the stats pull
    usecases/  what a person can ask, answered the same for every door
    outbox/    messages written down before they are sent, once, on a platform
    rounds/    the scheduled rounds: morning, month-end, and the scheduler
    doors/     how people and operators reach kpibot: CLI, console, HTTP, Slack
"""
