// The explorer's shell: a hash router over the pages, the search box and the
// trust indicator. Each page is a module exporting `render(main, params)`;
// any error it throws is shown on the page, never left to the console.

import { ApiError } from "./api.js";
import { el, message } from "./format.js";
import { renderTrust } from "./trust.js";
import { loadSession, may, notAllowed } from "./session.js";
import { describeResult, search, targetOf } from "./search.js";

const routes = [
  [/^\/?$/, "chain", () => import("./pages/chain.js")],
  [/^\/blocks\/?$/, "blocks", () => import("./pages/blocks.js")],
  [/^\/blocks\/(\d+)$/, "blocks", () => import("./pages/block.js")],
  [/^\/tx\/([0-9a-f]{64})$/, "blocks", () => import("./pages/transaction.js")],
  [/^\/accounts\/?$/, "accounts", () => import("./pages/accounts.js")],
  [/^\/accounts\/([0-9a-f]{64})$/, "accounts", () => import("./pages/account.js")],
  [/^\/costs\/?$/, "costs", () => import("./pages/costs.js")],
  [/^\/receipt\/?$/, "receipt", () => import("./pages/receipt.js")],
  [/^\/settings\/?$/, "settings", () => import("./pages/settings.js")],
];

const main = document.getElementById("page");
let generation = 0;

async function show() {
  const mine = ++generation;
  const path = decodeURIComponent(location.hash.replace(/^#/, "").split("?")[0]) || "/";
  const found = routes.map(([pattern, nav, load]) => ({ match: path.match(pattern), nav, load })).find((r) => r.match);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", found && a.dataset.page === found.nav);
  if (!found) {
    main.replaceChildren(el("h1", {}, "Not found"), message("error", `No page ${path}. Use the menu or search.`));
    return;
  }
  main.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  const view = el("div");
  await loadSession();
  if (!may("any") && !["settings", "receipt"].includes(found.nav)) {
    view.append(el("h1", {}, "A token is needed"), message("warn", notAllowed("any")), el("p", {}, el("a", { href: "#/settings" }, "Set a token")));
    if (mine === generation) main.replaceChildren(view);
    return;
  }
  try {
    const page = await found.load();
    await page.render(view, found.match.slice(1), () => mine === generation);
  } catch (error) {
    view.append(message("error", describe(error)));
  }
  if (mine === generation) main.replaceChildren(view);
}

export function describe(error) {
  if (error instanceof ApiError) return error.message;
  return `Something went wrong on this page: ${error && error.message ? error.message : error}`;
}

document.getElementById("search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("search-input");
  const query = input.value.trim();
  if (!query) return;
  main.replaceChildren(el("p", { class: "muted" }, `Searching for ${query}…`));
  if (!may("read")) {
    main.replaceChildren(el("h1", {}, "Search"), message("warn", `Search reads the whole chain. ${notAllowed("read")}`));
    return;
  }
  try {
    const target = await search(query);
    if (target.hash) {
      if (location.hash === target.hash) show();
      else location.hash = target.hash;
    } else if (target.results) {
      main.replaceChildren(el("h1", {}, `Search: ${query}`),
        el("ul", {}, target.results.map((result) => el("li", {}, el("a", { href: targetOf(result) }, describeResult(result))))));
    } else {
      main.replaceChildren(el("h1", {}, "Search"), message("warn", target.message));
    }
  } catch (error) {
    main.replaceChildren(el("h1", {}, "Search"), message("error", describe(error)));
  }
});

window.addEventListener("hashchange", show);
window.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  main.append(message("error", describe(event.reason)));
});
window.addEventListener("settle:trust", () => renderTrust(document.getElementById("trust")));

renderTrust(document.getElementById("trust"));
show();
