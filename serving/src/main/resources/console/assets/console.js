// The operator console: polls GET /console/api/state every 2 s and draws it; pin, unpin and
// rollback call serving's adapter endpoints. The operator key (when serving has keys) stays in this
// tab's sessionStorage and travels as a Bearer token on every call. Charts: uPlot (window.uPlot).

const STATE_URL = '/console/api/state';
const POLL_MS = 2000;
const KEY_STORE = 'feedloop.operatorKey';
const COLORS = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#c62828', '#00838f', '#5d4037', '#ad1457'];

const charts = new Map();
let timer = null;
let last = null;

// ---- small DOM helpers: text goes through textContent, never innerHTML (reasons come from Kafka)
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function fill(selector, rows) {
  const body = document.querySelector(selector + ' tbody');
  body.replaceChildren(...rows);
}
const $ = (id) => document.getElementById(id);
const num = (v, digits = 3) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '–');
const dateTime = (ms) => (ms ? new Date(ms).toLocaleString([], { hour12: false }) : '–');
function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
  return (ms / 60000).toFixed(1) + ' min';
}
const version = (v) => (v === null || v === undefined || v === 0 ? 'base' : 'v' + v);

// ---- key and calls
function key() { return sessionStorage.getItem(KEY_STORE) || ''; }
function headers(extra = {}) {
  const k = key();
  return k ? { ...extra, Authorization: 'Bearer ' + k } : extra;
}
function showKey() {
  $('auth-status').textContent = key() ? 'key set for this tab' : 'no key set';
}

async function poll() {
  clearTimeout(timer);
  try {
    const response = await fetch(STATE_URL, { headers: headers(), cache: 'no-store' });
    if (response.status === 401 || response.status === 403) {
      $('error').textContent = response.status === 401
        ? 'This replica needs an operator key: enter it above.'
        : 'This key is not an operator key.';
    } else if (!response.ok) {
      $('error').textContent = 'state answered ' + response.status;
    } else {
      const state = await response.json();
      $('error').textContent = '';
      render(state);
    }
  } catch (e) {
    $('error').textContent = 'cannot reach serving: ' + e.message;
  } finally {
    timer = setTimeout(poll, POLL_MS);
  }
}

async function act(path, what) {
  $('action-status').textContent = what + '…';
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ reason: 'operator console' }),
    });
    const body = await response.json().catch(() => ({}));
    $('action-status').textContent = response.status === 202
      ? what + ': accepted by Kafka'
      : what + ' refused (' + response.status + '): ' + ((body.error && body.error.message) || '');
  } catch (e) {
    $('action-status').textContent = what + ' failed: ' + e.message;
  }
  poll();
}

// ---- charts
function chart(id, series, data, options = {}) {
  const container = $(id);
  const signature = JSON.stringify(series.map((s) => s.label || '')) + JSON.stringify(options.axes || '');
  let entry = charts.get(id);
  if (entry && entry.signature !== signature) {
    entry.plot.destroy();
    entry = null;
  }
  if (!entry) {
    const width = Math.max(300, container.clientWidth || 600);
    const plot = new uPlot({
      width,
      height: 220,
      series: [{}, ...series],
      scales: options.scales || { x: { time: true } },
      axes: options.axes,
    }, data, container);
    entry = { plot, signature };
    charts.set(id, entry);
  } else {
    entry.plot.setData(data);
  }
}
function line(label, i, extra = {}) {
  return { label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 6 }, ...extra };
}

// ---- render
function render(state) {
  last = state;
  $('model').textContent = state.model;
  $('updated').textContent = 'updated ' + time(state.generated_at)
    + (state.feed.waiting.length ? ' · waiting for topics ' + state.feed.waiting.join(', ') : '');
  renderLive(state.live);
  renderSatisfaction(state.evaluations);
  renderAdapters(state.adapters, state.live);
  renderWindows(state);
  renderRates('feedback-chart', '#feedback-totals', state.feedback);
  renderRates('dead-letters-chart', '#dead-letters-table', state.dead_letters.rates);
  fill('#dead-letters-recent', state.dead_letters.recent.map((d) => el('tr', {},
    el('td', {}, time(d.created_at)), el('td', {}, d.reason), el('td', {}, d.source_topic),
    el('td', { class: 'metrics' }, d.detail))));
}

