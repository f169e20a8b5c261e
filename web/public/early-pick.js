// On a slow phone the home page's first screen (server/src/routes/home-shell.ts) is up a second or more
// before the app runs: a tap on its "Pick a picture" already opens the picker, and the picked file waits
// here until the app takes it (web/src/lib/early-pick.ts). A file, not inline code: the server inlines it
// with its hash in the CSP. Only the server's markup carries data-early-pick, so the app's own button is
// left alone.
(function () {
  var input = null;
  document.addEventListener('click', function (e) {
    var zone = e.target && e.target.closest ? e.target.closest('[data-early-pick]') : null;
    if (!zone) return;
    if (!input) {
      input = document.createElement('input');
      input.type = 'file';
      input.accept = 'image/*';
      input.hidden = true;
      input.addEventListener('change', function () {
        var file = input.files && input.files[0];
        if (!file) return;
        window.__earlyPick = file;
        document.dispatchEvent(new Event('waifudex:early-pick'));
        var title = document.querySelector('[data-early-pick] .fw-semibold');
        if (title) title.textContent = 'Getting ready…';
      });
      document.body.appendChild(input);
    }
    input.value = '';
    input.click();
  });
})();
