"""Operations: data retention (a daily pass, one process at a time), moving a room
between servers (export/import), and the admin commands (``flask --app app rooms``,
``flask --app app backup``)."""
