"""The pure core: value types, calendars, CPM, the portfolio frame, the schedule, findings and
the weekly check. No I/O."""
