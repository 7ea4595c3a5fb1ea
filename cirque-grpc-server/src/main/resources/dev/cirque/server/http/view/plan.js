// The floor plan of the selected home (GET /space/{home}): its walls, its placed nodes where
// they are, and the links the propagation model made between them, coloured by what they
// carry (good: no loss; weak: some loss; down links are not drawn). A node can be dragged:
// dropped, it is placed there (POST /space/{home}/position/{device}) and the plan is drawn
// again with the links the daemon made. Uses common.js and view.js's api, label and state.
'use strict';

const plan = { home: null, space: null, frame: null };

async function refreshPlan(home) {
  let space;
  try {
    space = await api('/space/' + encodeURIComponent(home));
  } catch (e) {
    return;
  }
  if (home !== state.selected) return;
  plan.home = home;
  plan.space = space;
  const placed = Object.keys(space.positions || {}).length;
  $('plan-panel').hidden = placed === 0 && !(space.walls || []).length;
  if (!$('plan-panel').hidden) drawPlan();
}

// Metres to the SVG's 400 x 300, the whole plan in view with 2 m around it, north up.
function planFrame(space) {
  const xs = [];
  const ys = [];
  for (const [x, y] of Object.values(space.positions || {})) { xs.push(x); ys.push(y); }
  for (const w of space.walls || []) { xs.push(w[0], w[2]); ys.push(w[1], w[3]); }
  const minX = Math.min(...xs) - 2;
  const minY = Math.min(...ys) - 2;
  const scale = Math.min(400 / (Math.max(...xs) + 2 - minX), 300 / (Math.max(...ys) + 2 - minY));
  return {
    toSvg: (x, y) => [(x - minX) * scale, 300 - (y - minY) * scale],
    toMetres: (sx, sy) => [sx / scale + minX, (300 - sy) / scale + minY],
  };
}

function drawPlan() {
  const svg = $('plan');
  const ns = 'http://www.w3.org/2000/svg';
  const space = plan.space;
  const f = plan.frame = planFrame(space);
  const shape = (tag, attrs) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const shapes = [];
  for (const w of space.walls || []) {
    const [x1, y1] = f.toSvg(w[0], w[1]);
    const [x2, y2] = f.toSvg(w[2], w[3]);
    shapes.push(shape('line', { x1, y1, x2, y2, class: 'wall', 'data-db': w[4] }));
  }
  const drawn = new Set();
  for (const [medium, links] of Object.entries(space.links || {})) {
    for (const l of links) {
      const key = medium + [l.from, l.to].sort().join();
      if (l.down || drawn.has(key) || !space.positions[l.from] || !space.positions[l.to]) continue;
      drawn.add(key);
      const [x1, y1] = f.toSvg(...space.positions[l.from]);
      const [x2, y2] = f.toSvg(...space.positions[l.to]);
      const line = shape('line', { x1, y1, x2, y2, class: 'plan-link ' + (l.loss > 0 ? 'weak' : 'good'),
        'data-medium': medium, 'data-from': l.from, 'data-to': l.to });
      const title = document.createElementNS(ns, 'title');
      title.textContent = medium + ': ' + l.why + (l.loss > 0 ? ', ' + l.loss + ' % lost' : '');
      line.append(title);
      shapes.push(line);
    }
  }
  for (const [device, p] of Object.entries(space.positions || {})) {
    const [cx, cy] = f.toSvg(p[0], p[1]);
    const c = shape('circle', { cx, cy, r: 9, class: 'plan-node', 'data-device': device });
    c.addEventListener('pointerdown', (e) => startDrag(e, c, device));
    const t = shape('text', { x: cx, y: cy + 22 });
    t.textContent = label(device);
    shapes.push(c, t);
  }
  svg.replaceChildren(...shapes);
}

function startDrag(e, circle, device) {
  e.preventDefault();
  const svg = $('plan');
  circle.setPointerCapture(e.pointerId);
  const at = (ev) => {
    const box = svg.getBoundingClientRect();
    return [(ev.clientX - box.left) * 400 / box.width, (ev.clientY - box.top) * 300 / box.height];
  };
  const move = (ev) => {
    const [x, y] = at(ev);
    circle.setAttribute('cx', x);
    circle.setAttribute('cy', y);
  };
  const drop = async (ev) => {
    circle.removeEventListener('pointermove', move);
    circle.removeEventListener('pointerup', drop);
    const [x, y] = plan.frame.toMetres(...at(ev));
    const z = plan.space.positions[device][2];
    try {
      plan.space = await api('/space/' + encodeURIComponent(plan.home) + '/position/' + encodeURIComponent(device), {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ position: [Math.round(x * 10) / 10, Math.round(y * 10) / 10, z] }),
      });
      $('plan-error').textContent = '';
    } catch (err) {
      $('plan-error').textContent = err.message;
    }
    drawPlan();
  };
  circle.addEventListener('pointermove', move);
  circle.addEventListener('pointerup', drop);
}
