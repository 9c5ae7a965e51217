"""The interactive map: a Streamlit page over the build, with folium/Leaflet served locally.

`launch.launch(project, ...)` starts it (used by `mapapp app`); `page.main()` is the page script;
`layers` turns the feature table into cached display GeoJSON and the folium map; nothing here
changes the data: filters and exports are the library's (`mapapp.features`, `mapapp.export`).
"""
