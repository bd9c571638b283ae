/* Etalage admin page: templates with a live preview, rules per slot with their reach, segments, experiments with
 * their results, the draft and releases. Plain JavaScript over the admin API (/v1/admin/...); every server string
 * reaches the page as text (textContent), never as markup. */
(function () {
  'use strict';

  var TOKEN_KEY = 'etalage_admin_token';
  var AUTHOR_KEY = 'etalage_admin_author';
  var SLOTS = ['variant', 'greeting', 'banner', 'cta'];
  var DEBOUNCE_MS = 600;

  // ---- Small DOM helpers ----

  /** h('tag', {class: 'x', onclick: fn, dataset: {...}}, children...): an element; strings become text nodes. */
  function h(tag, props) {
    var node = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key.indexOf('on') === 0 && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else if (key === 'dataset') Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else if (key === 'text') node.textContent = value;
      else if (key === 'value') node.value = value;
      else if (key === 'checked' || key === 'disabled' || key === 'readOnly' || key === 'hidden') node[key] = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function $(id) { return document.getElementById(id); }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function toast(message, kind) {
    var box = $('toast');
    box.textContent = message;
    box.className = 'toast show ' + (kind || '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.className = 'toast'; }, 4000);
  }

  function badge(state) {
    return state ? h('span', { 'class': 'badge ' + state, text: state }) : null;
  }

  function compact(value) {
    return value === null || value === undefined ? '' : JSON.stringify(value);
  }

  function when(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function storage(key, value) {
    try {
      if (value === undefined) return sessionStorage.getItem(key);
      if (value === null) sessionStorage.removeItem(key); else sessionStorage.setItem(key, value);
    } catch (e) { /* storage blocked: the session lasts as long as the page */ }
    return null;
  }

  // ---- The admin API ----

  var session = { token: storage(TOKEN_KEY), author: storage(AUTHOR_KEY) || '' };

  /** Resolves to {status, body}; 401/403 end the session; a network failure rejects. */
  function api(method, path, body) {
    var headers = { Authorization: 'Bearer ' + session.token };
    if (session.author) headers['X-Etalage-Author'] = session.author;
    var init = { method: method, headers: headers, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        if ((response.status === 401 || response.status === 403) && path.indexOf('/v1/admin/') === 0) {
          logout(errorText(parsed, 'the admin token was refused'));
          throw new Error('logged out');
        }
        return { status: response.status, body: parsed };
      });
    });
  }

  function errorText(body, fallback) {
    var e = body && body.error;
    if (!e) return fallback || 'unexpected answer';
    var message = String(e.message || '');
    // Template errors name their place; the message may already start with `line:column:`.
    var where = typeof e.line === 'number' && message.indexOf(e.line + ':') !== 0
      ? ' (line ' + e.line + (typeof e.column === 'number' ? ', column ' + e.column : '') + ')' : '';
    return message + where + ' [' + e.code + ']';
  }

  function expect(status, answer) {
    if (answer.status !== status) throw new Error(errorText(answer.body, 'status ' + answer.status));
    return answer.body;
  }

  function get(path) { return api('GET', path).then(function (a) { return expect(200, a); }); }

  function failed(error) {
    if (error && error.message !== 'logged out') toast(error.message || String(error), 'error');
  }

  // ---- Log in, log out ----

  function login(event) {
    event.preventDefault();
    var token = $('token').value.trim();
    var author = $('author').value.trim();
    $('login-error').textContent = '';
    if (!token) return;
    session.token = token;
    session.author = author;
    get('/v1/admin/changes').then(function (body) {
      storage(TOKEN_KEY, token);
      storage(AUTHOR_KEY, author || null);
      $('token').value = '';
      showDraftCount((body && body.changes) || []); // the token check read the draft: no second fetch for the count
      start(true);
    }).catch(function (error) {
      if (error.message !== 'logged out') $('login-error').textContent = 'Could not log in: ' + error.message;
    });
  }

  function logout(message) {
    session.token = null;
    storage(TOKEN_KEY, null);
    $('app-view').hidden = true;
    $('tabs').hidden = true;
    $('session').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = typeof message === 'string' ? message : '';
    $('token').value = '';
    $('token').focus();
  }

  /** Shows the app; `draftCounted`: the draft count is already up to date. */
  function start(draftCounted) {
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    $('tabs').hidden = false;
    $('session').hidden = false;
    $('session-author').textContent = 'as ' + (session.author || 'admin');
    route(draftCounted);
  }

  // ---- Views ----

  var views = { templates: templatesView, rules: rulesView, segments: segmentsView, experiments: experimentsView, releases: releasesView };

  /** Shows the view the location hash names; `draftCounted`: the draft count was just set, so it is not fetched. */
  function route(draftCounted) {
    if (!session.token) return;
    var name = (location.hash || '#templates').slice(1).split('/')[0];
    if (!views[name]) name = 'templates';
    Array.prototype.forEach.call(document.querySelectorAll('#tabs a'), function (a) {
      a.classList.toggle('active', a.dataset.view === name);
      if (a.dataset.view === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    var root = clear($('app-view'));
    root.dataset.view = name;
    if (!draftCounted && name !== 'releases') refreshDraftCount(); // the releases view reads the draft itself
    views[name](root);
  }

  function refreshDraftCount() {
    get('/v1/admin/changes').then(function (body) { showDraftCount(body.changes || []); })
      .catch(function () { /* the count is a hint */ });
  }

  /** The number of pending changes on the releases tab (empty for none). */
  function showDraftCount(changes) {
    $('draft-count').textContent = changes.length ? String(changes.length) : '';
  }

  function loading(root, text) {
    return append(root, h('p', { 'class': 'muted loading', text: text || 'Loading…' }));
  }

  /** A view's heading with a button that opens the JSON editor on a new `kind`, filled with `defaults`. */
  function pageHead(root, title, kind, defaults) {
    append(root, h('div', { 'class': 'card-head page-head' }, h('h2', { text: title }),
      h('button', { type: 'button', 'class': 'quiet', text: 'New ' + kind, onclick: function () {
        jsonEditor(root, kind, null, defaults);
      } })));
  }

  /** A table's head: one header cell per name. */
  function headRow(names) {
    return h('thead', {}, h('tr', {}, names.map(function (c) { return h('th', { text: c }); })));
  }

  /** A status line's message; `kind` ('ok', 'error') adds a class for its colour. */
  function setStatus(el, text, kind) {
    el.textContent = text;
    el.className = 'status' + (kind ? ' ' + kind : '');
  }

  // ---- Templates: list, editor, live preview ----

  function templatesView(root) {
    var state = { templates: [], rules: [], selected: null, saved: null, timer: null, sequence: 0, editing: 0 };
    var list = h('div', { 'class': 'template-list', id: 'template-list' });
    var filter = h('input', { type: 'search', id: 'template-filter', placeholder: 'Filter: slot, id or language', 'aria-label': 'Filter templates' });
    var slot = h('select', { id: 'tpl-slot', 'aria-label': 'Slot' }, SLOTS.map(function (s) { return h('option', { value: s, text: s }); }));
    var id = h('input', { id: 'tpl-id', placeholder: 'id, e.g. winter', 'aria-label': 'Template id', maxlength: 128 });
    var locale = h('input', { id: 'tpl-locale', placeholder: 'language, e.g. en', 'aria-label': 'Language', size: 4 });
    var source = h('textarea', { id: 'tpl-source', rows: 8, spellcheck: 'false', 'aria-label': 'Template source' });
    var status = h('p', { 'class': 'status', id: 'tpl-status', role: 'status' });
    var remove = h('button', { type: 'button', 'class': 'danger', id: 'tpl-delete', text: 'Delete' });
    var save = h('button', { type: 'button', id: 'tpl-save', text: 'Save to draft now' });
    var preview = h('div', { 'class': 'preview', id: 'preview' }, h('p', { 'class': 'muted', text: 'Choose a template.' }));
    var form = previewForm(function () { runPreview(); });

    append(root, h('div', { 'class': 'templates' },
      h('div', { 'class': 'card list-card' },
        h('div', { 'class': 'card-head' }, h('h2', { text: 'Templates' }),
          h('button', { type: 'button', 'class': 'quiet', id: 'tpl-new', text: 'New', onclick: function () { select(null); } })),
        filter, list),
      h('div', { 'class': 'card editor-card' },
        h('h2', { id: 'tpl-title', text: 'Template' }),
        h('div', { 'class': 'key-fields' }, h('label', {}, 'slot ', slot), h('label', {}, 'id ', id), h('label', {}, 'language ', locale)),
        h('p', { 'class': 'muted small', text: 'One field per line (field: value), Mustache values. Changes are checked and saved to the draft as you type; they go live when a release is published.' }),
        source,
        h('div', { 'class': 'actions' }, save, remove),
        status),
      h('div', { 'class': 'card preview-card' },
        h('h2', { text: 'Live preview' }),
        form.element,
        preview)));

    function keyOf(t) { return t.slot + '/' + t.id + '/' + t.locale; }

    function renderList() {
      var needle = filter.value.trim().toLowerCase();
      clear(list);
      SLOTS.forEach(function (s) {
        var items = state.templates.filter(function (t) {
          return t.slot === s && (!needle || keyOf(t).toLowerCase().indexOf(needle) >= 0);
        });
        if (!items.length) return;
        append(list, h('h3', { text: s }));
        append(list, h('ul', {}, items.map(function (t) {
          var key = keyOf(t);
          return h('li', {},
            h('button', { type: 'button', 'class': 'link' + (state.selected && keyOf(state.selected) === key ? ' selected' : ''),
              dataset: { key: key }, onclick: function () { select(t); } },
              t.id, h('span', { 'class': 'muted', text: ' ' + t.locale }), ' ', t.state !== 'live' ? badge(t.state) : null));
        })));
      });
    }

    function select(t) {
      if (state.timer) {
        clearTimeout(state.timer);
        state.timer = null;
        saveDraft().catch(failed); // the edit in progress is not lost
      }
      state.editing += 1;
      state.selected = t;
      state.saved = t ? t.source : null;
      var isNew = !t;
      slot.value = t ? t.slot : 'greeting';
      id.value = t ? t.id : '';
      locale.value = t ? t.locale : 'en';
      [slot, id, locale].forEach(function (f) { f.disabled = !isNew; });
      source.value = t ? t.source : 'text: ';
      source.removeAttribute('aria-invalid');
      remove.disabled = isNew || t.state === 'deleted';
      $('tpl-title').textContent = isNew ? 'New template' : keyOf(t);
      setStatus(status, t ? (t.state === 'live' ? 'Live.' : 'In the draft: ' + t.state + (t.pending ? ' by ' + t.pending.author + ' at ' + when(t.pending.at) : '') + '.') : '');
      if (t) {
        form.setLocale(t.locale);
        form.setAudience(audienceOf(t, state.rules));
      }
      renderList();
      var chosen = list.querySelector('button.selected');
      if (chosen) chosen.scrollIntoView({ block: 'nearest' });
      runPreview();
    }

    function currentKey() {
      return { slot: slot.value, id: id.value.trim(), locale: locale.value.trim().toLowerCase() };
    }

    /** The server's rule for template ids, the same as for the file names `etalage templates import` reads
     *  (Templates/<language>/<slot>/<id>.tmpl): 1 to 128 bytes, no '/', not starting with '.', no NUL. */
    function isTemplateId(text) {
      return text.length > 0 && text.charAt(0) !== '.' && text.indexOf('/') < 0 && text.indexOf('\u0000') < 0 &&
        new TextEncoder().encode(text).length <= 128;
    }

    /** Saves the editor's text to the draft. The answer updates the list, and the editor only if it still shows
     *  the same template (a switch flushes a pending edit first). */
    function saveDraft() {
      var key = currentKey();
      if (!isTemplateId(key.id) || !/^[a-z]{1,8}$/.test(key.locale)) {
        setStatus(status, 'Give the template an id (up to 128 bytes, no "/", not starting with ".") and a language code (a-z, like en or nl) first.', 'error');
        return Promise.resolve(false);
      }
      if (state.selected && source.value === state.saved) return Promise.resolve(true);
      var sequence = ++state.sequence;
      var editing = state.editing;
      var name = key.slot + '/' + key.id + '/' + key.locale;
      setStatus(status, 'Checking…');
      var path = '/v1/admin/templates/' + encodeURIComponent(key.slot) + '/' + encodeURIComponent(key.id) + '/' + encodeURIComponent(key.locale);
      var text = source.value;
      return api('PUT', path, { source: text }).then(function (answer) {
        var current = editing === state.editing;
        if (answer.status !== 200) {
          if (!current) { toast(name + ' not saved: ' + errorText(answer.body), 'error'); return false; }
          if (sequence !== state.sequence) return false; // a newer edit is on its way
          setStatus(status, 'Not saved: ' + errorText(answer.body, 'status ' + answer.status), 'error');
          source.setAttribute('aria-invalid', 'true');
          markError(answer.body && answer.body.error);
          return false;
        }
        var item = answer.body;
        var existing = state.templates.filter(function (t) { return keyOf(t) === keyOf(item); })[0];
        if (existing) state.templates[state.templates.indexOf(existing)] = item; else state.templates.push(item);
        refreshDraftCount();
        if (!current) { renderList(); return false; }
        if (sequence !== state.sequence) return false;
        source.removeAttribute('aria-invalid');
        state.saved = text;
        state.selected = item;
        [slot, id, locale].forEach(function (f) { f.disabled = true; });
        remove.disabled = false;
        $('tpl-title').textContent = keyOf(item);
        setStatus(status, 'Saved to the draft (' + item.state + ') at ' + new Date().toLocaleTimeString() + '; not live until published.', 'ok');
        renderList();
        return true;
      });
    }

    /** Puts the cursor where the server found the problem. */
    function markError(error) {
      if (!error || typeof error.line !== 'number') return;
      var lines = source.value.split('\n');
      var offset = 0;
      for (var i = 0; i < error.line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      offset += Math.max(0, (error.column || 1) - 1);
      try { source.setSelectionRange(offset, offset); } catch (e) { /* not focused */ }
    }

    function edited() {
      clearTimeout(state.timer);
      setStatus(status, 'Editing…');
      state.timer = setTimeout(function () {
        state.timer = null;
        saveDraft().then(function (ok) { if (ok) runPreview(); }).catch(failed);
      }, DEBOUNCE_MS);
    }

    function runPreview() {
      var t = state.selected;
      if (!t) { clear(preview); append(preview, h('p', { 'class': 'muted', text: 'Save the new template to preview it.' })); return; }
      var request = form.request();
      preview.classList.add('busy');
      api('POST', '/v1/admin/preview', request).then(function (answer) {
        preview.classList.remove('busy');
        clear(preview);
        if (answer.status !== 200) {
          append(preview, h('p', { 'class': 'error', text: 'Preview failed: ' + errorText(answer.body) }));
          return;
        }
        renderPreview(preview, answer.body, t);
      }).catch(function (error) { preview.classList.remove('busy'); failed(error); });
    }

    save.addEventListener('click', function () { saveDraft().then(function (ok) { if (ok) runPreview(); }).catch(failed); });
    remove.addEventListener('click', function () {
      var t = state.selected;
      if (!t) return;
      api('DELETE', '/v1/admin/templates/' + [t.slot, t.id, t.locale].map(encodeURIComponent).join('/')).then(function (answer) {
        var body = expect(200, answer);
        setStatus(status, 'Deleted in the draft; gone when the release is published.', 'ok');
        var item = body.deleted || t;
        item.state = 'deleted';
        state.templates[state.templates.indexOf(t)] = item;
        state.selected = item;
        remove.disabled = true;
        renderList();
        refreshDraftCount();
      }).catch(failed);
    });
    source.addEventListener('input', edited);
    filter.addEventListener('input', renderList);

    Promise.all([get('/v1/admin/templates'), get('/v1/admin/segments'), get('/v1/admin/rules')]).then(function (results) {
      state.templates = results[0].templates || [];
      form.setSegments(results[1].segments || []);
      state.rules = results[2].rules || [];
      renderList();
      // Start with what an anonymous visitor is greeted with: the greeting of the rule for prospects.
      var greetings = state.templates.filter(function (t) { return t.slot === 'greeting' && t.locale === 'en'; });
      var prospect = state.rules.filter(function (r) { return r.slot === 'greeting' && r.segment === 'prospect'; })[0];
      var first = (prospect && greetings.filter(function (t) { return t.id === prospect.templateId; })[0]) || greetings[0] || state.templates[0];
      select(first || null);
    }).catch(failed);
  }

  /** The segment of the highest-priority live rule that shows this template, if any: the natural audience to
   *  preview it for. */
  function audienceOf(template, rules) {
    var using = (rules || []).filter(function (r) {
      return r.slot === template.slot && r.templateId === template.id && r.status === 'live' && r.segment;
    }).sort(function (a, b) { return b.priority - a.priority; });
    return using.length ? using[0].segment : null;
  }

  /** Who the preview is for: a member, or a visitor fitting a segment; plus language, time and release. */
  function previewForm(onChange) {
    var as = h('select', { id: 'preview-as', 'aria-label': 'Preview as' },
      h('option', { value: 'anonymous', text: 'an anonymous visitor' }),
      h('option', { value: 'member', text: 'a member…' }));
    var member = h('input', { id: 'preview-member', placeholder: 'member id, e.g. M000042', 'aria-label': 'Member id', hidden: true });
    var locale = h('input', { id: 'preview-locale', value: 'en', size: 5, 'aria-label': 'Language of the visitor' });
    var campaign = h('input', { id: 'preview-campaign', placeholder: 'campaign id', size: 12, 'aria-label': 'Referral campaign' });
    var category = h('input', { id: 'preview-category', placeholder: 'viewed category', size: 12, 'aria-label': 'Viewed category' });
    var cart = h('input', { id: 'preview-cart', type: 'number', min: 0, placeholder: 'cart items', size: 5, 'aria-label': 'Items in the cart' });
    var device = h('select', { id: 'preview-device', 'aria-label': 'Device' }, ['desktop', 'mobile', 'tablet'].map(function (d) { return h('option', { value: d, text: d }); }));
    var at = h('input', { id: 'preview-at', type: 'datetime-local', 'aria-label': 'Preview at' });
    var release = h('select', { id: 'preview-release', 'aria-label': 'Release' },
      h('option', { value: 'draft', text: 'the draft' }), h('option', { value: 'live', text: 'live content' }));
    var hint = h('p', { 'class': 'muted small', id: 'preview-hint' });
    var segments = [];
    var timer = null;

    function changed() { clearTimeout(timer); timer = setTimeout(onChange, 250); }

    /** A segment over the request is met by the request itself; a member segment needs a member of it. */
    function applySegment(id) {
      var s = segments.filter(function (x) { return x.id === id; })[0];
      campaign.value = ''; category.value = ''; cart.value = ''; device.value = 'desktop';
      hint.textContent = '';
      if (!s) return false;
      if (s.id.indexOf('campaign:') === 0) campaign.value = s.id === 'campaign:*' ? 'winter-sale' : s.id.slice(9);
      else if (s.id.indexOf('interest:') === 0) category.value = s.id === 'interest:*' ? 'running-shoes' : s.id.slice(9);
      else if (s.id === 'cart-abandoner') cart.value = '2';
      else if (s.id === 'device:mobile') device.value = 'mobile';
      else if (s.scope === 'member') {
        hint.textContent = 'Segment ' + s.id + ' (' + (s.members || 0) + ' members) depends on member data: enter a member of it; '
          + 'the segments below show whether they are in it.';
        return true;
      } else if (s.id !== 'prospect') hint.textContent = 'Segment ' + s.id + ': ' + compact(s.condition);
      return false;
    }

    function chosen() {
      var needsMember = as.value === 'member';
      if (as.value.indexOf('segment:') === 0) needsMember = applySegment(as.value.slice(8));
      else hint.textContent = '';
      member.hidden = !needsMember;
      return needsMember;
    }

    as.addEventListener('change', function () {
      if (chosen()) member.focus();
      changed();
    });
    [member, locale, campaign, category, cart, at].forEach(function (f) { f.addEventListener('input', changed); });
    [device, release].forEach(function (f) { f.addEventListener('change', changed); });

    var element = h('div', { 'class': 'preview-form' },
      h('div', { 'class': 'row' }, h('label', { 'for': 'preview-as', text: 'As' }), as, member),
      h('div', { 'class': 'row' }, h('label', {}, 'language ', locale), h('label', {}, 'device ', device)),
      h('div', { 'class': 'row' }, campaign, category, cart),
      h('div', { 'class': 'row' }, h('label', {}, 'at ', at), h('label', {}, 'with ', release)),
      hint);

    return {
      element: element,
      setLocale: function (value) { locale.value = value; },
      /** Presets the form for a segment (null: as it is); no preview is started. */
      setAudience: function (segment) {
        var option = segment && as.querySelector('option[value="segment:' + segment.replace(/["\\]/g, '') + '"]');
        if (!option) return;
        as.value = option.value;
        chosen();
      },
      setSegments: function (list) {
        segments = list;
        var group = h('optgroup', { label: 'a visitor in segment' }, list.map(function (s) {
          return h('option', { value: 'segment:' + s.id, text: s.id + (typeof s.members === 'number' && s.scope === 'member' ? ' (' + s.members + ')' : '') });
        }));
        append(as, group);
      },
      request: function () {
        var context = { visitorId: 'admin-preview', locale: locale.value.trim() || undefined, device: device.value,
          consent: { personalization: true } };
        if (!member.hidden && member.value.trim()) context.memberId = member.value.trim();
        if (campaign.value.trim()) context.referral = { source: 'preview', medium: 'email', campaign: campaign.value.trim() };
        if (category.value.trim()) context.browsing = { categories: [category.value.trim()] };
        var items = parseInt(cart.value, 10);
        if (items > 0) context.cart = { items: items, value: 0 };
        var body = { context: context, release: release.value };
        if (at.value) {
          var time = new Date(at.value);
          if (!isNaN(time.getTime())) body.at = time.toISOString();
        }
        return body;
      }
    };
  }

  /** The decision as a storefront would show it, and why, with the edited template's slot explained. */
  function renderPreview(box, answer, template) {
    var d = answer.decision || {};
    var slotTrace = ((d.trace && d.trace.slots) || []).filter(function (s) { return s.slot === template.slot; })[0];
    var shown = slotTrace && slotTrace.template === template.id && d.language === template.locale;
    append(box, h('p', { 'class': 'verdict ' + (shown ? 'ok' : 'warn'), id: 'preview-verdict' },
      shown ? 'This visitor sees this template' + (slotTrace.rule ? ' (rule ' + slotTrace.rule + ')' : ' (experiment or default)') + '.'
        : 'This visitor does not see this template: ' + (slotTrace ? (slotTrace.rule ? 'rule ' + slotTrace.rule : 'no rule') + ' shows ' + slotTrace.template : 'no trace') + ' in ' + (d.language || '?') + '.'));
    var banner = d.banner || {}, cta = d.cta || {}, greeting = d.greeting || {};
    append(box, h('div', { 'class': 'shopfront', id: 'preview-shopfront' },
      h('p', { 'class': 'greeting', id: 'preview-greeting', text: decode(greeting.text || '') }),
      h('div', { 'class': 'banner' },
        h('strong', { id: 'preview-banner-title', text: decode(banner.title || '') }),
        h('span', { id: 'preview-banner-text', text: decode(banner.text || '') }),
        h('small', { 'class': 'muted', text: [banner.image, banner.href].filter(Boolean).map(decode).join(' · ') })),
      h('span', { 'class': 'cta', id: 'preview-cta', text: decode(cta.label || '') })));
    append(box, h('dl', { 'class': 'facts' },
      h('dt', { text: 'variant' }), h('dd', { text: String(d.variant || '') }),
      h('dt', { text: 'segments' }), h('dd', { text: (d.segments || []).join(', ') || 'none' }),
      h('dt', { text: 'reasons' }), h('dd', { text: (d.reasons || []).join('; ') || 'none' }),
      h('dt', { text: 'release' }), h('dd', { text: String(answer.release) + ' at ' + when(answer.at) }),
      (d.experiments || []).length ? [h('dt', { text: 'experiments' }), h('dd', { text: d.experiments.map(function (e) { return e.key + ': ' + e.variant; }).join(', ') })] : null));
    if (slotTrace) {
      append(box, h('h3', { text: 'Rules for ' + template.slot + ', in priority order' }));
      append(box, h('ol', { 'class': 'trace' }, (slotTrace.considered || []).map(function (c) {
        return h('li', { 'class': c.outcome === 'matched: wins' ? 'wins' : '' }, h('code', { text: c.rule }), ' (' + c.priority + '): ' + c.outcome);
      })));
    }
  }

  /** The named entities HTML escaping writes, and what they stand for. */
  var ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

  /** Decisions carry HTML-escaped text (templates escape by default); shown here as plain text. */
  function decode(text) {
    return String(text).replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, function (whole, name) {
      if (name.charAt(0) === '#') {
        var code = name.charAt(1).toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
      }
      return Object.prototype.hasOwnProperty.call(ENTITIES, name) ? ENTITIES[name] : whole;
    });
  }

  // ---- Rules per slot with their reach ----

  function rulesView(root) {
    loading(root, 'Counting reach…');
    Promise.all([get('/v1/admin/rules'), fetch('/readyz', { cache: 'no-store' }).then(function (r) { return r.json(); }).catch(function () { return {}; })])
      .then(function (results) {
        var rules = results[0].rules || [];
        var total = typeof results[1].members === 'number' ? results[1].members : 0;
        clear(root);
        pageHead(root, 'Rules per slot', 'rule', { slot: 'greeting', priority: 20, condition: null, templateId: 'default', status: 'draft' });
        append(root, h('p', { 'class': 'muted', text: 'Reach: members whose data meets the rule on a plain visit (no campaign, empty cart); wins: members for whom it is the rule that shows. Counted over the draft' + (total ? ', of ' + total + ' members.' : '.') }));
        SLOTS.forEach(function (slot) {
          var inSlot = rules.filter(function (r) { return r.slot === slot; }).sort(function (a, b) { return b.priority - a.priority; });
          if (!inSlot.length) return;
          var top = total || Math.max.apply(null, inSlot.map(function (r) { return r.reach || 0; }).concat([1]));
          append(root, h('section', { 'class': 'card slot', dataset: { slot: slot } },
            h('h3', { text: slot }),
            h('table', { 'class': 'rules' },
              headRow(['priority', 'rule', 'audience', 'template', 'status', 'reach', 'wins', '']),
              h('tbody', {}, inSlot.map(function (r) {
                var audience = [r.segment ? 'segment ' + r.segment : null, r.condition ? compact(r.condition) : null].filter(Boolean).join(' and ') || 'everyone';
                var schedule = r.startsAt || r.endsAt ? ' ' + (r.startsAt || '…') + ' → ' + (r.endsAt || '…') + (r.timezone ? ' ' + r.timezone : '') : '';
                return h('tr', { dataset: { rule: r.id }, 'class': r.status === 'draft' ? 'draft' : '' },
                  h('td', { 'class': 'num', text: String(r.priority) }),
                  h('td', {}, h('code', { text: r.id }), ' ', r.state !== 'live' ? badge(r.state) : null),
                  h('td', { 'class': 'audience', text: audience }),
                  h('td', { text: r.templateId }),
                  h('td', { text: r.status + schedule }),
                  h('td', { 'class': 'reach' }, meter(r.reach, top, 'reach')),
                  h('td', { 'class': 'wins' }, meter(r.wins, top, 'wins')),
                  h('td', {}, h('button', { type: 'button', 'class': 'quiet', text: 'Edit', onclick: function () { jsonEditor(root, 'rule', r.id, r); } })));
              })))));
        });
      }).catch(failed);
  }

  function meter(value, total, kind) {
    var n = typeof value === 'number' ? value : 0;
    var share = total > 0 ? Math.min(1, n / total) : 0;
    var bar = h('span', { 'class': 'meter-fill' });
    bar.style.width = window.EtalageCharts.percent(share, 1);
    return h('span', { 'class': 'meter ' + kind, title: n + (total ? ' of ' + total : '') },
      h('span', { 'class': 'meter-track' }, bar), h('span', { 'class': 'meter-value', text: String(n) }));
  }

  // ---- Segments ----

  function segmentsView(root) {
    loading(root);
    get('/v1/admin/segments').then(function (body) {
      var segments = body.segments || [];
      clear(root);
      pageHead(root, 'Segments', 'segment', { description: '', scope: 'member', group: null, position: 100, condition: {} });
      var top = Math.max.apply(null, segments.map(function (s) { return s.members || 0; }).concat([1]));
      append(root, h('section', { 'class': 'card' }, h('table', { 'class': 'segments' },
        headRow(['segment', 'description', 'scope', 'group', 'members', 'condition', '']),
        h('tbody', {}, segments.map(function (s) {
          return h('tr', { dataset: { segment: s.id } },
            h('td', {}, h('code', { text: s.id }), ' ', s.state !== 'live' ? badge(s.state) : null),
            h('td', { text: s.description || '' }),
            h('td', { text: s.scope }),
            h('td', { text: s.group || '' }),
            h('td', {}, s.scope === 'member' ? meter(s.members, top, 'reach') : h('span', { 'class': 'muted', text: 'per request' })),
            h('td', { 'class': 'audience' }, h('code', { text: compact(s.condition) })),
            h('td', {}, h('button', { type: 'button', 'class': 'quiet', text: 'Edit', onclick: function () { jsonEditor(root, 'segment', s.id, s); } })));
        })))));
    }).catch(failed);
  }

  // ---- Experiments with their results ----

  function experimentsView(root) {
    loading(root);
    get('/v1/admin/experiments').then(function (body) {
      var experiments = body.experiments || [];
      clear(root);
      pageHead(root, 'Experiments', 'experiment', { slot: 'banner', status: 'draft', coverage: 1,
        variants: [{ key: 'control', weight: 0.5, template: 'default' }, { key: 'b', weight: 0.5, template: 'default' }] });
      if (!experiments.length) append(root, h('p', { 'class': 'muted', text: 'No experiments yet.' }));
      experiments.forEach(function (e) {
        var chart = h('div', { 'class': 'chart' }, h('p', { 'class': 'muted', text: 'Loading results…' }));
        var table = h('div', { 'class': 'results' });
        append(root, h('section', { 'class': 'card experiment', dataset: { experiment: e.key } },
          h('div', { 'class': 'card-head' },
            h('h3', {}, h('code', { text: e.key }), ' ', badge(e.status), ' ', e.state !== 'live' ? badge(e.state) : null),
            h('button', { type: 'button', 'class': 'quiet', text: 'Edit', onclick: function () { jsonEditor(root, 'experiment', e.key, e); } })),
          h('p', { 'class': 'muted', text: 'slot ' + e.slot + ': ' + (e.variants || []).map(function (v) {
            return v.key + ' ' + Math.round(v.weight * 100) + '% → ' + v.template;
          }).join(', ') + (e.startsAt || e.endsAt ? '; ' + (e.startsAt || '…') + ' → ' + (e.endsAt || '…') : '') }),
          chart, table));
        api('GET', '/v1/admin/experiments/' + encodeURIComponent(e.key) + '/results').then(function (answer) {
          clear(chart);
          if (answer.status !== 200) { append(chart, h('p', { 'class': 'muted', text: 'No results: ' + errorText(answer.body) })); return; }
          append(chart, window.EtalageCharts.rateChart(answer.body));
          append(chart, h('p', { 'class': 'muted small', text: 'Bars: conversion rate (converting visitors / visitors exposed); whiskers: '
            + Math.round((answer.body.confidenceLevel || 0.95) * 100) + '% confidence interval (Wilson score); dashed line: the control.' }));
          append(table, resultsTable(answer.body));
        }).catch(failed);
      });
    }).catch(failed);
  }

  function pct(x, digits) { return typeof x === 'number' ? window.EtalageCharts.percent(x, digits === undefined ? 2 : digits) : '–'; }
  function signed(x) { return typeof x === 'number' ? (x >= 0 ? '+' : '') + pct(x, 1) : '–'; }

  function resultsTable(report) {
    var level = Math.round((report.confidenceLevel || 0.95) * 100);
    var srm = report.sampleRatio || {};
    return [
      h('table', { 'class': 'numbers' },
        headRow(['variant', 'visitors', 'conversions', 'rate', 'revenue/visitor', 'lift [' + level + '% CI]', 'p', 'P(beat control)']),
        h('tbody', {}, (report.variants || []).map(function (v) {
          return h('tr', {},
            h('td', { text: v.key + (v.control && v.key !== 'control' ? ' (control)' : '') }),
            h('td', { 'class': 'num', text: String(v.visitors) }),
            h('td', { 'class': 'num', text: String(v.conversions) }),
            h('td', { 'class': 'num', text: pct(v.conversionRate) }),
            h('td', { 'class': 'num', text: typeof v.revenuePerVisitor === 'number' ? v.revenuePerVisitor.toFixed(2) : '–' }),
            h('td', { 'class': 'num', text: v.lift ? signed(v.lift.estimate) + ' [' + signed(v.lift.lower) + ', ' + signed(v.lift.upper) + ']' : '–' }),
            h('td', { 'class': 'num', text: typeof v.pValue === 'number' ? (v.pValue < 0.001 ? '< 0.001' : v.pValue.toFixed(3)) : '–' }),
            h('td', { 'class': 'num', text: pct(v.probabilityToBeatControl, 1) }));
        }))),
      h('p', { 'class': srm.mismatch ? 'error' : 'muted small' },
        srm.mismatch ? 'Sample ratio mismatch (p = ' + Number(srm.pValue).toPrecision(2) + '): the split is off; fix assignment or tracking before trusting these numbers.'
          : 'Split as expected (sample ratio check p = ' + (typeof srm.pValue === 'number' ? srm.pValue.toPrecision(2) : '–') + ').')
    ];
  }

  // ---- Editing rules, segments and experiments as JSON ----

  var KEY_FIELDS = { rule: ['id'], segment: ['id'], experiment: ['key'] };
  var DERIVED = ['state', 'pending', 'reach', 'wins', 'members'];

  function jsonEditor(root, kind, key, item) {
    var existing = document.getElementById('json-editor');
    if (existing) existing.parentNode.removeChild(existing);
    var body = {};
    Object.keys(item || {}).forEach(function (k) {
      if (DERIVED.indexOf(k) < 0 && KEY_FIELDS[kind].indexOf(k) < 0) body[k] = item[k];
    });
    var keyInput = h('input', { id: 'json-key', value: key || '', disabled: !!key, placeholder: kind === 'experiment' ? 'key' : 'id', 'aria-label': kind + ' key' });
    var text = h('textarea', { id: 'json-body', rows: 14, spellcheck: 'false', 'aria-label': kind + ' as JSON', value: JSON.stringify(body, null, 2) });
    var message = h('p', { 'class': 'status', role: 'status' });
    var dialog = h('section', { 'class': 'card json-editor', id: 'json-editor' },
      h('div', { 'class': 'card-head' }, h('h3', { text: (key ? 'Edit ' : 'New ') + kind }),
        h('button', { type: 'button', 'class': 'quiet', text: 'Close', onclick: function () { dialog.parentNode.removeChild(dialog); } })),
      h('label', {}, kind === 'experiment' ? 'key ' : 'id ', keyInput),
      text,
      h('div', { 'class': 'actions' },
        h('button', { type: 'button', text: 'Save to draft', onclick: function () {
          var value;
          try { value = JSON.parse(text.value); } catch (e) { setStatus(message, 'Not JSON: ' + e.message, 'error'); return; }
          var id = keyInput.value.trim();
          if (!id) { setStatus(message, 'Give it a key.', 'error'); return; }
          api('PUT', '/v1/admin/' + kind + 's/' + encodeURIComponent(id), value).then(function (answer) {
            if (answer.status !== 200) { setStatus(message, 'Not saved: ' + errorText(answer.body), 'error'); return; }
            toast(kind + ' ' + id + ' saved to the draft', 'ok');
            route();
          }).catch(failed);
        } }),
        key ? h('button', { type: 'button', 'class': 'danger', text: 'Delete', onclick: function () {
          api('DELETE', '/v1/admin/' + kind + 's/' + encodeURIComponent(key)).then(function (answer) {
            if (answer.status !== 200) { setStatus(message, 'Not deleted: ' + errorText(answer.body), 'error'); return; }
            toast(kind + ' ' + key + ' deleted in the draft', 'ok');
            route();
          }).catch(failed);
        } }) : null),
      message);
    root.insertBefore(dialog, root.firstChild);
    text.focus();
  }

  // ---- The draft and releases ----

  function releasesView(root) {
    loading(root);
    Promise.all([get('/v1/admin/changes'), get('/v1/admin/releases')]).then(function (results) {
      var changes = results[0].changes || [];
      var releases = results[1].releases || [];
      var live = results[1].live;
      showDraftCount(changes);
      clear(root);
      var note = h('input', { id: 'release-note', placeholder: 'what this release does', size: 40, 'aria-label': 'Release note' });
      var publishAt = h('input', { id: 'release-at', type: 'datetime-local', 'aria-label': 'Publish at (empty: now)' });
      append(root, h('section', { 'class': 'card' },
        h('h2', { text: 'Draft: ' + changes.length + ' pending change' + (changes.length === 1 ? '' : 's') }),
        changes.length ? h('table', {},
          headRow(['kind', 'item', 'change', 'by', 'at']),
          h('tbody', {}, changes.map(function (c) {
            return h('tr', {}, h('td', { text: c.kind }), h('td', {}, h('code', { text: c.key })), h('td', { text: c.action }),
              h('td', { text: c.author }), h('td', { text: when(c.at) }));
          }))) : h('p', { 'class': 'muted', text: 'Nothing pending: edits to templates, rules, segments and experiments gather here.' }),
        h('div', { 'class': 'actions' },
          note, h('label', {}, 'publish at ', publishAt),
          h('button', { type: 'button', id: 'publish', disabled: !changes.length, text: 'Publish', onclick: function () {
            var body = { note: note.value.trim() };
            if (publishAt.value) {
              var time = new Date(publishAt.value);
              if (!isNaN(time.getTime())) body.publishAt = time.toISOString();
            }
            api('POST', '/v1/admin/releases', body).then(function (answer) {
              var release = expect(201, answer);
              toast('Release ' + release.id + ' ' + release.status, 'ok');
              route();
            }).catch(failed);
          } }),
          h('button', { type: 'button', 'class': 'danger', disabled: !changes.length, text: 'Discard the draft', onclick: function () {
            if (!window.confirm('Discard all ' + changes.length + ' pending changes?')) return;
            api('DELETE', '/v1/admin/changes').then(function (answer) {
              toast('Discarded ' + expect(200, answer).discarded + ' changes', 'ok');
              route();
            }).catch(failed);
          } }))));
      var detail = h('div', { 'class': 'release-detail', id: 'release-detail' });
      append(root, h('section', { 'class': 'card' },
        h('div', { 'class': 'card-head' }, h('h2', { text: 'Releases' }),
          h('button', { type: 'button', 'class': 'quiet', text: 'Roll back the live release', onclick: function () {
            if (!window.confirm('Restore the content of the release before the live one?')) return;
            // from: the live release this page shows, so a second click (or a colleague's rollback) rolls back nothing more.
            api('POST', '/v1/admin/releases/rollback', { note: 'rollback from the admin page', from: live }).then(function (answer) {
              if (answer.status === 409 && answer.body && answer.body.error && answer.body.error.code === 'live_changed') {
                toast('Not rolled back: ' + errorText(answer.body) + '. The list below is up to date now.', 'error');
                route();
                return;
              }
              toast('Rolled back: release ' + expect(201, answer).id + ' is live', 'ok');
              route();
            }).catch(failed);
          } })),
        h('table', { 'class': 'releases' },
          headRow(['id', 'kind', 'status', 'note', 'by', 'created', 'publishes / published', 'changes', '']),
          h('tbody', {}, releases.map(function (r) {
            return h('tr', { 'class': r.id === live ? 'live' : '', dataset: { release: r.id } },
              h('td', { 'class': 'num', text: String(r.id) + (r.id === live ? ' (live)' : '') }),
              h('td', { text: r.kind }), h('td', {}, badge(r.status)), h('td', { text: r.note || '' }),
              h('td', { text: r.author || '' }), h('td', { text: when(r.createdAt) }),
              h('td', { text: when(r.publishedAt || r.publishAt) }), h('td', { 'class': 'num', text: String(r.changes) }),
              h('td', {},
                h('button', { type: 'button', 'class': 'quiet', text: 'Changes', onclick: function () { showRelease(detail, r, releases); } }),
                r.status === 'scheduled' ? h('button', { type: 'button', 'class': 'danger', text: 'Cancel', onclick: function () {
                  api('DELETE', '/v1/admin/releases/' + r.id).then(function (answer) {
                    var cancelled = expect(200, answer);
                    var skipped = cancelled.skipped || [];
                    toast('Release ' + r.id + ' cancelled; ' + (cancelled.restored || 0) + ' change(s) back in the draft' +
                      (skipped.length ? ', not ' + skipped.map(function (s) { return s.key + ' (' + s.reason + ')'; }).join(', ') : ''), 'ok');
                    route();
                  }).catch(failed);
                } }) : null));
          }))),
        detail));
    }).catch(failed);
  }

  /** What a release changed: the diff against the release before it. */
  function showRelease(box, release, releases) {
    clear(box);
    var older = releases.filter(function (r) { return r.id < release.id && r.status !== 'cancelled' && r.status !== 'scheduled'; })
      .sort(function (a, b) { return b.id - a.id; })[0];
    if (!older) { append(box, h('p', { 'class': 'muted', text: 'Release ' + release.id + ' is the first: nothing to compare with.' })); return; }
    get('/v1/admin/releases/diff?from=' + older.id + '&to=' + release.id).then(function (body) {
      var differences = body.differences || [];
      append(box, h('h3', { text: 'Release ' + older.id + ' → ' + release.id + ': ' + differences.length + ' difference' + (differences.length === 1 ? '' : 's') }));
      append(box, h('ul', { 'class': 'diff' }, differences.map(function (d) {
        return h('li', { 'class': d.change }, h('b', { text: d.change + ' ' }), d.kind + ' ', h('code', { text: d.key }),
          d.before ? h('pre', { 'class': 'before', text: itemText(d.before) }) : null,
          d.after ? h('pre', { 'class': 'after', text: itemText(d.after) }) : null);
      })));
    }).catch(failed);
  }

  function itemText(item) {
    return typeof item.source === 'string' ? item.source : JSON.stringify(item, null, 2);
  }

  // ---- Start ----

  function init() {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', function () { logout('Logged out.'); });
    window.addEventListener('hashchange', function () { route(); });
    if (session.token) start(); else $('token').focus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
