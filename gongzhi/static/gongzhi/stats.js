/* The dashboards' charts (ECharts) and grid map (Leaflet, no tile layer: pages work offline).

   Chart options are built on the server (gongzhi/stats/charts.py) and read from the
   json_script element named by each container's data-source; they go to setOption as they are.
   The map reads {grids, points, outlines} from its own json_script element. Content swapped in
   by htmx (the wall screen refreshes every minute) is drawn the same way, after the old charts
   and map are disposed of. */
(function () {
  "use strict";

  var GRID_COLOURS = { overdue: "#d32f2f", open: "#f9a825", clear: "#43a047", unknown: "#1565c0" };

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function themeOf(element) {
    var holder = element.closest("[data-chart-theme]");
    return holder ? holder.dataset.chartTheme : null;
  }

  function drawChart(element) {
    var options = readJson(element.dataset.source);
    var option = options && options[element.dataset.chart];
    if (!option || typeof echarts === "undefined") {
      return;
    }
    var theme = themeOf(element);
    if (theme) {
      option.backgroundColor = "transparent";
    }
    var chart = echarts.init(element, theme, { renderer: "canvas" });
    chart.setOption(option);
    element.dataset.drawn = "chart";
  }

  function gridLayer(grid, dark) {
    var colour = GRID_COLOURS[grid.state] || GRID_COLOURS.unknown;
    var style = { color: dark ? "#cfd8dc" : "#37474f", weight: 1, fillColor: colour, fillOpacity: 0.45 };
    var layer;
    if (grid.boundary) {
      layer = L.geoJSON(grid.boundary, { style: style });
    } else {
      // A grid without a boundary is drawn at its centre point.
      layer = L.circleMarker(grid.centre, {
        radius: 11,
        color: style.color,
        weight: 1,
        fillColor: colour,
        fillOpacity: 0.8,
      });
    }
    // Names and counts show on hover: permanent labels of small neighbouring grids overlap.
    layer.bindTooltip(grid.tip, { sticky: true });
    layer.on("click", function () {
      window.location.href = grid.url;
    });
    layer.on("mouseover", function () {
      layer.setStyle({ fillOpacity: 0.75 });
    });
    layer.on("mouseout", function () {
      layer.setStyle({ fillOpacity: grid.boundary ? 0.45 : 0.8 });
    });
    return layer;
  }

  function pointLayer(point) {
    var marker = L.circleMarker([point.lat, point.lng], {
      radius: 5,
      color: "#fff",
      weight: 2,
      fillColor: point.overdue ? "#b71c1c" : "#1565c0",
      fillOpacity: 1,
    });
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.number;
    var popup = document.createElement("div");
    popup.appendChild(link);
    popup.appendChild(document.createTextNode(" " + point.category));
    marker.bindPopup(popup);
    return marker;
  }

  function drawMap(element) {
    var data = readJson(element.dataset.source);
    if (!data || typeof L === "undefined") {
      return;
    }
    var dark = themeOf(element) === "dark";
    var map = L.map(element, { attributionControl: false, zoomSnap: 0.25 });
    // Layers are made first and added once the view is set: Leaflet clips vector paths to
    // the view, which does not exist before fitBounds.
    var layers = [];
    var bounds = L.latLngBounds([]);
    data.outlines.forEach(function (outline) {
      var layer = L.geoJSON(outline.boundary, {
        style: {
          color: outline.own ? "#b3261e" : dark ? "#90caf9" : "#0d47a1",
          weight: outline.own ? 3 : 2,
          fill: false,
        },
        interactive: false,
      });
      bounds.extend(layer.getBounds());
      layers.push(layer);
    });
    data.grids.forEach(function (grid) {
      var layer = gridLayer(grid, dark);
      bounds.extend(grid.boundary ? layer.getBounds() : layer.getLatLng());
      layers.push(layer);
    });
    data.points.forEach(function (point) {
      var marker = pointLayer(point);
      bounds.extend(marker.getLatLng());
      layers.push(marker);
    });
    if (!bounds.isValid()) {
      return;
    }
    map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
    layers.forEach(function (layer) {
      layer.addTo(map);
    });
    element._statsMap = map;
    element.dataset.drawn = "map";
  }

  function draw(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var charts = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    var maps = Array.prototype.slice.call(root.querySelectorAll("[data-stats-map]"));
    if (root.matches("[data-chart]")) {
      charts.push(root);
    }
    if (root.matches("[data-stats-map]")) {
      maps.push(root);
    }
    charts.forEach(function (element) {
      if (!element.dataset.drawn) {
        drawChart(element);
      }
    });
    maps.forEach(function (element) {
      if (!element.dataset.drawn) {
        drawMap(element);
      }
    });
  }

  function dispose(element) {
    if (element.dataset.drawn === "chart" && typeof echarts !== "undefined") {
      echarts.dispose(element);
    } else if (element._statsMap) {
      element._statsMap.remove();
      element._statsMap = null;
    }
  }

  window.addEventListener("resize", function () {
    if (typeof echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-drawn='chart']").forEach(function (element) {
      var chart = echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  });

  if (window.htmx) {
    // Runs for the page once htmx is ready, then for every piece of content it swaps in.
    htmx.onLoad(draw);
    // htmx announces every element it is about to remove; let go of their charts and maps.
    document.addEventListener("htmx:beforeCleanupElement", function (event) {
      if (event.target.dataset && event.target.dataset.drawn) {
        dispose(event.target);
      }
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      draw(document.body);
    });
  }
})();
