// The replay of a home's flight recording (GET /recording/{home}, or a zip dropped on the page):
// a timeline over the run, and at each moment the home as it was then, rebuilt from the
// recording alone: nodes and their states, link conditions and partitions (links.jsonl),
// Thread roles and WiFi associations (their events), frames per link in the second before
// (recording.pcapng: radio frames by their fate comments, IP frames by their addresses), and
// the events around. Text from the recording goes into the page as text, never as markup.
'use strict';

const R = {
  home: '', t0: 0, t1: 0, events: [], linkStates: [], frames: [], ifaces: [], nodes: new Map(), byIp: new Map(),
};

function authHeaders() {
  const token = sessionStorage.getItem('cirque-token');
  return token ? { Authorization: 'Bearer ' + token } : {};
}

// --- the zip -----------------------------------------------------------------------------

async function unzip(buf) {
  const v = new DataView(buf);
  let end = -1;
  for (let i = buf.byteLength - 22; i >= Math.max(0, buf.byteLength - 65557); i--) {
    if (v.getUint32(i, true) === 0x06054b50) { end = i; break; }
  }
  if (end < 0) throw new Error('this is not a zip');
  const files = new Map();
  let p = v.getUint32(end + 16, true);
  for (let n = v.getUint16(end + 10, true); n > 0; n--) {
    if (v.getUint32(p, true) !== 0x02014b50) throw new Error('a damaged zip directory');
    const method = v.getUint16(p + 10, true);
    const size = v.getUint32(p + 20, true);
    const nameLength = v.getUint16(p + 28, true);
    const local = v.getUint32(p + 42, true);
    const name = new TextDecoder().decode(new Uint8Array(buf, p + 46, nameLength));
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    const data = new Uint8Array(buf, start, size);
    files.set(name, method === 0 ? data : new Uint8Array(await new Response(
      new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer()));
    p += 46 + nameLength + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return files;
}

const text = (bytes) => (bytes ? new TextDecoder().decode(bytes) : '');
const jsonLines = (bytes) => text(bytes).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

// --- the pcapng: interfaces, and per frame its time, interface, comment, IPv4 addresses ----

function option(v, from, to, code) {
  for (let p = from; p + 4 <= to;) {
    const c = v.getUint16(p, true);
    const length = v.getUint16(p + 2, true);
    if (c === 0) return null;
    if (c === code) return new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + p + 4, length));
    p += 4 + ((length + 3) & ~3);
  }
  return null;
}

function readPcapng(bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifaces = [];
  const frames = [];
  for (let p = 0; p + 12 <= bytes.byteLength;) {
    const type = v.getUint32(p, true);
    const length = v.getUint32(p + 4, true);
    if (length < 12) break;
    if (type === 1) {
      ifaces.push({ linkType: v.getUint16(p + 8, true), name: option(v, p + 16, p + length - 4, 2) || '?' });
    } else if (type === 6) {
      const iface = v.getUint32(p + 8, true);
      const captured = v.getUint32(p + 20, true);
      const data = p + 28;
      const f = {
        t: (v.getUint32(p + 12, true) * 4294967296 + v.getUint32(p + 16, true)) / 1e6, // ns (if_tsresol 9) to ms
        iface,
        comment: option(v, data + ((captured + 3) & ~3), p + length - 4, 1),
      };
      if (ifaces[iface] && ifaces[iface].linkType === 1 && captured >= 34 && v.getUint16(data + 12) === 0x0800) {
        f.src = [...bytes.subarray(data + 26, data + 30)].join('.');
        f.dst = [...bytes.subarray(data + 30, data + 34)].join('.');
      }
      frames.push(f);
    }
    p += length;
  }
  return { ifaces, frames };
}

// --- loading -----------------------------------------------------------------------------

