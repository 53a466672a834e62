// Draws the worker statechart laid out by the agent (/api/machine → layout) as SVG, and
// highlights the current state and the transitions that leave it. Plain browser JS.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) node.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(node);
    return node;
  }

  /** Renders `layout` into `svg` once; returns a handle whose highlight(state) is cheap. */
  function render(svg, layout) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute('viewBox', '0 0 ' + layout.width + ' ' + layout.height);
    var defs = el('defs', {}, svg);
    [['arrow', '#c3c9d3'], ['arrow-hot', '#2563eb']].forEach(function (m) {
      var marker = el('marker', { id: m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0 L10,5 L0,10 z', fill: m[1] }, marker);
    });
    var edgeLayer = el('g', { class: 'edges' }, svg);
    var nodeLayer = el('g', { class: 'nodes' }, svg);
    var labelLayer = el('g', { class: 'labels' }, svg);
    var nodes = {};
    layout.nodes.forEach(function (n) {
      var g = el('g', { class: 'node ' + n.kind, 'data-state': n.id }, nodeLayer);
      el('rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: n.kind === 'child' ? 6 : 9 }, g);
      var ty = n.kind === 'compound' ? n.y + 15 : n.y + n.h / 2;
      var text = el('text', { x: n.x + n.w / 2, y: ty }, g);
      text.textContent = n.label;
      var title = el('title', {}, g);
      title.textContent = n.id;
      nodes[n.id] = g;
    });
    var edges = layout.edges.map(function (e) {
      var g = el('g', { class: 'edge', 'data-source': e.source, 'data-target': e.target }, edgeLayer);
      var path = el('path', { d: e.d, 'marker-end': 'url(#arrow)' }, g);
      var title = el('title', {}, g);
      title.textContent = e.source + ' → ' + e.target + ': ' + e.labels.join(', ');
      var lg = el('g', { class: 'edge-label' }, labelLayer);
      var text = e.labels.join(' · ');
      var w = Math.min(220, text.length * 5.9 + 8);
      var anchor = e.labelAnchor || 'middle';
      var left = anchor === 'start' ? e.labelX - 4 : anchor === 'end' ? e.labelX - w + 4 : e.labelX - w / 2;
      el('rect', { class: 'label-bg', x: left, y: e.labelY - 8, width: w, height: 15, rx: 3 }, lg);
      var t = el('text', { class: 'label', x: e.labelX, y: e.labelY + 3, 'text-anchor': anchor }, lg);
      t.textContent = text;
      return { e: e, g: g, path: path, label: lg };
    });
    return {
      highlight: function (state) {
        var top = state ? state.split('.')[0] : '';
        for (var id in nodes) {
          nodes[id].classList.toggle('current', id === state);
          nodes[id].classList.toggle('active', id !== state && (id === top || state.indexOf(id + '.') === 0));
        }
        edges.forEach(function (x) {
          var hot = !!state && (x.e.source === state || x.e.source === top);
          x.g.classList.toggle('out', hot);
          x.label.classList.toggle('out', hot);
          x.label.setAttribute('class', 'edge-label edge' + (hot ? ' out' : ''));
          x.path.setAttribute('marker-end', hot ? 'url(#arrow-hot)' : 'url(#arrow)');
        });
        scrollTo(svg, nodes[state] || nodes[top]);
      },
    };
  }

  /** Scrolls the chart's container so the highlighted state is in view. */
  function scrollTo(svg, node) {
    var wrap = svg.parentNode;
    if (!node || !wrap || wrap.scrollHeight <= wrap.clientHeight) return;
    var box = node.getBoundingClientRect();
    var outer = wrap.getBoundingClientRect();
    if (box.top < outer.top || box.bottom > outer.bottom) {
      wrap.scrollTop += box.top - outer.top - (outer.height - box.height) / 2;
    }
  }

  /** Short label for an event type, as the agent labels transitions. */
  function eventLabel(type) {
    var m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type || '');
    if (m) return m[2] + (m[1] === 'done' ? ' ✓' : ' ✗');
    return type === '' ? 'always' : type;
  }

  window.Statechart = { eventLabel: eventLabel, render: render };
})();
