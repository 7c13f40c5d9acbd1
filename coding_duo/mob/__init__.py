"""Mob rooms: a roster of 2 to 12 members and its rotation, the room goal, and the
``mob`` command line's endpoints (/mob/<code>)."""
