/* corte: "Consulta tu casilla" without waiting for lists. Progressive
   enhancement only: the page works without this file. The sección index
   (consulta/<elección>.json, same site) is fetched only when needed. */
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
