// Cross-origin calls made by a real page. Each call resolves (never rejects) to a plain
// object describing what the browser let the page see:
//   { allowed: true,  status, body, headers: {name: value-or-null}, visible: [names] }
//   { allowed: false, error }            the browser refused the response (a CORS block)
//   { allowed: false, timedOut: true }   no answer in time (never counted as a block)
// A call spec is { api: "fetch" | "xhr", method, url, headers: {name: value}, body,
// credentials: bool, read: [response header names], timeoutMs, cache, mode }; cache and
// mode apply to fetch only ("no-store" and "cors" unless given). `origin` in the result is
// the page's own origin: "null" when it is served sandboxed (an opaque origin).
"use strict";

function logLine(text) {
  const list = document.getElementById("log");
  if (list) {
    const item = document.createElement("li");
    item.textContent = text;
    list.appendChild(item);
  }
}

async function viaFetch(spec) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  const init = {
    method: spec.method,
    headers: spec.headers || {},
    mode: spec.mode || "cors",
    cache: spec.cache || "no-store",
    credentials: spec.credentials ? "include" : "same-origin",
    signal: controller.signal,
  };
  if (spec.body !== undefined && spec.body !== null) {
    init.body = spec.body;
  }
  try {
    const response = await fetch(spec.url, init);
    const body = await response.text();
    const headers = {};
    for (const name of spec.read || []) {
      headers[name] = response.headers.get(name);
    }
    const visible = [];
    response.headers.forEach((_value, name) => visible.push(name));
    return { allowed: true, status: response.status, body, headers, visible: visible.sort() };
  } catch (error) {
    if (error && error.name === "AbortError") {
      return { allowed: false, timedOut: true, error: String(error) };
    }
    return { allowed: false, error: `${error && error.name}: ${error && error.message}` };
  } finally {
    clearTimeout(timer);
  }
}

function viaXhr(spec) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(spec.method, spec.url, true);
    xhr.timeout = spec.timeoutMs;
    xhr.withCredentials = Boolean(spec.credentials);
    for (const [name, value] of Object.entries(spec.headers || {})) {
      xhr.setRequestHeader(name, value);
    }
    xhr.onload = () => {
      const headers = {};
      for (const name of spec.read || []) {
        headers[name] = xhr.getResponseHeader(name);
      }
      const visible = xhr
        .getAllResponseHeaders()
        .trim()
        .split(/\r?\n/)
        .filter((line) => line.length > 0)
        .map((line) => line.slice(0, line.indexOf(":")).trim().toLowerCase())
        .sort();
      resolve({ allowed: true, status: xhr.status, body: xhr.responseText, headers, visible });
    };
    // A CORS failure is reported as a network error: status 0 and no response at all.
    xhr.onerror = () => resolve({ allowed: false, error: `xhr error, status ${xhr.status}` });
    xhr.ontimeout = () => resolve({ allowed: false, timedOut: true, error: "xhr timeout" });
    xhr.send(spec.body === undefined ? null : spec.body);
  });
}

window.corsCall = async function corsCall(spec) {
  const run = spec.api === "xhr" ? viaXhr : viaFetch;
  const result = await run(spec);
  result.origin = self.origin;
  logLine(`${spec.api} ${spec.method} ${spec.url}: ${result.allowed ? "allowed " + result.status : "blocked"}`);
  return result;
};
