"""Retrospectives: a room's answer sets to the six questions asked when a pairing
session ends (coduo's retrospective form), kept per room, without accounts."""
