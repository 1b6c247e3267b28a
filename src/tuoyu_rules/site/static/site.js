// tuoyu-rules policy site: the language switch and the search, with no network (works from file://).
(function () {
  var root = document.documentElement, button = document.getElementById('lang');
  function setLang(en) {
    root.classList.toggle('en', en);
    root.lang = en ? 'en' : 'zh-CN';
    button.textContent = en ? '中文' : 'English';
    try { localStorage.setItem('tuoyu-lang', en ? 'en' : 'zh'); } catch (e) { /* file:// may forbid storage */ }
  }
  var saved = null;
  try { saved = localStorage.getItem('tuoyu-lang'); } catch (e) { saved = null; }
  setLang(saved === 'en' || location.hash.indexOf('lang=en') >= 0);
  button.addEventListener('click', function () { setLang(!root.classList.contains('en')); });

  var input = document.getElementById('search'), list = document.getElementById('results');
  var index = window.TUOYU_SEARCH || [];
  function show(query) {
    list.textContent = '';
    var q = query.trim().toLowerCase();
    if (!q) { list.hidden = true; return; }
    var found = 0;
    for (var i = 0; i < index.length && found < 50; i++) {
      var entry = index[i];
      if (entry.t.toLowerCase().indexOf(q) < 0) continue;
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = entry.u;
      a.textContent = entry.p + ' · ' + entry.k + ' · ' + entry.l;
      li.appendChild(a);
      list.appendChild(li);
      found++;
    }
    if (!found) {
      var none = document.createElement('li');
      none.textContent = root.classList.contains('en') ? 'nothing found' : '没有找到';
      list.appendChild(none);
    }
    list.hidden = false;
  }
  input.addEventListener('input', function () { show(input.value); });
  var m = /[#&]q=([^&]*)/.exec(location.hash);
  if (m) { input.value = decodeURIComponent(m[1]); show(input.value); }
})();
