import { createHash } from 'node:crypto';
import { DASHBOARD_REFRESH_MS } from './aioclock-http.constants';
import { CHARTS_SCRIPT, CHARTS_STYLE } from './aioclock-http.dashboard-charts';
import {
  SCHEDULES_HTML,
  SCHEDULES_SCRIPT,
  SCHEDULES_STYLE,
} from './aioclock-http.dashboard-schedules';

// The dashboard is one static page: no server data is ever written into the
// HTML. The script fetches JSON and builds the DOM with textContent only, so a
// task name or error message containing HTML renders as text. A strict CSP
// (hashes of the one inline style and script) backs that up.

const STYLE = String.raw`
:root {
  --bg: #f4f6fa; --card: #ffffff; --ink: #17202e; --muted: #667085; --line: #e4e8ef;
  --bar: #111827; --bar-ink: #f9fafb; --accent: #3b5bdb; --accent-ink: #ffffff;
  --ok: #2f9e44; --fail: #e03131; --skip: #f08c00; --run: #1c7ed6; --pause: #f59f00; --idle: #adb5bd;
  --ok-bg: #ebfbee; --fail-bg: #fff5f5; --skip-bg: #fff9db; --run-bg: #e7f5ff; --idle-bg: #f1f3f5;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --card: #161b22; --ink: #e6edf3; --muted: #8b949e; --line: #2a313c;
    --bar: #010409; --accent: #4c6ef5; --ok-bg: #12261a; --fail-bg: #2d1517; --skip-bg: #2b2410;
    --run-bg: #0f2236; --idle-bg: #21262d;
  }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  background: var(--bg); color: var(--ink); }
header { background: var(--bar); color: var(--bar-ink); padding: 14px 28px; display: flex; align-items: center; gap: 18px;
  flex-wrap: wrap; }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 18px; letter-spacing: .2px; }
.brand svg { width: 26px; height: 26px; }
.brand small { font-weight: 400; color: #9aa4b2; font-size: 13px; }
.pills { display: flex; gap: 8px; flex-wrap: wrap; }
.pill { border-radius: 999px; padding: 3px 10px; font-size: 12.5px; background: #1f2937; color: #e5e7eb; white-space: nowrap; }
.pill b { font-weight: 650; }
.pill.run b { color: #74c0fc; } .pill.pause b { color: #ffd43b; } .pill.fail b { color: #ff8787; } .pill.ok b { color: #8ce99a; }
.spacer { flex: 1; }
.meta { color: #9aa4b2; font-size: 12.5px; display: flex; gap: 14px; align-items: center; }
.meta label { display: flex; gap: 6px; align-items: center; cursor: pointer; }
input[type=search] { background: #1f2937; border: 1px solid #374151; color: #f9fafb; border-radius: 6px; padding: 5px 10px;
  width: 200px; font: inherit; }
main { padding: 22px 28px 60px; max-width: 1500px; margin: 0 auto; }
.banner { background: var(--fail-bg); color: var(--fail); border: 1px solid var(--fail); border-radius: 8px; padding: 10px 14px;
  margin-bottom: 16px; }
.group { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 20px; overflow: hidden;
  box-shadow: 0 1px 2px rgba(16, 24, 40, .05); }
.group h2 { margin: 0; font-size: 13px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); padding: 11px 16px;
  border-bottom: 1px solid var(--line); display: flex; gap: 10px; align-items: baseline; }
.group h2 .count { text-transform: none; letter-spacing: 0; font-weight: 400; }
table { width: 100%; min-width: 1180px; border-collapse: collapse; table-layout: fixed; }
.group { overflow-x: auto; }
col.c-task { width: 17%; } col.c-state { width: 108px; } col.c-next, col.c-last { width: 136px; } col.c-nums { width: 164px; }
col.c-recent { width: 272px; } col.c-actions { width: 196px; }
th { white-space: nowrap; text-align: left; font-weight: 550; font-size: 12px; color: var(--muted); padding: 8px 16px; border-bottom: 1px solid var(--line); }
td { padding: 10px 16px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
tbody tr:hover { background: rgba(127, 127, 127, .04); }
.name { font-weight: 600; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
.trigger { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
.badge { display: inline-flex; align-items: center; gap: 6px; border-radius: 999px; padding: 2px 10px; font-size: 12px; font-weight: 600; }
.badge::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.badge.running { color: var(--run); background: var(--run-bg); }
.badge.running::before { animation: pulse 1s ease-in-out infinite alternate; }
.badge.scheduled { color: var(--ok); background: var(--ok-bg); }
.badge.paused { color: var(--pause); background: var(--skip-bg); }
.badge.finished, .badge.disabled, .badge.idle { color: var(--muted); background: var(--idle-bg); }
@keyframes pulse { from { opacity: 1; } to { opacity: .25; } }
.when { white-space: nowrap; }
.when small { display: block; color: var(--muted); font-size: 11.5px; }
.nums { white-space: nowrap; font-variant-numeric: tabular-nums; }
.nums span { display: inline-block; min-width: 34px; }
.nums .f.nz { color: var(--fail); font-weight: 600; } .nums .s.nz { color: var(--skip); font-weight: 600; }
.nums .sep { min-width: 0; color: var(--line); padding: 0 4px; }
.timeline { display: flex; gap: 2px; align-items: flex-end; height: 22px; }
.timeline i { display: block; width: 6px; height: 18px; border-radius: 2px; background: var(--idle); opacity: .9; }
.timeline i.succeeded { background: var(--ok); } .timeline i.failed { background: var(--fail); height: 22px; }
.timeline i.skipped { background: var(--skip); height: 12px; }
.timeline i.empty { background: var(--line); opacity: .6; }
.error { color: var(--fail); font-size: 12.5px; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.none { color: var(--muted); }
.actions { white-space: nowrap; text-align: right; }
button { font: inherit; font-size: 12.5px; border-radius: 6px; padding: 5px 11px; cursor: pointer; border: 1px solid var(--line);
  background: var(--card); color: var(--ink); margin-left: 6px; }
button:hover { border-color: var(--muted); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
button:disabled { opacity: .55; cursor: progress; }
.empty-state { text-align: center; color: var(--muted); padding: 60px 0; }
#toasts { position: fixed; right: 20px; bottom: 20px; display: flex; flex-direction: column; gap: 8px; max-width: 420px; }
.toast { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--ok); border-radius: 8px;
  padding: 10px 14px; box-shadow: 0 6px 18px rgba(0, 0, 0, .12); font-size: 13px; word-break: break-word; }
.toast.bad { border-left-color: var(--fail); }
.toast b { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
${CHARTS_STYLE}
${SCHEDULES_STYLE}`;

