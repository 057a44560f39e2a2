/* The report forms (grid member and public): location from the phone's GPS or a tap on a
   map of grid boundaries (Leaflet without tiles), photo previews, and the 现场自处置 switch.
   Messages come from data-msg-* attributes, translated by the template. */
(function () {
  "use strict";

  var GRID_STYLE = { color: "#1565c0", weight: 1.5, fillColor: "#1565c0", fillOpacity: 0.12 };
  var POINT_STYLE = { radius: 9, color: "#fff", weight: 3, fillColor: "#b3261e", fillOpacity: 1 };

  function message(element, name, value) {
    var text = element.getAttribute("data-msg-" + name) || "";
    return value === undefined ? text : text.replace("%s", value);
  }

  function setupLocation(form) {
    var lat = form.querySelector("input[name='lat']");
    var lng = form.querySelector("input[name='lng']");
    if (!lat || !lng) return;
    var gps = form.querySelector("[data-gps]");
    var status = form.querySelector("[data-gps-status]");
    var mapElement = form.querySelector("[data-pick-map]");
    var map = null;
    var marker = null;

    function place(latitude, longitude, how) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      if (map) {
        if (marker) marker.setLatLng([latitude, longitude]);
        else marker = L.circleMarker([latitude, longitude], POINT_STYLE).addTo(map);
        if (how === "gps") map.setView([latitude, longitude], Math.max(map.getZoom(), 15));
      }
      // The grid hint (htmx) listens for this and asks the server which grid it is.
      document.body.dispatchEvent(new CustomEvent("gz:located"));
    }

    if (mapElement && window.L) {
      var grids = JSON.parse(document.getElementById(mapElement.dataset.source).textContent);
      map = L.map(mapElement, { attributionControl: false, zoomSnap: 0.25 });
      var all = L.featureGroup().addTo(map);
      var labelled = grids.length <= 12;
      grids.forEach(function (grid) {
        var layer = L.geoJSON(grid.boundary, { style: GRID_STYLE, interactive: false }).addTo(all);
        if (labelled) {
          // Names sit inside each grid's top edge, clear of the marker the user places.
          var bounds = layer.getBounds();
          L.tooltip({ permanent: true, direction: "bottom", className: "area-label", interactive: false })
            .setLatLng([bounds.getNorth(), bounds.getCenter().lng])
            .setContent(grid.name)
            .addTo(map);
        }
      });
      if (grids.length) map.fitBounds(all.getBounds(), { padding: [8, 8] });
      else map.setView([29.88, 121.85], 12);
      map.on("click", function (event) {
        place(event.latlng.lat, event.latlng.lng, "map");
        if (status) status.textContent = message(gps, "picked");
      });
    }

    function locate() {
      if (!navigator.geolocation) {
        status.textContent = message(gps, "unsupported");
        return;
      }
      status.textContent = message(gps, "locating");
      gps.setAttribute("aria-busy", "true");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          gps.removeAttribute("aria-busy");
          place(position.coords.latitude, position.coords.longitude, "gps");
          var accuracy = Math.round(position.coords.accuracy || 0);
          status.textContent = accuracy > 0 ? message(gps, "ok", accuracy) : message(gps, "located");
        },
        function (error) {
          gps.removeAttribute("aria-busy");
          status.textContent = message(gps, error.code === 1 ? "denied" : "failed");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    }

    if (gps) gps.addEventListener("click", locate);
    if (lat.value && lng.value) {
      place(parseFloat(lat.value), parseFloat(lng.value), "restore");
    } else if (gps && form.hasAttribute("data-auto-gps") && navigator.geolocation) {
      locate(); // a grid member opens the form on site: ask for the position straight away
    }
  }

  function setupPhotos(form) {
    form.querySelectorAll("[data-photo-field]").forEach(function (field) {
      var input = field.querySelector("input[type='file']");
      var count = field.querySelector("[data-photo-count]");
      var preview = field.querySelector("[data-photo-preview]");
      var max = parseInt(field.getAttribute("data-max") || "9", 10);
      input.addEventListener("change", function () {
        preview.innerHTML = "";
        var files = Array.prototype.slice.call(input.files || []);
        count.textContent = files.length ? message(field, "count", files.length) : "";
        if (files.length > max) {
          count.textContent = message(field, "too-many");
          input.value = "";
          return;
        }
        files.forEach(function (file) {
          if (!/^image\//.test(file.type)) return;
          var item = document.createElement("li");
          var image = document.createElement("img");
          image.alt = "";
          image.src = URL.createObjectURL(file);
          image.onload = function () {
            URL.revokeObjectURL(image.src);
          };
          item.appendChild(image);
          preview.appendChild(item);
        });
      });
    });
  }

  function setupOnSite(form) {
    var toggle = form.querySelector("[data-on-site-toggle]");
    var fields = form.querySelector("[data-on-site-fields]");
    if (!toggle || !fields) return;
    toggle.addEventListener("change", function () {
      fields.hidden = !toggle.checked;
    });
  }

  function setupSubmit(form) {
    // One tap is enough: block a second submit while photos upload on a slow connection.
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type='submit']");
      if (button) {
        setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-busy", "true");
        }, 0);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-report-form]").forEach(function (form) {
      setupLocation(form);
      setupPhotos(form);
      setupOnSite(form);
      setupSubmit(form);
    });
    // Photo fields in other forms (the case page's actions, a campaign's post form).
    document.querySelectorAll(".action-panel form, [data-photo-form]").forEach(setupPhotos);
  });
})();
