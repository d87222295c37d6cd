"""The scheduled rounds (morning, month-end), each claimed per period, and the scheduler."""
