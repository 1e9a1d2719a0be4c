// The chain's assets and their decimals (GET /v1/assets), read once per page load.

import { api } from "./api.js";
import { money } from "./format.js";

let cached = null;

export async function assetDecimals() {
  if (!cached) {
    const answer = await api.assets();
    cached = Object.fromEntries((answer.assets || answer).map((a) => [a.code, a.decimals]));
  }
  return cached;
}

/** `minor` of `asset` as "12.34 USD"; an amount already in decimal text is shown as it is. */
export function amount(minor, asset, decimals) {
  if (typeof minor === "string" && minor.includes(".")) return `${minor} ${asset}`;
  const places = decimals[asset];
  return places === undefined ? `${minor} (minor units of ${asset})` : `${money(minor, places)} ${asset}`;
}
