/* mapapp: the first script of the map's frame (assets.js_links). It starts fetching and decoding
 * the map's features, the gzip-compressed JSON named by `url` in this script's own query string,
 * while the libraries after it load one by one; mapapp.load then takes the result
 * (window.mapappPrefetch) instead of fetching it again. It also preloads the scripts named in
 * `scripts` (comma-separated), which st_folium then loads one by one from the cache. */
(function () {
  'use strict';
  var script = document.currentScript;
  var params = script && new URL(script.src).searchParams;
  var url = params && params.get('url');
  // st_folium loads the scripts after this one one by one (each after the previous has run):
  // asking for them all now lets those loads come from the cache instead of a round trip each
  ((params && params.get('scripts')) || '').split(',').forEach(function (src) {
    if (!src) { return; }
    var link = document.createElement('link');
    link.rel = 'preload';
    link.as = 'script';
    link.href = src;
    document.head.appendChild(link);
  });
  // the one reader of a feature pack: returns a promise of its decoded JSON (mapapp.load uses it too)
  window.mapappReadPack = function (packUrl) {
    return fetch(packUrl).then(function (r) {
      if (!r.ok) { throw new Error('features: HTTP ' + r.status); }
      return new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).json();
    });
  };
  if (!url || !window.fetch || !window.DecompressionStream) { return; }
  var data = window.mapappReadPack(url);
  data.catch(function () {});  // a failure is reported by mapapp.load, which takes this promise
  window.mapappPrefetch = {url: url, data: data};
})();
