"""How people and operators reach kpibot: the CLI, the console, HTTP and Slack."""
