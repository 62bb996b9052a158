// redflag serve: the page. Every piece of document text is set with textContent or
// createTextNode, never parsed as markup; links are built only from server-checked hashes.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

function params() { return new URLSearchParams(location.search); }

function go(p, replace) {
  const url = "/?" + p.toString();
  if (replace) history.replaceState(null, "", url); else history.pushState(null, "", url);
  render();
}

async function api(url, opts) {
  const r = await fetch(url, opts);
  let body = null;
  try { body = await r.json(); } catch (_) { body = { error: "HTTP " + r.status }; }
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

function showError(msg) {
  const e = $("error");
  e.hidden = !msg;
  e.textContent = msg || "";
}

// Text with marked ranges: tag spans (class tag) and query highlights (class q).
function marked(text, tagSpans, qSpans) {
  const enc = new TextEncoder();
  const bytes = enc.encode(text);
  const dec = new TextDecoder();
  const cuts = new Set([0, bytes.length]);
  const all = [];
  for (const [s, e] of tagSpans) all.push([s, e, "tag"]);
  for (const [s, e] of qSpans) all.push([s, e, "q"]);
  for (const [s, e] of all) {
    if (s >= 0 && e <= bytes.length && s < e) { cuts.add(s); cuts.add(e); }
  }
  const pts = [...cuts].sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i], b = pts[i + 1];
    const piece = dec.decode(bytes.slice(a, b));
    const cls = [...new Set(all.filter(([s, e]) => s <= a && b <= e).map((x) => x[2]))];
    if (cls.length === 0) frag.append(document.createTextNode(piece));
    else frag.append(el("mark", { class: cls.join(" "), text: piece }));
  }
  return frag;
}

function tagSpans(tags) {
  const out = [];
  for (const t of tags || []) for (const s of t.spans || []) out.push(s);
  return out;
}

function chips(tags) {
  const box = el("div", { class: "chips" });
  for (const t of tags || []) {
    box.append(el("span", { class: "chip", title: t.modality_cue || "" },
      t.category + " · " + t.modality + " · " + Number(t.score).toFixed(2) + " ",
      el("span", { class: "rule", text: t.rule })));
  }
  return box;
}

const STATUSES = [["confirmed", "Confirmed"], ["false_positive", "False positive"], ["follow_up", "Follow up"]];

function reviewBox(h, onDone) {
  const cur = h.review || {};
  const note = el("input", { type: "text", placeholder: "note (optional)", maxlength: "4000", "aria-label": "note" });
  note.value = cur.note || "";
  const box = el("div", { class: "review", "data-passage": h.key });
  box.append(el("span", { class: "status", text: cur.status ? "Review: " + cur.status.replace("_", " ") : "To review" }));
  for (const [id, label] of STATUSES) {
    box.append(el("button", {
      type: "button", class: cur.status === id ? "on" : "", "data-status": id, text: label,
      onclick: () => send(id),
    }));
  }
  box.append(note);
  if (cur.status) box.append(el("button", { type: "button", "data-status": "", text: "Clear", onclick: () => send("") }));
  async function send(status) {
    try {
      await api("/api/review", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ passage: h.key, status: status, note: note.value }),
      });
      onDone();
    } catch (e) { showError(e.message); }
  }
  return box;
}

function facetList(name, title, items, p, key) {
  const ul = el("ul");
  const cur = p.getAll(key);
  for (const it of items) {
    const value = it.value, label = it.label, count = it.count;
    const on = cur.includes(value);
    const np = new URLSearchParams(p);
    np.delete("offset");
    np.delete(key);
    if (!on) np.set(key, value);
    const a = el("a", { href: "/?" + np.toString(), class: on ? "on" : "", "data-facet": key, "data-value": value },
      el("span", { text: label }), el("span", { class: "count", text: String(count) }));
    a.addEventListener("click", (ev) => { ev.preventDefault(); go(np); });
    ul.append(el("li", {}, a));
  }
  return el("div", { class: "facet", "data-name": name }, el("h3", { text: title }), ul);
}

