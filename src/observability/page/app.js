// The live worker page: a filterable list fed by Server-Sent Events (/api/events) and a detail
// panel with the statechart, recent activity and metrics. Plain browser JS, no dependencies.
(function () {
  'use strict';
  var rows = new Map();          // name -> row (WorkerView fields)
  var trs = new Map();           // name -> <tr>
  var skew = 0;                  // server clock - browser clock (ms)
  var selected = null;           // selected worker name
  var chart = null;              // statechart handle
  var metricsTimer = null;
  var $ = function (id) { return document.getElementById(id); };
  var tbody = document.querySelector('#workers tbody');

  function ago(ms) {
    if (!ms) return '—';
    var s = Math.max(0, Math.round((Date.now() + skew - ms) / 1000));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd';
  }
  function clock(ms) {
    var d = new Date(ms);
    var p = function (n, w) { return String(n).padStart(w || 2, '0'); };
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  }
  function cell(tr, cls, text) {
    var td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function pill(node, state) {
    node.textContent = state;
    node.className = 'pill';
    node.setAttribute('data-top', String(state).split('.')[0]);
  }

  function matches(row, q) {
    if (!q) return true;
    var hay = [row.name, row.containerId, row.functionName, row.ownerId, row.state, row.ipAddress].join(' ').toLowerCase();
    return q.split(/\s+/).every(function (w) { return hay.indexOf(w) >= 0; });
  }

  function renderRow(row) {
    var tr = trs.get(row.name);
    if (!tr) {
      tr = document.createElement('tr');
      tr.setAttribute('data-name', row.name);
      tr.addEventListener('click', function () { select(row.name); });
      cell(tr, 'name', row.name).title = row.name;
      cell(tr, 'fn', ''); cell(tr, 'owner', '');
      var st = document.createElement('td'); st.className = 'state'; st.appendChild(document.createElement('span')); tr.appendChild(st);
      cell(tr, 'age', ''); cell(tr, 'used', ''); cell(tr, 'ip', '');
      trs.set(row.name, tr);
      tbody.appendChild(tr);
    }
    tr.children[1].textContent = row.functionName;
    tr.children[2].textContent = row.ownerId;
    tr.children[2].title = row.ownerId;
    pill(tr.children[3].firstChild, row.state);
    tr.setAttribute('data-state', row.state);
    tr.children[6].textContent = row.ipAddress || '—';
    tr.classList.toggle('selected', row.name === selected);
    tick(tr, row);
  }
  function tick(tr, row) {
    tr.children[4].textContent = ago(row.createdAt);
    tr.children[5].textContent = row.lastUsedAt && row.lastUsedAt !== row.createdAt ? ago(row.lastUsedAt) + ' ago' : '—';
  }

  function applyFilter() {
    var q = $('filter').value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row, name) {
      var ok = matches(row, q);
      trs.get(name).hidden = !ok;
      if (ok) shown++;
    });
    $('count').textContent = q ? shown + ' of ' + rows.size : rows.size + (rows.size === 1 ? ' worker' : ' workers');
    $('empty').hidden = rows.size > 0;
    renderStats();
  }

  function renderStats() {
    var by = {};
    rows.forEach(function (r) { var t = r.state.split('.')[0]; by[t] = (by[t] || 0) + 1; });
    var stats = $('stats');
    stats.textContent = '';
    var add = function (label, n) {
      var s = document.createElement('span');
      var b = document.createElement('b'); b.textContent = String(n);
      s.appendChild(b); s.appendChild(document.createTextNode(' ' + label));
      stats.appendChild(s);
    };
    add('total', rows.size);
    Object.keys(by).sort().forEach(function (k) { add(k, by[k]); });
  }

  var detailTimer = null;
  function upsert(row) {
    var prev = rows.get(row.name);
    rows.set(row.name, row);
    renderRow(row);
    if (row.name === selected) {
      showState(row.state, false);
      if (!prev || prev.state !== row.state) {
        // Refresh the view and runtime metrics once the state settles.
        clearTimeout(detailTimer);
        detailTimer = setTimeout(function () { loadDetail(row.name); }, 150);
      }
    }
  }
  function remove(name, state) {
    rows.delete(name);
    var tr = trs.get(name);
    if (tr) { tr.remove(); trs.delete(name); }
    if (name === selected) { showState(state, true); }
  }

  // ---- detail panel -------------------------------------------------------------------
  function showState(state, gone) {
    pill($('d-state'), state);
    $('detail').setAttribute('data-state', state);
    if (chart) chart.highlight(state);
    $('d-gone').hidden = !gone;
  }
  var acts = new Map();           // seq -> activity record of the selected worker
  function activityItem(rec) {
    var li = document.createElement('li');
    var t = document.createElement('time'); t.textContent = clock(rec.at);
    var span = document.createElement('span');
    if (rec.kind === 'transition') {
      span.className = 'tr';
      span.textContent = (rec.from || '∅') + ' → ' + rec.to;
      var why = document.createElement('span'); why.className = 'muted ev'; why.textContent = '  ' + window.Statechart.eventLabel(rec.type);
      span.appendChild(why);
    } else {
      span.className = 'ev';
      span.textContent = rec.type;
    }
    li.setAttribute('data-kind', rec.kind);
    li.appendChild(t); li.appendChild(span);
    return li;
  }
  /** Adds records (from the detail fetch or the stream, in any order); newest first, 100 kept. */
  function addActivity(records) {
    var fresh = false;
    records.forEach(function (rec) { if (!acts.has(rec.seq)) { acts.set(rec.seq, rec); fresh = true; } });
    if (!fresh) return;
    var list = $('d-activity');
    var sorted = Array.from(acts.values()).sort(function (a, b) { return b.seq - a.seq; })
      // A run of pull progress events reads as one line (the newest), as in the agent's log.
      .filter(function (r, i, all) { return !(i > 0 && r.type === 'pull.progress' && all[i - 1].type === 'pull.progress'); })
      .slice(0, 100);
    acts = new Map(sorted.map(function (r) { return [r.seq, r]; }));
    list.textContent = '';
    sorted.forEach(function (rec) { list.appendChild(activityItem(rec)); });
  }
  function renderMetrics(view, m) {
    var dl = $('d-metrics');
    dl.textContent = '';
    var add = function (k, v) {
      var dt = document.createElement('dt'); dt.textContent = k;
      var dd = document.createElement('dd'); dd.textContent = v;
      dl.appendChild(dt); dl.appendChild(dd);
    };
    var mib = function (b) { return (Number(b) / 1048576).toFixed(1) + ' MiB'; };
    add('Image', view.image);
    add('Container id', view.containerId || '—');
    add('Address', view.ipAddress ? view.ipAddress + ':' + view.port : '—');
    add('Origin', view.origin);
    add('Status', view.status);
    if (view.error) add('Error', view.error.code + ': ' + view.error.message);
    if (m && !m.error) {
      add('Memory', mib(m.memoryCurrent) + (Number(m.memoryMax) > 0 ? ' / ' + mib(m.memoryMax) : ''));
      add('CPU time', (Number(m.cpuUsageNs) / 1e9).toFixed(2) + ' s');
      add('OOM events', String(m.oomEvents));
      add('Restarts', String(m.restartCount));
    } else if (m && m.error) add('Runtime metrics', m.error);
  }
  function loadDetail(name) {
    return fetch('/api/workers/' + encodeURIComponent(name)).then(function (r) { return r.json(); }).then(function (d) {
      if (name !== selected) return;
      if (d.view) renderMetrics(d.view, d.metrics);
      if (d.activity) addActivity(d.activity);
    });
  }
  function select(name) {
    selected = name;
    trs.forEach(function (tr, n) { tr.classList.toggle('selected', n === name); });
    var row = rows.get(name);
    $('placeholder').hidden = true;
    $('detail').hidden = false;
    $('detail').setAttribute('data-name', name);
    $('d-name').textContent = name;
    $('d-sub').textContent = row ? row.functionName + ' · owner ' + row.ownerId : '';
    $('d-activity').textContent = '';
    acts = new Map();
    $('d-metrics').textContent = '';
    showState(row ? row.state : '', !row);
    loadDetail(name);
    clearInterval(metricsTimer);
    metricsTimer = setInterval(function () { if (rows.has(name)) loadDetail(name); }, 5000);
  }

  // ---- live stream ---------------------------------------------------------------------
  function setConn(status, text) {
    $('conn').setAttribute('data-status', status);
    $('conn-text').textContent = text;
  }
  function connect() {
    var es = new EventSource('/api/events');
    es.onopen = function () { setConn('live', 'live'); };
    es.onerror = function () { setConn('offline', 'reconnecting…'); };
    es.addEventListener('snapshot', function (m) {
      var d = JSON.parse(m.data);
      skew = d.now - Date.now();
      var seen = new Set();
      d.workers.forEach(function (w) { seen.add(w.name); upsert(w); });
      Array.from(rows.keys()).forEach(function (n) { if (!seen.has(n)) remove(n, 'destroyed'); });
      applyFilter();
    });
    es.addEventListener('worker', function (m) {
      var c = JSON.parse(m.data);
      if (c.op === 'removed') remove(c.name, c.state);
      else upsert(c.row);
      applyFilter();
    });
    es.addEventListener('activity', function (m) {
      var a = JSON.parse(m.data);
      if (a.name === selected) addActivity([a.record]);
    });
  }

  $('filter').addEventListener('input', applyFilter);
  setInterval(function () { rows.forEach(function (row, n) { var tr = trs.get(n); if (tr) tick(tr, row); }); }, 1000);
  fetch('/api/machine').then(function (r) { return r.json(); }).then(function (m) {
    chart = window.Statechart.render($('statechart'), m.layout);
    var row = selected && rows.get(selected);
    if (row) chart.highlight(row.state);
  });
  applyFilter();
  connect();
})();
