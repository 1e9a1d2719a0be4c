// Blocks, newest first, a page of 20 at a time.

import { api } from "../api.js";
import { el, link } from "../format.js";
import { blockTable } from "./chain.js";

const pageSize = 20;

export async function render(view) {
  const status = await api.status();
  const top = Number(new URLSearchParams(location.hash.split("?")[1] || "").get("from")) || status.height;
  const heights = [];
  for (let h = Math.min(top, status.height); h >= 1 && heights.length < pageSize; h--) heights.push(h);
  const blocks = await Promise.all(heights.map((h) => api.block(h)));
  view.append(el("h1", {}, "Blocks"), blockTable(blocks));
  const pager = el("div", { class: "pager" });
  if (top < status.height) pager.append(link(`#/blocks?from=${Math.min(status.height, top + pageSize)}`, "← Newer"));
  if (heights.length && heights[heights.length - 1] > 1) pager.append(link(`#/blocks?from=${heights[heights.length - 1] - 1}`, "Older →"));
  view.append(pager);
}