function renderFacets(f, p) {
  const box = $("facets");
  box.replaceChildren();
  const pairs = (xs) => xs.map(([k, n]) => ({ value: k, label: k, count: n }));
  box.append(facetList("tag", "tag", pairs(f.tag), p, "tag"));
  box.append(facetList("modality", "modality", pairs(f.modality), p, "modality"));
  const r = f.review || {};
  box.append(facetList("review", "review", [
    { value: "confirmed", label: "confirmed", count: r.confirmed || 0 },
    { value: "false_positive", label: "false positive", count: r.false_positive || 0 },
    { value: "follow_up", label: "follow up", count: r.follow_up || 0 },
    { value: "unreviewed", label: "to review", count: r.unreviewed || 0 },
  ], p, "review"));
  box.append(facetList("year", "year", pairs(f.year), p, "year"));
  box.append(facetList("document", "document",
    f.document.filter((d) => d.doc).map((d) => ({ value: d.doc, label: d.title || d.path, count: d.count })), p, "doc"));
}

function docLink(doc, page, q) {
  const np = new URLSearchParams();
  np.set("view", "doc"); np.set("doc", doc); np.set("page", String(page));
  if (q) np.set("q", q);
  return "/?" + np.toString();
}

async function renderSearch(p) {
  $("docview").hidden = true;
  for (const id of ["results", "pager", "summary", "exports", "facets"]) $(id).hidden = false;
  const q = p.get("q") || "";
  $("q").value = q;
  const ap = new URLSearchParams(p);
  ap.delete("view");
  if (!ap.get("limit")) ap.set("limit", "20");
  $("progress").textContent = "searching…";
  let res;
  try { res = await api("/api/search?" + ap.toString()); }
  catch (e) { $("progress").textContent = ""; showError(e.message); $("results").replaceChildren(); $("summary").textContent = ""; return; }
  $("progress").textContent = "";
  showError("");
  renderFacets(res.facets, p);
  const from = res.total === 0 ? 0 : res.offset + 1;
  const to = res.offset + res.hits.length;
  const r = res.facets.review || {};
  $("summary").textContent = res.total + " passages" + (res.total ? " (showing " + from + "–" + to + ")" : "") +
    " · reviewed " + (r.reviewed || 0) + ", to review " + (r.unreviewed || 0);
  const ex = $("exports");
  ex.replaceChildren(el("span", { text: "Export: " }));
  const sel = new URLSearchParams(ap); sel.delete("offset"); sel.delete("limit"); sel.delete("sort");
  for (const [fmt, label] of [["csv", "CSV"], ["html", "HTML report"], ["jsonl", "JSONL"]]) {
    ex.append(el("a", { href: "/export/" + fmt + "?" + sel.toString(), "data-export": fmt, text: label }));
  }
  if (res.facets.document.some((d) => /\.pdf$/i.test(d.path))) {
    ex.append(el("a", { href: "/export/pdf?" + sel.toString(), "data-export": "pdf-zip", text: "annotated PDFs (ZIP)" }));
  }
  const pdfDocs = res.facets.document.filter((d) => d.doc && /\.pdf$/i.test(d.path));
  for (const d of pdfDocs) {
    ex.append(el("a", { href: "/export/pdf/" + d.doc + "?" + sel.toString(), "data-export": "pdf", text: "annotated " + d.path.split("/").pop() }));
  }
  const list = $("results");
  list.replaceChildren();
  for (const h of res.hits) {
    const li = el("li", { class: "hit", "data-key": h.key },
      el("div", { class: "cite" }, el("a", { href: docLink(h.doc, h.page, q), text: h.citation,
        onclick: (ev) => { ev.preventDefault(); go(new URLSearchParams(docLink(h.doc, h.page, q).slice(2))); } })),
      el("div", { class: "meta", text: h.cite + (h.year ? " · " + h.year : "") + " · " + h.kind + " · score " + Number(h.score).toFixed(2) }),
      chips(h.tags));
    const t = el("p", { class: "text" });
    t.append(marked(h.text, tagSpans(h.tags), h.highlights || []));
    li.append(t, reviewBox(h, () => render()));
    list.append(li);
  }
  const pager = $("pager");
  pager.replaceChildren();
  const lim = Number(ap.get("limit"));
  if (res.offset > 0) {
    const np = new URLSearchParams(p); np.set("offset", String(Math.max(0, res.offset - lim)));
    pager.append(el("a", { href: "/?" + np, text: "← previous", onclick: (ev) => { ev.preventDefault(); go(np); } }));
  }
  pager.append(el("span", { text: "page " + (Math.floor(res.offset / lim) + 1) + " of " + Math.max(1, Math.ceil(res.total / lim)) }));
  if (to < res.total) {
    const np = new URLSearchParams(p); np.set("offset", String(res.offset + lim));
    pager.append(el("a", { href: "/?" + np, "data-next": "1", text: "next →", onclick: (ev) => { ev.preventDefault(); go(np); } }));
  }
}

