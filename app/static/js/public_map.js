// Public maps: a project's site and blocks coloured by progress, replayed by report date, and public photos;
// or the overview of every published project. Reads its data from a JSON island in the page, so the same script
// runs in the single-file export with no network. No tiles: the map shows the site, not a basemap.
(function () {
  "use strict";
  var CLASSES = [[0, "#edf8e9"], [20, "#bae4b3"], [40, "#74c476"], [60, "#31a354"], [80, "#006d2c"]];
  function fill(pct) {
    if (pct === null || pct === undefined) { return "#d9d9d9"; }
    var colour = CLASSES[0][1];
    for (var i = 0; i < CLASSES.length; i++) { if (Number(pct) >= CLASSES[i][0]) { colour = CLASSES[i][1]; } }
    return colour;
  }
  var LANG = document.documentElement.lang || "id";
  var PCT = new Intl.NumberFormat(LANG, { maximumFractionDigits: 1 });
  var DAY = new Intl.DateTimeFormat(LANG, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  function pct(value) { return PCT.format(Number(value)) + "%"; }
  function day(iso) { return DAY.format(new Date(iso + "T00:00:00Z")); }
  function island(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function newMap(el) {
    // A view first: Leaflet cannot draw a vector layer on a map that has none yet. Jakarta until the data fits it.
    return L.map(el, { zoomSnap: 0.25, attributionControl: true, scrollWheelZoom: false }).setView([-6.13, 106.81], 12);
  }
  function percentOn(block, day) {
    var pct = null;
    for (var i = 0; i < block.history.length; i++) { if (block.history[i][0] <= day) { pct = block.history[i][1]; } }
    return pct;
  }
  function legend(el, labels) {
    if (!el) { return; }
    CLASSES.forEach(function (c, i) {
      var li = document.createElement("li");
      var sw = document.createElement("span"); sw.className = "swatch"; sw.style.background = c[1];
      li.appendChild(sw);
      var high = i + 1 < CLASSES.length ? CLASSES[i + 1][0] : 100;
      li.appendChild(document.createTextNode(" " + c[0] + "–" + high + "%"));
      el.appendChild(li);
    });
  }
  function context(map, layer) {
    if (!layer) { return; }
    L.geoJSON(layer, {
      style: { color: "#8a8a8a", weight: 1, fill: false, dashArray: "2 4" },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.kelurahan, { sticky: true }); }
    }).addTo(map);
    map.attributionControl.addAttribution("© OpenStreetMap contributors");
  }
  function byStage(project) {
    // A project lived in or handed over is complete, whether or not its construction was tracked here.
    return project.stage === "dihuni" || project.stage === "serah_terima" ? 100 : project.percent_complete;
  }
  function projectMap(data) {
    var el = document.getElementById("public-map");
    if (!el) { return; }
    var map = newMap(el);
    map.attributionControl.setPrefix("Leaflet");
    context(map, data.context);
    if (data.before) {
      L.geoJSON(data.before, { style: { color: "#a0522d", weight: 1, fillColor: "#d2a679", fillOpacity: 0.35, dashArray: "3 2" } }).addTo(map);
    }
    var bounds = L.latLngBounds([]);
    if (data.site) {
      var site = L.geoJSON(data.site, { style: { color: "#0e5a63", weight: 2, fill: false, dashArray: "4 3" } }).addTo(map);
      bounds.extend(site.getBounds());
    }
    var layers = [];
    data.blocks.forEach(function (b) {
      if (!b.geometry) { return; }
      var layer = L.geoJSON(b.geometry, { style: { color: "#333", weight: 1, fillOpacity: 0.85, fillColor: fill(b.percent) } });
      layer.bindTooltip(b.code + (b.percent !== null ? " · " + pct(b.percent) : ""), { permanent: false });
      layer.addTo(map);
      bounds.extend(layer.getBounds());
      layers.push([b, layer]);
    });
    (data.photos || []).forEach(function (p) {
      if (p.lat === null || p.lon === null) { return; }
      var img = document.createElement("img");
      img.src = p.src || ("/publik/" + data.slug + "/foto/" + p.id);
      img.alt = p.caption || ""; img.width = 200; img.loading = "lazy";
      var box = document.createElement("div"); box.appendChild(img);
      var cap = document.createElement("p"); cap.textContent = (p.caption || "") + (p.taken_on ? " · " + day(p.taken_on) : "");
      box.appendChild(cap);
      L.circleMarker([p.lat, p.lon], { radius: 6, color: "#7a3e00", fillColor: "#f28c28", fillOpacity: 0.9 }).bindPopup(box).addTo(map);
    });
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([-6.13, 106.81], 13); }
    legend(document.getElementById("public-legend"));
    var slider = document.getElementById("replay");
    if (slider && data.report_dates.length) {
      var out = document.getElementById("replay-date");
      var labels = slider.dataset.labels ? JSON.parse(slider.dataset.labels) : data.report_dates;
      var show = function () {
        var on = data.report_dates[Number(slider.value)];
        out.textContent = labels[Number(slider.value)];
        layers.forEach(function (pair) { pair[1].setStyle({ fillColor: fill(percentOn(pair[0], on)) }); });
      };
      slider.addEventListener("input", show);
      var play = document.getElementById("replay-play"), timer = null;
      play.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; return; }
        if (Number(slider.value) >= Number(slider.max)) { slider.value = 0; }
        timer = setInterval(function () {
          if (Number(slider.value) >= Number(slider.max)) { clearInterval(timer); timer = null; return; }
          slider.value = Number(slider.value) + 1; show();
        }, 250);
      });
    }
  }
  function overviewMap(overview) {
    var el = document.getElementById("public-map");
    if (!el) { return; }
    var map = newMap(el), bounds = L.latLngBounds([]);
    context(map, overview.context);
    overview.projects.forEach(function (p) {
      if (!p.site) { return; }
      var layer = L.geoJSON(p.site, { style: { color: "#0e5a63", weight: 2, fillColor: fill(byStage(p)), fillOpacity: 0.8 } });
      var link = document.createElement("a"); link.href = "/publik/" + p.slug; link.textContent = p.title;
      layer.bindPopup(link).addTo(map);
      bounds.extend(layer.getBounds());
    });
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); } else { map.setView([-6.13, 106.81], 12); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var data = island("public-data");
    if (data) { projectMap(data); return; }
    var overview = island("public-overview");
    if (overview) { overviewMap(overview); }
  });
})();
