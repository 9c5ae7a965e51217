/* mapapp: the map's drawing in Leaflet (served locally from the app's static folder).
 *
 * Data flow. The browser holds every located feature of the build once, and a filter change only
 * tells it which ones to show:
 *   mapapp.init(map, options)         once per map (the base map's script): panes, place labels,
 *                                     datum label, legend box, tile-failure message, click marker,
 *                                     selection watch, and the three feature layers, empty and on
 *                                     the map: 'area' (area-wide outlines), 'shapes' (precise
 *                                     lines and polygons), 'points' (clustered; a stack spreads
 *                                     out when clicked). Then it reads options.dataUrl (fetched
 *                                     already by prefetch.js, the frame's first script), the
 *                                     build's display geometry (viewmodel.MapData.display_pack:
 *                                     gzip-compressed JSON, integer coordinates), builds one
 *                                     Leaflet layer per feature and keeps them off the map. On a
 *                                     canvas, lines and areas keep their vertices as flat numbers
 *                                     (Flat.Polygon, Flat.Polyline: no object per vertex).
 *   mapapp.apply(selection)           per filter change, search or language switch (the script
 *                                     of the layers passed through st_folium's
 *                                     feature_group_to_add): {mask, box, legend, words}. The
 *                                     base map holds no words of the UI language, so a language
 *                                     switch keeps the map and only sends `words` (setWords). `mask` is a
 *                                     base64 bitmask over the features in the data's order
 *                                     (bit i of byte i>>3, least significant first; from
 *                                     MapData.selection). The map fits `box` ([[s, w], [n, e]] or
 *                                     null), removes what is no longer selected, adds what is
 *                                     newly selected (in drawing order), sets the legend (HTML
 *                                     made and escaped by the page) and reports the count. A
 *                                     selection that arrives before the data is kept and applied
 *                                     when the data is there.
 *   mapapp.bindToggle(name, group)    ties a layer ('area', 'shapes', 'points') to the folium
 *                                     FeatureGroup that stands for it in the layer control: the
 *                                     layer is on the map while that group is.
 * Builds above the vector-tile threshold (options.tilesUrl instead of options.dataUrl): init adds
 * one protomaps-leaflet layer over the build's PMTiles archive (served from the static folder by
 * range requests) whose features carry their position in the same order as MVT id; apply then
 * sets the same bitmask, read by the layer's paint-rule filters, and repaints from the tiles the
 * browser already holds. The selection then also carries `focus` ({id, box} of the page's selected
 * feature), since the browser holds no geometry to zoom to. A click picks the topmost selected tile
 * feature. The layer control's three layers switch the tile features of their layer on and off.
 * Other code can follow the selection through mapapp.selected(i) and the 'mapapp:selection' event
 * fired after every apply. A box equal to the last one fitted does not move the map (a rerun that
 * kept the selection, e.g. after a click, leaves the view alone).
 * Stacking: bottom to top the area-wide outlines, lines and areas, points; within a layer larger
 * features first, so smaller ones are drawn above them.
 * Text from annotations is only ever put on the page with textContent, never as HTML.
 * A link Streamlit dropped (over its query-string limits) gets a notice above the page (checkLink).
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

  var LAYERS = ['area', 'shapes', 'points'];
  M.o = {};
  M.byId = {};       // feature id -> Leaflet layer (every feature the browser holds, shown or not)
  M.groups = [];     // the three feature layers, in LAYERS order (mapappCount: features shown)
  M.features = null; // [{id, layer, group, props}] in the data's order, once loaded
  M.shownMask = null;  // Uint8Array: 1 where the feature is on the map
  M.want = null;     // the last selection asked for
  M.index = {};      // feature id -> its position in the data's order
  M.toggles = {};    // layer name -> the folium FeatureGroup standing for it in the layer control
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
    M.datumBox = el('div', 'mapapp-datum', options.datumText || '');
    control('bottomleft', function () { return M.datumBox; }).addTo(map);
    M.legendBox = el('details', 'mapapp-legend leaflet-bar');
    M.legendBox.open = map.getSize().x >= 800;  // on a narrow map the legend starts folded
    M.legendTitle = el('summary', null, options.legendTitle || '');
    M.legendBox.appendChild(M.legendTitle);
    M.legendBody = el('div', 'mapapp-legend-body');
    M.legendBox.appendChild(M.legendBody);
    L.DomEvent.disableClickPropagation(M.legendBox);
    L.DomEvent.disableScrollPropagation(M.legendBox);
    control('bottomright', function () { return M.legendBox; }).addTo(map);
    M.attribution = '';
    M.setWords(options);
    M.watchTiles(map);
    M.drawWater(map, options.waterUrl);
    M.drawLabels(map, options.labels || []);
    M.nameLayer = L.layerGroup().addTo(map);
    map.on('zoomend moveend', M.drawNames);
    M.makeLayers(map, !!options.canvas);
    M.times = {};
    if (options.tilesUrl) { M.tiledInit(map, options); } else if (options.dataUrl) { M.load(options.dataUrl); }
    map.on('click', function (e) {
      M.pickTiled(e);
      M.clickLayer.clearLayers();
      L.circleMarker(e.latlng, {pane: 'mapappFocus', radius: 5, color: '#c0392b', weight: 2, fill: false,
                                interactive: false, className: 'mapapp-click'}).addTo(M.clickLayer);
    });
    setInterval(M.followUrl, 300);
  };

  M.setWords = function (words) {
    // the words of the UI language: labels of kinds, sectors and precisions (tooltips), the datum
    // label, the legend's title, the tile-failure message, the OpenStreetMap credit and the notice
    // of a dropped link (checkLink)
    Object.assign(M.o, words);
    if (words.datumText !== undefined) { M.datumBox.textContent = words.datumText; }
    if (words.legendTitle !== undefined) { M.legendTitle.textContent = words.legendTitle; }
    if (words.osmAttribution !== undefined && words.osmAttribution !== M.attribution) {
      var control = M.map.attributionControl;
      if (M.attribution) { control.removeAttribution(M.attribution); }
      if (words.osmAttribution) { control.addAttribution(words.osmAttribution); }
      M.attribution = words.osmAttribution;
    }
    M.checkLink();
  };

  // ---- a link Streamlit dropped -------------------------------------------------------------
  // Streamlit ignores a whole query string over its limits (words.linkLimits: most parameters,
  // most characters), and the page cannot tell that from a plain link; the browser still holds it.
  // While the page's link is the one this frame opened with and it is over a limit, a notice
  // (words.linkDropped, in the UI language, written with textContent) stands above the page. It
  // goes when the page writes a new link (followUrl checks every 300 ms) or this frame closes (a
  // view or basemap switch, which writes a new link too).
  var NOTICE_ID = 'mapapp-link-dropped';  // (link_guard.NOTICE_ID)
  var openedWith = parentSearch();

  function parentSearch() {
    try { return window.parent.location.search; } catch (e) { return null; }
  }

  function dropNotice() {
    try {
      var box = window.parent.document.getElementById(NOTICE_ID);
      if (box) { box.remove(); }
    } catch (e) { /* not the page's frame */ }
  }

  M.checkLink = function () {
    if (openedWith === null) { return; }  // the link was rewritten, or the page is not readable
    if (parentSearch() !== openedWith) { openedWith = null; dropNotice(); return; }
    var limits = M.o.linkLimits;
    if (!limits || !M.o.linkDropped) { return; }  // the words have not arrived yet
    var q = openedWith.replace(/^\?/, ''), fields = q ? q.split('&').length : 0;
    if (fields <= limits[0] && q.length <= limits[1]) { openedWith = null; return; }  // the page has it
    var doc = window.parent.document, box = doc.getElementById(NOTICE_ID);
    if (!box) {
      box = doc.createElement('div');
      box.id = NOTICE_ID;
      box.setAttribute('role', 'alert');
      box.style.cssText = 'margin:0.5rem 1rem;padding:0.75rem 1rem;border-radius:0.5rem;' +
        'background:#fff3cd;color:#664d03;border:1px solid #ffecb5;font-family:sans-serif';
      var main = doc.querySelector("[data-testid='stMain']") || doc.body;
      main.insertBefore(box, main.firstChild);
    }
    if (!M.noticeShown) { M.noticeShown = true; window.addEventListener('pagehide', dropNotice); }
    var text = M.o.linkDropped.replace('{fields}', String(fields)).replace('{chars}', String(q.length));
    if (box.textContent !== text) { box.textContent = text; }
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
    (M.features || []).forEach(function (f, i) {
      var l = f.layer;
      if (!l || !M.shownMask[i]) { return; }
      var p = l.feature.properties;
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

  M.makeLayers = function (map, canvas) {
    // the three feature layers, on the map from the start (st_folium binds its click handler to
    // what is on the map when the selection arrives; features added later report through them)
    M.renderer = canvas ? new HidingCanvas({padding: 0.3}) : undefined;
    M.groups = LAYERS.map(function (name) {
      var g = name === 'points'
        ? L.markerClusterGroup({maxClusterRadius: 8, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
                                zoomToBoundsOnClick: true, spiderfyDistanceMultiplier: 1.4,
                                iconCreateFunction: clusterIcon, chunkedLoading: false,
                                spiderLegPolylineOptions: {weight: 1.5, color: '#222', opacity: 0.6, interactive: false}})
        : L.featureGroup();
      g.mapappName = name;
      g.mapappCount = 0;
      g.on('mouseover', tooltipOf);
      g.on('click', function (e) {
        var layer = e.layer, id = layer && layer.feature && String(layer.feature.properties.id);
        if (!id) { return; }
        layer.closeTooltip();
        M.clicked[id] = true;
        M.select(id, 'click');
      });
      return g.addTo(map);
    });
  };

  // On a canvas, lines and areas that are not selected stay on the map but hidden: not drawn and
  // not hit by the mouse. Showing or hiding many of them then costs one redraw, not thousands of
  // layers taken off and put back (and they never lose their drawing order).
  // A whole-canvas redraw keeps a copy of what it drew (at most REDRAW_COPIES), keyed by the
  // selection, the layers switched on, and the canvas' place, size and zoom; a later whole redraw
  // with the same key (a filter switched off again, back to a selection drawn in this view) puts
  // the copy back instead of drawing every feature again. Any partial redraw (a feature added,
  // removed or restyled) drops the copies.
  var REDRAW_COPIES = 2;
  var HidingCanvas = L.Canvas.extend({
    _updatePoly: function (layer, closed) {
      if (layer._mapappHidden) { return; }
      if (!layer._flatDraw) { L.Canvas.prototype._updatePoly.call(this, layer, closed); return; }
      if (!this._drawing) { return; }
      drawFlat(this._ctx, layer, closed);
      this._fillStroke(this._ctx, layer);
    },

    redrawAll: function () {
      // redraw the whole canvas on the next frame (one request instead of one per changed feature,
      // each growing the area to redraw)
      if (!this._map) { return; }
      this._mapappRedrawAll = true;
      this._redrawRequest = this._redrawRequest || L.Util.requestAnimFrame(this._redraw, this);
    },

    _redraw: function () {
      if (this._mapappRedrawAll) { this._redrawBounds = null; this._mapappRedrawAll = false; }
      var copies = this._mapappCopies = this._mapappCopies || [];
      if (this._redrawBounds) {  // a part: drawn as Leaflet does, and the copies are out of date
        copies.length = 0;
        L.Canvas.prototype._redraw.call(this);
        return;
      }
      var canvas = this._container, key = [M.drawKey, M.groups.map(function (g) { return g._map ? 1 : 0; }).join(''),
                                           this._bounds.min.x, this._bounds.min.y, canvas.width, canvas.height,
                                           this._map.getZoom()].join('|');
      var copy = null;
      for (var i = 0; i < copies.length; i += 1) { if (copies[i].key === key) { copy = copies[i].canvas; } }
      if (!copy) {
        L.Canvas.prototype._redraw.call(this);
        if (!M.drawKey) { return; }
        copy = document.createElement('canvas');
        copy.width = canvas.width;
        copy.height = canvas.height;
        copy.getContext('2d').drawImage(canvas, 0, 0);
        copies.unshift({key: key, canvas: copy});
        copies.length = Math.min(copies.length, REDRAW_COPIES);
        return;
      }
      this._redrawRequest = null;
      this._redrawBounds = null;
      this._clear();
      var ctx = this._ctx;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(copy, 0, 0);
      ctx.restore();
    }
  });

  function hides(group) {
    // whether `group` shows a selection by hiding (canvas lines and areas) rather than removing
    return !!M.renderer && group.mapappName === 'shapes';
  }

  function setHidden(layer, hidden) {
    // (the caller redraws the canvas once: M.renderer.redrawAll)
    layer._mapappHidden = hidden;
    layer.options.interactive = !hidden;
  }

  function tooltipOf(e) {
    // tooltips are bound on the first hover, not for every feature up front
    var layer = e.layer;
    if (!layer || !layer.feature || layer.getTooltip()) { return; }
    var p = layer.feature.properties;
    layer.bindTooltip(function () { return M.text(M.lines(p)); }, {sticky: true});
    layer.openTooltip(e.latlng);
  }

  function latLngs(seq, scale) {
    // a flat list x0, y0, dx1, dy1, ... (integers in 1/scale degrees) -> [L.LatLng]
    var out = new Array(seq.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < seq.length; i += 2, j += 1) {
      x += seq[i];
      y += seq[i + 1];
      out[j] = L.latLng(y / scale, x / scale);
    }
    return out;
  }

  // ---- lines and areas on the canvas, kept as flat numbers ----------------------------------
  // Leaflet's polygons and lines hold an L.LatLng per vertex and, once projected, an L.Point per
  // vertex plus clipped and simplified copies: at 10,000 polygons of 50 vertices about a million
  // small objects, whose allocation and garbage collection were most of the first page's map
  // work. The canvas' lines and areas (Flat.Polygon, Flat.Polyline) keep their vertices instead
  // in one Float64Array shared by all of them (flat.xy: lng, lat in degrees; a feature owns the
  // vertices from its _v0 to the last of its ring ends _ends), project them into a second one
  // (flat.px: layer pixels, rounded as Leaflet rounds them) and draw from there. A feature that
  // crosses the canvas' edge is clipped and simplified by Leaflet's own code, from L.Points made
  // of those projected pixels; one inside it is simplified as Leaflet would (flatSimplify marks
  // the vertices kept in flat.keep). L.LatLng objects are made only when something asks for them
  // (getLatLngs, toGeoJSON, getCenter: the highlight, a feature's name).
  var flat = {xy: new Float64Array(0), px: new Float64Array(0), keep: new Uint8Array(0)};

  function flatProject(layer) {
    // project the layer's vertices into flat.px (relative to the map's pixel origin, rounded);
    // returns [min x, min y, max x, max y]
    var map = layer._map, crs = map.options.crs, xy = flat.xy, px = flat.px, origin = map.getPixelOrigin();
    var v0 = layer._v0, v1 = layer._ends[layer._ends.length - 1];
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, x, y, v;
    if (crs.projection === L.Projection.SphericalMercator && crs.transformation) {
      // L.Map.latLngToLayerPoint, step by step (SphericalMercator.project, Transformation.transform)
      var T = crs.transformation, s = crs.scale(map.getZoom()), R = crs.projection.R;
      var maxLat = crs.projection.MAX_LATITUDE, d = Math.PI / 180;
      for (v = v0; v < v1; v += 1) {
        var lat = Math.max(Math.min(maxLat, xy[2 * v + 1]), -maxLat), sin = Math.sin(lat * d);
        x = Math.round(s * (T._a * (R * xy[2 * v] * d) + T._b)) - origin.x;
        y = Math.round(s * (T._c * (R * Math.log((1 + sin) / (1 - sin)) / 2) + T._d)) - origin.y;
        px[2 * v] = x;
        px[2 * v + 1] = y;
        if (x < minX) { minX = x; } if (x > maxX) { maxX = x; }
        if (y < minY) { minY = y; } if (y > maxY) { maxY = y; }
      }
    } else {
      for (v = v0; v < v1; v += 1) {
        var p = map.latLngToLayerPoint(L.latLng(xy[2 * v + 1], xy[2 * v]));
        px[2 * v] = x = p.x;
        px[2 * v + 1] = y = p.y;
        if (x < minX) { minX = x; } if (x > maxX) { maxX = x; }
        if (y < minY) { minY = y; } if (y > maxY) { maxY = y; }
      }
    }
    return [minX, minY, maxX, maxY];
  }

  function flatRings(layer, closed) {
    // the layer's projected rings as arrays of L.Point (what Leaflet's _rings hold), for
    // Leaflet's clipping; a closed ring without its repeated last vertex
    var px = flat.px, ends = layer._ends, out = [], v = layer._v0;
    for (var r = 0; r < ends.length; r += 1) {
      var ring = [], end = ends[r];
      if (closed && end - v > 1 && px[2 * v] === px[2 * end - 2] && px[2 * v + 1] === px[2 * end - 1]) { end -= 1; }
      for (var w = v; w < end; w += 1) { ring.push(L.point(px[2 * w], px[2 * w + 1])); }
      out.push(ring);
      v = ends[r];
    }
    return out;
  }

  function flatLatLngs(layer, closed) {
    // the layer's vertices as Leaflet would hold them (_latlngs): a line's list, a multi-line's
    // lists, a polygon's rings (without the repeated last vertex) or a multi-polygon's polygons
    var xy = flat.xy, ends = layer._ends, rings = [], v = layer._v0;
    for (var r = 0; r < ends.length; r += 1) {
      var ring = [], end = ends[r];
      for (var w = v; w < end; w += 1) { ring.push(L.latLng(xy[2 * w + 1], xy[2 * w])); }
      if (closed && ring.length > 1 && ring[0].equals(ring[ring.length - 1])) { ring.pop(); }
      rings.push(ring);
      v = end;
    }
    if (!layer._flatParts) { return closed || rings.length > 1 ? rings : rings[0]; }
    var polys = [], k = 0;
    layer._flatParts.forEach(function (n) { polys.push(rings.slice(k, k + n)); k += n; });
    return polys;
  }

  function flatClass(Base, closed) {
    var C = Base.extend({
      initialize: function (geometry, options) {
        // geometry: {v0, ends, parts (rings per polygon of a multi-polygon, or null), bounds}
        L.setOptions(this, options);
        this._v0 = geometry.v0;
        this._ends = geometry.ends;
        this._flatParts = geometry.parts;
        this._bounds = geometry.bounds;
        this._parts = [];
      },

      _project: function () {
        var b = flatProject(this);
        flatSimplify(this, closed);
        this._rings = null;
        if (b[0] <= b[2]) {
          this._rawPxBounds = new L.Bounds([b[0], b[1]], [b[2], b[3]]);
          this._updateBounds();
        }
      },

      _update: function () {
        if (!this._map) { return; }
        var bounds = this._renderer._bounds;
        // inside the canvas' area: drawn from flat.px; across its edge: clipped as Leaflet does
        this._flatDraw = !!(this._pxBounds && bounds && bounds.contains(this._pxBounds));
        if (this._flatDraw) {
          this._parts = [];
        } else {
          this._rings = flatRings(this, closed);
          Base.prototype._clipPoints.call(this);
          this._simplifyPoints();
        }
        this._updatePath();
      },

      _containsPoint: function (p) {
        if (!this._flatDraw) { return Base.prototype._containsPoint.call(this, p, closed); }
        if (!this._pxBounds || !this._pxBounds.contains(p)) { return false; }
        var px = flat.px, ends = this._ends, v = this._v0, inside = false, w = this._clickTolerance();
        for (var r = 0; r < ends.length; r += 1) {
          var end = ends[r];
          for (var j = v, k = end - 1; j < end; k = j, j += 1) {
            var x1 = px[2 * j], y1 = px[2 * j + 1], x2 = px[2 * k], y2 = px[2 * k + 1];
            if (closed && ((y1 > p.y) !== (y2 > p.y)) && (p.x < (x2 - x1) * (p.y - y1) / (y2 - y1) + x1)) {
              inside = !inside;
            }
            if ((closed || j !== v) && segmentDistance(p.x, p.y, x2, y2, x1, y1) <= w) { return true; }
          }
          v = end;
        }
        return inside;
      }
    });
    // the vertices as L.LatLng, made on first use (and kept)
    Object.defineProperty(C.prototype, '_latlngs', {
      get: function () { return this._mapappLatLngs || (this._mapappLatLngs = flatLatLngs(this, closed)); },
      set: function (value) { this._mapappLatLngs = value; },
      configurable: true
    });
    return C;
  }

  function sqSegmentDistance(x, y, x1, y1, x2, y2) {
    // squared distance from (x, y) to the segment (x1, y1)-(x2, y2) (L.LineUtil._sqClosestPointOnSegment)
    var dx = x2 - x1, dy = y2 - y1, dot = dx * dx + dy * dy, t;
    if (dot > 0) {
      t = ((x - x1) * dx + (y - y1) * dy) / dot;
      if (t > 1) { x1 = x2; y1 = y2; } else if (t > 0) { x1 += dx * t; y1 += dy * t; }
    }
    dx = x - x1;
    dy = y - y1;
    return dx * dx + dy * dy;
  }

  function segmentDistance(x, y, x1, y1, x2, y2) {
    return Math.sqrt(sqSegmentDistance(x, y, x1, y1, x2, y2));
  }

  var Flat = {Polygon: flatClass(L.Polygon, true), Polyline: flatClass(L.Polyline, false)};

  function drawFlat(ctx, layer, closed) {
    // the layer's path from the vertices of flat.px that flat.keep marks
    var px = flat.px, keep = flat.keep, ends = layer._ends, v = layer._v0;
    ctx.beginPath();
    for (var r = 0; r < ends.length; r += 1) {
      var end = ends[r], first = true;
      for (var w = v; w < end; w += 1) {
        if (!keep[w]) { continue; }
        if (first) { ctx.moveTo(px[2 * w], px[2 * w + 1]); first = false; } else { ctx.lineTo(px[2 * w], px[2 * w + 1]); }
      }
      if (closed && !first) { ctx.closePath(); }
      v = end;
    }
  }

  var scratch = {idx: new Int32Array(64), mark: new Uint8Array(64)};

  function flatSimplify(layer, closed) {
    // mark in flat.keep the projected vertices Leaflet's simplification keeps
    // (L.LineUtil.simplify with the layer's smoothFactor: first the vertices farther than that
    // from the last one kept, then Douglas-Peucker), as Leaflet simplifies a feature that lies
    // inside the canvas' area (its clipping keeps such a feature whole)
    var px = flat.px, keep = flat.keep, ends = layer._ends, v = layer._v0;
    var tolerance = layer.options.smoothFactor, sq = tolerance * tolerance;
    for (var r = 0; r < ends.length; r += 1) {
      var end = ends[r], n = end - v;
      keep.fill(0, v, end);
      if (closed && n > 1 && px[2 * v] === px[2 * end - 2] && px[2 * v + 1] === px[2 * end - 1]) {
        n -= 1;  // (Leaflet holds a ring without its repeated last vertex)
      }
      if (!tolerance || n <= 2) { keep.fill(1, v, v + n); v = end; continue; }
      if (scratch.idx.length < n) { scratch.idx = new Int32Array(2 * n); scratch.mark = new Uint8Array(2 * n); }
      var idx = scratch.idx, mark = scratch.mark, m = 0, prev = v;
      idx[m++] = v;
      for (var w = v + 1; w < v + n; w += 1) {
        var dx = px[2 * w] - px[2 * prev], dy = px[2 * w + 1] - px[2 * prev + 1];
        if (dx * dx + dy * dy > sq) { idx[m++] = w; prev = w; }
      }
      if (prev < v + n - 1) { idx[m++] = v + n - 1; }
      mark.fill(0, 0, m);
      mark[0] = mark[m - 1] = 1;
      simplifyStep(px, idx, mark, sq, 0, m - 1);
      for (var i = 0; i < m; i += 1) { if (mark[i]) { keep[idx[i]] = 1; } }
      v = end;
    }
  }

  function simplifyStep(px, idx, mark, sq, first, last) {
    // one step of Douglas-Peucker over the vertices idx[first..last] (L.LineUtil._simplifyDPStep)
    var x1 = px[2 * idx[first]], y1 = px[2 * idx[first] + 1], x2 = px[2 * idx[last]], y2 = px[2 * idx[last] + 1];
    var most = 0, index = -1;
    for (var i = first + 1; i <= last - 1; i += 1) {
      var d = sqSegmentDistance(px[2 * idx[i]], px[2 * idx[i] + 1], x1, y1, x2, y2);
      if (d > most) { index = i; most = d; }
    }
    if (most > sq) {
      mark[index] = 1;
      simplifyStep(px, idx, mark, sq, first, index);
      simplifyStep(px, idx, mark, sq, index, last);
    }
  }

  function flatGeometry(kind, c, scale, at) {
    // decode a line or area of the data into flat.xy from vertex `at` on: {v0, ends, parts,
    // bounds, next (the first vertex after it)}
    var xy = flat.xy, v = at, ends = [];
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    function seq(list) {
      var x = 0, y = 0;
      for (var i = 0; i < list.length; i += 2, v += 1) {
        x += list[i];
        y += list[i + 1];
        var lng = x / scale, lat = y / scale;
        xy[2 * v] = lng;
        xy[2 * v + 1] = lat;
        if (lng < minX) { minX = lng; } if (lng > maxX) { maxX = lng; }
        if (lat < minY) { minY = lat; } if (lat > maxY) { maxY = lat; }
      }
      ends.push(v);
    }
    eachSequence(kind, c, seq);
    return {v0: at, ends: ends, next: v, bounds: L.latLngBounds([minY, minX], [maxY, maxX]),
            parts: kind === 'MA' ? c.map(function (rings) { return rings.length; }) : null};
  }

  function eachSequence(kind, c, fn) {
    // call fn with each vertex sequence (a line, a ring) of a line or area of the data, in order
    if (kind === 'L') { fn(c); }
    else if (kind === 'ML' || kind === 'A') { c.forEach(fn); }
    else if (kind === 'MA') { c.forEach(function (rings) { rings.forEach(fn); }); }
  }

  function flatVertices(rows) {
    // how many vertices the lines and areas of `rows` have
    var n = 0;
    function count(list) { n += list.length / 2; }
    rows.forEach(function (row) {
      if (row[7]) { eachSequence(row[7][0], row[7][1], count); }
    });
    return n;
  }

  function makeFeature(row, scale, renderer, at) {
    // one row of the data ([id, name, kind, sector, precision, flags, radius, geometry]) -> layer;
    // with `at` (the next free vertex of flat.xy), lines and areas are flat ones (canvas)
    var g = row[7];
    if (!g) { return null; }
    var p = {id: row[0], name: row[1], k: row[2], s: row[3], p: row[4]};
    if (row[5] & 1) { p.u = 1; }
    if (row[5] & 2) { p.w = 1; }
    if (row[6]) { p.r = row[6]; }
    var st = Object.assign({renderer: renderer, className: 'mapapp-feature mapapp-f-' + p.id.replace(/[^A-Za-z0-9_-]/g, '_')},
                           M.style(p));
    var layer, c = g[1];
    var seqs = function (list) { return list.map(function (s) { return latLngs(s, scale); }); };
    if (at !== undefined && (g[0] === 'L' || g[0] === 'ML' || g[0] === 'A' || g[0] === 'MA')) {
      var geometry = flatGeometry(g[0], c, scale, at.next);
      at.next = geometry.next;
      layer = new Flat[g[0] === 'A' || g[0] === 'MA' ? 'Polygon' : 'Polyline'](geometry, st);
    } else if (g[0] === 'P') {
      // a point keeps its click (the map does not see it), so a spread stack stays open
      layer = L.circleMarker(latLngs(c, scale)[0], Object.assign(st, {bubblingMouseEvents: false}));
    } else if (g[0] === 'L') {
      layer = L.polyline(latLngs(c, scale), st);
    } else if (g[0] === 'ML') {
      layer = L.polyline(seqs(c), st);
    } else if (g[0] === 'A') {
      layer = L.polygon(seqs(c), st);
    } else if (g[0] === 'MA') {
      layer = L.polygon(c.map(seqs), st);
    } else {  // any other geometry type, as GeoJSON
      layer = L.GeoJSON.geometryToLayer({type: 'Feature', properties: p, geometry: c}, {
        pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign({}, st, {bubblingMouseEvents: false})); },
        style: function () { return st; }
      });
      if (layer.eachLayer) { layer.eachLayer(function (l) { l.feature = {type: 'Feature', properties: p}; }); }
    }
    layer.feature = {type: 'Feature', properties: p};
    return layer;
  }

  M.load = function (url) {
    // fetch the build's display geometry once (gzip-compressed JSON, served as a file) and build
    // one layer per feature, off the map until a selection shows it
    window.mapappDrawn = -1;
    M.times = {load: performance.now()};  // milliseconds since the map frame opened (read by the benches)
    var pre = window.mapappPrefetch;  // started by prefetch.js before the libraries loaded
    var read = pre && pre.url === url ? pre.data : window.mapappReadPack(url);
    return read.then(function (data) {
      M.times.parsed = performance.now();
      var renderer = M.renderer, scale = data.scale, rows = data.features, k = 0, features = [];
      var at = {next: 0};  // the next free vertex of flat.xy
      if (renderer) {  // the canvas' lines and areas keep their vertices in flat.xy
        var n = flatVertices(rows);
        flat.xy = new Float64Array(2 * n);
        flat.px = new Float64Array(2 * n);
        flat.keep = new Uint8Array(n);
      }
      data.layers.forEach(function (entry) {
        var group = M.groups[LAYERS.indexOf(entry[0])];
        var flatHere = renderer && entry[0] === 'shapes' ? at : undefined;
        for (var end = k + entry[1]; k < end; k += 1) {
          var layer = makeFeature(rows[k], scale, entry[0] === 'area' ? undefined : renderer, flatHere);
          if (layer) { M.byId[rows[k][0]] = layer; }
          M.index[rows[k][0]] = features.length;
          features.push({id: rows[k][0], layer: layer, group: group});
        }
      });
      M.features = features;
      M.shownMask = new Uint8Array(features.length);
      M.times.built = performance.now();
      if (M.want) { M.applyNow(); }
    });
  };

  M.apply = function (selection) {
    M.times.received = performance.now();  // the selection script ran (read by bench/app_timeline.py)
    M.want = selection;
    if (selection.words) { M.setWords(selection.words); }
    M.setLegend(selection.legend || '');
    window.mapappDrawn = -1;
    if (M.tiledLayer) { M.applyTiled(); } else if (M.features) { M.applyNow(); }
  };

  function fitSelection(box) {
    // fit the selection's box ([[s, w], [n, e]] or null), unless it is the box last fitted (a rerun
    // that kept the selection leaves the view alone) or the view already shows the whole box at the
    // zoom the fit would choose: a move redraws every feature on the map (all of them re-projected
    // and clipped), which for a shift of a few pixels costs more than the rest of the change
    var key = JSON.stringify(box || null);
    if (!box || key === M.fittedBox) { return; }
    M.fittedBox = key;
    var map = M.map, fit = {padding: L.point(24, 24), maxZoom: 13, animate: false}, bounds = L.latLngBounds(box);
    var target = map._getBoundsCenterZoom(bounds, fit);
    if (target.zoom === map.getZoom() && map.getBounds().contains(bounds)) { return; }
    map.setView(target.center, target.zoom, fit);
  }

  function bits(base64) {
    var raw = atob(base64 || ''), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  M.selected = function (i) {
    // whether feature i (in the data's order) is in the current selection
    var m = M.wantBits;
    return !!(m && (m[i >> 3] >> (i & 7)) & 1);
  };

  M.applyNow = function () {
    var sel = M.want, map = M.map, features = M.features, shown = M.shownMask;
    var started = performance.now();
    M.wantBits = bits(sel.mask);
    M.drawKey = sel.mask;  // what the canvas draws (its redraw copies are kept per selection)
    var add = LAYERS.map(function () { return []; }), remove = LAYERS.map(function () { return []; });
    var firstAdded = -1, lastKept = -1;  // in the data's order, among lines and areas
    var held = M.groups.map(function () { return []; });  // hiding layers put on the map the first time
    var hidden = 0;  // hiding layers shown or hidden
    for (var i = 0; i < features.length; i += 1) {
      var f = features[i];
      if (!f.layer) { continue; }
      var want = M.selected(i) ? 1 : 0;
      var flat = f.group.mapappName !== 'points';
      if (hides(f.group)) {
        if (!f.held) { f.held = true; f.layer._mapappHidden = !want; f.layer.options.interactive = !!want;
                       held[LAYERS.indexOf(f.group.mapappName)].push(f.layer); }
        else if (want !== shown[i]) { setHidden(f.layer, !want); hidden += 1; }
        shown[i] = want;
        continue;
      }
      if (want === shown[i]) {
        if (want && flat) { lastKept = i; }
        continue;
      }
      shown[i] = want;
      (want ? add : remove)[LAYERS.indexOf(f.group.mapappName)].push(f.layer);
      if (want && flat && firstAdded < 0) { firstAdded = i; }
    }
    // remove first, fit the view, then add: nothing is drawn twice
    M.groups.forEach(function (g, j) {
      if (g.removeLayers) { g.removeLayers(remove[j]); } else { remove[j].forEach(function (l) { g.removeLayer(l); }); }
    });
    fitSelection(sel.box);
    M.groups.forEach(function (g, j) { held[j].forEach(function (l) { g.addLayer(l); }); });
    if (hidden || held.some(function (h) { return h.length; })) { M.renderer.redrawAll(); }
    M.groups.forEach(function (g, j) {
      if (!add[j].length) { return; }
      if (g.addLayers) { g.addLayers(add[j]); return; }
      add[j].forEach(function (l) { g.addLayer(l); });
    });
    if (firstAdded >= 0 && firstAdded < lastKept) {
      // added layers went on top of kept ones that should be above them: from the first added
      // one on, put what is shown back in drawing order
      for (var k = firstAdded; k < features.length; k += 1) {
        var l = features[k].layer;
        if (shown[k] && l && l._map && features[k].group.mapappName !== 'points' && !hides(features[k].group)) {
          l.bringToFront();
        }
      }
    }
    if (firstAdded >= 0) {  // points stay above lines and areas
      M.groups[2].eachLayer(function (l) { if (l._map && l.bringToFront) { l.bringToFront(); } });
    }
    M.groups.forEach(function (g) { g.mapappCount = 0; });
    for (var n = 0; n < features.length; n += 1) { if (shown[n]) { features[n].group.mapappCount += 1; } }
    map.fire('mapapp:selection', {selected: M.selected});
    M.times.apply = performance.now() - started;
    M.times.applied = performance.now();
    M.drawn();
  };

  M.bindToggle = function (name, group) {
    // the layer `name` is on the map while `group` (its entry in the layer control) is; a group
    // replaced by the next rerun's does not take the layer off on its way out
    var layer = M.groups[LAYERS.indexOf(name)];
    M.toggles[name] = group;
    // (a tiled map draws the layer's features from the tiles while the layer is on the map)
    group.on('add', function () {
      if (M.toggles[name] === group && !layer._map) { M.map.addLayer(layer); if (M.tiledOn()) { M.repaintTiled(); } }
    });
    group.on('remove', function () {
      Promise.resolve().then(function () {
        if (M.toggles[name] === group && layer._map) { M.map.removeLayer(layer); if (M.tiledOn()) { M.repaintTiled(); } }
      });
    });
  };

  M.setLegend = function (html) {
    if (M.legendBody) { M.legendBody.innerHTML = html; }  // made and escaped by the page (render.py)
  };

  M.shown = function (id) {
    // the layer of feature `id` if it is in the current selection, else null
    var i = id && M.features ? M.index[id] : undefined;
    return i !== undefined && M.shownMask[i] ? M.features[i].layer : null;
  };

  M.drawn = function () {
    M.highlight(M.selectedId);
    M.drawNames();
    // after the next frame is painted: how many features are on the map (read by tests and bench)
    requestAnimationFrame(function () { setTimeout(function () {
      var n = 0;
      M.groups.forEach(function (g) { if (g._map) { n += g.mapappCount; } });
      if (M.tiledLayer) { n = M.tiledCount; }  // drawn from tiles: the features selected
      M.times.painted = performance.now();
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
    var layer = M.shown(id);
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

  // ---- the vector-tile layer (builds above the threshold) ---------------------------------
  var TILE_BRUSH = 6;  // px: how near a click must be to a line or point of the tiles to pick it

  function tileLayerOf(f) { return f.props.w ? 'area' : (f.geomType === 1 ? 'points' : 'shapes'); }

  function shown(f) {
    // a tile feature (MVT id = its position in the data's order) is drawn when it is selected and
    // its layer is switched on in the layer control
    var g = M.groups[LAYERS.indexOf(tileLayerOf(f))];
    return f.id !== undefined && M.selected(f.id) && !!(g && g._map);
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

  M.tiledInit = function (map, options) {
    // the one tile layer of the map, on it from the start (like the feature layers, so st_folium
    // hears the clicks it reports); it draws nothing until a selection arrives
    if (!window.protomapsL) { throw new Error('protomaps-leaflet is not loaded'); }
    M.tiledLayer = window.protomapsL.leafletLayer({url: options.tilesUrl, paintRules: tiledRules(), labelRules: [],
                                                  maxDataZoom: options.maxDataZoom, attribution: ''});
    M.tiledLayer.on('load', tilesPainted);
    M.tiledLayer.addTo(map);
  };

  M.repaintTiled = function () {
    // repaint the tiles on the map from the tiles already held (a new selection, layer or highlight);
    // window.mapappTilesLoaded counts settled paints and loads (read by tests and the bench)
    var layer = M.tiledLayer, jobs = [];
    Object.keys(layer._tiles || {}).forEach(function (k) {
      var coords = layer._wrapCoords(layer._keyToTileCoords(k));
      jobs.push(layer.renderTile(coords, layer._tiles[k].el, layer._tileCoordsToKey(coords)));
    });
    Promise.all(jobs).then(tilesPainted, tilesPainted);
  };

  M.tiledOn = function () { return !!(M.tiledLayer && M.tiledLayer._map); };

  M.applyTiled = function () {
    var sel = M.want, started = performance.now();
    M.wantBits = bits(sel.mask);
    M.tiledFocus = sel.focus || null;
    var n = 0;
    for (var i = 0; i < M.wantBits.length; i += 1) { for (var v = M.wantBits[i]; v; v &= v - 1) { n += 1; } }
    M.tiledCount = n;
    fitSelection(sel.box);
    if (M.tiledOn()) { M.repaintTiled(); }
    M.map.fire('mapapp:selection', {selected: M.selected});
    M.times.apply = performance.now() - started;
    M.times.applied = performance.now();
    M.drawn();
  };

  M.pickTiled = function (e) {
    // the topmost selected feature of the tiles under a map click: points, then lines and outlines,
    // then the polygon drawn last (the highest position); st_folium hears it as a click on the
    // tile layer holding that feature
    if (!M.tiledOn()) { return; }
    var found = M.tiledLayer.queryTileFeaturesDebug(e.latlng.lng, e.latlng.lat, TILE_BRUSH);
    var best = null;
    found.forEach(function (picked) {
      picked.forEach(function (p) {
        var f = p.feature;
        if (!shown(f)) { return; }
        var rank = [f.geomType === 1 ? 2 : (f.geomType === 2 ? 1 : 0), f.id];
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
    var box = M.tiledFocus && M.tiledFocus.id === id ? M.tiledFocus.box : null;
    if (how === 'url' && box) {
      M.map.fitBounds(L.latLngBounds(box), {padding: [30, 30], maxZoom: POINT_ZOOM, animate: false});
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
    if (openedWith !== null) { M.checkLink(); }
    var id = M.urlId();
    if (id === M.urlSeen) { return; }
    if (!id) {
      M.urlSeen = id;
      M.selectedId = M.focusedId = null;
      M.focusLayer.clearLayers();
      if (M.tiledOn()) { M.repaintTiled(); }
      return;
    }
    if (M.clicked[id]) { M.urlSeen = id; return; }
    if (M.tiledLayer) {  // features drawn from tiles: the page sends the selected feature's box
      if (!M.tiledFocus || M.tiledFocus.id !== id) { return; }  // not sent (yet): try again on the next tick
      M.urlSeen = id;
      M.clicked = {};
      if (id !== M.focusedId) { M.selectTiled(id, 'url'); }
      return;
    }
    if (!M.shown(id)) { return; }  // not drawn (yet): try again on the next tick
    M.urlSeen = id;
    M.clicked = {};
    if (id !== M.focusedId) { M.select(id, 'url'); }
  };
})();