async function renderDoc(p) {
  for (const id of ["results", "pager", "summary", "exports"]) $(id).hidden = true;
  $("facets").replaceChildren();
  const view = $("docview");
  view.hidden = false;
  const q = p.get("q") || "";
  $("q").value = q;
  const doc = p.get("doc") || "", page = p.get("page") || "1";
  let d;
  try { d = await api("/api/doc/" + encodeURIComponent(doc) + "/page/" + encodeURIComponent(page) + (q ? "?q=" + encodeURIComponent(q) : "")); }
  catch (e) { showError(e.message); view.replaceChildren(); return; }
  showError("");
  const nav = el("div", { class: "docnav" });
  const back = new URLSearchParams(); if (q) back.set("q", q);
  nav.append(el("a", { href: "/?" + back, text: "← results", onclick: (ev) => { ev.preventDefault(); go(back); } }));
  if (d.prev) nav.append(el("a", { href: docLink(d.doc, d.prev, q), "data-prev": "1", text: "‹ page " + d.prev, onclick: (ev) => { ev.preventDefault(); go(new URLSearchParams(docLink(d.doc, d.prev, q).slice(2))); } }));
  nav.append(el("span", { text: "page " + d.page + " of " + d.pages }));
  if (d.next) nav.append(el("a", { href: docLink(d.doc, d.next, q), "data-next": "1", text: "page " + d.next + " ›", onclick: (ev) => { ev.preventDefault(); go(new URLSearchParams(docLink(d.doc, d.next, q).slice(2))); } }));
  nav.append(el("a", { href: d.source_page, target: "_blank", rel: "noopener noreferrer", "data-source": "1", text: d.format === "pdf" ? "original PDF page" : "original file" }));
  const head = el("h2", { text: (d.title || d.path) });
  const sub = el("div", { class: "meta", text: d.path + " · " + d.format });
  view.replaceChildren(head, sub, nav);
  if (d.passages.length === 0) view.append(el("p", { text: "No text on this page." }));
  for (const h of d.passages) {
    const cls = "passage" + (h.tags.length ? " tagged" : "") + (h.matched ? " matched" : "");
    const t = el("p", { class: "text" });
    t.append(marked(h.text, tagSpans(h.tags), h.highlights || []));
    const box = el("section", { class: cls, id: "p" + h.passage, "data-key": h.key }, t);
    if (h.tags.length) {
      box.append(chips(h.tags));
      const rules = el("ul", { class: "rules" });
      for (const tg of h.tags) for (const r of (tg.rules || [])) rules.append(el("li", { text: tg.category + ": " + r.rule + " (" + r.weight + ")" }));
      box.append(rules);
      box.append(reviewBox(h, () => render()));
    }
    view.append(box);
  }
}

function render() {
  const p = params();
  if (p.get("view") === "doc") renderDoc(p); else renderSearch(p);
}

document.addEventListener("DOMContentLoaded", () => {
  // The token of the first address is now a cookie: keep it out of the address bar,
  // history and shared links.
  const first = params();
  if (first.has("token")) {
    first.delete("token");
    const rest = first.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
  }
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = params();
    const np = new URLSearchParams();
    for (const k of ["tag", "modality", "year", "doc", "review"]) for (const v of p.getAll(k)) np.append(k, v);
    if (p.get("view") === "doc") np.delete("doc");
    const q = $("q").value.trim();
    if (q) np.set("q", q);
    go(np);
  });
  window.addEventListener("popstate", render);
  render();
});