const SCRIPT = String.raw`
(function () {
  'use strict';
  var REFRESH_MS = ${DASHBOARD_REFRESH_MS};
  // Relative to wherever the page is mounted: /aioclock and /aioclock/ both work.
  // Origin + path, never a relative URL: opened as http://user:key@host/aioclock,
  // relative URLs keep the credentials and fetch() refuses them.
  var base = location.origin + location.pathname.replace(/\/+$/, '') + '/';
  var state = { data: null, loadedAt: 0, timer: null, busy: {} };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function byId(id) { return document.getElementById(id); }
${CHARTS_SCRIPT}
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function span(ms) {
    var s = Math.round(Math.abs(ms) / 1000);
    if (s < 1) return 'now';
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min' + (s % 60 && m < 10 ? ' ' + (s % 60) + ' s' : '');
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : '');
    return Math.floor(h / 24) + ' d';
  }
  function relative(iso, now) {
    if (!iso) return null;
    var diff = Date.parse(iso) - now;
    var text = span(diff);
    if (text === 'now') return 'now';
    return diff > 0 ? 'in ' + text : text + ' ago';
  }
  function clockTime(iso) {
    var d = new Date(iso);
    return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function when(iso, now) {
    var cell = el('td', 'when');
    if (!iso) { cell.appendChild(el('span', 'none', '—')); return cell; }
    cell.appendChild(el('span', null, relative(iso, now)));
    cell.appendChild(el('small', null, clockTime(iso)));
    cell.title = iso;
    return cell;
  }
  function stateOf(task) {
    if (task.running) return 'running';
    if (task.finished) return 'finished';
    if (!task.enabled) return 'disabled';
    if (task.paused) return 'paused';
    return task.nextRunAt ? 'scheduled' : 'idle';
  }

  function timeline(task) {
    var box = el('div', 'timeline');
    var recent = task.recent || [];
    box.setAttribute('aria-label', plural(recent.length, 'recent run'));
    var slots = (state.data && state.data.historySize) || recent.length;
    for (var i = recent.length; i < slots; i++) box.appendChild(el('i', 'empty'));
    recent.forEach(function (run) {
      var bar = el('i', run.outcome);
      var tip = run.outcome + ' · ' + clockTime(run.at);
      if (run.durationMs !== null && run.durationMs !== undefined) tip += ' · ' + run.durationMs + ' ms';
      if (run.error) tip += '\n' + run.error;
      if (run.reason) tip += '\n' + run.reason;
      bar.title = tip;
      box.appendChild(bar);
    });
    return box;
  }

  function button(label, action, task, primary) {
    var b = el('button', primary ? 'primary' : null, label);
    b.type = 'button';
    b.setAttribute('data-action', action);
    b.addEventListener('click', function () { act(action, task.name, b); });
    if (state.busy[task.name + '/' + action]) { b.disabled = true; b.textContent = 'Running…'; }
    return b;
  }

  function row(task, now) {
    var tr = el('tr');
    tr.setAttribute('data-task', task.name);
    tr.setAttribute('data-state', stateOf(task));

    var nameCell = el('td');
    nameCell.appendChild(el('div', 'name', task.name));
    nameCell.appendChild(el('div', 'trigger', task.triggerText));
    tr.appendChild(nameCell);

    var stateCell = el('td');
    var st = stateOf(task);
    var badge = el('span', 'badge ' + st, st);
    badge.setAttribute('data-field', 'state');
    stateCell.appendChild(badge);
    if (task.paused && st !== 'paused') stateCell.appendChild(el('div', 'trigger', 'paused'));
    if (task.pausedReason) {
      // pauseOnFailure paused it: say why (the tooltip holds the whole reason).
      var why = el('div', 'trigger', 'paused after failures');
      why.setAttribute('data-field', 'pausedReason');
      why.title = task.pausedReason;
      stateCell.appendChild(why);
    }
    tr.appendChild(stateCell);

    tr.appendChild(when(task.nextRunAt, now));
    tr.appendChild(when(task.lastRunAt, now));

    var nums = el('td', 'nums');
    var runs = el('span', 'r', task.runs); runs.setAttribute('data-field', 'runs'); runs.title = 'runs';
    var fails = el('span', 'f' + (task.failures ? ' nz' : ''), task.failures); fails.setAttribute('data-field', 'failures');
    fails.title = 'failures';
    var skips = el('span', 's' + (task.skipped ? ' nz' : ''), task.skipped); skips.setAttribute('data-field', 'skipped');
    skips.title = 'skipped';
    nums.appendChild(runs); nums.appendChild(el('span', 'sep', '/')); nums.appendChild(fails);
    nums.appendChild(el('span', 'sep', '/')); nums.appendChild(skips);
    tr.appendChild(nums);

    var tl = el('td'); tl.appendChild(timeline(task)); tl.appendChild(runChart(task)); tr.appendChild(tl);

    var errCell = el('td');
    if (task.lastError) {
      var err = el('div', 'error', task.lastError.message);
      err.setAttribute('data-field', 'error');
      err.title = task.lastError.message + '\n' + clockTime(task.lastError.at);
      errCell.appendChild(err);
    } else {
      errCell.appendChild(el('span', 'none', '—'));
    }
    tr.appendChild(errCell);

    var actions = el('td', 'actions');
    actions.appendChild(button('Run now', 'run', task, true));
    actions.appendChild(task.paused ? button('Resume', 'resume', task) : button('Pause', 'pause', task));
    tr.appendChild(actions);
    historyToggle(tr, task);
    return tr;
  }

  function render() {
    var data = state.data;
    if (!data) return;
    var now = Date.parse(data.now);
    var filter = byId('filter').value.trim().toLowerCase();
    var tasks = data.tasks.filter(function (t) {
      return !filter || t.name.toLowerCase().indexOf(filter) >= 0 || t.group.toLowerCase().indexOf(filter) >= 0;
    });
    var groups = [];
    var byGroup = Object.create(null);
    tasks.forEach(function (t) {
      if (!Object.prototype.hasOwnProperty.call(byGroup, t.group)) { byGroup[t.group] = []; groups.push(t.group); }
      byGroup[t.group].push(t);
    });

    var root = byId('groups');
    var fresh = document.createDocumentFragment();
    groups.forEach(function (g) {
      var section = el('section', 'group');
      section.setAttribute('data-group', g);
      var h = el('h2', null, g);
      h.appendChild(el('span', 'count', plural(byGroup[g].length, 'task')));
      section.appendChild(h);
      var table = el('table');
      var cols = el('colgroup');
      ['task', 'state', 'next', 'last', 'nums', 'recent', 'error', 'actions'].forEach(function (c) { cols.appendChild(el('col', 'c-' + c)); });
      table.appendChild(cols);
      var head = el('tr');
      ['Task', 'State', 'Next run', 'Last run', 'Runs / failed / skipped', 'Recent runs', 'Last error', ''].forEach(function (t) {
        head.appendChild(el('th', null, t));
      });
      var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
      var body = el('tbody');
      byGroup[g].forEach(function (t) {
        body.appendChild(row(t, now));
        if (histories[t.name]) body.appendChild(historyRow(t, 8));
      });
      table.appendChild(body);
      section.appendChild(table);
      fresh.appendChild(section);
    });
    if (!groups.length) fresh.appendChild(el('div', 'empty-state', data.tasks.length ? 'No task matches the filter.' : 'No tasks are registered.'));
    root.replaceChildren(fresh);

    var all = data.tasks;
    var count = function (f) { return all.filter(f).length; };
    byId('subtitle').textContent = plural(all.length, 'task') + ' in ' + plural(Object.keys(all.reduce(function (a, t) { a[t.group] = 1; return a; }, {})).length, 'group');
    setPill('p-run', count(function (t) { return t.running; }));
    setPill('p-pause', count(function (t) { return t.paused; }));
    setPill('p-fail', count(function (t) { return t.recent && t.recent.length && t.recent[t.recent.length - 1].outcome === 'failed'; }));
    setPill('p-runs', all.reduce(function (a, t) { return a + t.runs; }, 0));
    byId('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
  }
  function setPill(id, n) { byId(id).querySelector('b').textContent = String(n); }

  function banner(text) {
    var b = byId('banner');
    b.hidden = !text;
    b.textContent = text || '';
  }
  function toast(ok, name, text) {
    var t = el('div', 'toast' + (ok ? '' : ' bad'));
    t.appendChild(el('b', null, name));
    t.appendChild(document.createTextNode(' ' + text));
    byId('toasts').appendChild(t);
    setTimeout(function () { t.remove(); }, ok ? 4000 : 9000);
  }
  function describeFailure(res, body) {
    var msg = body && body.message ? (Array.isArray(body.message) ? body.message.join(', ') : body.message) : '';
    return res.status + ' ' + (res.statusText || '') + (msg ? ': ' + msg : '');
  }

  function load() {
    clearTimeout(state.timer);
    return fetch(base + 'overview', { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (!res.ok) throw new Error(describeFailure(res, body));
          state.data = body;
          state.loadedAt = Date.now();
          banner(body && body.historyNotice ? body.historyNotice : null);
          render();
          reloadHistories();
          return loadSchedules(Date.parse(body.now));
        });
      })
      .catch(function (e) { banner('Could not load the tasks: ' + e.message); })
      .then(function () { if (byId('auto').checked) state.timer = setTimeout(load, REFRESH_MS); });
  }

  function act(action, name, b) {
    var key = name + '/' + action;
    state.busy[key] = true;
    b.disabled = true;
    if (action === 'run') b.textContent = 'Running…';
    var started = Date.now();
    fetch(base + 'tasks/' + encodeURIComponent(name) + '/' + action, { method: 'POST', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (!res.ok) throw new Error(describeFailure(res, body));
          if (action === 'run') {
            var result = body && body.result !== undefined && body.result !== null ? ' → ' + JSON.stringify(body.result).slice(0, 200) : '';
            toast(true, name, 'ran in ' + (Date.now() - started) + ' ms' + result);
          } else {
            toast(true, name, action === 'pause' ? 'paused' : 'resumed');
          }
        });
      })
      .catch(function (e) { toast(false, name, e.message); })
      .then(function () { delete state.busy[key]; return load(); });
  }

${SCHEDULES_SCRIPT}
  byId('filter').addEventListener('input', render);
  byId('auto').addEventListener('change', function () { if (this.checked) load(); else clearTimeout(state.timer); });
  load();
})();
`;

