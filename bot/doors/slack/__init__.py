"""kpibot on Slack: a thin Bolt adapter over the use cases in bot/."""
