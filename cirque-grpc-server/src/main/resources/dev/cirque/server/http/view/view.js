// The live view of cirque-java. Everything it shows comes from the daemon's HTTP API, and it is
// kept current by the daemon's event stream (GET /events): no reload, no polling of the node
// lists. The Thread mesh has no events of its own yet, so it is read again every few seconds
// while a home with Thread nodes is shown. Text from the daemon goes into the page as text,
// never as markup.
'use strict';

const state = {
  token: sessionStorage.getItem('cirque-token') || '',
  homes: new Map(),   // home id -> number of nodes
  selected: location.hash.slice(1) || '',
  devices: {},        // device id -> device state (of the selected home)
  refreshing: null,
};

class Unauthorized extends Error {}

async function api(path, init = {}) {
  const headers = Object.assign({}, init.headers || {});
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const r = await fetch(path, Object.assign({}, init, { headers }));
  if (r.status === 401) {
    $('token-form').hidden = false;
    throw new Unauthorized('this daemon asks for a token');
  }
  const type = r.headers.get('content-type') || '';
  const body = type.startsWith('application/json') ? await r.json() : await r.text();
  if (!r.ok) throw new Error(body && body.error ? body.error : r.status + ' ' + r.statusText);
  return body;
}

function setStatus(text, cls) {
  const s = $('status');
  s.textContent = text;
  s.className = 'status ' + (cls || '');
}

// --- homes -------------------------------------------------------------------------------

async function loadHomes() {
  const ids = await api('/get_homes');
  state.homes = new Map(ids.map((id) => [id, state.homes.get(id)]));
  renderHomes();
  await Promise.all(ids.map(async (id) => {
    try {
      state.homes.set(id, Object.keys(await api('/home_devices/' + encodeURIComponent(id))).length);
    } catch (e) { /* stopped meanwhile */ }
  }));
  renderHomes();
  if (state.selected && !state.homes.has(state.selected)) select('');
  else if (!state.selected && ids.length === 1) select(ids[0]);
}

function renderHomes() {
  const list = $('homes');
  list.replaceChildren(...[...state.homes.entries()].map(([id, count]) => el('li', {
    class: 'home' + (id === state.selected ? ' selected' : ''), 'data-home': id, title: id,
    onclick: () => select(id),
  }, id.slice(0, 8) + ' ', el('span', { class: 'count' }, count === undefined ? '' : '(' + count + ' nodes)'))));
  $('no-homes').hidden = state.homes.size > 0;
}

function select(id) {
  state.selected = id;
  history.replaceState(null, '', id ? '#' + id : '#');
  $('events').replaceChildren();
  renderHomes();
  $('home').hidden = !id;
  if (id) refreshHome();
}

// --- one home ----------------------------------------------------------------------------

function label(deviceId) {
  const d = state.devices[deviceId];
  return d ? d.type + ' ' + deviceId.slice(0, 8) : deviceId.slice(0, 8);
}

function capabilities(d) {
  return Object.keys(d.capability || {});
}

async function refreshHome() {
  const home = state.selected;
  if (!home) return;
  const enc = encodeURIComponent(home);
  let devices;
  try {
    devices = await api('/home_devices/' + enc);
  } catch (e) {
    if (!(e instanceof Unauthorized)) select('');
    return;
  }
  if (home !== state.selected) return;
  state.devices = devices;
  state.homes.set(home, Object.keys(devices).length);
  renderHomes();
  $('home-id').textContent = home;
  renderNodes();
  const hasThread = Object.values(devices).some((d) => capabilities(d).includes('Thread'));
  const hasWifi = Object.values(devices).some((d) => capabilities(d).some((c) => c.startsWith('WiFi')));
  const media = ['ip'].concat(hasThread ? ['thread'] : [], hasWifi ? ['wifi'] : []);
  renderMediumChoice(media);
  const links = await Promise.all(media.map((m) => api('/links/' + enc + '?medium=' + m).catch(() => null)));
  if (home !== state.selected) return;
  renderLinks(media, links);
  renderWifi(hasWifi ? await api('/wifi/' + enc).catch(() => null) : null);
  $('thread-panel').hidden = !hasThread;
  if (hasThread) refreshThread();
  refreshPlan(home);
}

