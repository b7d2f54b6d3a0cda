// The dashboard's per-task run chart and history list, spliced into the page's
// one style and one script (so the CSP hashes cover them). Like the rest of
// the page: SVG and DOM built by the script, text set with textContent only,
// no style attributes (the CSP has no 'unsafe-inline').

/** Width and height of a task's chart, in CSS pixels. */
const CHART_W = 240;
const CHART_H = 40;

export const CHARTS_STYLE = String.raw`
svg.chart { display: block; margin-top: 4px; overflow: visible; }
svg.chart .axis { stroke: var(--line); stroke-width: 1; }
svg.chart .duration { fill: none; stroke: var(--run); stroke-width: 1.5; }
svg.chart .lateness { fill: none; stroke: var(--skip); stroke-width: 1.5; stroke-dasharray: 3 2; }
svg.chart circle.failed { fill: var(--fail); }
svg.chart text { fill: var(--muted); font-size: 9px; }
tbody tr[data-task] { cursor: pointer; }
tbody tr[data-task][aria-expanded=true] td { border-bottom-color: transparent; }
tr.history > td { background: var(--bg); padding: 8px 16px 14px; }
table.runs { min-width: 0; table-layout: auto; font-size: 12.5px; }
table.runs th, table.runs td { padding: 4px 10px; border-bottom: 1px solid var(--line); }
table.runs td.outcome { font-weight: 600; }
table.runs td.outcome.succeeded { color: var(--ok); } table.runs td.outcome.failed, table.runs td.outcome.timedOut { color: var(--fail); }
table.runs td.outcome.skipped, table.runs td.outcome.cancelled { color: var(--skip); }
table.runs td.err { color: var(--fail); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap;
  word-break: break-word; }
`;

