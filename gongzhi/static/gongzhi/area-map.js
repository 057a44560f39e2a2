/* Draws an area's boundary and its children's on a Leaflet map without any tile layer
   (pages must work offline). Data comes from a json_script element named by data-source. */
(function () {
  "use strict";

  var OWN_STYLE = { color: "#b3261e", weight: 3, fillColor: "#b3261e", fillOpacity: 0.04 };
  var CHILD_STYLE = { color: "#1565c0", weight: 1.5, fillColor: "#1565c0", fillOpacity: 0.15 };

  function draw(element) {
    var data = JSON.parse(document.getElementById(element.dataset.source).textContent);
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    var own = L.geoJSON(data.area.boundary, { style: OWN_STYLE, interactive: false }).addTo(map);
    var bounds = own.getBounds();
    // Name every child on the map while there are few; with many, names show on hover.
    var labelled = data.children.length <= 12;
    data.children.forEach(function (child) {
      var layer = L.geoJSON(child.boundary, { style: CHILD_STYLE });
      layer.bindTooltip(child.name, {
        permanent: labelled,
        direction: labelled ? "center" : "auto",
        sticky: !labelled,
        className: labelled ? "area-label" : "",
      });
      layer.on("click", function () {
        window.location.href = child.url;
      });
      layer.on("mouseover", function () {
        layer.setStyle({ fillOpacity: 0.35 });
      });
      layer.on("mouseout", function () {
        layer.setStyle({ fillOpacity: CHILD_STYLE.fillOpacity });
      });
      layer.addTo(map);
      bounds.extend(layer.getBounds());
    });
    map.fitBounds(bounds, { padding: [12, 12] });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-area-map]").forEach(draw);
  });
})();
