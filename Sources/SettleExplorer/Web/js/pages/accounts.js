// The genesis's accounts by label; any other account is reached by its key (search).

import { api } from "../api.js";
import { el, link, short, table } from "../format.js";

export async function render(view) {
  const genesis = await api.genesis();
  view.append(
    el("h1", {}, "Accounts"),
    el("p", { class: "muted" }, "The accounts the genesis names. Search for any other by its key."),
    table(
      [
        { label: "Label", cell: (a) => link(`#/accounts/${a.publicKey}`, a.label) },
        { label: "Role", cell: (a) => a.role || "" },
        { label: "Key", cell: (a) => el("span", { class: "mono" }, short(a.publicKey, 12)) },
      ],
      genesis.accounts || [],
    ),
  );
}
