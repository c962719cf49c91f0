/* corte: progressive enhancement only; every page works without this file.
   1. The live corte: every page carries <p class="vivo" data-latest> (the
      pointer latest.json, relative to the page); this shows the live
      corte there. Pages of a place name no corte (they stay byte-identical
      while their actas do not change), so this is how a reader with
      JavaScript sees the corte on every page.
   2. "Consulta tu casilla" without waiting for lists. */
(function () {
  'use strict';
  var banner = document.querySelector('p.vivo[data-latest]');
  if (!banner || !window.fetch || !window.JSON || location.protocol === 'file:') {
    return;
  }
  var pad = function (n) {
    return (n < 10 ? '0' : '') + n;
  };
  // "2024-06-02T20:00:00-06:00" -> "02/06/2024 20:00 (UTC-6)", read from
  // the text itself: the corte's own offset, whatever the reader's zone.
  function label(ts) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(ts || '');
    if (!m) {
      return ts;
    }
    var off = 'UTC';
    if (m[6] !== 'Z') {
      var h = parseInt(m[8], 10);
      var min = parseInt(m[9], 10);
      if (h || min) {
        off += m[7] + h + (min ? ':' + pad(min) : '');
      }
    }
    return m[3] + '/' + m[2] + '/' + m[1] + ' ' + m[4] + ':' + m[5] + ' (' + off + ')';
  }
  // A page of an archived corte (served at cortes/<id>/...) reads the
  // pointer at the store's root, and says which corte it shows.
  var url = banner.getAttribute('data-latest');
  var root = new URL(banner.getAttribute('data-root') || './', location.href).pathname;
  var archived = /^(.*\/)cortes\/([^\/]+)\/$/.exec(root);
  if (archived) {
    url = archived[1] + 'latest.json';
  }
  fetch(url, { cache: 'no-cache' }).then(function (r) {
    if (!r.ok) {
      throw new Error('HTTP ' + r.status);
    }
    return r.json();
  }).then(function (p) {
    if (!p || !p.corte || !p.timestamp) {
      return;
    }
    var text = 'Último corte: ' + label(p.timestamp) + ' (número ' + p.seq + ').';
    if (archived && archived[2] !== p.corte) {
      text = 'Esta copia es del corte ' + archived[2] + '. ' + text;
    }
    banner.textContent = text + ' ';
    var home = document.createElement('a');
    home.href = (archived ? archived[1] : banner.getAttribute('data-root') || '') + 'index.html';
    home.textContent = 'Ver resultados del último corte';
    banner.appendChild(home);
    banner.setAttribute('data-corte', p.corte);
    banner.hidden = false;
  })['catch'](function () {
    // No pointer (a folder, an old copy): the page says what its figures are.
  });
})();

/* "Consulta tu casilla": the sección index (consulta/<elección>.json,
   same site) is fetched only when needed. */
(function () {
  'use strict';
  var form = document.querySelector('form[data-consulta]');
  // Pages opened from a folder (file://) cannot fetch: keep the plain lists.
  if (!form || !window.fetch || !window.JSON || location.protocol === 'file:') {
    return;
  }
  var root = form.getAttribute('data-root') || '';
  var select = form.querySelector('select');
  var input = form.querySelector('input');
  var out = form.querySelector('[data-salida]');
  var cache = {};

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(root + url).then(function (r) {
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.json();
      });
      cache[url]['catch'](function () {
        delete cache[url];
      });
    }
    return cache[url];
  }

  // "0056", "56" and a casilla key such as "090056C0100" all mean sección 56.
  function normal(text) {
    var s = String(text).trim().toUpperCase();
    var key = /^\d{2}(\d{4})[BCESMAP]\d/.exec(s);
    if (key) {
      s = key[1];
    }
    return /^\d+$/.test(s) ? String(parseInt(s, 10)) : s;
  }

  function find(index, wanted) {
    for (var i = 0; i < index.secciones.length; i++) {
      if (normal(index.secciones[i]) === wanted) {
        return index.secciones[i];
      }
    }
    return null;
  }

  // Each option is an election's slug; its index is in data-indice.
  function indice() {
    return select.options[select.selectedIndex].getAttribute('data-indice');
  }

  function prefetch() {
    load(indice())['catch'](function () {});
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var wanted = normal(input.value);
    var name = select.options[select.selectedIndex].text;
    if (!wanted) {
      out.textContent = 'Escribe el número de tu sección.';
      input.focus();
      return;
    }
    out.textContent = 'Buscando…';
    load(indice()).then(function (index) {
      var id = find(index, wanted);
      if (id === null) {
        out.textContent = 'La sección ' + input.value + ' no aparece en ' + name + '. Revisa el número o usa las listas de abajo.';
        return;
      }
      location.href = root + index.prefijo + encodeURIComponent(id) + index.sufijo;
    }, function () {
      out.textContent = 'No se pudo cargar el índice de secciones; usa las listas de abajo.';
    });
  });
  input.addEventListener('focus', prefetch);
  select.addEventListener('change', prefetch);
  form.hidden = false;

  // A shared link such as consulta.html?eleccion=gub&seccion=56 searches at once.
  var params = /[?&]seccion=([^&#]*)/.exec(location.search);
  if (params) {
    var eleccion = /[?&]eleccion=([^&#]*)/.exec(location.search);
    if (eleccion) {
      var slug = decodeURIComponent(eleccion[1]).toLowerCase();
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].value === slug) {
          select.selectedIndex = i;
        }
      }
    }
    input.value = decodeURIComponent(params[1].replace(/\+/g, ' '));
    form.dispatchEvent(new Event('submit', { cancelable: true }));
  }
})();
