"""Settings and the center they open: policy, working-day calendar, time zone."""
