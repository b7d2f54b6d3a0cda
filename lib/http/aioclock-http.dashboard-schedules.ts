// The dashboard's Schedules view (durable schedules), spliced into the page's
// one style and one script like the charts (so the CSP hashes cover it). It
// reads GET schedules (paged) or GET schedules/:id, builds the DOM with
// textContent only, and posts run / pause / resume like the tasks' buttons.

/** Schedules per page of the view. */
export const SCHEDULES_PAGE_SIZE = 25;

export const SCHEDULES_STYLE = String.raw`
#schedules { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 20px; overflow-x: auto;
  box-shadow: 0 1px 2px rgba(16, 24, 40, .05); }
#schedules h2 { margin: 0; font-size: 13px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); padding: 11px 16px;
  border-bottom: 1px solid var(--line); display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
#schedules h2 .count { text-transform: none; letter-spacing: 0; font-weight: 400; }
#schedules .tools { margin-left: auto; display: flex; gap: 8px; align-items: center; text-transform: none; letter-spacing: 0; }
#schedules input[type=search] { background: var(--card); color: var(--ink); border-color: var(--line); width: 240px; }
#schedules .pager { padding: 8px 16px; display: flex; gap: 8px; justify-content: flex-end; align-items: center; color: var(--muted);
  font-size: 12.5px; }
#schedules td.payload { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted);
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#schedules .nohandler { color: var(--fail); font-size: 12px; }
`;

/** Markup of the view, placed after the task groups. */
export const SCHEDULES_HTML = `
  <section id="schedules">
    <h2>Schedules <span class="count" id="s-count"></span>
      <span class="tools">
        <input type="search" id="s-search" placeholder="Schedule id or handler" aria-label="Search schedules by id or handler">
        <button type="button" id="s-go">Search</button>
      </span>
    </h2>
    <table>
      <thead><tr><th>Schedule</th><th>Handler</th><th>State</th><th>Next run</th><th>Last run</th><th>Runs / failed</th><th>Payload</th><th></th></tr></thead>
      <tbody id="s-rows"><tr><td colspan="8" class="none">Loading…</td></tr></tbody>
    </table>
    <div class="pager"><span id="s-page"></span>
      <button type="button" id="s-first">First page</button><button type="button" id="s-next">Next page</button></div>
  </section>`;

