// rdnsctl report: draws the address map from the embedded data, and makes the
// findings table sortable and filterable. No network, no libraries.
(function () {
  "use strict";
  var t0 = performance.now(), stages = [];
  function stage(name) { stages.push(name + ":" + Math.round(performance.now() - t0)); document.body.dataset.stages = stages.join(" "); }
  var body = document.body;
  function $(id) { return document.getElementById(id); }
  var data = JSON.parse($("rdnsctl-data").textContent);
  var map = JSON.parse($("rdnsctl-map").textContent);
  var fc = map.mode === "fcrdns";
  stage("parse");

  // --- colours (Okabe–Ito), RGB, by state number --------------------------
  var cs = getComputedStyle(document.documentElement);
  function rgb(v) {
    var h = cs.getPropertyValue(v).trim().replace("#", "");
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var n = parseInt(h, 16);
    return [n >> 16 & 255, n >> 8 & 255, n & 255];
  }
  var stateVar = { outside: null, free: "--free", checked: "--checked", "default": "--default",
    "custom-match": "--custom", delegated: "--delegated", orphan: "--orphan", unmanaged: "--unmanaged",
    missing: "--missing", stale: "--stale", mismatch: "--mismatch", duplicate: "--duplicate", invalid: "--invalid" };
  var S = {}; map.states.forEach(function (n, i) { S[n] = i; });
  var colour = map.states.map(function (n) { return stateVar[n] ? rgb(stateVar[n]) : [255, 255, 255]; });
  var markColour = [null, rgb("--pass"), rgb("--fail"), rgb("--error")];
  var WHITE = [255, 255, 255], BLACK = [0, 0, 0];

  // --- cells ----------------------------------------------------------------
  var raw = atob(map.cells);
  var cells = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) cells[i] = raw.charCodeAt(i);
  raw = null;

  // legend counts, from the cells themselves
  var counts = new Array(map.states.length).fill(0), marks = [0, 0, 0, 0], managed = 0;
  for (i = 0; i < cells.length; i++) {
    var b = cells[i], st = b & 15;
    if (st === 0) continue;
    managed++; counts[st]++; marks[b >> 4 & 3]++;
  }
  var markNames = ["", "pass", "fail", "error"];
  document.querySelectorAll("#legend li").forEach(function (li) {
    var n = li.dataset.state ? counts[S[li.dataset.state]] : marks[markNames.indexOf(li.dataset.mark)];
    li.dataset.jsCount = n;
    li.dataset.count = n;
    li.querySelector(".lc").textContent = n.toLocaleString("en-US");
  });
  body.dataset.cells = managed;
  stage("cells");

  // --- details for the tooltip ------------------------------------------------
  var findings = data.findings || [], results = data.results || [];
  var byIP = new Map();
  function addTo(ip, x) { var l = byIP.get(ip); if (!l) byIP.set(ip, l = []); l.push(x); }
  findings.forEach(function (f) { addTo(v6key(f.ip) || f.ip, f); });
  results.forEach(function (r) { if (r.verdict !== "pass") addTo(v6key(r.ip) || r.ip, r); });
  var details = new Map();
  map.details.forEach(function (d) { details.set(d[0], d); });

  // netKey is what the map's filter compares: the /24 of an IPv4 address
  // ("10.0.7") or the /48 of an IPv6 one ("2001:db8:100"), "" for neither.
  function netKey(ip) {
    if (!ip) return "";
    if (ip.indexOf(":") >= 0) {
      var h = expand6(ip);
      return h ? h.slice(0, 3).map(function (x) { return parseInt(x || "0", 16).toString(16); }).join(":") : "";
    }
    var p = ip.split(".");
    return p.length === 4 ? p.slice(0, 3).join(".") : "";
  }
  // v6key is the /64 of an IPv6 address ("2001:db8:100:7"), or "" for IPv4.
  function v6key(ip) {
    if (!ip || ip.indexOf(":") < 0) return "";
    var h = expand6(ip);
    return h ? h.slice(0, 4).map(function (x) { return parseInt(x, 16).toString(16); }).join(":") : "";
  }
  function expand6(ip) {
    var parts = ip.split("::"), head = parts[0] ? parts[0].split(":") : [], tail = parts.length > 1 && parts[1] ? parts[1].split(":") : [];
    if (parts.length > 2) return null;
    var fill = 8 - head.length - tail.length, out = head.slice();
    while (fill-- > 0) out.push("0");
    return out.concat(tail);
  }

  // --- layout: groups, tiles (canvases drawn when they scroll into view) ------
  var root = $("map-root"), CELL = 8, TILE = 16 * CELL;
  var tileNets = [], canvases = [], drawn = 0, total = 0;
  map.groups.forEach(function (g) {
    var sec = document.createElement("div"); sec.className = "group";
    var h = document.createElement("h3"), probs = 0;
    for (var k = 0; k < g.tiles.length; k++) probs += problems(g.first + k);
    h.innerHTML = "";
    h.appendChild(document.createTextNode(g.prefix + " "));
    var sm = document.createElement("small");
    sm.textContent = g.tiles.length + (g.tiles.length === 1 ? " /24" : " /24s") + (probs ? " · " + probs.toLocaleString("en-US") + " addresses with findings" : "");
    h.appendChild(sm); sec.appendChild(h);
    var wrap = document.createElement("div"); wrap.className = "tiles";
    g.tiles.forEach(function (net, k) {
      var ti = g.first + k, p = problems(ti);
      var d = document.createElement("div"); d.className = "tile";
      var lab = document.createElement("span"); lab.className = "tl";
      lab.textContent = net.replace(/\.0\/24$/, "") + " ";
      if (p) { var bb = document.createElement("b"); bb.textContent = p; lab.appendChild(bb); }
      var c = document.createElement("canvas");
      c.width = TILE; c.height = TILE; c.tabIndex = 0;
      c.dataset.tile = ti; c.dataset.net = netKey(net.replace(/\/24$/, "")); c.dataset.label = net;
      c.setAttribute("aria-label", net + ": " + (p ? p + " addresses with findings" : "no findings"));
      d.appendChild(lab); d.appendChild(c); wrap.appendChild(d);
      tileNets[ti] = net; canvases[ti] = c; total++;
    });
    sec.appendChild(wrap); root.appendChild(sec);
  });
  stage("tiles");
  function problems(ti) {
    var n = 0, o = ti * 256;
    for (var k = 0; k < 256; k++) if ((cells[o + k] & 15) >= S.delegated) n++;
    return n;
  }

  function put(img, w, x0, y0, size, c) {
    for (var y = y0; y < y0 + size; y++) {
      var o = (y * w + x0) * 4;
      for (var x = 0; x < size; x++, o += 4) { img[o] = c[0]; img[o + 1] = c[1]; img[o + 2] = c[2]; img[o + 3] = 255; }
    }
  }
  function px(img, w, x, y, c) { var o = (y * w + x) * 4; img[o] = c[0]; img[o + 1] = c[1]; img[o + 2] = c[2]; img[o + 3] = 255; }

  // cell draws one cell of size s-1 (s = pitch) with its pattern and marker.
  function cell(img, w, x0, y0, s, b) {
    var st = b & 15, mk = b >> 4 & 3, f = s - 1;
    if (st === 0) return;
    if (fc) {
      put(img, w, x0, y0, f, mk ? markColour[mk] : colour[st]);
      if (mk === 2 && f >= 5) { for (var q = 1; q < f - 1; q++) { px(img, w, x0 + q, y0 + q, WHITE); px(img, w, x0 + f - 1 - q, y0 + q, WHITE); } }
      return;
    }
    put(img, w, x0, y0, f, colour[st]);
    if (f < 5) return;
    var x, y;
    if (st === S.invalid) { for (y = 0; y < f; y++) for (x = 0; x < f; x++) if ((x + y) % 3 === 0) px(img, w, x0 + x, y0 + y, WHITE); }
    else if (st === S.duplicate) { put(img, w, x0 + (f >> 1) - 1, y0 + (f >> 1) - 1, 3, WHITE); }
    else if (st === S.mismatch) { for (x = 0; x < f; x++) px(img, w, x0 + x, y0 + 3, WHITE); }
    else if (st === S.delegated) { for (y = 0; y < f; y++) for (x = 0; x < f; x++) if ((x + f - y) % 4 === 0) px(img, w, x0 + x, y0 + y, [230, 230, 230]); }
    if (mk) {
      var ink = st === S.invalid || st === S.duplicate || st === S.orphan ? WHITE : BLACK, m = f >> 1;
      if (mk === 1) put(img, w, x0 + m - 1, y0 + m - 1, 3, ink);
      else if (mk === 2) { for (var k = 1; k < f - 1; k++) { px(img, w, x0 + k, y0 + k, ink); px(img, w, x0 + f - 1 - k, y0 + k, ink); } }
      else { for (var e = 1; e < f - 1; e++) { px(img, w, x0 + e, y0 + 1, ink); px(img, w, x0 + e, y0 + f - 2, ink); px(img, w, x0 + 1, y0 + e, ink); px(img, w, x0 + f - 2, y0 + e, ink); } }
    }
  }

  function drawTile(c) {
    if (c.dataset.drawn) return;
    c.dataset.drawn = "1"; drawn++;
    var ti = +c.dataset.tile, ctx = c.getContext("2d"), im = ctx.createImageData(TILE, TILE), img = im.data, o = ti * 256;
    for (var k = 0; k < img.length; k += 4) { img[k] = img[k + 1] = img[k + 2] = 255; img[k + 3] = 255; }
    for (var a = 0; a < 256; a++) cell(img, TILE, (a & 15) * CELL, (a >> 4) * CELL, CELL, cells[o + a]);
    ctx.putImageData(im, 0, 0);
  }

  // IPv6: one 256x256 grid of /64s per /48
  var v6 = [];
  if (map.v6.length) {
    var sec6 = document.createElement("div"); sec6.className = "group";
    var h6 = document.createElement("h3"); h6.textContent = "IPv6 (one cell per /64)"; sec6.appendChild(h6);
    var w6 = document.createElement("div"); w6.className = "tiles";
    map.v6.forEach(function (blk, n) {
      var r = atob(blk.cells), cellsOf = new Map();
      for (var k = 0; k + 2 < r.length; k += 3) cellsOf.set(r.charCodeAt(k) | r.charCodeAt(k + 1) << 8, r.charCodeAt(k + 2));
      blk.map = cellsOf;
      var d = document.createElement("div"); d.className = "tile v6b";
      var lab = document.createElement("span"); lab.className = "tl"; lab.textContent = blk.prefix;
      var c = document.createElement("canvas"); c.width = 256; c.height = 256; c.tabIndex = 0;
      c.dataset.v6 = n; c.dataset.net = netKey(blk.prefix.replace(/\/48$/, "")); c.dataset.label = blk.prefix;
      c.setAttribute("aria-label", blk.prefix + ": " + cellsOf.size + " /64s with PTRs or findings");
      d.appendChild(lab); d.appendChild(c); w6.appendChild(d); v6.push(c);
    });
    sec6.appendChild(w6); root.appendChild(sec6);
  }
  function inRange(blk, k) {
    for (var j = 0; j < blk.in.length; j++) if (k >= blk.in[j][0] && k <= blk.in[j][1]) return true;
    return false;
  }
  function drawV6(c) {
    if (c.dataset.drawn) return;
    c.dataset.drawn = "1";
    var blk = map.v6[+c.dataset.v6], ctx = c.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, 256, 256);
    var fr = colour[S.free];
    ctx.fillStyle = "rgb(" + fr.join(",") + ")";
    blk.in.forEach(function (r) {
      for (var k = r[0]; k <= r[1]; k++) {
        // whole rows at once where the range covers them
        if ((k & 255) === 0 && k + 255 <= r[1]) { ctx.fillRect(0, k >> 8, 256, 1); k += 255; continue; }
        ctx.fillRect(k & 255, k >> 8, 1, 1);
      }
    });
    // a /64 is one pixel: those that hold something are drawn 3x3 (findings
    // 5x5, on top) so that they can be seen and pointed at
    var ks = Array.from(blk.map.keys()).sort(function (a, b) { return blk.map.get(a) - blk.map.get(b); });
    ks.forEach(function (k) {
      var st = blk.map.get(k), c3 = colour[st], s = st >= S.delegated ? 5 : 3, h = s >> 1;
      ctx.fillStyle = "rgb(" + c3.join(",") + ")";
      ctx.fillRect((k & 255) - h, (k >> 8) - h, s, s);
    });
  }

  function drawAny(c) { if (c.dataset.v6 !== undefined) drawV6(c); else drawTile(c); }
  var all = canvases.concat(v6), first = true, afterDraw = null;
  function finished() {
    if (!first) return;
    first = false;
    stage("drawn");
    body.dataset.drawMs = Math.round(performance.now());
    body.dataset.scriptMs = Math.round(performance.now() - t0);
    body.dataset.tilesDrawn = drawn;
    body.dataset.drawn = "1";
    if (afterDraw) setTimeout(afterDraw, 0);
  }
  if (location.hash === "#draw-all" || !("IntersectionObserver" in window)) {
    all.forEach(drawAny);
    finished();
  } else {
    // what is in view now is drawn now (one layout); the rest when it
    // scrolls into view
    var vh = innerHeight + 600;
    all.forEach(function (c) {
      // the tile's own box: its content (content-visibility: auto) is not
      // laid out for this
      var r = c.parentNode.getBoundingClientRect();
      if (r.bottom > -600 && r.top < vh) drawAny(c);
    });
    finished();
    var io = new IntersectionObserver(function (es) {
      es.forEach(function (e) { if (e.isIntersecting) { drawAny(e.target); io.unobserve(e.target); } });
    }, { rootMargin: "600px 0px" });
    all.forEach(function (c) { if (!c.dataset.drawn) io.observe(c); });
  }
  window.addEventListener("beforeprint", function () { all.forEach(drawAny); var d = $("fdetails"); if (d) d.open = true; });

  // --- tooltip --------------------------------------------------------------
  var tip = $("tip");
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function row(k, v) { return v === "" || v == null ? "" : '<div><span class="k">' + esc(k) + ":</span> " + esc(v) + "</div>"; }
  function ptrOf(x) { return Array.isArray(x) ? x.join(", ") : x; }
  function describeV4(ti, off) {
    var b = cells[ti * 256 + off], st = b & 15, mk = b >> 4 & 3, net = tileNets[ti];
    var ip = net.replace(/\.0\/24$/, "") + "." + off;
    var h = "<b>" + esc(ip) + "</b> · " + esc(map.states[st] === "checked" ? "checked" : map.states[st]);
    if (mk) h += " · FCrDNS " + markNames[mk];
    var d = details.get(ti * 256 + off);
    if (d) h += row("PTR", d[1]) + row("IPAM name", d[2]) + row("customer", d[3]) + row("file", map.files[d[4]] + ":" + d[5]);
    else if (st === S["default"] && !byIP.has(ip)) h += row("PTR", defaultName(ip) || "the default template's");
    (byIP.get(ip) || []).forEach(function (f) { h += finding(f); });
    return h;
  }
  // defaultName renders the longest default template that covers ip, as
  // rdns.Template does for IPv4: {dashed} {o1}..{o4} {rev} {hex} {prefix}.
  function u32(ip) { var p = ip.split("."); return ((+p[0] << 24) >>> 0) + (+p[1] << 16) + (+p[2] << 8) + +p[3]; }
  function defaultName(ip) {
    var a = u32(ip), best = null, bits = -1;
    map.defaults.forEach(function (d) {
      var pp = d.prefix.split("/"), n = +pp[1], mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
      if (((a & mask) >>> 0) === ((u32(pp[0]) & mask) >>> 0) && n > bits) { best = d; bits = n; }
    });
    if (!best) return "";
    var o = ip.split(".");
    var name = best.template.replace(/\{([a-z0-9]+)\}/g, function (m, k) {
      switch (k) {
        case "dashed": return o.join("-");
        case "rev": return o.slice().reverse().join(".");
        case "hex": return o.map(function (x) { return ("0" + (+x).toString(16)).slice(-2); }).join("");
        case "prefix": return best.name || "";
        case "o1": case "o2": case "o3": case "o4": return o[+k[1] - 1];
      }
      return "";
    }).toLowerCase();
    return name.charAt(name.length - 1) === "." ? name : name + ".";
  }
  function finding(f) {
    if (f.verdict !== undefined) return '<div class="f">' + row("FCrDNS", f.verdict + (f.iprev ? " (iprev " + f.iprev + ")" : "")) + row("address", f.ip) + row("PTR", ptrOf(f.ptr)) + row("error", f.error) + "</div>";
    return '<div class="f"><b>' + esc(f.category) + "</b>" + row("PTR", ptrOf(f.ptr)) + row("expected", f.expected) + row("customer", f.customer) +
      row("reason", f.reason) + (f.file ? row("file", f.file + (f.line ? ":" + f.line : "")) : "") + (f.ip.indexOf(":") >= 0 ? row("address", f.ip) : "") + "</div>";
  }
  function describeV6(n, k) {
    var blk = map.v6[n], st = blk.map.get(k) || (inRange(blk, k) ? S.free : 0);
    var g = expand6(blk.prefix.replace(/\/48$/, "")) || [], key = g.slice(0, 3).map(function (x) { return parseInt(x || "0", 16).toString(16); }).join(":") + ":" + k.toString(16);
    var h = "<b>" + esc(key + "::/64") + "</b> · " + esc(map.states[st]);
    (byIP.get(v6key(key + "::")) || []).forEach(function (f) { h += finding(f); });
    return h;
  }
  function show(c, k, x, y) {
    tip.innerHTML = c.dataset.v6 !== undefined ? describeV6(+c.dataset.v6, k) : describeV4(+c.dataset.tile, k);
    tip.hidden = false;
    var r = tip.getBoundingClientRect(), X = x + 14, Y = y + 14;
    if (X + r.width > innerWidth - 8) X = Math.max(8, x - r.width - 14);
    if (Y + r.height > innerHeight - 8) Y = Math.max(8, y - r.height - 14);
    tip.style.left = X + "px"; tip.style.top = Y + "px";
  }
  function cellAt(c, ev) {
    var r = c.getBoundingClientRect(), v = c.dataset.v6 !== undefined, n = v ? 256 : 16;
    var cx = Math.floor((ev.clientX - r.left) / r.width * n), cy = Math.floor((ev.clientY - r.top) / r.height * n);
    if (cx < 0 || cy < 0 || cx >= n || cy >= n) return -1;
    if (v) {
      // a /64 is one pixel: point at the nearest one that holds something
      var blk = map.v6[+c.dataset.v6], best = -1, bd = 99;
      for (var dy = -3; dy <= 3; dy++) for (var dx = -3; dx <= 3; dx++) {
        var x = cx + dx, y = cy + dy, k = y * 256 + x;
        if (x >= 0 && y >= 0 && x < 256 && y < 256 && blk.map.has(k) && dx * dx + dy * dy < bd) { bd = dx * dx + dy * dy; best = k; }
      }
      if (best >= 0) return best;
    }
    return cy * n + cx;
  }
  root.addEventListener("mousemove", function (ev) {
    var c = ev.target;
    if (c.tagName !== "CANVAS") { tip.hidden = true; return; }
    var k = cellAt(c, ev);
    if (k < 0) { tip.hidden = true; return; }
    show(c, k, ev.clientX, ev.clientY);
  });
  root.addEventListener("mouseleave", function () { tip.hidden = true; });
  // keyboard: a focused tile has a cursor cell, moved with the arrow keys
  var cursor = new WeakMap();
  function showCursor(c) {
    var v = c.dataset.v6 !== undefined, n = v ? 256 : 16, k = cursor.get(c) || 0, r = c.getBoundingClientRect();
    show(c, k, r.left + (k % n + 0.5) * r.width / n, r.top + (Math.floor(k / n) + 0.5) * r.height / n);
  }
  root.addEventListener("focusin", function (ev) { if (ev.target.tagName === "CANVAS") showCursor(ev.target); });
  root.addEventListener("focusout", function () { tip.hidden = true; });
  root.addEventListener("keydown", function (ev) {
    var c = ev.target; if (c.tagName !== "CANVAS") return;
    var n = c.dataset.v6 !== undefined ? 256 : 16, k = cursor.get(c) || 0;
    var mv = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -n, ArrowDown: n }[ev.key];
    if (mv !== undefined) { k = Math.min(n * n - 1, Math.max(0, k + mv)); cursor.set(c, k); showCursor(c); ev.preventDefault(); }
    else if (ev.key === "Enter" || ev.key === " ") { selectNet(c); ev.preventDefault(); }
  });
  root.addEventListener("click", function (ev) { if (ev.target.tagName === "CANVAS") selectNet(ev.target); });

  // --- findings table: filter, sort, and the map's /24 filter ------------------
  var table = $("ftable"), rows = table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  var controls = document.querySelector(".controls"), netOnly = "", selected = null, fdet = $("fdetails");
  if (controls) controls.hidden = false;
  var q = $("filter"), cat = $("cat"), shown = $("shown"), nf = $("net-filter");
  var heads = table ? Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent; }) : [];
  var ipCol = heads.indexOf("ip"), catCol = heads.indexOf("category") >= 0 ? heads.indexOf("category") : heads.indexOf("verdict");
  function cellText(r, c) { return c >= 0 && r.cells[c] ? r.cells[c].textContent : ""; }
  var cats = [];
  rows.forEach(function (r) { var c = cellText(r, catCol); if (c && cats.indexOf(c) < 0) cats.push(c); });
  cats.forEach(function (c) { var o = document.createElement("option"); o.value = o.textContent = c; cat.appendChild(o); });
  var texts = null, nets = null, netLabel = "";
  function apply() {
    if (!texts) {
      texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
      nets = rows.map(function (r) { return netKey(cellText(r, ipCol)); });
    }
    var s = q.value.trim().toLowerCase(), cv = cat.value, n = 0;
    rows.forEach(function (r, i) {
      var ok = (!s || texts[i].indexOf(s) >= 0) && (!cv || cellText(r, catCol) === cv) && (!netOnly || nets[i] === netOnly);
      r.hidden = !ok; if (ok) n++;
    });
    count(n);
    nf.hidden = !netOnly; nf.querySelector("b").textContent = netLabel;
  }
  function count(n) {
    shown.textContent = n === rows.length ? rows.length.toLocaleString("en-US") + " rows" : n.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") + " rows";
  }
  function selectNet(c, stay) {
    if (selected) selected.parentNode.classList.remove("sel");
    if (netOnly === c.dataset.net) { netOnly = ""; selected = null; }
    else { netOnly = c.dataset.net; netLabel = c.dataset.label; selected = c; c.parentNode.classList.add("sel"); }
    apply();
    // filtered first, then opened: only the shown rows are laid out
    if (netOnly && fdet) fdet.open = true;
    if (netOnly && table && !stay) table.scrollIntoView({ block: "start" });
  }
  $("net-clear").addEventListener("click", function () { if (selected) selected.parentNode.classList.remove("sel"); netOnly = ""; selected = null; apply(); });
  q.addEventListener("input", function () { apply(); if (fdet && q.value) fdet.open = true; });
  cat.addEventListener("change", function () { apply(); if (fdet && cat.value) fdet.open = true; });
  count(rows.length);
  stage("table");
  function ipKey(s) {
    if (s.indexOf(":") >= 0) { var e = expand6(s); return e ? "6" + e.map(function (x) { return ("0000" + x).slice(-4); }).join("") : s; }
    var p = s.split("."); if (p.length !== 4) return s;
    return "4" + p.map(function (x) { return ("00" + x).slice(-3); }).join("");
  }
  if (table) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(ths, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        var name = th.textContent, keyed = rows.map(function (r, i) {
          var t = r.cells[col] ? r.cells[col].textContent : "", k;
          if (name === "ip") k = ipKey(t); else if (/^-?\d+$/.test(t)) k = +t; else k = t.toLowerCase();
          return [k, i, r];
        });
        keyed.sort(function (a, b) { return a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1] - b[1]; });
        var tb = table.tBodies[0], frag = document.createDocumentFragment();
        keyed.forEach(function (x) { frag.appendChild(x[2]); });
        tb.appendChild(frag);
        rows = keyed.map(function (x) { return x[2]; }); texts = nets = null;
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sort(); });
    });
  }
  if (!("IntersectionObserver" in window)) finished();

  // report.html#198.51.100.22 points at one address: its tile is focused
  // and its tooltip shown (a link to an address in a mail or a ticket)
  function pointAt(ip) {
    var p = ip.split("."), net = p.slice(0, 3).join("."), off = +p[3];
    if (p.length !== 4 || !(off >= 0 && off < 256)) return;
    var c = null;
    for (var k = 0; k < canvases.length; k++) if (canvases[k].dataset.net === net) { c = canvases[k]; break; }
    if (!c) return;
    cursor.set(c, off);
    c.scrollIntoView({ block: "nearest" });
    drawTile(c);
    c.focus({ preventScroll: true });
    showCursor(c);
    if (table) selectNet(c, true); // the table lists its /24
    body.dataset.pointed = ip;
  }
  // after the first drawing (which the page times), not before it
  var h0 = decodeURIComponent(location.hash.slice(1));
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h0)) { if (first) afterDraw = function () { pointAt(h0); }; else pointAt(h0); }
})();
