/* The kernel-free explorers (labs/twins.py writes their HTML; tools/book_html.py adds this file,
 * after Vega, Vega-Lite and vega-embed, to the pages that have one).
 *
 * No numbers are computed here. When the book was built, labs ran every setting of the grid and
 * wrote the results into the Vega-Lite spec, with one readout string per setting. This script
 * draws the spec with vega-embed and, when a slider moves, sets the chart's param to the slider's
 * index, shows the slider's label and the setting's readout. After each redraw the explorer's
 * element gets data-renders (a count) and data-render-ms (the time from the slider's event to the
 * drawn chart), which the browser tests read.
 */
(function () {
  "use strict";

  function setUp(root) {
    var data = JSON.parse(root.querySelector("script.book-explorer-data").textContent);
    var chart = root.querySelector(".book-explorer-chart");
    var readout = root.querySelector(".book-explorer-readout");
    var inputs = data.sliders.map(function (s) {
      return root.querySelector('input[type="range"][data-param="' + s.name + '"]');
    });
    if (typeof window.vegaEmbed !== "function") { return; }  // the fallback text stays

    window.vegaEmbed(chart, data.spec, {actions: false, renderer: "svg"}).then(function (result) {
      var view = result.view;
      var fallback = chart.querySelector(".book-explorer-fallback");
      if (fallback) { fallback.remove(); }
      root.dataset.renders = "0";

      function update(event) {
        var started = event && event.timeStamp !== undefined ? event.timeStamp : performance.now();
        var index = 0;
        data.sliders.forEach(function (s, n) {
          var k = Number(inputs[n].value);
          var text = s.values[k];
          inputs[n].setAttribute("aria-valuetext", text);
          root.querySelector('output[for="' + inputs[n].id + '"]').textContent = text;
          view.signal(s.name, k);
          index = index * s.values.length + k;  // row-major, as labs wrote the readouts
        });
        readout.textContent = data.readouts[index];
        return view.runAsync().then(function () {
          requestAnimationFrame(function () {
            root.dataset.renderMs = (performance.now() - started).toFixed(1);
            root.dataset.renders = String(Number(root.dataset.renders) + 1);
          });
        });
      }

      inputs.forEach(function (input) { input.addEventListener("input", update); });
      update();
    }).catch(function (error) {
      console.error("book-explorers: the chart could not be drawn", error);
    });
  }

  function start() {
    document.querySelectorAll(".book-explorer").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
