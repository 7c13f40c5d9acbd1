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
