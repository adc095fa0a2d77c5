/**
 * The status page's script, plain ES2017 run by the browser. It only reads the JSON
 * endpoints and builds DOM with `textContent` (no HTML from data), so nothing a node or
 * image name contains can inject markup.
 */
export const STATUS_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var STATES = ['building', 'ready', 'used', 'hold', 'delete', 'test'];
  var SVGNS = 'http://www.w3.org/2000/svg';
  var params = new URLSearchParams(location.search);
  var refreshS = params.has('refresh') ? Number(params.get('refresh')) : 5;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === 'object' && c !== null ? c : document.createTextNode(c === null || c === undefined ? 'None' : String(c)));
    });
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function badge(state) {
    return el('span', { class: 'state state-' + state, style: '--c: var(--' + state + ')' }, [state]);
  }
  function table(headers, rows, numeric) {
    if (rows.length === 0) return el('p', { class: 'empty' }, ['none']);
    var head = el('tr', {}, headers.map(function (h, i) { return el('th', numeric[i] ? { class: 'num' } : {}, [h]); }));
    var body = rows.map(function (r) {
      return el('tr', {}, r.map(function (c, i) { return el('td', numeric[i] ? { class: 'num' } : {}, [c]); }));
    });
    return el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]);
  }
  function fetchJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      if (r.ok) return r.json();
      return r.text().then(function (t) { throw new Error(r.status + ' ' + t.trim()); });
    });
  }
  function fill(id, node) {
    var body = document.querySelector('#' + id + ' .body') || document.getElementById(id + '-cards');
    body.replaceChildren(node);
  }
  function load(id, path, render) {
    return fetchJson(path).then(function (data) {
      render(data);
      document.getElementById(id).dataset.rows = String(data.length);
    }).catch(function (err) {
      var message = 'Cannot load ' + path + ': ' + err.message;
      (id === 'summary' ? ['state', 'nodes'] : [id]).forEach(function (target) {
        fill(target, el('p', { class: 'error' }, [message]));
      });
    });
  }

  function renderCards(nodes) {
    var counts = { total: nodes.length };
    STATES.forEach(function (s) { counts[s] = 0; });
    nodes.forEach(function (n) { if (counts[n.state] !== undefined) counts[n.state] += 1; });
    var cards = STATES.concat(['total']).map(function (s) {
      return el('div', { class: 'card', 'data-state': s, style: '--c: var(--' + s + ')' },
        [el('div', { class: 'n' }, [counts[s]]), el('div', { class: 'l' }, [s])]);
    });
    document.getElementById('state-cards').replaceChildren.apply(document.getElementById('state-cards'), cards);
  }
  function renderNodes(nodes) {
    fill('nodes', table(['ID', 'Provider', 'Label', 'Hostname', 'Server ID', 'IP', 'State', 'Age', 'Comment'],
      nodes.map(function (n) { return [n.id, n.provider, n.label, n.hostname, n.serverId, n.ip, badge(n.state), n.age, n.comment]; }),
      [true]));
  }
  function readyBar(r) {
    var goal = Math.max(r.minReady || 0, 1);
    var w = function (n) { return Math.round(Math.min(n / goal, 1) * 80) + 'px'; };
    return el('span', {}, [el('span', { class: 'bar', style: 'width:' + w(r.ready) }, []),
      el('span', { class: 'bar building', style: 'width:' + w(r.building) }, [])]);
  }
  function minReadyCell(r) {
    var s = r.minReadySchedule;
    if (!s) return r.minReady;
    var from = s.period === null ? 'min-ready ' + s.configured + ' outside every period'
      : 'period ' + s.period + ' "' + s.cron + '" (' + s.timezone + ')';
    return el('span', { title: from }, [String(r.minReady) + (s.period === null ? ' (no period)' : ' (period ' + s.period + ')')]);
  }
  function renderLabels(rows) {
    fill('labels', table(['Label', 'Image', 'Min ready', 'Ready', 'Building', 'Used', 'Hold', 'Delete', 'Total', 'Deficit', ''],
      rows.map(function (r) { return [r.label, r.image, minReadyCell(r), r.ready, r.building, r.used, r.hold, r.delete, r.total, r.deficit, readyBar(r)]; }),
      [false, false, true, true, true, true, true, true, true, true]));
  }
  function renderProviders(rows) {
    fill('providers', table(['Provider', 'Max servers', 'Building', 'Ready', 'Used', 'Hold', 'Delete', 'Total'],
      rows.map(function (r) { return [r.provider, r.maxServers, r.building, r.ready, r.used, r.hold, r.delete, r.total]; }),
      [false, true, true, true, true, true, true, true]));
  }
  function renderBuilds(rows) {
    fill('builds', table(['ID', 'Builder', 'Formats', 'State', 'Age'],
      rows.map(function (b) { return [b.id, b.builder, b.formats.join(','), b.state, b.age]; }), []));
  }
  function renderUploads(rows) {
    fill('uploads', table(['Image', 'Build', 'Upload', 'Provider', 'Provider image', 'State', 'Age'],
      rows.map(function (u) { return [u.image, u.buildId, u.uploadId, u.provider, u.externalName, u.state, u.age]; }), []));
  }
  function renderLaunchers(rows) {
    fill('launchers', table(['Name', 'Host', 'PID', 'Since', 'Leader', 'Providers'],
      rows.map(function (l) {
        var since = l.since > 0 ? new Date(l.since * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
        return [l.name, l.host, l.pid, since, l.leader ? 'leader' : '', l.providers.join(', ')];
      }), [false, false, true]));
  }

  function renderAlarms(a) {
    var box = document.getElementById('alarms');
    var lines = a.stuck.map(function (s) {
      return el('p', { class: 'stuck', 'data-label': s.label },
        ['Label ' + s.label + ' is stuck (' + s.seconds + ' s): ' + s.message]);
    }).concat(a.overQuota.map(function (p) {
      return el('p', { class: 'over-quota', 'data-provider': p }, ['Provider ' + p + ' is over quota: skipped']);
    }));
    box.replaceChildren.apply(box, lines);
    box.hidden = lines.length === 0;
  }

  function clock(ms) { return new Date(ms).toLocaleTimeString([], { hour12: false }); }
  function renderChart(samples) {
    var W = 1000, H = 240, L = 44, R = 12, T = 10, B = 26;
    var root = svg('svg', { id: 'chart', viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'aria-label': 'Node counts over time' });
    var max = 1;
    samples.forEach(function (s) { max = Math.max(max, s.total); });
    max = Math.ceil(max / 4) * 4;
    var t0 = samples.length ? samples[0].time : 0, t1 = samples.length ? samples[samples.length - 1].time : 1;
    var x = function (t) { return L + (t1 === t0 ? (W - L - R) : (t - t0) / (t1 - t0) * (W - L - R)); };
    var y = function (v) { return T + (1 - v / max) * (H - T - B); };
    [0, max / 2, max].forEach(function (v) {
      root.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#d8dde4' }));
      root.appendChild(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
    });
    if (samples.length === 0) {
      root.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'No samples yet'));
    } else {
      root.appendChild(svg('text', { x: L, y: H - 6 }, clock(t0)));
      root.appendChild(svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end' }, clock(t1)));
      STATES.concat(['total']).forEach(function (s) {
        var value = function (p) { return s === 'total' ? p.total : p.counts[s]; };
        if (s !== 'total' && !samples.some(function (p) { return value(p) > 0; })) return;
        var pts = samples.map(function (p) { return x(p.time).toFixed(1) + ',' + y(value(p)).toFixed(1); });
        if (pts.length === 1) pts.push((W - R) + ',' + y(value(samples[0])).toFixed(1));
        root.appendChild(svg('polyline', { class: 'series series-' + s, 'data-state': s, points: pts.join(' '), fill: 'none',
          stroke: 'var(--' + s + ')', 'stroke-width': s === 'total' ? 1.5 : 2.5, 'stroke-dasharray': s === 'total' ? '5 4' : 'none' }));
      });
    }
    var legend = el('div', { class: 'legend' }, STATES.concat(['total']).map(function (s) {
      return el('span', { style: '--c: var(--' + s + ')' }, [el('i', {}, []), s]);
    }));
    var wrap = el('div', {}, [root, legend]);
    fill('history', wrap);
  }

  function update() {
    Promise.all([
      load('summary', 'node-list.json', function (nodes) { renderCards(nodes); renderNodes(nodes); }),
      load('labels', 'label-list.json', renderLabels),
      load('providers', 'provider-list.json', renderProviders),
      load('history', 'node-history.json', renderChart),
      load('builds', 'dib-image-list.json', renderBuilds),
      load('uploads', 'image-list.json', renderUploads),
      load('launchers', 'launcher-list.json', renderLaunchers),
      fetchJson('alarms.json').then(renderAlarms, function () { /* an older daemon: no banner */ })
    ]).then(function () {
      document.getElementById('updated').textContent = 'updated ' + clock(Date.now()) +
        (refreshS > 0 ? ' · refreshing every ' + refreshS + ' s' : '');
      document.body.dataset.updates = String(Number(document.body.dataset.updates || '0') + 1);
      if (refreshS > 0) setTimeout(update, refreshS * 1000);
    });
  }
  update();
})();
`;
