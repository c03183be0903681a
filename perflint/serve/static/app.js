/* perflint serve: the page. Everything from a submission is put into the page as text
   (textContent, createTextNode), never as markup. */
"use strict";
(function () {
  const TEXT = {
    zh: {
      title: "预算绩效材料自检",
      intro: "把绩效目标表、绩效自评表拖到下面，立即得到审核结论（通过 / 退回）、问题所在单元格和整改建议。",
      privacy: "文件只在检查期间暂存于本服务器，检查结束即删除，不保留任何内容。",
      drop: "拖入工作簿（.xlsx .xlsm .xls）、JSON 文件，或整个文件夹的 zip 压缩包",
      or: "或", choose: "选择文件", dl_json: "下载 JSON 报告", dl_xlsx: "下载审核意见（Excel）",
      dl_annotated: "下载批注版工作簿", by_department: "按部门汇总", department: "部门", documents: "表数",
      passed: "通过", returned: "退回", findings_n: "问题数", files: "文件", only_returned: "只看退回",
      token_title: "此服务器需要访问令牌", token_help: "请输入服务器管理员提供的访问令牌。", ok: "确定",
      token_change: "访问令牌", api_docs: "API 文档", other_lang: "English",
      limits: (l) => `单个文件不超过 ${mb(l.max_file_bytes)} MB；一次最多 ${l.max_files} 个文件、共 ${mb(l.max_request_bytes)} MB。`,
      uploading: (n) => `正在上传 ${n} 个文件…`, checking: (d, t) => `正在检查 ${d} / ${t}`,
      comparing: (d, t) => `正在与历史档案和本批材料比对 ${d} / ${t}`,
      done: (n, s) => `已检查 ${n} 个文件，用时 ${s} 秒`,
      summary_files: "个文件", summary_docs: "张表", verdict: { pass: "通过", return: "退回" },
      grade: "审核等级", grades: { 优: "优", 良: "良", 中: "中", 差: "差" }, severity: { error: "错误", warning: "提醒", info: "信息" },
      col_sev: "级别", col_code: "规则", col_msg: "说明", col_advice: "整改建议", col_loc: "位置",
      no_findings: "未发现问题", file_level: "文件本身的问题", whole_file: "（整个文件）", waived: "已豁免",
      kinds: { project_target: "项目支出绩效目标表", dept_target: "部门整体支出绩效目标表",
               project_selfeval: "项目支出绩效自评表", dept_selfeval: "部门整体支出绩效自评表" },
      year: (y) => `${y}年度`, truncated: "（表格较大，只显示左上部分）",
      no_grid: "JSON 文件没有表格视图：位置为数据中的路径。", no_grid_read: "此文件无法显示表格。", grid_loading: "正在载入表格…",
      policy: (p, h) => `审核口径：${p}${h ? " · 已接入历史档案" : ""}`,
      foot: (v) => `perflint ${v} · 本页面不访问互联网`, net_error: "无法连接服务器：", retry_lang: "语言已切换；重新检查后说明文字也将切换。",
      findings_count: (n) => `${n} 个问题`, hits_in: (n) => `${n} 处问题`, error_prefix: "出错：",
    },
    en: {
      title: "Budget performance self-check",
      intro: "Drop performance target and self-evaluation workbooks below to get the verdict (pass / return), the cells at fault and what to do.",
      privacy: "Files are held on this server only while they are checked and deleted right after; nothing is kept.",
      drop: "Drop workbooks (.xlsx .xlsm .xls), JSON files, or a zip archive of a whole folder",
      or: "or", choose: "Choose files", dl_json: "Download JSON report", dl_xlsx: "Download review workbook (Excel)",
      dl_annotated: "Download marked-up workbook", by_department: "By department", department: "department",
      documents: "forms", passed: "pass", returned: "return", findings_n: "findings", files: "Files",
      only_returned: "returned only", token_title: "This server needs an access token",
      token_help: "Enter the access token the server's administrator gave you.", ok: "OK",
      token_change: "Access token", api_docs: "API docs", other_lang: "中文",
      limits: (l) => `Up to ${mb(l.max_file_bytes)} MB per file; at most ${l.max_files} files and ${mb(l.max_request_bytes)} MB per upload.`,
      uploading: (n) => `Uploading ${n} file(s)…`, checking: (d, t) => `Checking ${d} / ${t}`,
      comparing: (d, t) => `Comparing with the history and the batch ${d} / ${t}`,
      done: (n, s) => `Checked ${n} file(s) in ${s} s`,
      summary_files: "files", summary_docs: "forms", verdict: { pass: "PASS", return: "RETURN" },
      grade: "review grade", grades: { 优: "excellent", 良: "good", 中: "fair", 差: "poor" }, severity: { error: "error", warning: "warning", info: "info" },
      col_sev: "severity", col_code: "rule", col_msg: "message", col_advice: "what to do", col_loc: "location",
      no_findings: "No findings", file_level: "About the file itself", whole_file: "(whole file)", waived: "waived",
      kinds: { project_target: "project performance targets", dept_target: "department performance targets",
               project_selfeval: "project self-evaluation", dept_selfeval: "department self-evaluation" },
      year: (y) => `${y}`, truncated: "(a large sheet: only its top-left part is shown)",
      no_grid: "A JSON file has no sheet view: locations are paths in its data.", no_grid_read: "This file cannot be shown as a sheet.",
      grid_loading: "Loading the sheet…",
      policy: (p, h) => `profile: ${p}${h ? " · history on file" : ""}`,
      foot: (v) => `perflint ${v} · this page uses no internet`, net_error: "Cannot reach the server: ",
      retry_lang: "Language switched; messages follow at the next check.",
      findings_count: (n) => `${n} finding(s)`, hits_in: (n) => `${n} finding(s)`, error_prefix: "Error: ",
    },
  };
  function mb(bytes) { return Math.round(bytes / 1024 / 1024); }

  const $ = (id) => document.getElementById(id);
  const state = {
    lang: localStorage.getItem("perflint.lang") === "en" ? "en" : "zh",
    token: sessionStorage.getItem("perflint.token") || "",
    config: null, rules: {}, files: [], result: null, selected: 0, started: 0, busy: false,
  };
  const t = (key) => TEXT[state.lang][key];

  /* ---- building the page from data: text only ---------------------------------------------- */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function applyLanguage() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = "perflint · " + t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) {
      const value = t(node.dataset.i18n);
      if (typeof value === "string") node.textContent = value;
    }
    const toggle = $("lang-toggle");
    toggle.textContent = t("other_lang");
    toggle.lang = state.lang === "zh" ? "en" : "zh-CN";
    if (state.config) {
      $("limits").textContent = t("limits")(state.config.limits);
      $("policy").textContent = t("policy")(state.config.profile, state.config.history);
      $("foot-text").textContent = t("foot")(state.config.perflint);
    }
    if (state.result) renderResult();
  }

  /* ---- talking to the server ------------------------------------------------------------- */
  function headers() { return state.token ? { "X-Perflint-Token": state.token } : {}; }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (body && body.error) return body.error[state.lang] || body.error.zh || JSON.stringify(body.error);
    } catch (e) { /* not JSON */ }
    return `HTTP ${response.status}`;
  }

  function askToken() {
    $("token-dialog").hidden = false;
    $("token-input").value = "";
    $("token-input").focus();
  }

  async function loadRules() {
    const response = await fetch("/api/rules", { headers: headers() });
    if (response.status === 401) { askToken(); return; }
    if (!response.ok) return;
    for (const rule of await response.json()) state.rules[rule.code] = rule;
    // a result already shown only gains the rules' titles: drawn again, it would lose the cell in sight
    for (const td of document.querySelectorAll("#detail td.code")) {
      const rule = state.rules[td.textContent];
      if (rule) td.title = rule.summary[state.lang] || rule.summary.zh;
    }
  }

  function formFor(files) {
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    return form;
  }

  async function check(files) {
    if (!files.length || state.busy) return;
    state.busy = true;
    state.files = files;
    state.started = performance.now();
    hideAlert();
    showStatus(t("uploading")(files.length), null);
    let response, read = false;
    try {
      response = await fetch(`/api/check?view=1&stream=1&lang=${state.lang}`, {
        method: "POST", body: formFor(files), headers: headers() });
    } catch (e) {
      state.busy = false; hideStatus(); showAlert(t("net_error") + e.message); return;
    }
    if (response.status === 401) { state.busy = false; hideStatus(); askToken(); return; }
    if (!response.ok) { state.busy = false; hideStatus(); showAlert(await errorText(response)); return; }
    try {
      await readEvents(response, {
        start: (d) => { read = false; showStatus(t("checking")(0, d.files), 0); },
        // where the H rules compare files, they are first read and indexed (most of the time), then judged
        progress: (d) => {
          if (d.phase === "read") { read = true; showStatus(t("checking")(d.done, d.files), 0.9 * d.done / d.files); }
          else if (read) showStatus(t("comparing")(d.done, d.files), 0.9 + 0.1 * d.done / d.files);
          else showStatus(t("checking")(d.done, d.files), d.done / d.files);
        },
        result: (d) => {
          state.result = d; state.selected = firstReturned(d.report);
          state.seconds = ((performance.now() - state.started) / 1000).toFixed(1);
          hideStatus();
          $("drop").classList.add("compact");
          renderResult();
        },
        error: (d) => { hideStatus(); showAlert((d.error && (d.error[state.lang] || d.error.zh)) || "error"); },
      });
    } finally {
      state.busy = false;
    }
  }

  async function readEvents(response, handlers) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message"; const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (handlers[event]) handlers[event](JSON.parse(data.join("\n")));
      }
      if (done) return;
    }
  }

  function firstReturned(report) {
    const i = report.files.findIndex((f) => f.verdict === "return");
    return i < 0 ? 0 : i;
  }

  async function download(url, files, fallbackName, button) {
    button.disabled = true;
    try {
      const response = await fetch(url, { method: "POST", body: formFor(files), headers: headers() });
      if (response.status === 401) { askToken(); return; }
      if (!response.ok) { showAlert(await errorText(response)); return; }
      const blob = await response.blob();
      save(blob, nameFrom(response) || fallbackName);
    } catch (e) {
      showAlert(t("net_error") + e.message);
    } finally {
      button.disabled = false;
    }
  }

  function nameFrom(response) {
    const cd = response.headers.get("Content-Disposition") || "";
    const m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    return m ? decodeURIComponent(m[1]) : null;
  }

  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /* ---- status --------------------------------------------------------------------------- */
  function showStatus(text, fraction) {
    $("status").hidden = false;
    $("status-text").textContent = text;
    const bar = $("progress-fill").parentNode;
    bar.classList.toggle("busy", fraction === null);
    $("progress-fill").style.width = fraction === null ? "" : `${Math.round(fraction * 100)}%`;
  }
  function hideStatus() { $("status").hidden = true; }
  function showAlert(text) { $("alert").hidden = false; $("alert").textContent = t("error_prefix") + text; }
  function hideAlert() { $("alert").hidden = true; }

  /* ---- the result ------------------------------------------------------------------------- */
  function renderResult() {
    const { report, departments } = state.result;
    $("results").hidden = false;
    const s = report.summary;
    const counts = $("counts");
    clear(counts);
    counts.append(
      el("span", { class: "count" }, el("b", { text: s.files }), t("summary_files")),
      el("span", { class: "count" }, el("b", { text: s.documents }), t("summary_docs")),
      el("span", { class: "count pass" }, el("b", { text: s.pass }), t("verdict").pass),
      el("span", { class: "count return" }, el("b", { text: s.return }), t("verdict").return),
      state.seconds ? el("span", { class: "count elapsed", text: t("done")(s.files, state.seconds) }) : null,
    );
    const body = $("dept-body");
    clear(body);
    for (const d of departments || []) {
      const name = d.department === "（未填部门）" && state.lang === "en" ? "(no department)" : d.department;
      body.append(el("tr", {}, el("td", { text: name }), el("td", { class: "num", text: d.documents }),
        el("td", { class: "num", text: d.pass }), el("td", { class: "num", text: d.return }),
        el("td", { class: "num", text: d.findings })));
    }
    $("departments").hidden = !(departments && departments.length && report.files.length > 1);
    const single = report.files.length === 1;
    document.querySelector(".workspace").classList.toggle("single", single);
    renderFileList();
    renderDetail();
  }

  function renderFileList() {
    const list = $("file-list");
    clear(list);
    const only = $("only-returned").checked;
    state.result.report.files.forEach((file, i) => {
      if (only && file.verdict !== "return") return;
      const n = countFindings(file);
      const li = el("li", { class: i === state.selected ? "selected" : "", dataset: { index: i },
                            onclick: () => { state.selected = i; renderFileList(); renderDetail(); } },
        el("span", { class: `badge ${file.verdict}`, text: t("verdict")[file.verdict] }),
        el("div", {}, el("div", { class: "fname", text: file.path }), el("div", { class: "fmeta", text: t("findings_count")(n) })));
      list.append(li);
    });
  }

  // a file takes the worst grade of its documents; one that yields no document is 差, as in the ledger
  const GRADE_ORDER = ["优", "良", "中", "差"];
  function fileGrade(file) {
    const grades = file.documents.map((d) => d.grade).filter((g) => GRADE_ORDER.includes(g));
    if (!grades.length) return "差";
    return grades.reduce((a, b) => (GRADE_ORDER.indexOf(b) > GRADE_ORDER.indexOf(a) ? b : a));
  }
  function gradeText(grade) { return t("grades")[grade] || grade; }

  function countFindings(file) {
    let n = file.findings.filter((f) => !f.waived && f.severity !== "info").length;
    for (const d of file.documents) n += d.findings.filter((f) => !f.waived && f.severity !== "info").length;
    return n;
  }

  function renderDetail() {
    const file = state.result.report.files[state.selected];
    const detail = $("detail");
    clear(detail);
    if (!file) return;
    const grids = state.result.grids || (state.result.grids = {});
    const grid = grids[file.path];
    const source = state.result.lazy && (state.result.sources || {})[file.path];  // drawn on demand
    const advised = (state.result.advice || {})[file.path] || {};
    const head = el("div", { class: "detail-head" },
      el("span", { class: `badge big ${file.verdict}`, text: t("verdict")[file.verdict] }),
      el("h2", { text: file.path }),
      el("span", { class: "grade file-grade" }, `${t("grade")} `, el("b", { text: gradeText(fileGrade(file)) })));
    const origin = (state.result.sources || {})[file.path];
    if (state.config && state.config.annotate && origin && state.files[origin[0]]) {
      const b = el("button", { type: "button", class: "secondary extra-download", text: t("dl_annotated") });
      b.addEventListener("click", () => download(`/api/annotate?item=${origin[1]}&lang=${state.lang}`, [state.files[origin[0]]],
        file.path.split("/").pop(), b));
      head.append(b);
    }
    detail.append(head);
    if (file.findings.length) {
      detail.append(el("div", { class: "doc" }, el("h3", {}, el("span", { class: "doc-title", text: t("file_level") })),
        findingTable(file.findings, advised.file)));
    }
    file.documents.forEach((doc, d) => {
      const title = [t("kinds")[doc.form] || doc.form, doc.fiscal_year !== null && doc.fiscal_year !== undefined ? t("year")(doc.fiscal_year) : null,
        doc.name, doc.department].filter(Boolean).join(" · ");
      const h = el("h3", {}, el("span", { class: `badge ${doc.verdict}`, text: t("verdict")[doc.verdict] }),
        el("span", { class: "doc-title", text: title }),
        doc.grade ? el("span", { class: "grade" }, `${t("grade")} `, el("b", { text: gradeText(doc.grade) })) : null);
      const box = el("div", { class: "doc" }, h);
      if (doc.findings.length) box.append(findingTable(doc.findings, (advised.documents || [])[d]));
      else box.append(el("p", { class: "none", text: "✓ " + t("no_findings") }));
      detail.append(box);
    });
    state.sheetBox = null;
    if (grid && grid.length) detail.append(sheetView(file, grid));
    else if (grid === undefined && source) {
      detail.append(el("p", { class: "sheet-note loading", text: t("grid_loading") }));
      loadSheets(file.path, source);
    } else detail.append(el("p", { class: "sheet-note", text: /\.json$/i.test(file.path) ? t("no_grid") : t("no_grid_read") }));
  }

  /* A big batch comes without its sheets: the one upload holding a file goes back to be drawn when
     the file is shown, and the sheets are kept in the page (never on the server) for the next time. */
  async function loadSheets(path, [index, item]) {
    const result = state.result;
    const upload = state.files[index];
    const pending = state.loading || (state.loading = new Set());
    if (!upload || pending.has(path)) return;
    pending.add(path);
    let sheets = null;
    try {
      const response = await fetch(`/api/view?item=${item}`, { method: "POST", body: formFor([upload]), headers: headers() });
      if (response.status === 401) { askToken(); return; }
      if (response.ok) sheets = (await response.json()).sheets;
      else showAlert(await errorText(response));
    } catch (e) {
      showAlert(t("net_error") + e.message);
    } finally {
      pending.delete(path);
    }
    result.grids[path] = sheets || [];
    if (state.result === result && result.report.files[state.selected] && result.report.files[state.selected].path === path) renderDetail();
  }

  function findingTable(findings, advised) {
    const table = el("table", { class: "table findings" },
      el("thead", {}, el("tr", {}, el("th", { text: t("col_sev") }), el("th", { text: t("col_code") }),
        el("th", { text: t("col_msg") }), el("th", { text: t("col_advice") }), el("th", { text: t("col_loc") }))));
    const body = el("tbody");
    findings.forEach((f, i) => {
      const rule = state.rules[f.code];
      // the finding's own advice (its figures); the rule's general advice only if the answer had none
      const advice = (advised && advised[i]) || (rule ? (rule.advice[state.lang] || rule.advice.zh) : "");
      const loc = f.location || {};
      const where = loc.sheet && loc.cell ? `${loc.sheet}!${loc.cell}` : (loc.sheet || loc.pointer || t("whole_file"));
      const related = (f.related || []).map((r) => [r.path, r.sheet && r.cell ? `${r.sheet}!${r.cell}` : r.pointer, r.note].filter(Boolean).join(" "));
      const message = el("td", { class: f.waived ? "waived" : "" }, f.message);
      if (related.length) message.append(el("div", { class: "fine", text: "↳ " + related.join("；") }));
      if (f.waived && f.waiver_reason) message.append(el("div", { class: "fine", text: `${t("waived")}：${f.waiver_reason}` }));
      const row = el("tr", { class: "finding", tabindex: 0, dataset: { sheet: loc.sheet || "", cell: loc.cell || "" } },
        el("td", { class: "sev" }, el("span", { class: `sev-dot sev-${f.severity}` }), t("severity")[f.severity] || f.severity),
        el("td", { class: "code", text: f.code, title: rule ? (rule.summary[state.lang] || rule.summary.zh) : f.slug }),
        message, el("td", { class: "advice", text: advice }), el("td", { class: "loc", text: where }));
      const go = () => {
        for (const r of document.querySelectorAll("tr.finding.active")) r.classList.remove("active");
        row.classList.add("active");
        focusCell(loc.sheet, loc.cell);
      };
      row.addEventListener("click", go);
      row.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
      body.append(row);
    });
    table.append(body);
    return table;
  }

  /* ---- the sheet -------------------------------------------------------------------------- */
  function colName(c) { let s = ""; c += 1; while (c) { const r = (c - 1) % 26; s = String.fromCharCode(65 + r) + s; c = Math.floor((c - 1) / 26); } return s; }
  function parseRef(ref) {
    const m = /^\$?([A-Z]{1,3})\$?(\d+)$/.exec(ref || "");
    if (!m) return null;
    let c = 0; for (const ch of m[1]) c = c * 26 + (ch.charCodeAt(0) - 64);
    return [parseInt(m[2], 10) - 1, c - 1];
  }

  let activeSheet = null;

  function sheetView(file, grid) {
    const wrapBox = el("div", { class: "sheet-box" });
    const tabs = el("div", { class: "sheet-tabs", role: "tablist" });
    const hitsBySheet = findingsBySheet(file);
    const firstWithHits = grid.findIndex((s) => hitsBySheet.has(s.name) && hitsBySheet.get(s.name).size);
    const holder = el("div", { id: "sheet-holder" });
    grid.forEach((sheet, i) => {
      const n = hitsBySheet.has(sheet.name) ? countHits(hitsBySheet.get(sheet.name)) : 0;
      const b = el("button", { type: "button", role: "tab", dataset: { sheet: sheet.name } }, sheet.name,
        n ? el("span", { class: "hits", text: n, title: t("hits_in")(n) }) : null);
      b.addEventListener("click", () => showSheet(i));
      tabs.append(b);
    });
    function showSheet(i) {
      activeSheet = grid[i].name;
      for (const b of tabs.children) b.classList.toggle("active", b.dataset.sheet === activeSheet);
      clear(holder);
      holder.append(drawSheet(grid[i], hitsBySheet.get(grid[i].name) || new Map()));
    }
    wrapBox.append(tabs, holder);
    wrapBox.showSheetNamed = (name) => { const i = grid.findIndex((s) => s.name === name); if (i >= 0 && grid[i].name !== activeSheet) showSheet(i); return i >= 0; };
    state.sheetBox = wrapBox;
    showSheet(firstWithHits >= 0 ? firstWithHits : 0);
    return wrapBox;
  }

  function countHits(map) { let n = 0; for (const list of map.values()) n += list.length; return n; }

  function findingsBySheet(file) {
    const out = new Map();
    const all = [...file.findings, ...file.documents.flatMap((d) => d.findings)];
    for (const f of all) {
      const loc = f.location || {};
      if (!loc.sheet || !loc.cell || f.waived) continue;
      if (!out.has(loc.sheet)) out.set(loc.sheet, new Map());
      const cells = out.get(loc.sheet);
      if (!cells.has(loc.cell)) cells.set(loc.cell, []);
      cells.get(loc.cell).push(f);
    }
    return out;
  }

  function drawSheet(sheet, hits) {
    const covered = new Set(); const spans = new Map(); const anchorOf = new Map();
    for (const [r1, c1, r2, c2] of sheet.merges) {
      spans.set(`${r1},${c1}`, [r2 - r1 + 1, c2 - c1 + 1]);
      for (let r = r1; r <= r2; r++) for (let c = c1; c <= c2; c++) {
        if (r !== r1 || c !== c1) covered.add(`${r},${c}`);
        anchorOf.set(`${colName(c)}${r + 1}`, `${colName(c1)}${r1 + 1}`);
      }
    }
    const values = new Map();
    for (const [r, c, text, numeric] of sheet.cells) values.set(`${r},${c}`, [text, numeric]);
    // a finding on a cell inside a merged range shows on the range
    const shown = new Map();
    for (const [ref, list] of hits) {
      const anchor = anchorOf.get(ref) || ref;
      if (!shown.has(anchor)) shown.set(anchor, []);
      shown.get(anchor).push(...list);
    }
    let rows = sheet.rows, cols = sheet.cols;
    for (const ref of shown.keys()) { const p = parseRef(ref); if (p) { rows = Math.max(rows, p[0] + 1); cols = Math.max(cols, p[1] + 1); } }
    rows = Math.min(rows, 400); cols = Math.min(cols, 60);
    const table = el("table", { class: "sheet" });
    const headRow = el("tr", {}, el("th", { class: "corner rowh" }));
    for (let c = 0; c < cols; c++) headRow.append(el("th", { text: colName(c) }));
    table.append(el("thead", {}, headRow));
    const body = el("tbody");
    for (let r = 0; r < rows; r++) {
      const tr = el("tr", {}, el("th", { class: "rowh", text: r + 1 }));
      for (let c = 0; c < cols; c++) {
        const key = `${r},${c}`;
        if (covered.has(key)) continue;
        const ref = `${colName(c)}${r + 1}`;
        const [text, numeric] = values.get(key) || ["", false];
        const td = el("td", { dataset: { ref } }, text);
        if (numeric) td.classList.add("n");
        const span = spans.get(key);
        if (span) { if (span[0] > 1) td.rowSpan = span[0]; if (span[1] > 1) td.colSpan = span[1]; }
        const list = shown.get(ref);
        if (list) {
          td.classList.add("hit");
          const worst = list.some((f) => f.severity === "error") ? "error" : list.some((f) => f.severity === "warning") ? "warning" : "info";
          if (worst !== "error") td.classList.add(worst);
          td.addEventListener("mouseenter", () => showTip(td, list));
          td.addEventListener("mouseleave", hideTip);
        }
        tr.append(td);
      }
      body.append(tr);
    }
    table.append(body);
    const box = el("div", {});
    box.append(el("div", { class: "sheet-wrap" }, table));
    box.anchorOf = anchorOf;
    if (sheet.truncated) box.append(el("p", { class: "sheet-note", text: t("truncated") }));
    state.anchorOf = anchorOf;
    return box;
  }

  function scrollBehavior() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  }

  function focusCell(sheet, cell) {
    if (!sheet || !state.sheetBox) return;
    if (!state.sheetBox.showSheetNamed(sheet)) return;
    const ref = cell && ((state.anchorOf && state.anchorOf.get(cell)) || cell);
    const td = ref && document.querySelector(`#sheet-holder td[data-ref="${CSS.escape(ref)}"]`);
    if (!td) { state.sheetBox.scrollIntoView({ block: "nearest", behavior: scrollBehavior() }); return; }
    // one scroll, of the page and the sheet's own box together: a second one started meanwhile would
    // cut the first short and leave the cell out of sight
    td.scrollIntoView({ block: "center", inline: "center", behavior: scrollBehavior() });
    td.classList.remove("flash");
    void td.offsetWidth; // restart the animation
    td.classList.add("flash");
  }

  function showTip(td, list) {
    const tip = $("tip");
    clear(tip);
    for (const f of list) {
      tip.append(el("div", { class: "tip-item" }, el("span", { class: "code", text: f.code }), f.message));
    }
    tip.hidden = false;
    const box = td.getBoundingClientRect();
    const top = box.bottom + 8 + tip.offsetHeight > window.innerHeight ? box.top - tip.offsetHeight - 8 : box.bottom + 8;
    tip.style.top = `${Math.max(4, top)}px`;
    tip.style.left = `${Math.max(4, Math.min(box.left, window.innerWidth - tip.offsetWidth - 8))}px`;
  }
  function hideTip() { $("tip").hidden = true; }

  /* ---- wiring ----------------------------------------------------------------------------- */
  function wire() {
    const drop = $("drop"), input = $("file-input");
    input.addEventListener("change", () => { const files = [...input.files]; input.value = ""; check(files); });
    drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    for (const name of ["dragenter", "dragover"]) drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
    for (const name of ["dragleave", "drop"]) drop.addEventListener(name, () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => { e.preventDefault(); check([...e.dataTransfer.files]); });
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => e.preventDefault());
    $("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "zh" ? "en" : "zh";
      localStorage.setItem("perflint.lang", state.lang);
      applyLanguage();
      if (state.files.length && state.files.length <= 20) check(state.files); // messages in the new language
    });
    $("only-returned").addEventListener("change", renderFileList);
    $("dl-json").addEventListener("click", () => {
      const blob = new Blob([JSON.stringify(state.result.report, null, 2) + "\n"], { type: "application/json" });
      save(blob, "perflint-report.json");
    });
    $("dl-xlsx").addEventListener("click", (e) =>
      download(`/api/report?lang=${state.lang}`, state.files, state.lang === "zh" ? "审核意见.xlsx" : "review.xlsx", e.currentTarget));
    $("token-button").addEventListener("click", askToken);
    $("token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      state.token = $("token-input").value.trim();
      sessionStorage.setItem("perflint.token", state.token);
      $("token-dialog").hidden = true;
      loadRules();
    });
  }

  async function start() {
    wire();
    applyLanguage();
    try {
      const response = await fetch("/api/config");
      state.config = await response.json();
    } catch (e) {
      showAlert(t("net_error") + e.message);
      return;
    }
    $("token-button").hidden = !state.config.token_required;
    applyLanguage();
    if (state.config.token_required && !state.token) askToken();
    else loadRules();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
