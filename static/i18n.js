// What the page's scripts say, in the page's language, from the server's gettext
// catalog (coding_duo/web/page_strings.py): the page carries the strings its
// scripts use in <script type="application/json" id="i18n"> (no inline script).
//   t("Pause")                                   -> "일시정지"
//   t("%(name)s drives", { name: "Ann" })        -> "Ann 님이 드라이브합니다"
//   tn("%(count)s turn", "%(count)s turns", 3)    -> "3턴" (count is given as a param too)
// The English text is the key (pybabel extract reads these calls: keywords t, tn:1,2),
// so a message missing from the block still reads in English. Placeholders are
// %(name)s, as in the Python code; numbers put into them are written with the
// language's symbols (Babel's), as number() does.
const block = document.getElementById("i18n");
const data = block ? JSON.parse(block.textContent) : {};
const messages = data.messages || {};
const plurals = data.plurals || {};
const symbols = data.number || { decimal: ".", group: "," };

export const lang = data.lang || document.documentElement.lang || "en";
const rules = new Intl.PluralRules(lang);

// 12345.5 -> "12,345.5" (at most two decimals; whole numbers grouped by three).
export function number(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return String(n);
  const [whole, fraction] = String(Math.round(Math.abs(n) * 100) / 100).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, symbols.group);
  return (n < 0 ? "-" : "") + grouped + (fraction ? symbols.decimal + fraction : "");
}

function fill(text, params) {
  if (!params) return text;
  return text.replace(/%\(([A-Za-z_]\w*)\)s/g, (whole, name) =>
    name in params ? (typeof params[name] === "number" ? number(params[name]) : String(params[name])) : whole);
}

export function t(message, params) {
  return fill(messages[message] || message, params);
}

// `count` picks the form (the language's plural rules) and is the `count` param.
export function tn(singular, plural, count, params) {
  const forms = plurals[singular];
  const text = forms ? (forms[rules.select(count)] || forms.other) : (count === 1 ? singular : plural);
  return fill(text, { count, ...params });
}