function renderNodes() {
  const rows = Object.values(state.devices).map((d) => {
    const off = d.state !== 'running';
    const power = el('button', {
      class: 'power', 'data-device': d.id, type: 'button',
      onclick: () => powerNode(d.id, off),
    }, off ? 'power on' : 'power off');
    const net = d.description && d.description.docker_network ? d.description.docker_network.kind : '';
    return el('tr', { class: 'node', 'data-device': d.id },
      el('td', { title: d.name }, d.id.slice(0, 8)),
      el('td', {}, d.type),
      el('td', {}, (d.description && d.description.ipv4_addr) || ''),
      el('td', {}, net),
      el('td', {}, capabilities(d).join(', ')),
      el('td', { class: 'state ' + d.state }, d.state + (d.state === 'exited' ? ' (' + d.exit_code + ')' : '')),
      el('td', {}, power));
  });
  $('nodes').tBodies[0].replaceChildren(...rows);
  const networks = new Map();
  for (const d of Object.values(state.devices)) {
    const n = d.description && d.description.docker_network;
    if (n) networks.set(n.name, n.kind + ' (' + n.driver + ') ' + n.name);
  }
  $('networks').textContent = networks.size ? 'Networks: ' + [...networks.values()].join('; ') : '';
  const options = (withAll) => [
    ...(withAll ? [el('option', { value: '' }, 'every node (egress)')] : []),
    ...Object.keys(state.devices).map((id) => el('option', { value: id }, label(id)))];
  for (const [id, all] of [['link-from', false], ['link-to', true], ['cmd-device', false]]) {
    const s = $(id);
    const kept = s.value;
    s.replaceChildren(...options(all));
    if ([...s.options].some((o) => o.value === kept)) s.value = kept;
  }
}

function renderMediumChoice(media) {
  const s = $('link-medium');
  const kept = s.value;
  s.replaceChildren(...media.map((m) => el('option', { value: m }, m)));
  if (media.includes(kept)) s.value = kept;
}

function renderLinks(media, states) {
  renderLinkTable(media.map((m, i) => [m, states[i]]), label);
}

// The daemon's WiFi view when it is the medium (associations, signal, frames per link);
// else only what the capabilities describe.
function renderWifi(topology) {
  const rows = [];
  if (topology) {
    for (const n of topology.nodes) {
      rows.push(el('tr', { class: 'wifi-node', 'data-device': n.device }, el('td', {}, label(n.device)),
        el('td', {}, n.role === 'access_point' ? 'access point' : 'station'), el('td', {}, n.mac),
        el('td', {}, n.ssid || ''),
        el('td', { class: 'association' }, n.role === 'station' ? (n.error ? 'unknown: ' + n.error
          : n.associatedTo ? label(n.associatedTo) + (n.signalDbm !== null ? ' (' + n.signalDbm + ' dBm)' : '')
            : 'not associated') : '')));
    }
  } else {
    for (const d of Object.values(state.devices)) {
      for (const [name, desc] of Object.entries(d.capability || {})) {
        if (!name.startsWith('WiFi')) continue;
        const ap = d.description && d.description.ssid;
        rows.push(el('tr', { class: 'wifi-node', 'data-device': d.id }, el('td', {}, label(d.id)),
          el('td', {}, ap ? 'access point' : 'station'), el('td', {}, (desc && desc.mac) || ''),
          el('td', {}, ap || ''), el('td', {}, '')));
      }
    }
  }
  $('wifi').tBodies[0].replaceChildren(...rows);
  $('wifi-panel').hidden = rows.length === 0;
}

async function refreshThread() {
  const home = state.selected;
  let mesh;
  try {
    mesh = await api('/thread/' + encodeURIComponent(home));
  } catch (e) {
    return;
  }
  if (home !== state.selected) return;
  const nodes = mesh.nodes || [];
  $('thread-nodes').tBodies[0].replaceChildren(...nodes.map((n) => el('tr', { class: 'thread-node', 'data-device': n.device },
    el('td', {}, label(n.device)), el('td', { class: 'role' }, n.error ? 'unknown: ' + n.error : n.role),
    el('td', { class: 'device-mode' }, (n.deviceMode || '').replace(/_/g, ' ') + (n.polls ? ' (' + n.polls + ')' : '')),
    el('td', {}, n.rloc16 || ''),
    el('td', {}, (n.neighbors || []).map((x) => label(x.device) + ' ' + x.delivered + '/' + x.dropped).join(', ')))));
  drawMesh(nodes);
}

function drawMesh(nodes) {
  const svg = $('thread-graph');
  const ns = 'http://www.w3.org/2000/svg';
  const at = new Map();
  nodes.forEach((n, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, nodes.length) - Math.PI / 2;
    at.set(n.device, [200 + 110 * Math.cos(a), 150 + 110 * Math.sin(a)]);
  });
  const shapes = [];
  const drawn = new Set();
  for (const n of nodes) {
    for (const x of n.neighbors || []) {
      const key = [n.device, x.device].sort().join();
      if (drawn.has(key) || !at.has(x.device)) continue;
      drawn.add(key);
      const line = document.createElementNS(ns, 'line');
      const [x1, y1] = at.get(n.device);
      const [x2, y2] = at.get(x.device);
      Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => line.setAttribute(k, v));
      shapes.push(line);
    }
  }
  for (const n of nodes) {
    const [x, y] = at.get(n.device);
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', x); c.setAttribute('cy', y); c.setAttribute('r', 14);
    c.setAttribute('class', ['leader', 'router', 'child'].includes(n.role) ? n.role : 'other');
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', x); t.setAttribute('y', y + 28);
    t.textContent = n.device.slice(0, 8) + ' ' + (n.role || '?');
    shapes.push(c, t);
  }
  svg.replaceChildren(...shapes);
}

