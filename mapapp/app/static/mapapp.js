/* mapapp: the map's drawing in Leaflet (served locally from the app's static folder).
 *
 * The page (Python) builds the map with folium and calls, in this order:
 *   mapapp.init(map, options)            once per map: panes, place labels, datum label, legend
 *                                        box, tile-failure message, click marker, selection watch;
 *   mapapp.layer(name, data, canvas)     per filter change, for 'area' (area-wide outlines),
 *                                        'shapes' (precise lines and polygons) and 'points'
 *                                        (clustered; a stack spreads out when clicked);
 *   mapapp.setLegend(html)               the legend of the current selection (HTML made and
 *                                        escaped by the page);
 *   mapapp.drawn()                       after the last layer: highlight, area names, count.
 * or, for a selection above the vector-tile threshold, instead of the layers:
 *   mapapp.tiled(url, options)           one protomaps-leaflet layer over the build's PMTiles archive
 *                                        (served from the static folder by range requests); the
 *                                        selection is a bitmask over row positions (the features'
 *                                        MVT ids) applied as paint-rule filters, so a filter change
 *                                        repaints from tiles the browser already holds.
 * Stacking: the page sends the layers bottom to top (area-wide outlines, lines and areas, points)
 * and, within a layer, larger features first, so smaller ones are drawn above them.
 * Text from annotations is only ever put on the page with textContent, never as HTML.
 *
 * The selected feature is the `id` of the page's own URL (the app keeps its state there): when it
 * changes, the map zooms to that feature, highlights it and draws its uncertainty circle.
 */
