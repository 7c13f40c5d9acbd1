"""The turn timer: the pure ``Timer`` domain, its database record, the
``SchedulerService`` (commands, transitions, ticks, sweep), the
``SchedulerRegistry`` and ``TimestampRegistry``, and the timer API."""
