// The node's event stream (GET /v1/events, docs/rpc.md) read with fetch, not
// EventSource: EventSource cannot send the API token. Calls `onBlock` with
// each block event's data until `signal` aborts; reconnects from the last
// height seen after a break, as the stream allows.

import { token } from "./api.js";

export async function followBlocks(onBlock, signal) {
  let last = null;
  while (!signal.aborted) {
    try {
      const headers = { Accept: "text/event-stream" };
      if (token()) headers.Authorization = `Bearer ${token()}`;
      if (last !== null) headers["Last-Event-ID"] = String(last);
      const response = await fetch("/v1/events", { headers, signal, cache: "no-store" });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.type === "block" && event.data) {
            const block = JSON.parse(event.data);
            if (last === null || block.height > last) {
              last = block.height;
              onBlock(block);
            }
          }
        }
      }
    } catch (error) {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function parse(text) {
  const event = { type: "message", data: "" };
  for (const line of text.split("\n")) {
    if (line.startsWith("event:")) event.type = line.slice(6).trim();
    else if (line.startsWith("data:")) event.data += line.slice(5).trim();
  }
  return event;
}

/** An AbortController aborted when the visitor leaves the page. */
export function pageLifetime(stillShown) {
  const controller = new AbortController();
  const check = () => {
    if (!stillShown()) {
      controller.abort();
      window.removeEventListener("hashchange", check);
    }
  };
  window.addEventListener("hashchange", check);
  return controller.signal;
}