function renderLive(live) {
  const node = $('live-version');
  node.dataset.version = String(live.version);
  node.textContent = live.version === 0 ? 'base model' : 'v' + live.version;
  $('live-detail').textContent = [
    live.pinned_version !== null ? 'pinned ' + version(live.pinned_version) : 'not pinned',
    live.ready ? 'ready' : 'not ready',
    'since ' + time(live.live_since),
  ].join(' · ');
  $('unpin').disabled = live.pinned_version === null;
  $('rollback').disabled = live.pinned_version !== null || live.version === 0;
}

function renderSatisfaction(evaluations) {
  const x = evaluations.map((e) => e.completed_at / 1000);
  chart('satisfaction-chart', [
    line('satisfaction', 0, { width: 3 }),
    line('well formed', 1),
    line('style', 2),
    line('greedy satisfaction', 3, { dash: [6, 4] }),
  ], [
    x,
    evaluations.map((e) => e.satisfaction),
    evaluations.map((e) => e.well_formed),
    evaluations.map((e) => e.style),
    evaluations.map((e) => e.greedy_satisfaction),
  ], { scales: { x: { time: true }, y: { range: [0, 1] } } });
  const newest = evaluations.slice(-20).reverse();
  fill('#evaluations-table', newest.map((e) => el('tr', { dataset: { sequence: e.sequence } },
    el('td', { class: 'num' }, e.sequence),
    el('td', {}, time(e.completed_at)),
    el('td', {}, version(e.adapter_version)),
    el('td', { class: 'num satisfaction' }, num(e.satisfaction)),
    el('td', { class: 'num' }, num(e.well_formed)),
    el('td', { class: 'num' }, num(e.style)),
    el('td', { class: 'num' }, num(e.greedy_satisfaction)),
    el('td', { class: 'num' }, e.failures ? e.prompts + ' (' + e.failures + ' failed)' : e.prompts),
    el('td', {}, e.preference))));
}

function metricsText(metrics) {
  return Object.keys(metrics).sort().map((k) => k + '=' + num(metrics[k])).join('  ');
}

function renderAdapters(adapters, live) {
  const rows = adapters.slice().reverse().map((a) => el('tr', { dataset: { version: a.version } },
    el('td', {}, 'v' + a.version, a.parent_version !== null ? el('span', { class: 'muted' }, ' ← v' + a.parent_version) : null),
    el('td', { class: 'status-' + a.status }, a.status.replace('_', ' ')),
    el('td', {}, dateTime(a.created_at)),
    el('td', {}, time(a.went_live_at)),
    el('td', { class: 'num' }, duration(a.publish_to_live_ms)),
    el('td', { class: 'metrics' }, metricsText(a.metrics)),
    el('td', { class: 'metrics' }, a.reason ? a.reason + ': ' + (a.detail || '') : ''),
    el('td', {}, el('button', {
      type: 'button', class: 'pin', dataset: { version: a.version },
      disabled: a.status === 'refused' || live.pinned_version === a.version,
    }, 'pin'))));
  fill('#adapters-table', rows);
  $('pin-base').disabled = live.pinned_version === 0;
}

