"""Rooms: the room model, access codes, creating and finding rooms, the
room-level commands (swap, status, delete), the pair-room API and the pages."""
