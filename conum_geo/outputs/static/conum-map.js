/* conum-geo maps: search by commune, full screen, print, colouring switch, offline notice.
 * Our own code (no plugin), run by every map page after Leaflet; the Python side
 * (conum_geo.outputs.maps) registers each map's commune layers and tile layers here. */
(function () {
  'use strict';

  var maps = [];        // {map, communes: [{layer, schemes}], tiles: []}
  var index = null;     // [{label, key, code, entries: [{map, layer}]}]

  function entryOf(map) {
    for (var i = 0; i < maps.length; i++) { if (maps[i].map === map) { return maps[i]; } }
    var entry = {map: map, communes: [], tiles: []};
    maps.push(entry);
    return entry;
  }

  function fold(text) {
    return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
      .replace(/[\s'’-]+/g, ' ').trim();
  }

  /* The text of an HTML-escaped property (names and codes are written escaped). */
  function text(html) {
    return new DOMParser().parseFromString(String(html), 'text/html').documentElement.textContent;
  }

  function buildIndex() {
    var byCode = {};
    index = [];
    maps.forEach(function (entry) {
      entry.communes.forEach(function (c) {
        c.layer.eachLayer(function (feature) {
          var p = feature.feature && feature.feature.properties;
          if (!p || !p._code) { return; }
          var name = text(p._name), code = text(p._code);
          var item = byCode[code];
          if (!item) {
            item = {label: name + ' (' + code + ')', key: fold(name), code: code, entries: []};
            byCode[code] = item;
            index.push(item);
          }
          item.entries.push({map: entry.map, layer: feature});
        });
      });
    });
    index.sort(function (a, b) { return a.label.localeCompare(b.label, 'fr'); });
  }

  /* The communes matching a query: exact label, INSEE code, then name (accents and case aside). */
  function find(query) {
    if (!index) { buildIndex(); }
    var q = fold(query);
    if (!q) { return []; }
    var exact = index.filter(function (item) { return fold(item.label) === q || item.code === q.toUpperCase(); });
    if (exact.length) { return exact; }
    var named = index.filter(function (item) { return item.key === q; });
    if (named.length) { return named; }
    return index.filter(function (item) { return item.key.indexOf(q) === 0; });
  }

  /* Zoom to a commune and open its popup, as a click on it would (the popup is bound to its
   * layer group: the click is fired on the commune and propagated to the group). */
  function show(item) {
    var e = item.entries[0];
    e.map.closePopup();
    e.map.fitBounds(e.layer.getBounds(), {maxZoom: 12, animate: false});
    e.layer.fire('click', {latlng: e.layer.getCenter()}, true);
  }

  function button(container, text, title, onClick) {
    var a = L.DomUtil.create('a', 'conum-button', container);
    a.href = '#';
    a.setAttribute('role', 'button');
    a.title = title;
    a.setAttribute('aria-label', title);
    a.textContent = text;
    L.DomEvent.on(a, 'click', function (e) { L.DomEvent.preventDefault(e); onClick(); });
    return a;
  }

  var Search = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var box = L.DomUtil.create('div', 'leaflet-bar conum-search');
      var input = L.DomUtil.create('input', '', box);
      var list = L.DomUtil.create('datalist', '', box);
      var message = L.DomUtil.create('div', 'conum-search-message', box);
      list.id = 'conum-communes-' + Math.random().toString(36).slice(2);
      input.type = 'search';
      input.placeholder = 'Chercher une commune ou un code INSEE';
      input.setAttribute('aria-label', 'Chercher une commune ou un code INSEE');
      input.setAttribute('list', list.id);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      L.DomEvent.on(input, 'focus', function () {
        if (list.childNodes.length) { return; }
        if (!index) { buildIndex(); }
        index.forEach(function (item) {
          var option = document.createElement('option');
          option.value = item.label;
          list.appendChild(option);
        });
      });
      function go() {
        var found = find(input.value);
        message.textContent = found.length ? '' : 'Aucune commune ne correspond.';
        if (found.length) { show(found[0]); }
      }
      L.DomEvent.on(input, 'change', go);
      L.DomEvent.on(input, 'keydown', function (e) { if (e.key === 'Enter') { go(); } });
      return box;
    }
  });

  var Tools = L.Control.extend({
    options: {position: 'topleft'},
    onAdd: function () {
      var bar = L.DomUtil.create('div', 'leaflet-bar conum-tools');
      button(bar, 'Plein écran', 'Plein écran (Échap pour sortir)', function () {
        var page = document.documentElement;
        if (document.fullscreenElement) { document.exitFullscreen(); }
        else if (page.requestFullscreen) { page.requestFullscreen(); }
      });
      button(bar, 'Imprimer', 'Imprimer ou enregistrer en PDF', function () { window.print(); });
      return bar;
    }
  });

  /* Radio buttons choosing the commune colouring; the panel shows the matching legend. */
  var Colouring = L.Control.extend({
    options: {position: 'bottomleft'},
    initialize: function (schemes, current, apply, heading) {
      this.heading = heading || 'Colorer les communes par :';
      this.schemes = schemes;
      this.current = current;
      this.apply = apply;
    },
    onAdd: function () {
      var box = L.DomUtil.create('div', 'conum-colouring leaflet-bar');
      var title = L.DomUtil.create('div', 'conum-colouring-title', box);
      var name = 'conum-colouring-' + Math.random().toString(36).slice(2);
      var self = this;
      title.textContent = this.heading;
      L.DomEvent.disableClickPropagation(box);
      Object.keys(this.schemes).forEach(function (key) {
        var label = L.DomUtil.create('label', '', box);
        var radio = L.DomUtil.create('input', '', label);
        radio.type = 'radio';
        radio.name = name;
        radio.value = key;
        radio.checked = key === self.current;
        label.appendChild(document.createTextNode(' ' + self.schemes[key]));
        L.DomEvent.on(radio, 'change', function () { if (radio.checked) { self.apply(key); } });
      });
      return box;
    }
  });

  function legendFor(key) {
    document.querySelectorAll('[data-conum-scheme]').forEach(function (el) {
      el.style.display = el.getAttribute('data-conum-scheme') === key ? '' : 'none';
    });
  }

  var Offline = L.Control.extend({
    options: {position: 'bottomright'},
    onAdd: function () {
      var box = L.DomUtil.create('div', 'conum-offline');
      box.textContent = 'Fond de carte indisponible (pas de réseau ?) : communes, intercommunalités ' +
        'et repères restent affichés.';
      return box;
    }
  });

  window.ConumMap = {
    /* A commune layer of ``map``: searchable; ``schemes`` (key → label) are the fill colours
     * its features carry as properties ``colour_<key>``, ``current`` the one shown. */
    communes: function (map, layer, schemes, current, heading) {
      var entry = entryOf(map);
      entry.communes.push({layer: layer, schemes: schemes || {}});
      entry.schemeLayers = entry.schemeLayers || {};
      index = null;
      var keys = Object.keys(schemes || {});
      if (keys.length > 1) {
        var apply = function (key) {
          layer.setStyle(function (f) { return {fillColor: f.properties['colour_' + key]}; });
          legendFor(key);
          Object.keys(entry.schemeLayers).forEach(function (k) {
            entry.schemeLayers[k].forEach(function (l) {
              if (k === key) { map.addLayer(l); } else { map.removeLayer(l); }
            });
          });
        };
        entry.applyScheme = apply;
        entry.scheme = current;
        new Colouring(schemes, current, apply, heading).addTo(map);
        legendFor(current);
      }
    },
    /* ``layer`` is shown while the communes are coloured by ``key`` only. */
    schemeLayer: function (map, layer, key) {
      var entry = entryOf(map);
      entry.schemeLayers = entry.schemeLayers || {};
      (entry.schemeLayers[key] = entry.schemeLayers[key] || []).push(layer);
      if (entry.scheme !== undefined && entry.scheme !== key) { map.removeLayer(layer); }
    },
    /* A basemap layer: when its tiles fail (no network), say so on the map once. */
    tiles: function (map, layer) {
      var entry = entryOf(map);
      entry.tiles.push(layer);
      var notice = null;
      layer.on('tileerror', function () {
        if (!notice && map.hasLayer(layer)) { notice = new Offline().addTo(map); }
      });
      layer.on('tileload', function () { if (notice) { notice.remove(); notice = null; } });
      map.on('baselayerchange', function () { if (notice) { notice.remove(); notice = null; } });
    },
    /* The controls of a map: search and tools on the first map of a page only. */
    controls: function (map, first) {
      L.control.scale({imperial: false, maxWidth: 160}).addTo(map);
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="Bibliothèque cartographique">' +
        'Leaflet</a>');
      if (first) {
        new Search().addTo(map);
        new Tools().addTo(map);
      }
      window.addEventListener('beforeprint', function () { map.invalidateSize(); });
      window.addEventListener('afterprint', function () { map.invalidateSize(); });
    },
    /* The communes' nearest places, sent once for the page: a ``field`` value "@k,i,t;…"
     * (heading k, place i, t tenths of a minute) becomes "Heading : label (t min, hours) · …"
     * before any tooltip or popup reads it; other values are kept as they are. */
    expand: function (layer, field, places, headings) {
      var escape = function (text) {
        return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      };
      layer.eachLayer(function (l) {
        var p = l.feature && l.feature.properties;
        if (!p || typeof p[field] !== 'string' || p[field].charAt(0) !== '@') { return; }
        var groups = [], order = [];
        p[field].slice(1).split(';').forEach(function (item) {
          var parts = item.split(','), k = parts[0], place = places[+parts[1]];
          var minutes = (+parts[2] / 10).toFixed(1).replace('.', ',') + ' min';
          if (!groups[k]) { groups[k] = []; order.push(k); }
          groups[k].push(escape(place[0]) + ' (' + minutes + ', ' + escape(place[1]) + ')');
        });
        p[field] = order.map(function (k) { return escape(headings[k]) + ' : ' + groups[k].join(' ; '); })
          .join(' · ');
      });
    },
    /* Every marker of ``group`` opens its tooltip's text as a popup on a click. */
    popups: function (group) {
      group.eachLayer(function (layer) {
        if (layer.getTooltip && layer.getTooltip() && !layer.getPopup()) {
          layer.bindPopup(layer.getTooltip().getContent(), {maxWidth: 320});
        }
      });
    },
    find: find
  };
})();
