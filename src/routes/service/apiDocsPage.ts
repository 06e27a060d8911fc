/**
 * The `/docs` page: an API reference rendered in the browser from `/openapi.json` by the
 * small script below — no third-party CDN, no framework. Everything from the document is
 * put on the page with `textContent`, never as HTML, so a description cannot inject markup.
 */

export const DOCS_STYLE = `
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6678; --line: #d8dde6; --bg: #fff; --code: #f3f5f8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa4b5; --line: #333b48; --bg: #12161c; --code: #1c222b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header, main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; }
header { border-bottom: 1px solid var(--line); }
h1 { margin: .2rem 0; font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { margin: 0; font-size: 1rem; font-weight: 600; }
nav a { margin-right: 1rem; } a { color: #2f6fde; }
code, .path { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; background: var(--code); padding: 0 .25em; border-radius: 3px; }
details.op { border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; }
details.op > summary { cursor: pointer; padding: .5rem .8rem; display: flex; gap: .8rem; align-items: baseline; flex-wrap: wrap; }
details.op > div { padding: 0 .8rem .8rem; }
.method { font: 700 .8rem ui-monospace, monospace; min-width: 4.2rem; text-align: center; padding: .1rem .4rem; border-radius: 4px; color: #fff; background: #607089; }
.get { background: #2b7a4b; } .post { background: #2f6fde; } .put { background: #a46a00; } .patch { background: #8a4fd1; } .delete { background: #c2362f; } .head { background: #4d6b73; }
.summary { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; } th, td { text-align: left; vertical-align: top; border-top: 1px solid var(--line); padding: .3rem .5rem; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
.schema { margin: .2rem 0 .2rem 1rem; padding-left: .6rem; border-left: 2px solid var(--line); }
.type { color: var(--muted); font-family: ui-monospace, monospace; font-size: .85em; } .req { color: #c2362f; font-size: .8em; }
.muted { color: var(--muted); } #error { color: #c2362f; }
`;