const HTML = (
  styleHash: string,
  scriptHash: string,
): { html: string; csp: string } => ({
  csp: [
    "default-src 'none'",
    `style-src '${styleHash}'`,
    `script-src '${scriptHash}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  html: `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>AioClock</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <div class="brand">
    <svg viewBox="0 0 24 24" fill="none" stroke="#74c0fc" stroke-width="2" stroke-linecap="round" aria-hidden="true">
      <circle cx="12" cy="12" r="9.5"></circle><path d="M12 6.5V12l3.5 2.5"></path>
    </svg>
    <span>AioClock</span> <small id="subtitle"></small>
  </div>
  <div class="pills">
    <span class="pill run" id="p-run"><b>0</b> running</span>
    <span class="pill pause" id="p-pause"><b>0</b> paused</span>
    <span class="pill fail" id="p-fail"><b>0</b> failing</span>
    <span class="pill ok" id="p-runs"><b>0</b> runs</span>
  </div>
  <div class="spacer"></div>
  <div class="meta">
    <input type="search" id="filter" placeholder="Filter tasks or groups" aria-label="Filter tasks or groups">
    <label><input type="checkbox" id="auto" checked> auto-refresh</label>
    <span id="updated"></span>
  </div>
</header>
<main>
  <div class="banner" id="banner" role="alert" hidden></div>
  <div id="groups"><div class="empty-state">Loading…</div></div>
${SCHEDULES_HTML}
</main>
<div id="toasts" aria-live="polite"></div>
<script>${SCRIPT}</script>
</body>
</html>
`,
});

const sha256 = (text: string): string =>
  `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

/** The dashboard page and the Content-Security-Policy that lets exactly its own style and script run. */
export const DASHBOARD = HTML(sha256(STYLE), sha256(SCRIPT));
