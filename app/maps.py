"""Leaflet maps built with folium that render with the network unplugged.

folium's stock ``Map`` links Leaflet, jQuery, Bootstrap, awesome-markers and Font Awesome from
CDNs and writes page-wide CSS (``html, body {height: 100%}``) into its header. ``_OfflineMap``
links only the vendored Leaflet and keeps its sizing on its own div, so the parts drop into any
page. Features are drawn by ``_FeatureLayer`` rather than ``folium.GeoJson``: GeoJsonTooltip puts
property values into ``innerHTML`` (an XSS hole for user-typed names) and style_function is
evaluated in Python once per feature; here tooltips use ``textContent`` and colours are looked
up in the browser from one small table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import folium
import xyzservices
from folium.elements import MacroElement
from folium.template import Template

LEAFLET_JS = "/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/static/vendor/leaflet/leaflet.css"


@dataclass(frozen=True)
class MapParts:
    """A rendered map, split for a page: ``header`` in <head>, then ``html`` and ``script`` in <body>.

    ``header`` is identical for every map, so a page with several maps needs it once.
    """

    header: str
    html: str
    script: str


class _OfflineMap(folium.Map):
    # Own lists, not folium's: folium.Map.add_js_link() mutates the class-level list in place.
    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                .japra-map-tooltip th { text-align: left; padding-right: 8px; font-weight: 600; }
                .japra-map-legend { background: #fff; padding: 6px 8px; border-radius: 4px; line-height: 1.5;
                    font: 13px/1.5 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
                .japra-map-legend .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
                    vertical-align: -1px; border: 1px solid rgba(0,0,0,.3); }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }} data-map="feature-map"
                style="position: relative; width: 100%; height: {{ this.height_px }}px;"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
        {% endmacro %}
        """
    )

    def __init__(self, *, height_px: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.height_px = int(height_px)
        # Figure adds a content-type <meta>; the host page already declares its charset.
        self.get_root().header._children.pop("meta_http", None)


class _FeatureLayer(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var fields = {{ this.tooltip_fields|tojson }};
            var colorProp = {{ this.color_property|tojson }};
            var colors = {{ this.colors|tojson }};
            var defaultColor = {{ this.default_color|tojson }};
            var linkProp = {{ this.link_property|tojson }};

            function styleOf(feature) {
                var c = defaultColor;
                if (colorProp !== null) {
                    var v = (feature.properties || {})[colorProp];
                    if (v !== null && v !== undefined
                            && Object.prototype.hasOwnProperty.call(colors, String(v))) {
                        c = colors[String(v)];
                    }
                }
                return {color: c, fillColor: c, weight: 2, opacity: 0.9, fillOpacity: 0.35};
            }

            // Text nodes only: property values are typed by users.
            function tooltipOf(props) {
                var table = document.createElement("table");
                table.className = "japra-map-tooltip";
                fields.forEach(function (f) {
                    var v = props[f[0]];
                    if (v === null || v === undefined || v === "") return;
                    var row = table.insertRow();
                    var th = document.createElement("th");
                    th.textContent = f[1];
                    row.appendChild(th);
                    row.insertCell().textContent = typeof v === "object" ? JSON.stringify(v) : String(v);
                });
                return table;
            }

            var layer = L.geoJSON({{ this.data|tojson }}, {
                style: styleOf,
                // Circle markers take the same style and need no marker images.
                pointToLayer: function (feature, latlng) {
                    return L.circleMarker(latlng, {radius: 7});
                },
                onEachFeature: function (feature, lyr) {
                    var props = feature.properties || {};
                    if (fields.length) {
                        lyr.bindTooltip(function () { return tooltipOf(props); }, {sticky: true});
                    }
                    lyr.on("mouseover", function () { lyr.setStyle({weight: 4, fillOpacity: 0.55}); });
                    lyr.on("mouseout", function () { layer.resetStyle(lyr); });
                    var href = linkProp === null ? null : props[linkProp];
                    if (typeof href === "string" && href !== "") {
                        lyr.on("click", function () {
                            // Same-origin only, which also rules out javascript: URLs.
                            var url;
                            try { url = new URL(href, window.location.href); } catch (e) { return; }
                            if (url.origin === window.location.origin) window.location.assign(url.href);
                        });
                    }
                }
            }).addTo(map);

            var overlays = {{ this.overlays|tojson }};
            var overlayLayers = {};
            overlays.forEach(function (o) {
                var lyr = L.geoJSON(o.data, {
                    style: {color: o.color, fillColor: o.color, weight: 2, opacity: 1,
                            fillOpacity: 0.15, dashArray: o.dash || null},
                    interactive: false
                }).addTo(map);
                overlayLayers[o.name] = lyr;
            });
            if (overlays.length) {
                L.control.layers(null, overlayLayers, {collapsed: false}).addTo(map);
            }
            if ({{ this.scale_bar|tojson }}) {
                L.control.scale({metric: true, imperial: false}).addTo(map);
            }
            var legend = {{ this.legend|tojson }};
            if (legend.length) {
                var box = L.control({position: "bottomright"});
                box.onAdd = function () {
                    var div = L.DomUtil.create("div", "japra-map-legend");
                    legend.forEach(function (item) {
                        var row = document.createElement("div");
                        var swatch = document.createElement("span");
                        swatch.className = "swatch";
                        swatch.style.background = item[0];
                        row.appendChild(swatch);
                        row.appendChild(document.createTextNode(item[1]));
                        div.appendChild(row);
                    });
                    return div;
                };
                box.addTo(map);
            }

            var bounds = layer.getBounds();
            if (bounds.isValid()) {
                map.fitBounds(bounds, {padding: [16, 16], maxZoom: 18, animate: false});
            }
            window.japraMaps = (window.japraMaps || []).concat([map]);
            // Set last: browser tests wait for it as the "map is ready" signal.
            map.getContainer().setAttribute("data-feature-count", String(layer.getLayers().length));
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        *,
        tooltip_fields: list[tuple[str, str]],
        color_property: str | None,
        colors: dict[str, str],
        default_color: str,
        link_property: str | None,
        overlays: list[dict] | None = None,
        legend: list[tuple[str, str]] | None = None,
        scale_bar: bool = False,
    ) -> None:
        super().__init__()
        self.overlays = overlays or []
        self.legend = [[str(color), str(label)] for color, label in (legend or [])]
        self.scale_bar = scale_bar
        self._name = "FeatureLayer"
        self.data = data
        self.tooltip_fields = [[str(name), str(label)] for name, label in tooltip_fields]
        self.color_property = color_property
        self.colors = {str(k): str(v) for k, v in colors.items()}
        self.default_color = default_color
        self.link_property = link_property


def round_coordinates(geojson: dict, ndigits: int = 7) -> dict:
    """A copy of a GeoJSON object with every coordinate rounded; 7 decimals is about 1 cm."""

    def positions(coords: Any) -> Any:
        if isinstance(coords, (list, tuple)):
            return [positions(c) for c in coords]
        return round(coords, ndigits) if isinstance(coords, float) else coords

    def geometry(geom: dict | None) -> dict | None:
        if geom is None:
            return None
        out = dict(geom)
        if "coordinates" in geom:
            out["coordinates"] = positions(geom["coordinates"])
        if "geometries" in geom:
            out["geometries"] = [geometry(g) for g in geom["geometries"]]
        if "bbox" in geom:
            out["bbox"] = positions(geom["bbox"])
        return out

    def walk(obj: dict) -> dict:
        kind = obj.get("type")
        if kind == "FeatureCollection":
            out = {**obj, "features": [walk(f) for f in obj.get("features") or []]}
            if "bbox" in obj:
                out["bbox"] = positions(obj["bbox"])
            return out
        if kind == "Feature":
            out = {**obj, "geometry": geometry(obj.get("geometry"))}
            if "bbox" in obj:
                out["bbox"] = positions(obj["bbox"])
            return out
        return geometry(obj)  # type: ignore[return-value]

    return walk(geojson)


@dataclass(frozen=True)
class Overlay:
    """An outline drawn over the features, e.g. the buildable footprint; ``name`` is already translated."""

    name: str
    data: dict
    color: str = "#d62728"
    dash: str | None = "6 4"


# Resolved once: folium looks a tile name up across every xyzservices provider on each map (~3 ms).
OSM_PROVIDER = xyzservices.providers.OpenStreetMap.Mapnik


def feature_map(
    features: dict,
    *,
    height_px: int = 420,
    empty_center: tuple[float, float] = (-6.13, 106.81),
    empty_zoom: int = 13,
    tooltip_fields: list[tuple[str, str]] = (),  # type: ignore[assignment]
    color_property: str | None = None,
    colors: dict[str, str] | None = None,
    default_color: str = "#1f6f8b",
    link_property: str | None = None,
    tiles: str | None = "OpenStreetMap",
    overlays: list[Overlay] = (),  # type: ignore[assignment]
    legend: list[tuple[str, str]] = (),  # type: ignore[assignment]
    scale_bar: bool = False,
) -> MapParts:
    """Render a GeoJSON FeatureCollection (EPSG:4326) as an offline Leaflet map.

    ``tooltip_fields`` are (property, already-translated label) pairs; values are shown as text.
    ``colors`` maps ``str(properties[color_property])`` to a CSS colour, else ``default_color``.
    ``link_property`` names a property holding a same-origin URL opened on click.
    The view fits the features, or ``empty_center``/``empty_zoom`` when none are drawn.
    ``tiles`` is "OpenStreetMap" (default), another xyzservices name, or None for no basemap;
    offline, tiles stay blank and the features still draw.
    ``overlays`` are extra outlines (not interactive) that a layer control can switch off;
    ``legend`` is (colour, already-translated label) pairs; ``scale_bar`` adds a metric scale.
    """
    if features.get("type") != "FeatureCollection":
        raise ValueError("features must be a GeoJSON FeatureCollection")
    tile_args = {"tiles": OSM_PROVIDER if tiles == "OpenStreetMap" else tiles}
    m = _OfflineMap(
        height_px=height_px,
        location=list(empty_center),
        zoom_start=empty_zoom,
        prefer_canvas=True,
        **tile_args,
    )
    _FeatureLayer(
        round_coordinates(features),
        tooltip_fields=list(tooltip_fields),
        color_property=color_property,
        colors=colors or {},
        default_color=default_color,
        link_property=link_property,
        overlays=[{"name": o.name, "data": round_coordinates(o.data), "color": o.color, "dash": o.dash}
                  for o in overlays],
        legend=list(legend),
        scale_bar=scale_bar,
    ).add_to(m)

    root = m.get_root()
    root.render()  # fills root.header/html/script; the parts below must come after it
    return MapParts(
        header=root.header.render(),
        html=root.html.render(),
        # One IIFE so folium's generated `var map_<uuid>` names stay off window.
        script=f"<script>\n(function () {{\n{root.script.render()}\n}})();\n</script>",
    )