// --- actions -----------------------------------------------------------------------------

async function powerNode(device, on) {
  const home = encodeURIComponent(state.selected);
  try {
    await api('/' + (on ? 'power_on/' : 'power_off/') + home + '/' + encodeURIComponent(device) + (on ? '' : '?grace_seconds=2'),
      { method: 'POST' });
  } catch (e) {
    $('cmd-output').textContent = String(e.message || e);
  }
}

async function setLink(clear) {
  const body = { medium: $('link-medium').value, from: $('link-from').value };
  if ($('link-to').value) body.to = $('link-to').value;
  if ($('link-both').checked) body.bothWays = true;
  if (clear) body.clear = true;
  else {
    body.latencyMs = parseInt($('link-latency').value || '0', 10);
    body.jitterMs = parseInt($('link-jitter').value || '0', 10);
    body.loss = parseFloat($('link-loss').value || '0');
    body.down = $('link-down').checked;
    if ($('link-signal').value !== '') body.signalDbm = parseInt($('link-signal').value, 10);
  }
  await linkCall('/links/' + encodeURIComponent(state.selected), body);
}

async function linkCall(path, body) {
  $('link-error').textContent = '';
  try {
    await api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    $('link-error').textContent = String(e.message || e);
  }
}

async function runCommand() {
  const out = $('cmd-output');
  const device = $('cmd-device').value;
  const command = $('cmd').value.trim();
  if (!device || !command) return;
  out.textContent = '$ ' + command + '\n';
  try {
    const r = await api('/device_cmd/' + encodeURIComponent(state.selected) + '/' + encodeURIComponent(device) + '/'
      + encodeURIComponent(command));
    out.textContent += r.output + '[exit ' + r.return_code + ']';
    out.dataset.exit = r.return_code;
  } catch (e) {
    out.textContent += String(e.message || e);
    out.dataset.exit = 'error';
  }
}

// --- the event stream --------------------------------------------------------------------

function onEvent(e) {
  if (e.kind === 'HOME_CREATED' || e.kind === 'HOME_STOPPED') {
    if (e.kind === 'HOME_STOPPED') state.homes.delete(e.home_id);
    loadHomes().catch(() => {});
  } else if (e.kind === 'NODE_CREATED' || e.kind === 'NODE_REMOVED') {
    loadHomes().catch(() => {});
  }
  if (e.home_id !== state.selected) return;
  const detail = Object.entries(e.detail || {}).map(([k, v]) => k + '=' + v).join(' ');
  const li = el('li', { class: 'event', 'data-kind': e.kind },
    e.at.slice(11, 23) + ' ' + e.kind + (e.device_id ? ' ' + label(e.device_id) : '') + (detail ? ' ' + detail : '')
    + (e.dropped ? ' (' + e.dropped + ' events missed before)' : ''));
  const list = $('events');
  list.prepend(li);
  while (list.children.length > 200) list.lastChild.remove();
  if (e.kind !== 'EXEC_STARTED' && e.kind !== 'EXEC_ENDED') {
    // Several events often come at once (a home's creation): one refresh for them all.
    clearTimeout(state.refreshing);
    state.refreshing = setTimeout(refreshHome, 100);
  }
}

async function watch() {
  for (;;) {
    try {
      const headers = state.token ? { Authorization: 'Bearer ' + state.token } : {};
      const r = await fetch('/events', { headers });
      if (r.status === 401) {
        $('token-form').hidden = false;
        setStatus('needs a token', 'down');
        return;
      }
      if (!r.ok || !r.body) throw new Error('events: ' + r.status);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let first = true;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (!data) continue;
          if (first) {
            first = false; // WATCHING: from now on nothing is missed, so read the state once
            setStatus('live', 'live');
            await loadHomes();
            if (state.selected) refreshHome();
            continue;
          }
          onEvent(JSON.parse(data));
        }
      }
    } catch (e) {
      // the daemon went away or restarted: say so and try again
    }
    setStatus('reconnecting', 'down');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// --- start -------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token').value;
    sessionStorage.setItem('cirque-token', state.token);
    $('token-form').hidden = true;
    watch();
  });
  $('link-form').addEventListener('submit', (ev) => { ev.preventDefault(); setLink(false); });
  $('link-clear').addEventListener('click', () => setLink(true));
  $('link-heal').addEventListener('click', () => linkCall('/links/' + encodeURIComponent(state.selected) + '/heal',
    { medium: $('link-medium').value }));
  $('cmd-form').addEventListener('submit', (ev) => { ev.preventDefault(); runCommand(); });
  setInterval(() => { if (!$('thread-panel').hidden && !document.hidden) refreshThread(); }, 3000);
  if (state.selected) $('home').hidden = false;
  watch();
});