(function () {
  'use strict';
  var M = window.mapapp = window.mapapp || {};
  var POINT_ZOOM = 14;      // zoom for a selected point without a stated uncertainty
  var POINT_MIN_ZOOM = 12;  // a selected point is never shown below this zoom
  var CITY_MAX_ZOOM = 10;   // city names up to this zoom
  var COUNTY_MIN_ZOOM = 9;  // county names from this zoom
  var NAME_MIN_ZOOM = 12;   // names of precise areas from this zoom, when they are drawn large enough
  var NAME_MIN_PX = 70;

  M.o = {};
  M.byId = {};       // feature id -> Leaflet layer (of the current drawing)
  M.groups = [];     // the current layers, for counting
  M.selectedId = null;
  M.focusedId = null;
  M.urlSeen = undefined;  // the URL id last acted on
  M.clicked = {};         // ids picked on the map since the URL last changed to another pick

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  M.style = function (p) {
    var c = M.o.colors[p.s] || '#555555';
    var st = {color: c, fillColor: c, weight: 2.5, opacity: 0.95, fillOpacity: 0.3, dashArray: null};
    if (p.p === 'derived') { st.fillOpacity = 0.22; }
    if (p.p === 'approximate') { st.dashArray = '6 5'; st.opacity = 0.8; st.fillOpacity = 0.14; }
    if (p.w) { st.weight = 1.6; st.opacity = 0.75; st.fill = false; st.dashArray = p.u ? '2 5' : '8 4 2 4'; }
    if (p.p === 'point') { st.radius = 6; st.fillOpacity = 0.9; st.weight = 1.5; st.color = '#222222'; }
    return st;
  };

  M.lines = function (p) {
    var o = M.o, out = [String(p.name), (o.kinds[p.k] || p.k) + ' · ' + (o.sectors[p.s] || p.s),
                        o.precisionWord + ': ' + (o.precisions[p.p] || p.p)];
    if (p.w) { out.push(p.u ? o.upperWord : o.areaWideWord); }
    return out;
  };

  M.text = function (lines) {
    var box = el('div', 'mapapp-tip');
    lines.forEach(function (t, i) { box.appendChild(el(i === 0 ? 'b' : 'div', null, t)); });
    return box;
  };

  function control(position, build) {
    var C = L.Control.extend({options: {position: position}, onAdd: build});
    return new C();
  }

  M.init = function (map, options) {
    M.map = map;
    M.o = options;
    if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(18); }  // no tile layer: clustering needs a maximum
    map.createPane('mapappWater').style.zIndex = 250;
    map.createPane('mapappBoundaries').style.zIndex = 350;  // under the features (overlayPane, 400)
    var focus = map.createPane('mapappFocus');
    focus.style.zIndex = 450;
    focus.style.pointerEvents = 'none';
    var labels = map.createPane('mapappLabels');
    labels.style.zIndex = 620;
    labels.style.pointerEvents = 'none';
    M.focusLayer = L.layerGroup().addTo(map);
    M.clickLayer = L.layerGroup().addTo(map);
    L.control.scale({imperial: false}).addTo(map);
    control('bottomleft', function () { return el('div', 'mapapp-datum', options.datumText); }).addTo(map);
    M.legendBox = el('details', 'mapapp-legend leaflet-bar');
    M.legendBox.open = map.getSize().x >= 800;  // on a narrow map the legend starts folded
    M.legendBox.appendChild(el('summary', null, options.legendTitle));
    M.legendBody = el('div', 'mapapp-legend-body');
    M.legendBox.appendChild(M.legendBody);
    L.DomEvent.disableClickPropagation(M.legendBox);
    L.DomEvent.disableScrollPropagation(M.legendBox);
    control('bottomright', function () { return M.legendBox; }).addTo(map);
    if (options.osmAttribution) { map.attributionControl.addAttribution(options.osmAttribution); }
    M.watchTiles(map);
    M.drawWater(map, options.waterUrl);
    M.drawLabels(map, options.labels || []);
    M.nameLayer = L.layerGroup().addTo(map);
    map.on('zoomend moveend', M.drawNames);
    map.on('click', function (e) {
      M.pickTiled(e);
      M.clickLayer.clearLayers();
      L.circleMarker(e.latlng, {pane: 'mapappFocus', radius: 5, color: '#c0392b', weight: 2, fill: false,
                                interactive: false, className: 'mapapp-click'}).addTo(M.clickLayer);
    });
    setInterval(M.followUrl, 300);
  };

  M.watchTiles = function (map) {
    var shown = false;
    map.eachLayer(function (l) {
      if (!(l instanceof L.TileLayer)) { return; }
      l.on('tileerror', function () {
        if (shown) { return; }
        shown = true;
        control('topleft', function () { return el('div', 'mapapp-tile-error', M.o.tileError); }).addTo(map);
      });
    });
  };

  M.fetchedLayer = function (url, style, options) {
    // a non-interactive GeoJSON layer whose data comes from the app's static folder (fetched once,
    // then cached by the browser)
    var layer = L.geoJSON(null, Object.assign({interactive: false, style: typeof style === 'function' ? style
                                                : function () { return style; }}, options || {}));
    fetch(url).then(function (r) { return r.json(); }).then(function (data) { layer.addData(data); });
    return layer;
  };

  M.drawWater = function (map, url) {
    if (!url) { return; }
    var layer = M.fetchedLayer(url, waterStyle, {pane: 'mapappWater'}).addTo(map);
    var width = riverWidth();
    map.on('zoomend', function () {  // restyle only when the river width changes
      if (riverWidth() !== width) { width = riverWidth(); layer.setStyle(waterStyle); }
    });
  };

  function riverWidth() {
    // rivers widen as the map zooms in (thin at province scale, a band at city scale)
    var z = M.map.getZoom();
    return z <= 7 ? 1.2 : (z <= 9 ? 2 : (z <= 11 ? 3.5 : 5));
  }

  function waterStyle(f) {
    var w = riverWidth();
    return f.properties.k === 'lake'
      ? {color: '#7fbbe9', weight: 1, fillColor: '#a8d4f5', fillOpacity: 1, className: 'mapapp-water'}
      : {color: '#9fcdf1', weight: w, opacity: 1, fill: false, className: 'mapapp-water'};
  }

  M.drawLabels = function (map, labels) {
    var city = L.layerGroup(), county = L.layerGroup();
    labels.forEach(function (x) {  // [name, level, lon, lat]
      var icon = L.divIcon({className: 'mapapp-label mapapp-label-' + x[1], html: el('span', null, x[0]),
                            iconSize: null});
      L.marker([x[3], x[2]], {icon: icon, pane: 'mapappLabels', interactive: false, keyboard: false})
        .addTo(x[1] === 'city' ? city : county);
    });
    function update() {
      var z = map.getZoom();
      if (z <= CITY_MAX_ZOOM) { city.addTo(map); } else { city.remove(); }
      if (z >= COUNTY_MIN_ZOOM) { county.addTo(map); } else { county.remove(); }
    }
    map.on('zoomend', update);
    update();
  };

  M.drawNames = function () {
    // the names of precise areas (not points, lines or area-wide outlines) big enough on screen
    var map = M.map;
    M.nameLayer.clearLayers();
    if (map.getZoom() < NAME_MIN_ZOOM) { return; }
    var view = map.getBounds();
    Object.keys(M.byId).forEach(function (id) {
      var l = M.byId[id], p = l.feature.properties;
      if (!l._map || p.w || !(l instanceof L.Polygon) || !view.intersects(l.getBounds())) { return; }
      var b = l.getBounds();
      var size = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
      if (size < NAME_MIN_PX) { return; }
      var icon = L.divIcon({className: 'mapapp-label mapapp-label-feature', html: el('span', null, String(p.name)),
                            iconSize: null});
      L.marker(l.getCenter(), {icon: icon, pane: 'mapappLabels', interactive: false, keyboard: false}).addTo(M.nameLayer);
    });
  };

  function clusterIcon(cluster) {
    var n = cluster.getChildCount();
    var size = n < 10 ? 22 : (n < 100 ? 26 : 30);
    return L.divIcon({html: el('span', null, String(n)), className: 'mapapp-cluster', iconSize: [size, size]});
  }

  M.layer = function (name, data, canvas) {
    var renderer;
    if (canvas) {
      M.canvas = M.canvas || L.canvas({padding: 0.3});
      renderer = M.canvas;
    }
    var n = 0;
    var geo = L.geoJSON(data, {
      renderer: renderer,
      style: function (f) { return M.style(f.properties); },
      pointToLayer: function (f, ll) {
        // a point keeps its click (the map does not see it), so a spread stack stays open
        return L.circleMarker(ll, Object.assign({renderer: renderer, bubblingMouseEvents: false}, M.style(f.properties)));
      },
      onEachFeature: function (f, layer) {
        n += 1;
        var id = String(f.properties.id);
        layer.options.className = 'mapapp-feature mapapp-f-' + id.replace(/[^A-Za-z0-9_-]/g, '_');
        M.byId[id] = layer;
        layer.bindTooltip(function () { return M.text(M.lines(f.properties)); }, {sticky: true});
        layer.on('click', function () {
          layer.closeTooltip();
          M.clicked[id] = true;
          M.select(id, 'click');
        });
      }
    });
    var group = geo;
    if (name === 'points') {
      group = L.markerClusterGroup({maxClusterRadius: 8, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
                                    zoomToBoundsOnClick: true, spiderfyDistanceMultiplier: 1.4,
                                    iconCreateFunction: clusterIcon, chunkedLoading: false,
                                    spiderLegPolylineOptions: {weight: 1.5, color: '#222', opacity: 0.6, interactive: false}});
      group.addLayers(geo.getLayers());
    }
    group.mapappCount = n;
    M.groups.push(group);
    return group;
  };

  M.setLegend = function (html) {
    if (M.legendBody) { M.legendBody.innerHTML = html; }  // made and escaped by the page (render.py)
  };

  M.reset = function () {
    M.byId = {};
    M.groups = [];
    M.tiledBits = null;
    window.mapappDrawn = -1;
  };

  M.drawn = function () {
    M.highlight(M.selectedId);
    M.drawNames();
    // after the next frame is painted: how many features are on the map (read by tests and bench)
    requestAnimationFrame(function () { setTimeout(function () {
      var n = 0;
      M.groups.forEach(function (g) { if (g._map) { n += g.mapappCount; } });
      window.mapappDrawn = n;
    }, 0); });
  };

  function boundsOf(layer) {
    if (layer.getBounds) { return layer.getBounds(); }
    var ll = layer.getLatLng();
    return L.latLngBounds(ll, ll);
  }

  M.highlight = function (id) {
    M.focusLayer.clearLayers();
    var layer = id ? M.byId[id] : null;
    if (!layer) { return null; }
    var p = layer.feature.properties;
    if (layer.getLatLng) {
      var ll = layer.getLatLng();
      if (p.r) {
        L.circle(ll, {pane: 'mapappFocus', radius: p.r, color: '#d35400', weight: 1.5, dashArray: '4 4',
                      fillOpacity: 0.08, interactive: false, className: 'mapapp-uncertainty'}).addTo(M.focusLayer);
      }
      L.circleMarker(ll, {pane: 'mapappFocus', radius: 11, color: '#f1c40f', weight: 4, fill: false,
                          interactive: false, className: 'mapapp-highlight'}).addTo(M.focusLayer);
    } else {
      L.geoJSON(layer.toGeoJSON(), {pane: 'mapappFocus', interactive: false,
        style: function () { return {color: '#f1c40f', weight: 7, opacity: 0.75, fill: false, className: 'mapapp-highlight'}; }
      }).addTo(M.focusLayer);
    }
    return layer;
  };

  M.zoomTo = function (layer, how) {
    var map = M.map, p = layer.feature.properties;
    if (layer.getLatLng) {
      var ll = layer.getLatLng();
      if (how === 'click' && map.getZoom() >= POINT_MIN_ZOOM) { return; }  // a spread stack stays open
      // the uncertainty circle with its surroundings (at least 3 km across), never below POINT_MIN_ZOOM
      var z = p.r ? Math.min(map.getBoundsZoom(ll.toBounds(Math.max(5 * p.r, 3000))), POINT_ZOOM) : POINT_ZOOM;
      map.setView(ll, Math.max(z, POINT_MIN_ZOOM), {animate: false});
      return;
    }
    var b = boundsOf(layer);
    if (how === 'click' && map.getBounds().contains(b)) { return; }
    map.fitBounds(b, {padding: [30, 30], maxZoom: 16, animate: false});
  };

  M.select = function (id, how) {
    M.selectedId = id;
    M.focusedId = id;
    var layer = M.highlight(id);
    if (layer) { M.zoomTo(layer, how); }
  };

  // ---- the vector-tile layer (selections above the threshold) ---------------------------------
  var TILE_BRUSH = 6;  // px: how near a click must be to a line or point of the tiles to pick it

  function decodeMask(b64) {
    var text = atob(b64), bits = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) { bits[i] = text.charCodeAt(i); }
    return bits;
  }

  function shown(f) {
    var i = f.id, bits = M.tiledBits;
    return !!bits && i !== undefined && (i >> 3) < bits.length && (bits[i >> 3] & (1 << (i & 7))) !== 0;
  }

  function colorOf(z, f) { return M.o.colors[f.props.s] || '#555555'; }  // (z, f): a per-feature attribute

  function tiledRules() {
    var P = window.protomapsL, layer = 'features';
    function when(test) { return function (z, f) { return shown(f) && test(f); }; }
    var area = function (f) { return !!f.props.w; };
    var precise = function (f) { return !f.props.w; };
    var width = function (z) { return z < 9 ? 1.2 : 2.5; };
    return [
      {dataLayer: layer, filter: when(function (f) { return area(f) && !f.props.u; }),
       symbolizer: new P.LineSymbolizer({dash: [8, 4, 2, 4], dashColor: colorOf, dashWidth: 1.6, opacity: 0.75})},
      {dataLayer: layer, filter: when(function (f) { return area(f) && f.props.u; }),
       symbolizer: new P.LineSymbolizer({dash: [2, 5], dashColor: colorOf, dashWidth: 1.6, opacity: 0.75})},
      {dataLayer: layer, filter: when(function (f) { return precise(f) && f.geomType === 3; }),
       symbolizer: new P.PolygonSymbolizer({fill: colorOf, opacity: function (z, f) {
         return f.props.p === 'approximate' ? 0.14 : (f.props.p === 'derived' ? 0.22 : 0.3); }})},
      {dataLayer: layer, filter: when(function (f) { return precise(f) && f.geomType !== 1 && f.props.p !== 'approximate'; }),
       symbolizer: new P.LineSymbolizer({color: colorOf, width: width, opacity: 0.95})},
      {dataLayer: layer, filter: when(function (f) { return precise(f) && f.geomType !== 1 && f.props.p === 'approximate'; }),
       symbolizer: new P.LineSymbolizer({dash: [6, 5], dashColor: colorOf, dashWidth: width, opacity: 0.8})},
      {dataLayer: layer, filter: when(function (f) { return f.geomType === 1; }),
       symbolizer: new P.CircleSymbolizer({radius: 5, fill: colorOf, stroke: '#222222', width: 1.5, opacity: 0.9})},
      {dataLayer: layer, filter: function (z, f) { return M.selectedId !== null && f.props.id === M.selectedId && f.geomType !== 1; },
       symbolizer: new P.LineSymbolizer({color: '#f1c40f', width: 7, opacity: 0.75})},
      {dataLayer: layer, filter: function (z, f) { return M.selectedId !== null && f.props.id === M.selectedId && f.geomType === 1; },
       symbolizer: new P.CircleSymbolizer({radius: 9, fill: 'rgba(0,0,0,0)', stroke: '#f1c40f', width: 4, opacity: 1})}
    ];
  }

  function tilesPainted() { window.mapappTilesLoaded = (window.mapappTilesLoaded || 0) + 1; }

  M.repaintTiled = function () {
    // repaint the tiles on the map from the tiles already held (a new selection or highlight);
    // window.mapappTilesLoaded counts settled paints and loads (read by tests and the bench)
    var layer = M.tiledLayer, jobs = [];
    Object.keys(layer._tiles).forEach(function (k) {
      var coords = layer._wrapCoords(layer._keyToTileCoords(k));
      jobs.push(layer.renderTile(coords, layer._tiles[k].el, layer._tileCoordsToKey(coords)));
    });
    Promise.all(jobs).then(tilesPainted, tilesPainted);
  };

  M.tiledOn = function () { return !!(M.tiledLayer && M.tiledLayer._map && M.tiledHolder); };

  // Each rerun's feature group holds a new holder; the holders share one protomaps layer (and its
  // tile cache). st_folium may add the new group before it removes the old one, so only the
  // current holder takes the shared layer off the map.
  var TiledHolder = L.Layer.extend({
    onAdd: function (map) {
      M.tiledHolder = this;
      if (M.tiledLayer._map) { M.repaintTiled(); } else { M.tiledLayer.addTo(map); }
    },
    onRemove: function (map) {
      if (M.tiledHolder !== this) { return; }
      M.tiledHolder = null;
      map.removeLayer(M.tiledLayer);
    }
  });

  M.tiled = function (url, options) {
    // options: mask (base64 bitmask over row positions), count (features selected), maxDataZoom,
    // selected ({id, box: [w, s, e, n]} of the page's selected feature, or null)
    if (!window.protomapsL) { throw new Error('protomaps-leaflet is not loaded'); }
    M.tiledBits = decodeMask(options.mask);
    M.tiledSel = options.selected || null;
    if (!M.tiledLayer || M.tiledUrl !== url) {
      if (M.tiledLayer && M.tiledLayer._map) { M.tiledLayer._map.removeLayer(M.tiledLayer); }
      M.tiledUrl = url;
      M.tiledLayer = window.protomapsL.leafletLayer({url: url, paintRules: tiledRules(), labelRules: [],
                                                    maxDataZoom: options.maxDataZoom, attribution: ''});
      M.tiledLayer.on('load', tilesPainted);
    }
    var holder = new TiledHolder();
    holder.mapappCount = options.count;
    M.groups.push(holder);
    return holder;
  };

  M.pickTiled = function (e) {
    // the topmost selected feature of the tiles under a map click: points, then lines and outlines,
    // then the smallest polygon; st_folium hears it as a click on a layer holding that feature
    if (!M.tiledOn()) { return; }
    var found = M.tiledLayer.queryTileFeaturesDebug(e.latlng.lng, e.latlng.lat, TILE_BRUSH);
    var best = null;
    found.forEach(function (picked) {
      picked.forEach(function (p) {
        var f = p.feature;
        if (!shown(f)) { return; }
        var rank = [f.geomType === 1 ? 2 : (f.geomType === 2 ? 1 : 0), f.props.z];
        if (!best || rank[0] > best.rank[0] || (rank[0] === best.rank[0] && rank[1] > best.rank[1])) {
          best = {rank: rank, f: f};
        }
      });
    });
    if (!best) { return; }
    var id = String(best.f.props.id), props = Object.assign({}, best.f.props);
    M.clicked[id] = true;
    M.selectTiled(id, 'click');
    M.tiledLayer.fire('click', {latlng: e.latlng, layer: {toGeoJSON: function () {
      return {type: 'Feature', properties: props, geometry: {type: 'Point', coordinates: [e.latlng.lng, e.latlng.lat]}};
    }}});
  };

  M.selectTiled = function (id, how) {
    M.selectedId = id;
    M.focusedId = id;
    M.focusLayer.clearLayers();
    if (M.tiledOn()) { M.repaintTiled(); }
    var box = M.tiledSel && M.tiledSel.id === id ? M.tiledSel.box : null;
    if (how === 'url' && box) {
      var b = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
      M.map.fitBounds(b, {padding: [30, 30], maxZoom: POINT_ZOOM, animate: false});
    }
  };

  M.urlId = function () {
    try {
      return new URLSearchParams(window.parent.location.search).get('id');
    } catch (e) {
      return null;
    }
  };

  M.followUrl = function () {
    // react to a change of the URL's id only, and not when the map picked that id itself: the URL
    // follows a click only after the page has rerun, by which time the user may have clicked
    // another feature, and an older id must not pull the map back
    var id = M.urlId();
    if (id === M.urlSeen) { return; }
    if (!id) {
      M.urlSeen = id;
      M.selectedId = M.focusedId = null;
      M.focusLayer.clearLayers();
      return;
    }
    if (M.clicked[id]) { M.urlSeen = id; return; }
    if (M.tiledOn() && !M.byId[id]) {
      if (!M.tiledSel || M.tiledSel.id !== id) { return; }  // the page has not sent its box yet
      M.urlSeen = id;
      M.clicked = {};
      if (id !== M.focusedId) { M.selectTiled(id, 'url'); }
      return;
    }
    if (!M.byId[id]) { return; }  // not drawn (yet): try again on the next tick
    M.urlSeen = id;
    M.clicked = {};
    if (id !== M.focusedId) { M.select(id, 'url'); }
  };
})();
