// Display helpers. Money stays exact: minor units are integers (BigInt when
// large), turned into decimal text by moving the point, never through floats.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function short(hex, n = 10) {
  if (!hex) return "";
  return hex.length > 2 * n ? `${hex.slice(0, n)}…${hex.slice(-6)}` : hex;
}

export function link(href, text, attributes = {}) {
  return el("a", { href, ...attributes }, text);
}

export function mono(text) {
  return el("span", { class: "mono" }, text);
}

/** Minor units (number, bigint or digit string) as decimal text with `decimals` places, grouped by thousands. */
export function money(minor, decimals) {
  let value = BigInt(minor);
  const negative = value < 0n;
  if (negative) value = -value;
  let digits = value.toString();
  let fraction = "";
  if (decimals > 0) {
    digits = digits.padStart(decimals + 1, "0");
    fraction = `.${digits.slice(-decimals)}`;
    digits = digits.slice(0, -decimals);
  }
  return (negative ? "−" : "") + digits.replace(/\B(?=(\d{3})+$)/g, ",") + fraction;
}

export function time(ms) {
  if (ms === undefined || ms === null) return "";
  const date = new Date(Number(ms));
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function ago(ms) {
  const seconds = Math.max(0, Math.round((Date.now() - Number(ms)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

export function badge(kind, text, title) {
  return el("span", { class: `badge ${kind}`, title }, text);
}

export function message(kind, text) {
  return el("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function fields(pairs) {
  return el("dl", { class: "fields" }, pairs.filter(Boolean).flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

export function table(columns, rows, empty = "Nothing yet.") {
  if (!rows.length) return message("", empty);
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { class: c.num ? "num" : undefined }, c.label)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => el("td", { class: c.num ? "num" : undefined }, c.cell(row)))))),
  );
}

export function card(label, value) {
  return el("div", { class: "card" }, el("div", { class: "label" }, label), el("div", { class: "value" }, value));
}
