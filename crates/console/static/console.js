// Switchboard console: the few behaviours htmx does not cover. Loaded from 'self' (no inline
// script: the CSP forbids them).
//
// 1. A live fragment that is already on the page (a conversation row moving to the top, a
//    message bubble rendered both by the page and by the stream) is kept once, in any
//    container marked data-dedupe: the copy earliest in the document wins.
// 2. Window countdowns: every [data-closes] (ms since the epoch) says how long is left; when
//    the composer's window closes, the free-form forms hide and the template picker shows.
// 3. Expiry countdowns: every [data-expires-at] (RFC 3339; a QR code, a pair code) shows the
//    seconds left, each second and after each live swap; without JavaScript it keeps its
//    server text.
(function () {
  'use strict';

  function dedupe(container) {
    // The copy earliest in the document wins: a row swapped in at the top of the inbox, the
    // bubble already in a thread before the same one is appended.
    var seen = {};
    Array.prototype.slice.call(container.children).forEach(function (el) {
      if (!el.id) return;
      if (seen[el.id]) { el.remove(); return; }
      seen[el.id] = true;
    });
  }

  function left(ms) {
    var minutes = Math.floor(ms / 60000);
    var h = Math.floor(minutes / 60);
    var m = minutes % 60;
    if (h === 0 && m === 0) return 'less than a minute';
    if (h === 0) return m + ' min';
    return h + ' h ' + m + ' min';
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-expires-at]').forEach(function (el) {
      var at = Date.parse(el.getAttribute('data-expires-at'));
      if (isNaN(at)) return;
      var seconds = Math.round((at - now) / 1000);
      el.textContent = seconds > 0 ? 'expires in ' + seconds + ' s' : 'expired';
    });
    document.querySelectorAll('.window.open[data-closes]').forEach(function (el) {
      var closes = Number(el.getAttribute('data-closes'));
      if (!closes) return;
      if (closes <= now) {
        el.classList.remove('open');
        el.classList.add('closed');
        el.textContent = 'window closed';
      } else {
        el.textContent = 'window closes in ' + left(closes - now);
      }
    });
    var composer = document.getElementById('composer');
    if (composer && composer.getAttribute('data-window') === 'open') {
      var closes = Number(composer.getAttribute('data-closes'));
      if (closes && closes <= now) {
        composer.setAttribute('data-window', 'closed');
        var form = document.getElementById('free-form');
        var others = document.getElementById('other-kinds');
        var picker = document.getElementById('template-picker');
        if (form) form.hidden = true;
        if (others) others.hidden = true;
        if (picker) picker.hidden = false;
      }
    }
  }

  document.addEventListener('htmx:afterSwap', tick);
  document.addEventListener('htmx:afterSettle', function (event) {
    var target = event.target;
    var container = target && target.closest ? target.closest('[data-dedupe]') : null;
    if (container) dedupe(container);
  });
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-dedupe]').forEach(dedupe);
    var thread = document.getElementById('thread');
    if (thread && thread.lastElementChild) thread.lastElementChild.scrollIntoView({ block: 'end' });
    tick();
    setInterval(tick, 1000);
  });
})();
