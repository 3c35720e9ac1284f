// Accessibility basics of the current page; returns a list of problems (empty = fine).
// Used two ways by tests/browser/conftest.py: evaluated from Python (works even with the
// page's JavaScript switched off), and as an init script that runs on every page load and
// reports each problem with console.error, which the console guard turns into a failure.
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const describe = (el) =>
    el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? `[name=${el.name}]` : "");

  const h1s = document.querySelectorAll("h1").length;
  if (h1s !== 1) problems.push(`${h1s} <h1> elements (want exactly one)`);

  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push(`<img src=${img.getAttribute("src")}> has no alt`);
  }

  const fields = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset])" +
      ":not([type=image]), select, textarea"
  );
  for (const field of fields) {
    if (!visible(field)) continue;
    const labelled =
      (field.labels && field.labels.length > 0) ||
      (field.getAttribute("aria-label") || "").trim() ||
      field.hasAttribute("aria-labelledby");
    if (!labelled) problems.push(`form field ${describe(field)} has no label`);
  }

  // Anything that looks like a button must be a real, keyboard-focusable control.
  for (const el of document.querySelectorAll("button, .btn, [role=button], input[type=submit]")) {
    if (!visible(el)) continue;
    const native = el.matches("button, input, a[href]");
    if (!native || el.tabIndex < 0) problems.push(`button ${describe(el)} is not keyboard-focusable`);
  }
  return problems;
}
