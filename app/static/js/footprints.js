/* Japra: draw a block's footprint on the site map. Click the corners, then finish (the button, a double click or
   Enter); "Undo last corner" takes the last corner back, Escape or "Cancel" drops the outline. The finished outline
   goes into the form's hidden `outline` field as a GeoJSON Polygon and is checked by the server when saved.
   Leaflet.draw is not used: its last release (2018) is English-only and out of step with Leaflet 1.9, and one
   polygon per block, redrawn to change it, is all this page needs. */
(function () {
  "use strict";

  var el = document.getElementById("footprint-map");
  var form = document.getElementById("footprint-form");
  if (!el || !form || !window.L) return;
  var data = JSON.parse(document.getElementById("footprint-data").textContent);
  var labels = data.labels;
  var select = form.querySelector("select[name=block]");
  var outline = form.querySelector("input[name=outline]");
  var status = document.getElementById("draw-status");
  var buttons = {};
  form.querySelectorAll("[data-draw]").forEach(function (b) { buttons[b.getAttribute("data-draw")] = b; });

  var DRAWN = "#f28e2b";
  var SAVED = "#31a354";
  var NEAR_PX = 6;  // a second click this close to the last corner is the double click's, not a new corner

  var map = L.map(el, {maxZoom: 22, zoomSnap: 0.5, attributionControl: false});
  L.control.scale({metric: true, imperial: false}).addTo(map);
  var parcels = L.geoJSON(data.parcels, {
    interactive: false,
    style: {color: "#555", weight: 1.5, dashArray: "5 4", fillColor: "#e8e4da", fillOpacity: 1}
  }).addTo(map);
  var saved = L.geoJSON(data.footprints, {
    interactive: false,
    style: {color: "#1b5e20", weight: 1.5, fillColor: SAVED, fillOpacity: 0.55},
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(String(feature.properties.code), {permanent: true, direction: "center",
                                                          className: "block-label"});
    }
  }).addTo(map);
  var home = parcels.getBounds();
  if (saved.getBounds().isValid()) home.extend(saved.getBounds());
  if (home.isValid()) map.fitBounds(home, {padding: [20, 20], animate: false});
  else map.setView([-6.13, 106.81], 15);

  var drawing = false;
  var points = [];
  var sketch = L.layerGroup().addTo(map);
  var rubber = null;

  function say(text) { status.textContent = text; }
  function format(text, fields) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in fields ? fields[key] : m; });
  }
  function blockName() { return select.value; }

  function refresh() {
    buttons.start.disabled = drawing;
    buttons.undo.disabled = !drawing || points.length === 0;
    buttons.finish.disabled = !drawing || points.length < 3;
    buttons.cancel.disabled = !drawing && !outline.value;
    buttons.save.disabled = drawing || !outline.value;
    select.disabled = drawing;
    el.classList.toggle("drawing", drawing);
  }

  function redraw() {
    sketch.clearLayers();
    rubber = null;
    if (points.length > 1) {
      L.polygon(points, {color: DRAWN, weight: 2, dashArray: "4 4", fillColor: DRAWN, fillOpacity: 0.15,
                         interactive: false}).addTo(sketch);
    }
    points.forEach(function (p, i) {
      L.circleMarker(p, {radius: i === 0 ? 6 : 4, color: "#fff", weight: 2, fillColor: DRAWN, fillOpacity: 1,
                         interactive: false}).addTo(sketch);
    });
  }

  function showPending(geometry) {
    sketch.clearLayers();
    L.geoJSON(geometry, {interactive: false, style: {color: DRAWN, weight: 3, fillColor: DRAWN, fillOpacity: 0.45}})
      .addTo(sketch);
  }

  // The block's saved outline is dimmed while it is being redrawn, so the new one is seen against it.
  function dimSaved(code) {
    saved.eachLayer(function (layer) {
      var mine = code !== null && String(layer.feature.properties.code) === code;
      layer.setStyle({fillOpacity: mine ? 0.1 : 0.55, dashArray: mine ? "3 3" : null});
    });
  }

  function start() {
    if (!select.value) { say(labels.choose_block); select.focus(); return; }
    drawing = true;
    points = [];
    outline.value = "";
    redraw();
    dimSaved(blockName());
    map.doubleClickZoom.disable();
    refresh();
    say(format(labels.started, {block: blockName()}));
    el.focus();
  }

  function addPoint(latlng) {
    if (points.length) {
      var last = map.latLngToContainerPoint(points[points.length - 1]);
      if (last.distanceTo(map.latLngToContainerPoint(latlng)) < NEAR_PX) return;
    }
    points.push(latlng);
    redraw();
    refresh();
    say(format(labels.points, {n: points.length}));
  }

  function undo() {
    if (!drawing || !points.length) return;
    points.pop();
    redraw();
    refresh();
    say(format(labels.points, {n: points.length}));
  }

  function round7(v) { return Math.round(v * 1e7) / 1e7; }

  function finish() {
    if (!drawing) return;
    if (points.length < 3) { say(labels.need_three); return; }
    var ring = points.map(function (p) { return [round7(p.lng), round7(p.lat)]; });
    ring.push(ring[0].slice());
    var geometry = {type: "Polygon", coordinates: [ring]};
    outline.value = JSON.stringify(geometry);
    drawing = false;
    map.doubleClickZoom.enable();
    showPending(geometry);
    refresh();
    say(format(labels.finished, {block: blockName()}));
    buttons.save.focus();
  }

  function cancel() {
    drawing = false;
    points = [];
    outline.value = "";
    sketch.clearLayers();
    dimSaved(null);
    map.doubleClickZoom.enable();
    refresh();
    say(labels.cancelled);
  }

  map.on("click", function (e) { if (drawing) addPoint(e.latlng); });
  map.on("dblclick", function (e) {
    if (!drawing) return;
    L.DomEvent.stop(e);
    finish();
  });
  map.on("mousemove", function (e) {
    if (!drawing || !points.length) return;
    var line = [points[points.length - 1], e.latlng];
    if (points.length > 1) line.push(points[0]);
    if (rubber) rubber.setLatLngs(line);
    else rubber = L.polyline(line, {color: DRAWN, weight: 1, dashArray: "2 4", interactive: false}).addTo(sketch);
  });
  el.addEventListener("keydown", function (e) {
    if (!drawing) return;
    if (e.key === "Escape") { e.preventDefault(); cancel(); }
    else if (e.key === "Enter") { e.preventDefault(); finish(); }
    else if (e.key === "Backspace") { e.preventDefault(); undo(); }
  });
  buttons.start.addEventListener("click", start);
  buttons.undo.addEventListener("click", undo);
  buttons.finish.addEventListener("click", finish);
  buttons.cancel.addEventListener("click", cancel);
  form.addEventListener("submit", function (e) {
    if (drawing || !outline.value) { e.preventDefault(); say(labels.finish_first); }
    select.disabled = false;  // a disabled select is not sent
  });
  document.querySelectorAll("[data-redraw]").forEach(function (b) {
    b.addEventListener("click", function () {
      if (drawing) cancel();
      select.value = b.getAttribute("data-redraw");
      el.scrollIntoView({block: "center"});
      start();
    });
  });

  // A refused outline comes back with the page: show it again, for the planner to see what was wrong.
  if (outline.value) {
    try {
      showPending(JSON.parse(outline.value));
      dimSaved(blockName());
    } catch (err) {
      outline.value = "";
    }
  }
  refresh();
  window.japraMaps = (window.japraMaps || []).concat([map]);
  el.setAttribute("data-ready", String(saved.getLayers().length));
})();
