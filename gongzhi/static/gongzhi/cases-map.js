/* A case's point on its grid's boundary (Leaflet without tiles). */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-case-map]").forEach(function (element) {
      var data = JSON.parse(document.getElementById(element.dataset.source).textContent);
      var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
      var point = L.circleMarker(data.point, {
        radius: 9,
        color: "#fff",
        weight: 3,
        fillColor: "#b3261e",
        fillOpacity: 1,
      }).addTo(map);
      if (data.boundary) {
        var grid = L.geoJSON(data.boundary, {
          style: { color: "#1565c0", weight: 2, fillColor: "#1565c0", fillOpacity: 0.1 },
          interactive: false,
        }).addTo(map);
        var bounds = grid.getBounds();
        // The name sits inside the top edge, where it cannot hide the point.
        L.tooltip({ permanent: true, direction: "bottom", className: "area-label", interactive: false })
          .setLatLng([bounds.getNorth(), bounds.getCenter().lng])
          .setContent(data.label)
          .addTo(map);
        map.fitBounds(bounds, { padding: [12, 12] });
      } else {
        map.setView(data.point, 16);
      }
      point.bringToFront();
    });
  });
})();
