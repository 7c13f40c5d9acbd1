// The home page: the custom turn length is a choice of its own. Typing into it
// selects it; choosing a preset empties it (the server takes a filled-in custom
// length over the preset, so without this script typing still wins).
const choice = document.getElementById("custom-choice");
const minutes = document.getElementById("custom-minutes");
for (const name of ["focus", "input"]) {
  minutes.addEventListener(name, () => { choice.checked = true; });
}
for (const preset of document.querySelectorAll('input[name="minutes"]:not(#custom-choice)')) {
  preset.addEventListener("change", () => { if (preset.checked) minutes.value = ""; });
}
choice.addEventListener("change", () => { if (choice.checked) minutes.focus(); });

// A mob: "Add another person" adds a name field (up to 12 people in all).
const more = document.getElementById("more-members");
const addMember = document.getElementById("add-member");
const MAX_PEOPLE = 12;
function people() { return 2 + more.querySelectorAll("input").length; }
function renderAdd() { addMember.disabled = people() >= MAX_PEOPLE; }
addMember.addEventListener("click", () => {
  if (people() >= MAX_PEOPLE) return;
  more.append(document.getElementById("member-field").content.cloneNode(true));
  more.querySelector("label:last-child input").focus();
  renderAdd();
});
renderAdd();