function renderWindows(state) {
  const windows = state.windows;
  chart('windows-chart', [
    { label: 'records', stroke: COLORS[0], fill: COLORS[0] + '55', scale: 'records',
      paths: uPlot.paths.bars({ size: [0.6, 24] }), points: { show: false } },
    line('freshness (s)', 2, { scale: 's' }),
    line('record → live (s)', 4, { scale: 's' }),
  ], [
    windows.map((w) => w.created_at / 1000),
    windows.map((w) => w.records),
    windows.map((w) => (w.freshness_ms === null ? null : w.freshness_ms / 1000)),
    windows.map((w) => (w.record_to_live_ms === null ? null : w.record_to_live_ms / 1000)),
  ], {
    scales: { x: { time: true }, records: { range: (u, min, max) => [0, Math.max(1, max)] }, s: {} },
    axes: [{}, { scale: 'records', label: 'records' }, { scale: 's', side: 1, label: 'seconds', grid: { show: false } }],
  });
  fill('#window-outcomes', Object.entries(state.window_outcomes).sort().map(([k, v]) =>
    el('tr', {}, el('td', { class: 'outcome-' + k }, k), el('td', { class: 'num' }, v))));
  fill('#trainer-reasons', Object.entries(state.trainer_reasons).sort().map(([k, v]) =>
    el('tr', {}, el('td', {}, k), el('td', { class: 'num' }, v))));
  const f = state.freshness;
  fill('#freshness', f.adapter_version === null
    ? [el('tr', {}, el('td', { class: 'muted' }, 'no accepted window has gone live here yet'))]
    : [el('tr', {}, el('td', {}, 'window ' + f.window + ' → ' + version(f.adapter_version)),
        el('td', { class: 'num' }, duration(f.record_to_live_ms) + ' record → live')),
       el('tr', {}, el('td', {}, 'record → commit (trainer)'), el('td', { class: 'num' }, duration(f.record_to_commit_ms))),
       ...Object.entries(f.shares).map(([k, v]) =>
         el('tr', {}, el('td', {}, k), el('td', { class: 'num' }, duration(v))))]);
  fill('#windows-table', windows.slice(-30).reverse().map((w) => el('tr', { dataset: { window: w.window } },
    el('td', { class: 'num' }, w.window),
    el('td', {}, time(w.created_at)),
    el('td', { class: 'num' }, w.records),
    el('td', { class: 'outcome-' + w.outcome }, w.outcome),
    el('td', {}, w.adapter_version === null ? '' : version(w.adapter_version)),
    el('td', { class: 'num' }, duration(w.freshness_ms)),
    el('td', { class: 'num' }, duration(w.record_to_live_ms)),
    el('td', { class: 'num' }, ['consume', 'train', 'evaluate', 'publish'].map((k) => duration(w.times[k])).join(' / ')),
    el('td', { class: 'metrics' }, w.reason ? w.reason + (w.reason_detail ? ': ' + w.reason_detail : '') : ''))));
}

function renderRates(chartId, totalsSelector, rates) {
  const perMinute = 60000 / rates.bucket_ms;
  chart(chartId, rates.labels.map((label, i) => line(label, i, { points: { show: false } })), [
    rates.buckets.map((b) => b.start / 1000),
    ...rates.labels.map((label) => rates.buckets.map((b) => (b.counts[label] || 0) * perMinute)),
  ], { scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } } });
  fill(totalsSelector, rates.labels.map((label) => el('tr', { dataset: { label } },
    el('td', {}, label), el('td', { class: 'num' }, rates.totals[label] || 0))));
}

// ---- wiring
document.addEventListener('click', (event) => {
  const button = event.target.closest('button.pin');
  if (button && !button.disabled) {
    const v = Number(button.dataset.version);
    act('/v1/adapters/' + v + '/pin', 'pin ' + version(v));
  }
});
$('unpin').addEventListener('click', () => act('/v1/adapters/unpin', 'unpin'));
$('rollback').addEventListener('click', () => act('/v1/adapters/rollback', 'roll back'));
$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('operator-key').value.trim();
  if (value) sessionStorage.setItem(KEY_STORE, value);
  $('operator-key').value = '';
  showKey();
  poll();
});
$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_STORE);
  showKey();
  poll();
});
window.addEventListener('resize', () => {
  for (const [id, entry] of charts) entry.plot.setSize({ width: Math.max(300, $(id).clientWidth), height: 220 });
});
showKey();
poll();
