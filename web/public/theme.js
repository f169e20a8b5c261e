// Dark mode follows the system, set before the first paint (a file, not an inline script: the CSP allows only 'self').
(function () {
  var m = window.matchMedia('(prefers-color-scheme: dark)');
  var set = function () {
    document.documentElement.setAttribute('data-bs-theme', m.matches ? 'dark' : 'light');
  };
  set();
  m.addEventListener('change', set);
})();
