"""The ``presence`` event: every stream of a room hears how many screens have it
open, when one opens (the new one too, after its state snapshot) and closes."""
from __future__ import annotations

from support import stream


def screens(client, count: int, after: int = 0):
    return client.wait_event("presence", f'{{"screens":{count}}}', after=after)


def test_presence_counts_streams_opening_and_closing(server, api):
    code = api.create_room()
    other = api.create_room()
    a = stream(server.url, code)
    screens(a, 1)
    assert [e.event for e in a.events].index("presence") > [e.event for e in a.events].index("room")
    b = stream(server.url, code)
    c = stream(server.url, other)  # another room counts apart
    screens(a, 2)
    screens(b, 2)
    screens(c, 1)
    seen = len(a.events)
    b.close()
    screens(a, 1, after=seen)
    assert not [e for e in c.events if e.event == "presence" and e.data != '{"screens":1}']
    for client in (a, c):
        client.close()
