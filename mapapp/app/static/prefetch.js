/* mapapp: the first script of the map's frame (assets.js_links). It starts fetching and decoding
 * the map's features, the gzip-compressed JSON named by `url` in this script's own query string,
 * while the libraries after it load one by one; mapapp.load then takes the result
 * (window.mapappPrefetch) instead of fetching it again. */
(function () {
  'use strict';
  var script = document.currentScript;
  var url = script && new URL(script.src).searchParams.get('url');
  if (!url || !window.fetch || !window.DecompressionStream) { return; }
  var data = fetch(url).then(function (r) {
    if (!r.ok) { throw new Error('features: HTTP ' + r.status); }
    return new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).json();
  });
  data.catch(function () {});  // a failure is reported by mapapp.load, which takes this promise
  window.mapappPrefetch = {url: url, data: data};
})();