/** Functions used by the page's script (inside its closure: `el`, `byId`, `base`, `when`, `toast`, `describeFailure`). */
export const SCHEDULES_SCRIPT = String.raw`
  var SCHEDULES_PAGE = ${SCHEDULES_PAGE_SIZE};
  // The view: the search, the page's cursor (null: first page), the next page's cursor.
  var sched = { query: '', cursor: null, next: null, pages: 1, busy: {} };

  function scheduleState(s) {
    if (!s.enabled) return 'disabled';
    if (s.paused) return 'paused';
    return s.nextRunAt ? 'scheduled' : 'idle';
  }
  function scheduleButton(label, action, s, primary) {
    var b = el('button', primary ? 'primary' : null, label);
    b.type = 'button';
    b.setAttribute('data-action', action);
    if (sched.busy[s.id + '/' + action]) b.disabled = true;
    b.addEventListener('click', function () { scheduleAct(action, s.id, b); });
    return b;
  }
  function scheduleRow(s, now) {
    var tr = el('tr');
    tr.setAttribute('data-schedule', s.id);
    var id = el('td'); id.appendChild(el('div', 'name', s.id)); tr.appendChild(id);
    var handler = el('td'); handler.appendChild(el('div', 'name', s.handler));
    if (s.noHandler) handler.appendChild(el('div', 'nohandler', 'no handler'));
    tr.appendChild(handler);
    var st = scheduleState(s);
    var stateCell = el('td'); var badge = el('span', 'badge ' + st, st); badge.setAttribute('data-field', 'state');
    stateCell.appendChild(badge); tr.appendChild(stateCell);
    tr.appendChild(when(s.nextRunAt, now));
    tr.appendChild(when(s.lastRunAt, now));
    tr.appendChild(el('td', 'nums', s.runs + ' / ' + s.failures));
    var payload = JSON.stringify(s.payload);
    var p = el('td', 'payload', payload); p.title = payload; tr.appendChild(p);
    var actions = el('td', 'actions');
    actions.appendChild(scheduleButton('Run now', 'run', s, true));
    actions.appendChild(s.paused ? scheduleButton('Resume', 'resume', s) : scheduleButton('Pause', 'pause', s));
    tr.appendChild(actions);
    return tr;
  }
  function getJson(url) {
    return fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) { return { res: res, body: body }; });
    });
  }
  // One schedule whose id is the search, else the search as a handler's name, else every schedule.
  function fetchSchedules() {
    var q = sched.query;
    var page = 'schedules?limit=' + SCHEDULES_PAGE + (sched.cursor ? '&cursor=' + encodeURIComponent(sched.cursor) : '');
    if (!q) return getJson(base + page);
    return getJson(base + 'schedules?id=' + encodeURIComponent(q)).then(function (one) {
      if (!one.res.ok || one.body.items.length) return one;
      return getJson(base + page + '&handler=' + encodeURIComponent(q));
    });
  }
  // The server's clock (a test app may run on a VirtualClock), moved on by
  // the time elapsed here since the overview said what it was.
  function serverNow() {
    return state.data ? Date.parse(state.data.now) + (Date.now() - state.loadedAt) : Date.now();
  }

  function loadSchedules(now) {
    return fetchSchedules().then(function (r) {
      if (!r.res.ok) throw new Error(describeFailure(r.res, r.body));
      sched.next = r.body.cursor;
      var rows = byId('s-rows');
      var fresh = document.createDocumentFragment();
      r.body.items.forEach(function (s) { fresh.appendChild(scheduleRow(s, now)); });
      if (!r.body.items.length) {
        var empty = el('tr'); var cell = el('td', 'none', sched.query ? 'No schedule has this id or handler.' : 'No schedules.');
        cell.setAttribute('colspan', '8'); empty.appendChild(cell); fresh.appendChild(empty);
      }
      rows.replaceChildren(fresh);
      byId('s-count').textContent = r.body.items.length + (sched.next ? '+' : '') + ' shown';
      byId('s-page').textContent = 'Page ' + sched.pages;
      byId('s-next').disabled = !sched.next;
      byId('s-first').disabled = !sched.cursor;
    }).catch(function (e) {
      var rows = byId('s-rows'); var tr = el('tr'); var cell = el('td', 'error', 'Could not load the schedules: ' + e.message);
      cell.setAttribute('colspan', '8'); tr.appendChild(cell); rows.replaceChildren(tr);
    });
  }
  function scheduleAct(action, id, b) {
    var key = id + '/' + action;
    sched.busy[key] = true;
    b.disabled = true;
    fetch(base + 'schedules/' + encodeURIComponent(id) + '/' + action, { method: 'POST', headers: { accept: 'application/json' } })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (!res.ok) throw new Error(describeFailure(res, body));
          toast(true, id, action === 'run' ? 'ran' : action === 'pause' ? 'paused' : 'resumed');
        });
      })
      .catch(function (e) { toast(false, id, e.message); })
      .then(function () { delete sched.busy[key]; return loadSchedules(serverNow()); });
  }
  function searchSchedules() {
    sched.query = byId('s-search').value.trim(); sched.cursor = null; sched.pages = 1;
    loadSchedules(serverNow());
  }
  byId('s-go').addEventListener('click', searchSchedules);
  byId('s-search').addEventListener('keydown', function (e) { if (e.key === 'Enter') searchSchedules(); });
  byId('s-next').addEventListener('click', function () {
    if (!sched.next) return;
    sched.cursor = sched.next; sched.pages++; loadSchedules(serverNow());
  });
  byId('s-first').addEventListener('click', function () { sched.cursor = null; sched.pages = 1; loadSchedules(serverNow()); });
`;
