/* Japra: the progress map. One JSON holds the blocks, their percent on every report date, the photos, the parcels
   and the 2012 buildings; the time slider recolours the blocks from it without asking the server again. Texts
   typed by users (names, captions) are set as text, never as HTML. No basemap tiles: nothing leaves the server. */
(function () {
  "use strict";

  var el = document.getElementById("progress-map");
  if (!el || !window.L) return;
  var labels = JSON.parse(document.getElementById("progress-map-labels").textContent);
  var lang = document.documentElement.lang || "id";
  var percent = new Intl.NumberFormat(lang, {minimumFractionDigits: 0, maximumFractionDigits: 2});
  var longDate = new Intl.DateTimeFormat(lang, {day: "numeric", month: "long", year: "numeric", timeZone: "UTC"});
  var BADGES = {normal: "ok", terlambat: "warn", kritis: "flag"};
  var PLAY_MS = 450;

  function day(iso) { return iso ? longDate.format(new Date(iso + "T00:00:00Z")) : ""; }
  function pct(v) { return v === null || v === undefined ? "—" : percent.format(v) + "%"; }
  function format(text, fields) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in fields ? fields[key] : m; });
  }
  function sameOrigin(href) {
    try { return new URL(href, window.location.href).origin === window.location.origin; } catch (e) { return false; }
  }
  function rows(table, pairs) {
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
      var tr = table.insertRow();
      var th = document.createElement("th");
      th.textContent = pair[0];
      tr.appendChild(th);
      tr.insertCell().textContent = pair[1];
    });
  }

  fetch(el.getAttribute("data-src"), {credentials: "same-origin"})  // as the page preloads it
    .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then(draw)
    .catch(function () {
      var p = document.createElement("p");
      p.className = "alert error";
      p.setAttribute("role", "alert");
      p.textContent = labels.failed;
      el.parentNode.insertBefore(p, el);
    });

  function draw(data) {
    var timeline = data.timeline;
    var dates = timeline.dates;
    var step = dates.length - 1;  // -1: no report; the blocks then show their state as of today

    function stateOf(code) {
      var s = timeline.blocks[code];
      if (step >= 0 && s) {
        return {planned: s.planned[step], actual: s.actual[step], status: s.status[step], cls: s["class"][step],
                date: dates[step]};
      }
      var now = data.now[code];
      return now ? {planned: now.planned, actual: now.actual, status: now.status, cls: now["class"],
                    date: now.report_date} : null;
    }

    function styleOf(feature) {
      var st = stateOf(String(feature.properties.code));
      var critical = st && st.status === "kritis";
      return {fillColor: st ? data.classes[st.cls].fill : data.no_data, fillOpacity: 0.9,
              color: critical ? data.critical : "#333", weight: critical ? 4 : 1.5, opacity: 1};
    }

    function blockPopup(feature) {
      var p = feature.properties;
      var st = stateOf(String(p.code));
      var box = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = p.name ? p.code + " · " + p.name : format(labels.block, {code: p.code});
      box.appendChild(title);
      var table = document.createElement("table");
      table.className = "japra-map-tooltip";
      rows(table, [
        [labels.planned, st ? pct(st.planned) : "—"],
        [labels.actual, st ? pct(st.actual) : "—"],
        [labels.status, st ? labels.statuses[st.status] : labels.no_progress],
        [labels.report, st && st.date ? day(st.date) : labels.no_report]
      ]);
      box.appendChild(table);
      return box;
    }

    // Built when the popup opens, so no thumbnail is fetched before someone asks for it.
    function photoPopup(feature) {
      var p = feature.properties;
      var box = document.createElement("div");
      box.className = "photo-popup";
      var id = encodeURIComponent(String(p.id));
      var thumb = data.photo_urls.thumb.replace("{id}", id);
      var full = data.photo_urls["public"].replace("{id}", id);
      var img = document.createElement("img");
      img.alt = p.caption || labels.photo;
      img.width = 240;
      img.height = 180;  // the popup's size is known when it opens, so it pans into view before the image comes
      if (sameOrigin(thumb)) img.src = thumb;
      if (sameOrigin(full)) {
        var link = document.createElement("a");
        link.href = full;
        link.appendChild(img);
        box.appendChild(link);
      } else {
        box.appendChild(img);
      }
      var table = document.createElement("table");
      table.className = "japra-map-tooltip";
      rows(table, [
        [labels.taken, p.taken_on ? day(p.taken_on) : labels.unknown_date],
        [labels.report, p.report_date ? day(p.report_date) : null],
        [labels.block_header, p.building],
        [labels.caption, p.caption]
      ]);
      box.appendChild(table);
      return box;
    }

    var map = L.map(el, {preferCanvas: true, maxZoom: 22, zoomSnap: 0.5});
    map.attributionControl.setPrefix(false);
    L.control.scale({metric: true, imperial: false}).addTo(map);

    var before = L.geoJSON(data.before, {
      interactive: false, attribution: labels.osm,
      style: {color: "#8c6d31", weight: 1, fillColor: "#c7b28a", fillOpacity: 0.6}
    });
    var parcels = L.geoJSON(data.parcels, {
      interactive: false,
      style: {color: "#555", weight: 1.5, dashArray: "5 4", fillColor: "#e8e4da", fillOpacity: 1}
    }).addTo(map);
    var blocks = L.geoJSON(data.blocks, {
      style: styleOf,
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return blockPopup(feature); });
        layer.bindTooltip(String(feature.properties.code), {permanent: true, direction: "center",
                                                            className: "block-label", interactive: false});
      }
    }).addTo(map);
    var photos = L.geoJSON(data.photos, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {radius: 6, color: "#fff", weight: 1.5, fillColor: "#1f6f8b",
                                       fillOpacity: 0.95});
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(function () { return photoPopup(feature); }, {minWidth: 240});
      }
    }).addTo(map);

    var overlays = {};
    overlays[labels.layer_blocks] = blocks;
    if (data.photos.features.length) overlays[labels.layer_photos] = photos;
    overlays[labels.layer_parcels] = parcels;
    if (data.before.features.length) overlays[labels.layer_before] = before;
    L.control.layers(null, overlays, {collapsed: false, position: "bottomright"}).addTo(map);

    var home = blocks.getBounds();
    if (!home.isValid()) home = parcels.getBounds();
    else if (parcels.getBounds().isValid()) home.extend(parcels.getBounds());
    if (home.isValid()) map.fitBounds(home, {padding: [24, 24], animate: false});
    else map.setView([-6.13, 106.81], 15);

    // The 2012 buildings are sparse: when none is in view, widen the view to the nearest few (they come nearest
    // first), so switching the layer on always shows something.
    map.on("overlayadd", function (e) {
      if (e.layer !== before || !home.isValid()) return;
      var view = map.getBounds();
      var seen = before.getLayers().some(function (l) { return view.intersects(l.getBounds()); });
      if (!seen && before.getLayers().length) {
        var wider = L.latLngBounds(home.getSouthWest(), home.getNorthEast());
        before.getLayers().slice(0, 5).forEach(function (l) { wider.extend(l.getBounds()); });
        map.closePopup();
        map.fitBounds(wider, {padding: [24, 24]});
      }
    });

    // --- the time slider ------------------------------------------------------------------------------
    var bar = document.getElementById("timeline");
    var range = document.getElementById("timeline-range");
    var value = document.getElementById("timeline-value");
    var play = bar.querySelector("[data-play]");
    var caption = document.getElementById("block-progress-caption");
    var timer = null;

    function updateTable() {
      document.querySelectorAll("#block-progress tr[data-block]").forEach(function (tr) {
        var st = stateOf(tr.getAttribute("data-block"));
        tr.querySelector("[data-cell=planned]").textContent = st ? pct(st.planned) : "—";
        tr.querySelector("[data-cell=actual]").textContent = st ? pct(st.actual) : "—";
        var cell = tr.querySelector("[data-cell=status]");
        cell.textContent = "";
        var badge = document.createElement("span");
        if (st) {
          badge.className = "badge " + (BADGES[st.status] || "");
          badge.textContent = labels.statuses[st.status];
        } else {
          badge.className = "muted";
          badge.textContent = "—";
        }
        cell.appendChild(badge);
      });
    }

    function setStep(i) {
      step = i;
      blocks.setStyle(styleOf);
      blocks.eachLayer(function (layer) {
        if (layer.isPopupOpen()) layer.setPopupContent(blockPopup(layer.feature));
      });
      var project = timeline.project;
      var text = format(labels.report_of, {date: day(dates[i])});
      if (project.actual) {
        text += " · " + format(labels.project_line, {actual: pct(project.actual[i]), planned: pct(project.planned[i])});
      }
      value.textContent = text;
      if (caption) caption.textContent = format(labels.report_of, {date: day(dates[i])});
      range.setAttribute("aria-valuetext", day(dates[i]));
      updateTable();
      el.setAttribute("data-step", String(i));
    }

    function stop() {
      if (timer !== null) window.clearInterval(timer);
      timer = null;
      play.textContent = labels.play;
      play.setAttribute("aria-pressed", "false");
    }

    if (dates.length) {
      bar.hidden = false;
      range.max = String(dates.length - 1);
      range.value = String(step);
      range.addEventListener("input", function () { stop(); setStep(Number(range.value)); });
      play.addEventListener("click", function () {
        if (timer !== null) { stop(); return; }
        if (step >= dates.length - 1) { setStep(0); range.value = "0"; }
        play.textContent = labels.pause;
        play.setAttribute("aria-pressed", "true");
        timer = window.setInterval(function () {
          if (step >= dates.length - 1) { stop(); return; }
          setStep(step + 1);
          range.value = String(step);
        }, PLAY_MS);
      });
      setStep(step);
    }

    window.japraMaps = (window.japraMaps || []).concat([map]);
    // Set last: browser tests and the benchmark wait for it as the "map is ready" signal.
    el.setAttribute("data-photo-count", String(photos.getLayers().length));
    el.setAttribute("data-block-count", String(blocks.getLayers().length));
  }
})();