async function load(buf) {
  const files = await unzip(buf);
  const topology = JSON.parse(text(files.get('topology.json')) || '{}');
  R.home = topology.home_id || JSON.parse(text(files.get('summary.json')) || '{}').home_id || '';
  R.events = jsonLines(files.get('events.jsonl')).map((e) => Object.assign(e, { t: e.epoch_nanos / 1e6 }));
  R.linkStates = jsonLines(files.get('links.jsonl')).map((l) => Object.assign(l, { t: l.epoch_nanos / 1e6 }));
  const pcap = files.has('recording.pcapng') ? readPcapng(files.get('recording.pcapng')) : { ifaces: [], frames: [] };
  R.ifaces = pcap.ifaces;
  R.frames = pcap.frames.sort((a, b) => a.t - b.t);
  R.nodes = new Map();
  R.byIp = new Map();
  for (const n of topology.nodes || []) {
    R.nodes.set(n.id, { id: n.id, type: n.type || n.image, ipv4: n.ipv4 || '' });
    if (n.ipv4) R.byIp.set(n.ipv4, n.id);
  }
  for (const e of R.events) {
    if (e.kind === 'NODE_CREATED' && !R.nodes.has(e.device_id)) {
      R.nodes.set(e.device_id, { id: e.device_id, type: (e.detail || {}).image || '', ipv4: '' });
    }
  }
  // Loops, not Math.min(...): a recording holds hundreds of thousands of frames.
  let first = Infinity;
  let last = -Infinity;
  for (const x of [R.events, R.frames]) {
    if (x.length) {
      first = Math.min(first, x[0].t);
      last = Math.max(last, x[x.length - 1].t);
    }
  }
  if (first === Infinity) throw new Error('the recording holds no event and no frame');
  R.t0 = Math.floor(first);
  R.t1 = Math.ceil(last);
  $('home-id').textContent = R.home;
  $('span').textContent = 'from ' + new Date(R.t0).toISOString() + ' to ' + new Date(R.t1).toISOString()
    + ' (' + R.events.length + ' events, ' + R.frames.length + ' frames)';
  const line = $('timeline');
  line.max = String(R.t1 - R.t0);
  line.value = line.max;
  $('replay').hidden = false;
  show(R.t1);
}

async function loadHome(home) {
  $('load-error').textContent = '';
  try {
    const r = await fetch('/recording/' + encodeURIComponent(home), { headers: authHeaders() });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.status + ' ' + r.statusText);
    await load(await r.arrayBuffer());
    history.replaceState(null, '', '?home=' + encodeURIComponent(home));
  } catch (e) {
    $('load-error').textContent = String(e.message || e);
  }
}

async function loadFile(file) {
  $('load-error').textContent = '';
  try {
    await load(await file.arrayBuffer());
  } catch (e) {
    $('load-error').textContent = file.name + ': ' + String(e.message || e);
  }
}

async function listRecordings() {
  try {
    const r = await fetch('/recordings', { headers: authHeaders() });
    const homes = r.ok ? (await r.json()).kept || [] : [];
    $('recordings').replaceChildren(...homes.map((h) => el('li', { class: 'home', 'data-home': h, title: h,
      onclick: () => loadHome(h) }, h.slice(0, 8))));
    $('no-recordings').hidden = homes.length > 0;
  } catch (e) { /* the daemon went away: a dropped file still replays */ }
}

// --- the home at a moment ----------------------------------------------------------------

function label(id) {
  const n = R.nodes.get(id);
  return n ? n.type + ' ' + id.slice(0, 8) : String(id).slice(0, 8);
}

/** Each node's state, Thread role and WiFi association from the events up to {@code t}. */
function nodesAt(t) {
  const at = new Map();
  for (const e of R.events) {
    if (e.t > t) break;
    const d = e.detail || {};
    const n = at.get(e.device_id);
    if (e.kind === 'NODE_CREATED') at.set(e.device_id, { state: 'running', role: '', wifi: '' });
    else if (e.kind === 'NODE_REMOVED') at.delete(e.device_id);
    else if (e.kind === 'HOME_STOPPED') at.clear();
    else if (!n) continue;
    else if (e.kind === 'NODE_STOPPED') n.state = 'powered_off';
    else if (e.kind === 'NODE_STARTED') n.state = 'running';
    else if (e.kind === 'NODE_EXITED') n.state = 'exited (' + (d.exit_code || '?') + ')';
    else if (e.kind === 'THREAD_ROLE_CHANGED') n.role = d.to || '';
    else if (e.kind === 'WIFI_ASSOCIATION_CHANGED') n.wifi = d.to || '';
  }
  return at;
}

