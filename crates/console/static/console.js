// Switchboard console: the few things htmx does not do. Loaded as a file (the
// Content-Security-Policy allows no inline script).
//
// Countdowns: every element with `data-expires-at` (an RFC 3339 time) shows the seconds
// left, each second and after each live swap; without JavaScript it keeps its server text.
(function () {
  'use strict';
  function tick() {
    var now = Date.now();
    var shown = document.querySelectorAll('[data-expires-at]');
    for (var i = 0; i < shown.length; i++) {
      var el = shown[i];
      var at = Date.parse(el.getAttribute('data-expires-at'));
      if (isNaN(at)) continue;
      var left = Math.round((at - now) / 1000);
      el.textContent = left > 0 ? 'expires in ' + left + ' s' : 'expired';
    }
  }
  setInterval(tick, 1000);
  document.addEventListener('htmx:afterSwap', tick);
  document.addEventListener('DOMContentLoaded', tick);
})();