/** Functions used by the page's script (inside its closure: `el`, `state`, `base`, `clockTime`, `render`). */
export const CHARTS_SCRIPT = String.raw`
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var CHART_W = ${CHART_W}, CHART_H = ${CHART_H};
  // Open history lists: task name -> { records, error } (records null while loading).
  var histories = Object.create(null);

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function ms(value) { return value < 1000 ? Math.round(value) + ' ms' : (value / 1000).toFixed(value < 10000 ? 2 : 1) + ' s'; }

  // Duration (solid) and lateness (dashed) of the runs that started, oldest to newest, on one scale.
  function runChart(task) {
    // The registry's history, newest first: every replica's runs with a durable coordinator.
    var runs = (task.runHistory || []).filter(function (r) { return r.startedAt && r.finishedAt; }).reverse();
    var chart = svg('svg', { 'class': 'chart', width: CHART_W, height: CHART_H, viewBox: '0 0 ' + CHART_W + ' ' + CHART_H,
      role: 'img', 'data-field': 'chart', 'data-runs': runs.length });
    chart.appendChild(svg('line', { 'class': 'axis', x1: 0, y1: CHART_H - 0.5, x2: CHART_W, y2: CHART_H - 0.5 }));
    if (!runs.length) {
      chart.appendChild(svg('text', { x: 0, y: CHART_H - 6 }, 'no runs yet'));
      chart.setAttribute('aria-label', 'no runs yet');
      return chart;
    }
    var durations = runs.map(function (r) { return Date.parse(r.finishedAt) - Date.parse(r.startedAt); });
    var lateness = runs.map(function (r) { return Math.max(0, Date.parse(r.startedAt) - Date.parse(r.scheduledAt)); });
    var top = Math.max(1, Math.max.apply(null, durations.concat(lateness)));
    var slots = Math.max(2, (state.data && state.data.historySize) || runs.length);
    var step = CHART_W / (slots - 1);
    var x0 = CHART_W - step * (runs.length - 1);
    function point(v, i) { return (x0 + i * step).toFixed(1) + ',' + (CHART_H - 2 - (v / top) * (CHART_H - 12)).toFixed(1); }
    chart.appendChild(svg('polyline', { 'class': 'lateness', points: lateness.map(point).join(' ') }));
    chart.appendChild(svg('polyline', { 'class': 'duration', points: durations.map(point).join(' ') }));
    runs.forEach(function (r, i) {
      if (r.outcome !== 'failed' && r.outcome !== 'timedOut') return;
      var xy = point(durations[i], i).split(',');
      chart.appendChild(svg('circle', { 'class': 'failed', cx: xy[0], cy: xy[1], r: 2.5 }));
    });
    chart.appendChild(svg('text', { x: 0, y: 8 }, 'max ' + ms(top)));
    var last = runs.length - 1;
    var summary = 'duration (solid) and lateness (dashed) of the last ' + runs.length + ' runs; latest ' +
      ms(durations[last]) + ' long, ' + ms(lateness[last]) + ' late';
    chart.setAttribute('aria-label', summary);
    chart.insertBefore(svg('title', {}, summary), chart.firstChild);
    return chart;
  }

  // The row opens and closes the task's history list; buttons keep their own job.
  function historyToggle(tr, task) {
    tr.tabIndex = 0;
    tr.setAttribute('aria-expanded', histories[task.name] ? 'true' : 'false');
    function toggle(e) {
      if (e.target.closest && e.target.closest('button')) return;
      if (histories[task.name]) delete histories[task.name];
      else { histories[task.name] = { records: null, error: null }; loadHistory(task.name); }
      render();
    }
    tr.addEventListener('click', toggle);
    tr.addEventListener('keydown', function (e) { if (e.key === 'Enter' && e.target === tr) toggle(e); });
  }

  function loadHistory(name) {
    return fetch(base + 'tasks/' + encodeURIComponent(name) + '/history', { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (!res.ok) throw new Error(describeFailure(res, body));
          if (histories[name]) histories[name] = { records: body, error: null };
        });
      })
      .catch(function (e) { if (histories[name]) histories[name].error = e.message; })
      .then(function () { if (histories[name]) render(); });
  }
  function reloadHistories() { Object.keys(histories).forEach(loadHistory); }

  function historyRow(task, columns) {
    var open = histories[task.name];
    var tr = el('tr', 'history');
    tr.setAttribute('data-history', task.name);
    var td = el('td');
    td.colSpan = columns;
    tr.appendChild(td);
    if (open.error) { td.appendChild(el('div', 'error', 'Could not load the history: ' + open.error)); return tr; }
    if (!open.records) { td.appendChild(el('span', 'none', 'Loading…')); return tr; }
    if (!open.records.length) { td.appendChild(el('span', 'none', 'No runs yet.')); return tr; }
    var table = el('table', 'runs');
    var head = el('tr');
    ['Due', 'Outcome', 'Started', 'Took', 'Replica', 'Attempt', 'Error'].forEach(function (t) { head.appendChild(el('th', null, t)); });
    var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
    var body = el('tbody');
    open.records.forEach(function (r) {
      var line = el('tr');
      line.setAttribute('data-outcome', r.outcome);
      line.appendChild(el('td', null, clockTime(r.scheduledAt)));
      line.appendChild(el('td', 'outcome ' + r.outcome, r.outcome + (r.catchUp ? ' (catch-up)' : '')));
      line.appendChild(el('td', null, r.startedAt ? ms(Date.parse(r.startedAt) - Date.parse(r.scheduledAt)) + ' late' : '—'));
      line.appendChild(el('td', null, r.startedAt && r.finishedAt ? ms(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '—'));
      line.appendChild(el('td', null, r.replica));
      line.appendChild(el('td', null, r.attempt));
      var err = el('td', 'err', r.error || '');
      err.setAttribute('data-field', 'run-error');
      line.appendChild(err);
      body.appendChild(line);
    });
    table.appendChild(body);
    td.appendChild(table);
    return tr;
  }
`;
