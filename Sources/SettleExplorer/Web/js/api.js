// The node's RPC (docs/rpc.md), from the page's own origin, with the API
// token the visitor gave (kept for this tab only). Every failure becomes an
// ApiError whose message says what to do; pages show it, never a blank page.

const TOKEN_KEY = "settle.explorer.token";

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value.trim());
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers() {
  const h = { Accept: "application/json" };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function request(path) {
  let response;
  try {
    response = await fetch(path, { headers: headers(), cache: "no-store" });
  } catch (error) {
    throw new ApiError(`The node is unreachable (${error.message}). Check that settled is running and this page's address is the node's RPC.`, 0, "unreachable");
  }
  return response;
}

/** GET a JSON route; throws ApiError with the node's own message on an error answer. */
export async function get(path) {
  const response = await request(path);
  let body = null;
  const text = await response.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(`${path} did not answer JSON (HTTP ${response.status}).`, response.status, "not_json");
  }
  if (!response.ok) {
    const error = body && body.error ? body.error : {};
    throw new ApiError(explain(response.status, error.code, error.message || `HTTP ${response.status}`), response.status, error.code);
  }
  return body;
}

/** GET a text route (the Prometheus metrics). */
export async function getText(path) {
  const response = await request(path);
  if (!response.ok) throw new ApiError(explain(response.status, null, `HTTP ${response.status}`), response.status, null);
  return response.text();
}

function explain(status, code, message) {
  if (status === 401) return `This node requires an API token: set one under "Trust & token". (${message})`;
  if (status === 403) return `Your token may not read this. (${message})`;
  if (status === 429) return `The node is limiting requests; try again in a moment. (${message})`;
  return message;
}

export const api = {
  status: () => get("/v1/status"),
  genesis: () => get("/v1/genesis"),
  assets: () => get("/v1/assets"),
  validators: (height) => get(height ? `/v1/validators?height=${height}` : "/v1/validators"),
  block: (height) => get(`/v1/blocks/${height}`),
  latestBlock: () => get("/v1/blocks/latest"),
  blocks: (before, limit = 20) => get(`/v1/blocks${query({ before, limit })}`),
  transaction: (id) => get(`/v1/transactions/${id}`),
  receipt: (id) => get(`/v1/transactions/${id}/receipt`),
  payment: (id) => get(`/v1/payments/${id}`),
  balances: (account) => get(`/v1/accounts/${account}/balances`),
  history: (account, before, limit = 20) => get(`/v1/accounts/${account}/transactions?limit=${limit}${before ? `&before=${encodeURIComponent(before)}` : ""}`),
  reference: (signer, reference) => get(`/v1/references/${signer}/${encodeURIComponent(reference)}`),
  fees: (from, to) => get(`/v1/reports/fees${query({ from, to })}`),
  methods: () => get("/v1/methods"),
  metrics: () => getText("/metrics"),
  activity: () => get("/v1/activity"),
  search: (text) => get(`/v1/search?q=${encodeURIComponent(text)}`),
};

function query(values) {
  const parts = Object.entries(values).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}
