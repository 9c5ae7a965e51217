/* A prototype of another map host for the app (bench/map_host_prototype.py; measured for issue 14,
 * not part of the app): a Streamlit v2 component that keeps one map frame across reruns, a
 * same-origin iframe made once from the folium map's document (data.doc; a new document, e.g.
 * another basemap, makes a new frame). Each rerun's layer script (data.update: the feature groups,
 * whose first one carries the selection for mapapp.apply, and the layer control) runs in the live
 * map without reloading it. Clicks come back as the trigger value `click`: {last_clicked,
 * last_object_clicked, last_active_drawing}, the fields st_folium returned. The mark
 * 'mapapp-host-data' (performance.mark, read by bench/app_timeline.py) is when the data arrived.
 *
 * Streamlit calls the default export once per rerun whose data changed, with the same
 * parentElement while the element stays on the page. */
export default function (component) {
  var parent = component.parentElement, data = component.data || {};
  if (typeof performance !== 'undefined' && performance.mark) { performance.mark('mapapp-host-data'); }
  var host = parent.mapappHost;
  if (!host || host.docKey !== data.docKey) {
    if (host) { host.frame.remove(); }
    var frame = document.createElement('iframe');
    frame.name = 'mapapp-map';
    frame.title = 'mapapp map';
    frame.style.cssText = 'width:100%;border:0;display:block';
    host = parent.mapappHost = {docKey: data.docKey, frame: frame, win: null, update: null, applied: null};
    // the frame's last script calls this with its window once the map exists (frameElement.mapappReady)
    frame.mapappReady = function (win) {
      host.win = win;
      win.mapappHost.bind(function (value) { host.trigger('click', value); });
      flush(host);
    };
    frame.srcdoc = data.doc;
    parent.appendChild(frame);
  }
  host.frame.style.height = (data.height || 640) + 'px';
  host.trigger = component.setTriggerValue;
  host.update = data.update || '';
  flush(host);
}

function flush(host) {
  if (!host.win || host.update === host.applied) { return; }
  host.applied = host.update;
  host.win.mapappHost.update(host.update);
}
