"""The roster's rules as pure functions (coding_duo/mob/roster.py): no server."""
import pytest

from coding_duo.mob import roster
from coding_duo.mob.roster import RosterError

pytestmark = pytest.mark.once  # pure functions: round 2 has nothing to add (tests/conftest.py)


def names(members):
    return [m["name"] for m in members]


def test_two_members_rotate_as_a_swap():
    members = roster.from_names(["Ann", "Bob"])
    assert roster.roles(members) == ("Ann", "Bob")
    members = roster.rotate(members)
    assert roster.roles(members) == ("Bob", "Ann")
    assert roster.roles(roster.rotate(members)) == ("Ann", "Bob")


def test_a_pair_with_the_same_name_twice_is_still_a_pair():
    members = roster.from_names(["Ada", "Ada"])  # today's rooms allow it
    assert [m["id"] for m in roster.rotate(members)] == [2, 1]


def test_four_members_over_six_turns_one_away_for_two_of_them():
    members = roster.from_names(["Ann", "Bob", "Cid", "Dee"])
    seen = [roster.roles(members)]
    for turn in range(1, 6):
        if turn == 1:  # Cid steps away after the first turn ...
            members = roster.set_away(members, 3, True)
        if turn == 3:  # ... and is back two turns later
            members = roster.set_away(members, 3, False)
        members = roster.rotate(members)
        seen.append(roster.roles(members))
    assert seen == [("Ann", "Bob"),   # turn 1
                    ("Bob", "Dee"),   # Cid away: skipped as navigator
                    ("Dee", "Ann"),   # and as driver
                    ("Ann", "Bob"),   # Cid back (after turn 3's rotation: his place kept)
                    ("Bob", "Cid"),
                    ("Cid", "Dee")]


def test_an_away_driver_hands_over_at_once_and_keeps_their_place():
    members = roster.from_names(["Ann", "Bob", "Cid"])
    members = roster.set_away(members, 1, True)
    assert roster.roles(members) == ("Bob", "Cid")
    assert names(members) == ["Bob", "Cid", "Ann"]  # the same circle
    members = roster.set_away(members, 1, False)
    assert roster.roles(members) == ("Bob", "Cid")  # coming back takes nobody's turn
    assert roster.roles(roster.rotate(roster.rotate(members))) == ("Ann", "Bob")


def test_make_driver_and_move():
    members = roster.from_names(["Ann", "Bob", "Cid", "Dee"])
    assert roster.roles(roster.make_driver(members, 3)) == ("Cid", "Dee")
    moved = roster.move(members, 4, 1)  # Dee to navigate next
    assert names(moved) == ["Ann", "Dee", "Bob", "Cid"]
    assert roster.roles(roster.move(members, 1, 3)) == ("Bob", "Cid")  # the driver to the back


def test_add_rename_remove():
    members = roster.from_names(["Ann", "Bob"])
    members = roster.add(members, "Cid")
    assert names(members) == ["Ann", "Bob", "Cid"] and members[-1]["id"] == 3
    members = roster.add(members, "Dee", 0)
    assert roster.roles(members) == ("Dee", "Ann")
    members = roster.rename(members, 1, "Annie")
    assert roster.roles(members) == ("Dee", "Annie")
    members = roster.remove(members, 4)
    assert roster.roles(members) == ("Annie", "Bob")
    assert roster.add(members, "Eve")[-1]["id"] == 4
    assert roster.add(members, "Eve", new_id=5)[-1]["id"] == 5  # the room's next id


@pytest.mark.parametrize("change, status, fragment", [
    (lambda m: roster.remove(roster.from_names(["A", "B"]), 1), 409, "at least 2"),
    (lambda m: roster.set_away(roster.from_names(["A", "B"]), 1, True), 409, "present"),
    (lambda m: roster.set_away(roster.set_away(m, 1, True), 2, True), 409, "present"),
    (lambda m: roster.remove(roster.set_away(m, 1, True), 2), 409, "present"),
    (lambda m: roster.add(m, "a"), 409, "names must differ"),
    (lambda m: roster.rename(m, 2, "C"), 409, "names must differ"),
    (lambda m: roster.make_driver(roster.set_away(m, 3, True), 3), 409, "away"),
    (lambda m: roster.remove(m, 9), 404, "no member 9"),
    (lambda m: roster.move(m, 1, 3), 400, "position"),
    (lambda m: roster.add(m, "D", 4), 400, "position"),
    (lambda m: roster.from_names(["A"]), 400, "2 to 12"),
    (lambda m: roster.from_names([str(i) for i in range(13)]), 400, "2 to 12"),
    (lambda m: roster.from_names(["A", "B", "a"]), 409, "names must differ"),
])
def test_refusals(change, status, fragment):
    members = roster.from_names(["A", "B", "C"])
    with pytest.raises(RosterError) as error:
        change(members)
    assert error.value.status == status and fragment in error.value.message


def test_twelve_at_most():
    members = roster.from_names([f"M{i}" for i in range(12)])
    with pytest.raises(RosterError, match="at most 12"):
        roster.add(members, "X")
