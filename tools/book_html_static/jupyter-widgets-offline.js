/* Loaded just before @jupyter-widgets/html-manager's embed-amd.js on pages with saved widgets
 * (tools/book_html.py adds it). Three things the widget manager gets wrong in this book:
 *
 * 1. Its fonts: embed-amd.js looks for them next to the page (book/@jupyter-widgets/...);
 *    they sit beside embed-amd.js in _static/npm/html-manager/. RequireJS is told where the
 *    bundle lives, and window.__jupyter_widgets_assets_path__ names that folder.
 * 2. MathJax: ipywidgets typesets widget labels with MathJax 2's MathJax.Hub.Queue, and
 *    throws when the page has MathJax 3 (which has no Hub). A small Hub.Queue that calls
 *    MathJax 3's typesetPromise fixes both the error and the typesetting.
 * 3. Accessibility: the slider handle (role="slider") has no accessible name, and the figure
 *    an Output widget shows has no alt text. Once the widgets are rendered, each handle is
 *    named after its description and each figure gets an alt text naming the settings it
 *    was drawn for.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var manager = new URL("npm/html-manager/", here).href;
    window.__jupyter_widgets_assets_path__ = manager;
    // The bundle computes its public path from its AMD module's URL, which RequireJS resolves
    // relative to the page unless told where the module lives. RequireJS takes a global
    // `require` object defined before it loads as its configuration.
    if (typeof window.require === "undefined") {
      window.require = {paths: {"@jupyter-widgets/html-manager/dist": manager.replace(/\/$/, "")}};
    }
  }

  function installMathJaxHub() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) { return; }
    mj.Hub = {
      Queue: function () {
        var elements = [];
        Array.prototype.forEach.call(arguments, function (job) {
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) { elements.push(job[2]); }
        });
        var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
        ready.then(function () {
          return window.MathJax.typesetPromise ? window.MathJax.typesetPromise(elements) : null;
        }).catch(function (err) { console.warn("MathJax could not typeset a widget label:", err); });
      },
    };
  }

  function sliderText(slider) {
    var label = slider.querySelector(".widget-label");
    var readout = slider.querySelector(".widget-readout");
    var name = label ? label.textContent.trim() : "";
    var value = readout ? (readout.value !== undefined && readout.tagName === "INPUT"
      ? readout.value : readout.textContent.trim()) : "";
    return {name: name || "value", value: value};
  }

  function labelWidgets(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var text = sliderText(slider);
      slider.querySelectorAll('[role="slider"]').forEach(function (handle) {
        if (!handle.hasAttribute("aria-label") && !handle.hasAttribute("aria-labelledby")) {
          handle.setAttribute("aria-label", text.name);
        }
      });
    });
    root.querySelectorAll(".jupyter-widgets img:not([alt]), .widget-output img:not([alt])").forEach(function (img) {
      var box = img.closest(".widget-vbox, .widget-hbox, .widget-box") || img.closest(".jupyter-widgets");
      var settings = [];
      if (box) {
        box.querySelectorAll(".widget-slider").forEach(function (slider) {
          var t = sliderText(slider);
          settings.push(t.name + " = " + t.value);
        });
      }
      img.setAttribute("alt", "Figure drawn when the book was built" +
        (settings.length ? ", for " + settings.join(", ") : "") +
        ". In a live notebook (launch button at the top of the page) it redraws as the sliders move.");
    });
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; labelWidgets(document); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    installMathJaxHub();  // deferred scripts (MathJax among them) have run; widgets render on "load"
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
  });
})();
