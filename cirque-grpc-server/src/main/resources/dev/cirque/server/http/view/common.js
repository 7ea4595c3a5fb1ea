// What the live view (view.js) and the replay (replay.js) both draw, drawn once, the same way.
// Loaded before either. Text goes into the page as text, never as markup.
'use strict';

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

/**
 * The link table (#links) and the partitions line (#partitions) of [medium, link state] pairs
 * (a state as GET /links/{home} gives it), nodes named by {@code label}.
 */
function renderLinkTable(states, label) {
  const rows = [];
  const parts = [];
  for (const [medium, s] of states) {
    if (!s) continue;
    for (const [node, c] of Object.entries(s.egress || {})) rows.push(linkRow(medium, node, '(egress)', c, label));
    for (const l of s.links || []) rows.push(linkRow(medium, l.from, label(l.to), l, label));
    for (const [name, nodes] of Object.entries(s.partitions || {})) {
      parts.push(medium + ' partition ' + name + ': ' + nodes.map(label).join(', '));
    }
  }
  if (!rows.length) rows.push(el('tr', { class: 'none' }, el('td', { colSpan: 7, class: 'quiet' }, 'Every link is perfect.')));
  $('links').tBodies[0].replaceChildren(...rows);
  $('partitions').textContent = parts.join('. ');
}

function linkRow(medium, from, to, c, label) {
  return el('tr', { class: 'link', 'data-medium': medium, 'data-from': from },
    el('td', {}, medium), el('td', {}, label(from)), el('td', {}, to),
    el('td', { class: 'latency' }, c.latencyMs), el('td', {}, c.jitterMs), el('td', {}, c.loss),
    el('td', {}, c.down ? 'down' : c.signalDbm !== undefined ? c.signalDbm + ' dBm' : ''));
}
