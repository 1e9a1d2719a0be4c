// One account: its balances per asset and its history, newest first, paged.

import { api } from "../api.js";
import { el, link, message, money, short, table } from "../format.js";
import { may, notAllowed } from "../session.js";

export async function render(view, [key]) {
  if (!may("account", key)) return view.append(el("h1", {}, "Account"), el("p", { class: "mono" }, key), message("warn", notAllowed("account")));
  const before = new URLSearchParams(location.hash.split("?")[1] || "").get("before");
  const [genesis, balances, history] = await Promise.all([api.genesis(), api.balances(key), api.history(key, before)]);
  const label = (genesis.accounts || []).find((a) => a.publicKey === key)?.label;
  view.append(
    el("h1", {}, label ? `Account ${label}` : "Account"),
    el("p", { class: "mono" }, key),
    el("h2", {}, "Balances"),
    table(
      [
        { label: "Asset", cell: (b) => b.asset },
        { label: "Balance", num: true, cell: (b) => `${money(b.minorUnits, b.decimals)} ${b.asset}` },
      ],
      balances.balances || [],
      "No balance: nothing held in any asset.",
    ),
    el("h2", {}, "History"),
    table(
      [
        { label: "Block", cell: (t) => (t.height ? link(`#/blocks/${t.height}`, String(t.height)) : "") },
        { label: "Transaction", cell: (t) => link(`#/tx/${t.id}`, el("span", { class: "mono" }, short(t.id, 12))) },
        { label: "Kind", cell: (t) => t.kind || "" },
        { label: "Reference", cell: (t) => t.externalReference || "" },
        { label: "Result", cell: (t) => (t.result ? t.result.code : "") },
      ],
      history.transactions || [],
      before ? "No older transaction." : "No transaction names this account yet.",
    ),
  );
  if (history.next) view.append(el("div", { class: "pager" }, link(`#/accounts/${key}?before=${encodeURIComponent(history.next)}`, "Older →")));
}