export const DOCS_SCRIPT = `
"use strict";
(async () => {
  const $ = (tag, props, ...children) => {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") el.textContent = value; else el.setAttribute(key, value);
    }
    for (const child of children) if (child != null) el.append(child);
    return el;
  };
  /** Text with \`code spans\`, as DOM nodes (never innerHTML). */
  const prose = (text, tag = "p") => {
    const el = $(tag);
    String(text || "").split("\`").forEach((part, i) => el.append(i % 2 ? $("code", { text: part }) : part));
    return el;
  };
  const main = document.querySelector("main");
  let doc;
  try {
    const response = await fetch("/openapi.json", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error("/openapi.json answered " + response.status);
    doc = await response.json();
  } catch (error) {
    main.replaceChildren($("p", { id: "error", text: "Could not load /openapi.json: " + error.message }));
    return;
  }
  const schemas = (doc.components && doc.components.schemas) || {};
  const refName = (ref) => decodeURIComponent(ref.split("/").pop());
  const typeOf = (s) => {
    if (!s || typeof s !== "object") return "any";
    if (s.$ref) return refName(s.$ref);
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (s.const !== undefined) return JSON.stringify(s.const);
    const variants = s.anyOf || s.oneOf;
    if (variants) return variants.map(typeOf).join(" | ");
    const type = Array.isArray(s.type) ? s.type.join(" | ") : s.type || (s.properties ? "object" : "any");
    if (type === "array" || (Array.isArray(s.type) && s.type.includes("array"))) return type.replace("array", typeOf(s.items) + "[]");
    const bounds = [];
    if (s.format) bounds.push(s.format);
    if (s.pattern) bounds.push("/" + s.pattern + "/");
    for (const key of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"]) if (s[key] !== undefined) bounds.push(key + " " + s[key]);
    return bounds.length ? type + " (" + bounds.join(", ") + ")" : type;
  };
  /** A schema as a nested list of its fields; references link to the Schemas section. */
  const schemaView = (s, depth = 0) => {
    const box = $("div", { class: "schema" });
    if (!s) return box;
    if (s.$ref) {
      box.append($("a", { href: "#schema-" + refName(s.$ref), text: refName(s.$ref) }));
      return box;
    }
    if (s.description && depth === 0) box.append(prose(s.description));
    const variants = s.anyOf || s.oneOf || s.allOf;
    if (variants && depth < 4) {
      box.append($("div", { class: "muted", text: s.allOf ? "all of:" : "one of:" }));
      for (const v of variants) box.append(schemaView(v, depth + 1));
    }
    const item = s.items && (s.items.properties || s.items.$ref) ? s.items : null;
    if (item && depth < 4) {
      box.append($("div", { class: "muted", text: "each item:" }), schemaView(item, depth + 1));
    }
    if (s.properties && depth < 4) {
      const required = new Set(s.required || []);
      const rows = $("table", {}, $("tr", {}, $("th", { text: "field" }), $("th", { text: "type" }), $("th", { text: "" })));
      for (const [name, prop] of Object.entries(s.properties)) {
        const cell = $("td");
        if (prop.description) cell.append(prose(prop.description, "span"));
        if (prop.properties || (prop.items && prop.items.properties) || prop.anyOf) cell.append(schemaView({ ...prop, description: undefined }, depth + 1));
        const typeCell = $("td", {}, prop.$ref ? $("a", { href: "#schema-" + refName(prop.$ref), text: refName(prop.$ref) }) : $("span", { class: "type", text: typeOf(prop) }));
        if (required.has(name)) typeCell.append(" ", $("span", { class: "req", text: "required" }));
        rows.append($("tr", {}, $("td", {}, $("code", { text: name })), typeCell, cell));
      }
      box.append(rows);
      if (s.additionalProperties === false) box.append($("div", { class: "muted", text: "No other fields are accepted." }));
    } else if (!variants && !item) {
      box.append($("span", { class: "type", text: typeOf(s) }));
    }
    return box;
  };
  const contentView = (content) => {
    const out = [];
    for (const [type, media] of Object.entries(content || {})) {
      out.push($("div", { class: "muted" }, $("code", { text: type })), schemaView(media.schema));
    }
    return out;
  };

  document.title = (doc.info && doc.info.title ? doc.info.title : "API") + " — API reference";
  const header = document.querySelector("header");
  header.replaceChildren(
    $("h1", { text: document.title }),
    $("div", { class: "muted", text: "OpenAPI " + doc.openapi + " · version " + ((doc.info && doc.info.version) || "") }),
    prose(doc.info && doc.info.description),
    $("p", {}, "Machine-readable: ", $("a", { href: "/openapi.json", text: "/openapi.json" })),
  );

  const byTag = new Map();
  for (const tag of doc.tags || []) byTag.set(tag.name, { tag, ops: [] });
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "head", "post", "put", "patch", "delete", "options"].includes(method)) continue;
      const name = (op.tags && op.tags[0]) || "Other";
      if (!byTag.has(name)) byTag.set(name, { tag: { name }, ops: [] });
      byTag.get(name).ops.push({ path, method, op, shared: item.parameters || [] });
    }
  }
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const nav = $("nav");
  main.replaceChildren(nav);
  for (const { tag, ops } of byTag.values()) {
    if (ops.length === 0) continue;
    nav.append($("a", { href: "#tag-" + slug(tag.name), text: tag.name }));
    main.append($("h2", { id: "tag-" + slug(tag.name), text: tag.name }));
    if (tag.description) main.append(prose(tag.description));
    for (const { path, method, op, shared } of ops) {
      const body = $("div");
      if (op.description) body.append(prose(op.description));
      if (op.security && op.security.length) {
        body.append($("p", { class: "muted", text: "Auth: " + op.security.map((s) => Object.keys(s).join(" + ") || "none").join(" or ") }));
      }
      const params = [...shared, ...(op.parameters || [])];
      if (params.length) {
        const table = $("table", {}, $("tr", {}, ...["parameter", "in", "type", ""].map((t) => $("th", { text: t }))));
        for (const p of params) {
          const typeCell = $("td", {}, $("span", { class: "type", text: typeOf(p.schema) }));
          if (p.required) typeCell.append(" ", $("span", { class: "req", text: "required" }));
          table.append($("tr", {}, $("td", {}, $("code", { text: p.name })), $("td", { text: p.in }), typeCell, $("td", {}, prose(p.description || (p.schema && p.schema.description), "span"))));
        }
        body.append($("h3", { text: "Parameters" }), table);
      }
      if (op.requestBody) {
        body.append($("h3", { text: "Request body" + (op.requestBody.required ? "" : " (optional)") }));
        if (op.requestBody.description) body.append(prose(op.requestBody.description));
        body.append(...contentView(op.requestBody.content));
      }
      const responses = $("table", {}, $("tr", {}, $("th", { text: "status" }), $("th", { text: "answer" })));
      for (const [status, response] of Object.entries(op.responses || {})) {
        responses.append($("tr", {}, $("td", {}, $("code", { text: status })), $("td", {}, prose(response.description, "div"), ...contentView(response.content))));
      }
      body.append($("h3", { text: "Responses" }), responses);
      const id = op.operationId ? "op-" + op.operationId : "op-" + slug(method + path);
      main.append($("details", { class: "op", id }, $("summary", {}, $("span", { class: "method " + method, text: method.toUpperCase() }), $("span", { class: "path", text: path }), $("span", { class: "summary", text: op.summary || "" })), body));
    }
  }
  if (Object.keys(schemas).length) {
    nav.append($("a", { href: "#schemas", text: "Schemas" }));
    main.append($("h2", { id: "schemas", text: "Schemas" }));
    for (const [name, schema] of Object.entries(schemas)) {
      main.append($("h3", { id: "schema-" + name, text: name }), schemaView(schema));
    }
  }
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
})();
`;

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>dlgate — API reference</title>
<style>${DOCS_STYLE}</style>
</head>
<body>
<header><h1>dlgate — API reference</h1></header>
<main><p class="muted">Loading <a href="/openapi.json">/openapi.json</a>…</p>
<noscript><p>This page renders <a href="/openapi.json">/openapi.json</a> with a small script; without JavaScript, read the JSON document itself.</p></noscript></main>
<script>${DOCS_SCRIPT}</script>
</body>
</html>
`;