function show(t) {
  $('moment').textContent = new Date(t).toISOString();
  $('moment').dataset.epochMs = String(t);
  const nodes = nodesAt(t);
  $('nodes').tBodies[0].replaceChildren(...[...nodes.entries()].map(([id, n]) => el('tr', { class: 'node', 'data-device': id },
    el('td', { title: id }, id.slice(0, 8)), el('td', {}, (R.nodes.get(id) || {}).type || ''),
    el('td', {}, (R.nodes.get(id) || {}).ipv4 || ''), el('td', { class: 'state ' + n.state.split(' ')[0] }, n.state))));
  showLinks(t);
  $('radios').tBodies[0].replaceChildren(...[...nodes.entries()].filter(([, n]) => n.role || n.wifi)
    .map(([id, n]) => el('tr', { class: 'radio', 'data-device': id }, el('td', {}, label(id)),
      el('td', { class: 'role' }, n.role), el('td', { class: 'association' }, n.wifi))));
  showFrames(t);
  const near = R.events.filter((e) => Math.abs(e.t - t) <= 5000);
  $('events').replaceChildren(...near.map((e) => el('li', { class: 'event' + (e.t <= t ? ' past' : ' future'),
    'data-kind': e.kind }, new Date(e.t).toISOString().slice(11, 23) + ' ' + e.kind
    + (e.device_id ? ' ' + label(e.device_id) : '') + ' ' + Object.entries(e.detail || {}).map(([k, v]) => k + '=' + v)
      .join(' '))));
}

/** Each medium's last link state at or before {@code t}, in the live view's rows. */
function showLinks(t) {
  const last = new Map();
  for (const s of R.linkStates) {
    if (s.t <= t) last.set(s.medium, s.links);
  }
  renderLinkTable([...last.entries()].sort(), label);
}

/** Frames per directed link in (t - 1 s, t]: radio frames by their fates, IP frames by address. */
function showFrames(t) {
  const counts = new Map();
  const count = (medium, from, to, delivered) => {
    const key = medium + '|' + from + '|' + to;
    const c = counts.get(key) || { medium, from, to, delivered: 0, lost: 0 };
    c[delivered ? 'delivered' : 'lost']++;
    counts.set(key, c);
  };
  const short = new Map([...R.nodes.keys()].map((id) => [id.slice(0, 8), id]));
  for (const f of R.frames) {
    if (f.t <= t - 1000) continue;
    if (f.t > t) break;
    const medium = (R.ifaces[f.iface] || {}).name || '?';
    const fate = /^from (\S+): (.*)$/.exec(f.comment || '');
    if (fate) {
      for (const part of fate[2].split('; ')) {
        const [to, what] = part.split(' ', 2);
        if (to && to !== 'nobody') count(medium, short.get(fate[1]) || fate[1], short.get(to) || to, !['lost', 'cut'].includes(what));
      }
    } else if (f.src && R.byIp.has(f.src)) {
      count(medium, R.byIp.get(f.src), R.byIp.get(f.dst) || f.dst, true);
    }
  }
  $('frames').tBodies[0].replaceChildren(...[...counts.values()].map((c) => el('tr', { class: 'frames', 'data-medium': c.medium },
    el('td', {}, c.medium), el('td', {}, label(c.from)), el('td', {}, R.nodes.has(c.to) ? label(c.to) : c.to),
    el('td', {}, c.delivered), el('td', {}, c.lost))));
}

// --- start -------------------------------------------------------------------------------

/** For a person: the timeline; for tests and scripts: seek(epoch milliseconds). */
window.cirqueReplay = {
  seek(epochMs) {
    const t = Math.min(R.t1, Math.max(R.t0, epochMs));
    $('timeline').value = String(Math.round(t - R.t0));
    show(t);
  },
  loaded: () => !$('replay').hidden,
};

document.addEventListener('DOMContentLoaded', () => {
  $('timeline').addEventListener('input', () => show(R.t0 + Number($('timeline').value)));
  $('file').addEventListener('change', () => { if ($('file').files[0]) loadFile($('file').files[0]); });
  const drop = $('drop');
  drop.addEventListener('dragover', (ev) => ev.preventDefault());
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer.files[0]) loadFile(ev.dataTransfer.files[0]);
  });
  listRecordings();
  const home = new URLSearchParams(location.search).get('home');
  if (home) loadHome(home);
});
