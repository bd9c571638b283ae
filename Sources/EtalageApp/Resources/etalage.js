/*! Etalage storefront snippet. Include it on a page:
 *    <script src="https://etalage.example/etalage.js" defer data-consent="granted"></script>
 *  It asks Etalage for this visitor's homepage decision and fills the elements marked
 *  data-etalage="greeting" | "banner" | "cta"; on any failure, or after data-timeout ms (default 300),
 *  the page's own content stays as it is. No dependencies, no cookies for other sites. */
(function () {
  'use strict';
  if (window.etalage && window.etalage.version) return; // included twice: the first one runs

  var VERSION = '1';
  var COOKIE = 'etalage_vid';
  var COOKIE_SECONDS = 365 * 24 * 3600;
  var HISTORY_KEY = 'etalage_viewed';
  var REFERRAL_KEY = 'etalage_referral';
  var DECISION_KEY = 'etalage_decision';
  var HISTORY_CAP = 10;
  var TEXT_CAP = 100;
  var script = document.currentScript;
  var root = document.documentElement;

  function attr(name) {
    return script && script.hasAttribute(name) ? script.getAttribute(name) : null;
  }

  function noop() {}

  // ---- Where to ask, and how long to wait ----

  function endpointBase() {
    var configured = attr('data-endpoint');
    try {
      if (configured) return new URL(configured, document.baseURI).href.replace(/\/+$/, '');
      if (script && script.src) return new URL(script.src).origin;
    } catch (e) { /* fall through to the page's origin */ }
    return location.origin;
  }

  function timeoutMs() {
    var value = parseInt(attr('data-timeout') || '', 10);
    return value >= 50 && value <= 10000 ? value : 300;
  }

  // ---- Consent: true, false, or null when the page has not said ----

  function consent() {
    var value = window.etalageConsent;
    if (typeof value === 'boolean') return value;
    value = attr('data-consent');
    if (value === null) value = root.getAttribute('data-consent');
    if (value === null) return null;
    value = String(value).toLowerCase();
    if (value === 'granted' || value === 'true' || value === 'yes') return true;
    if (value === 'denied' || value === 'false' || value === 'no') return false;
    return null;
  }

  // ---- Storage that may be missing or full (private modes, blocked storage): never throw ----

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }

  function storageSet(store, key, value) {
    try {
      if (value === null) window[store].removeItem(key); else window[store].setItem(key, value);
    } catch (e) { /* storage unavailable: forget it */ }
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    var hex = '';
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return hex;
  }

  /** The first-party visitor id: a cookie on the shop's own site, renewed for a year on each visit. Without
   *  consent (explicitly denied) no cookie is kept: the id lives for this page view only. */
  function visitorId(allowed) {
    var secure = location.protocol === 'https:' ? '; Secure' : '';
    if (allowed === false) {
      document.cookie = COOKIE + '=; Max-Age=0; Path=/; SameSite=Lax' + secure;
      return randomId();
    }
    var match = document.cookie.match(/(?:^|;\s*)etalage_vid=([0-9a-f]{32})(?:;|$)/);
    var id = match ? match[1] : randomId();
    document.cookie = COOKIE + '=' + id + '; Max-Age=' + COOKIE_SECONDS + '; Path=/; SameSite=Lax' + secure;
    return id;
  }

  // ---- Who is signed in ----

  var TOKEN = /^(.+)\.(\d{1,12})\.([0-9a-fA-F]{64})$/;

  /** A member token `<memberId>.<expiry>.<mac>` names its member; anything else is a plain member id
   *  (accepted only by a server that runs without a member secret). */
  function memberFrom(value) {
    if (!value) return null;
    if (typeof value === 'object') {
      if (typeof value.token === 'string' && value.token) return memberFrom(value.token);
      return typeof value.id === 'string' && value.id ? { id: value.id } : null;
    }
    value = String(value).trim();
    if (!value) return null;
    var match = value.match(TOKEN);
    return match ? { id: match[1], token: value } : { id: value };
  }

  function member() {
    var element = document.querySelector('[data-etalage-member]');
    return memberFrom(attr('data-member-token')) || memberFrom(attr('data-member-id'))
      || memberFrom(element && element.getAttribute('data-etalage-member'))
      || memberFrom(window.etalageMember);
  }

  // ---- Where the visit came from: UTM parameters, else another site's referrer; kept for the visit (not when
  //      consent is denied: then only this page's own parameters count) ----

  function referral(allowed) {
    var params = new URLSearchParams(location.search);
    var found = null;
    ['source', 'medium', 'campaign'].forEach(function (field) {
      var value = params.get('utm_' + field);
      if (value) { found = found || {}; found[field] = value.slice(0, TEXT_CAP); }
    });
    if (!found && document.referrer) {
      try {
        var from = new URL(document.referrer);
        if (from.host && from.host !== location.host) found = { source: from.hostname, medium: 'referral' };
      } catch (e) { /* not a URL */ }
    }
    if (allowed === false) {
      storageSet('sessionStorage', REFERRAL_KEY, null);
      return found;
    }
    if (found) {
      storageSet('sessionStorage', REFERRAL_KEY, JSON.stringify(found));
      return found;
    }
    try {
      var kept = JSON.parse(storageGet('sessionStorage', REFERRAL_KEY) || 'null');
      return kept && typeof kept === 'object' ? kept : null;
    } catch (e) { return null; }
  }

  // ---- Recently viewed categories and products: this browser only, with consent only ----

  function browsingHistory() {
    try {
      var stored = JSON.parse(storageGet('localStorage', HISTORY_KEY) || 'null');
      var clean = function (list) {
        return Array.isArray(list) ? list.filter(function (x) { return typeof x === 'string' && x; }).slice(0, HISTORY_CAP) : [];
      };
      return { categories: clean(stored && stored.categories), products: clean(stored && stored.products) };
    } catch (e) { return { categories: [], products: [] }; }
  }

  /** Records a view, most recent first, without duplicates, at most HISTORY_CAP of each. */
  function viewed(category, product) {
    if (consent() !== true) return false;
    var h = browsingHistory();
    var push = function (list, value) {
      if (typeof value !== 'string' || !value.trim()) return list;
      value = value.trim().slice(0, TEXT_CAP);
      return [value].concat(list.filter(function (x) { return x !== value; })).slice(0, HISTORY_CAP);
    };
    h.categories = push(h.categories, category);
    h.products = push(h.products, product);
    storageSet('localStorage', HISTORY_KEY, JSON.stringify(h));
    return true;
  }

  function locale() {
    return (root.getAttribute('lang') || navigator.language || '').slice(0, 35) || undefined;
  }

  function device() {
    var ua = navigator.userAgent || '';
    if (/iPad|Tablet/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua))) return 'tablet';
    if (/Mobi|iPhone|Android/i.test(ua)) return 'mobile';
    return window.innerWidth > 0 && window.innerWidth < 768 ? 'mobile' : 'desktop';
  }

  function cart() {
    var items = parseInt(attr('data-cart-items') || '', 10);
    var value = parseFloat(attr('data-cart-value') || '');
    if (!(items >= 0)) return null;
    return value >= 0 ? { items: items, value: value } : { items: items };
  }

  /** The request body: only what this page may know, and nothing personal without consent. */
  function context() {
    var allowed = consent();
    if (allowed === false) storageSet('localStorage', HISTORY_KEY, null);
    var body = { visitorId: visitorId(allowed) };
    var from = referral(allowed);
    if (from) body.referral = from;
    body.locale = locale();
    body.device = device();
    if (allowed === true) {
      var who = member();
      if (who) {
        body.memberId = who.id;
        if (who.token) body.memberToken = who.token;
      }
      var h = browsingHistory();
      if (h.categories.length || h.products.length) body.browsing = h;
      var c = cart();
      if (c) body.cart = c;
    }
    if (allowed !== null) body.consent = { personalization: allowed };
    return body;
  }

  // ---- Filling the page: text and attributes only, never markup from the server ----

  var ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

  /** The server's templates escape HTML; the page gets plain text, so the entities are turned back into characters
   *  (and the text is then set as text: `<script>` in a name shows as `<script>`, and does nothing). */
  function decode(text) {
    return String(text).replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, function (whole, name) {
      if (name.charAt(0) === '#') {
        var code = name.charAt(1) === 'x' || name.charAt(1) === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
      }
      return Object.prototype.hasOwnProperty.call(ENTITIES, name) ? ENTITIES[name] : whole;
    });
  }

  function text(value) {
    return typeof value === 'string' && value ? decode(value) : null;
  }

  /** A link or image address: http(s) or relative only (no `javascript:`, no `data:`). */
  function safeURL(value) {
    var plain = text(value);
    if (!plain) return null;
    try {
      var url = new URL(plain.trim(), document.baseURI);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) { return null; }
  }

  function fields(element, name) {
    var found = Array.prototype.slice.call(element.querySelectorAll('[data-etalage-field="' + name + '"]'));
    if (element.getAttribute('data-etalage-field') === name) found.push(element);
    return found;
  }

  function setText(elements, value) {
    if (value === null) return false;
    elements.forEach(function (el) { el.textContent = value; });
    return elements.length > 0;
  }

  function setHref(elements, value) {
    if (value === null) return;
    elements.forEach(function (el) { if (el.tagName === 'A' || el.tagName === 'AREA') el.setAttribute('href', value); });
  }

  /** The image changes only once the new one has loaded, so a missing image never replaces a good one. */
  function setImage(elements, src, alt) {
    if (src === null) return;
    elements.forEach(function (img) {
      if (img.tagName !== 'IMG') return;
      var probe = new Image();
      probe.onload = function () {
        img.setAttribute('src', src);
        if (alt !== null) img.setAttribute('alt', alt);
      };
      probe.src = src;
    });
  }

  function slots(name) {
    return Array.prototype.slice.call(document.querySelectorAll('[data-etalage="' + name + '"]'));
  }

  function fill(decision) {
    var filled = [];
    var greeting = decision.greeting || {};
    slots('greeting').forEach(function (el) {
      var inner = fields(el, 'text');
      if (setText(inner.length ? inner : [el], text(greeting.text))) filled.push(el);
    });
    var banner = decision.banner || {};
    slots('banner').forEach(function (el) {
      var title = text(banner.title);
      var changed = setText(fields(el, 'title'), title);
      changed = setText(fields(el, 'text'), text(banner.text)) || changed;
      setImage(fields(el, 'image'), safeURL(banner.image), title);
      var links = fields(el, 'href');
      if (el.tagName === 'A') links.push(el);
      setHref(links, safeURL(banner.href));
      if (typeof banner.id === 'string') el.setAttribute('data-etalage-banner-id', banner.id);
      if (changed) filled.push(el);
    });
    var cta = decision.cta || {};
    slots('cta').forEach(function (el) {
      var labels = fields(el, 'label');
      if (!setText(labels.length ? labels : [el], text(cta.label))) return;
      var links = fields(el, 'href');
      if (el.tagName === 'A') links.push(el);
      setHref(links, safeURL(cta.href));
      filled.push(el);
    });
    if (typeof decision.variant === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(decision.variant)) {
      var body = document.body;
      Array.prototype.slice.call(body.classList).forEach(function (name) {
        if (name.indexOf('etalage-variant-') === 0) body.classList.remove(name);
      });
      body.classList.add('etalage-variant-' + decision.variant);
    }
    return filled;
  }

  // ---- Reporting impressions and clicks ----

  var endpoint = endpointBase();

  /** Sent as a beacon (it survives the page being left, as a click usually does); the body is JSON sent as
   *  text/plain, which needs no CORS preflight. */
  function send(events) {
    var body = JSON.stringify(events);
    var url = endpoint + '/v1/events';
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    } catch (e) { /* fall back to fetch */ }
    try {
      fetch(url, { method: 'POST', body: body, keepalive: true, credentials: 'omit' }).catch(noop);
    } catch (e) { /* nothing more to try: events are best effort */ }
  }

  function event(type) {
    if (!state.decision) return false;
    send([{ type: type, decisionId: state.decision.decisionId, visitorId: state.visitorId }]);
    return true;
  }

  // ---- The run ----

  var state = { decision: null, visitorId: null, state: 'loading', reason: null };

  function announce(name, detail) {
    try { document.dispatchEvent(new CustomEvent(name, { detail: detail })); } catch (e) { /* old browser */ }
  }

  function keepStatic(reason) {
    if (state.state !== 'loading') return;
    state.state = 'static';
    state.reason = reason;
    root.setAttribute('data-etalage-state', 'static');
    announce('etalage:static', { reason: reason });
    resolveReady(null);
  }

  function valid(decision) {
    return decision && typeof decision === 'object' && typeof decision.decisionId === 'string'
      && /^[0-9A-Za-z-]{1,128}$/.test(decision.decisionId) && typeof decision.variant === 'string';
  }

  function apply(decision) {
    if (state.state !== 'loading') return;
    if (!valid(decision)) return keepStatic('invalid answer');
    state.decision = decision;
    var filled;
    try {
      filled = fill(decision);
    } catch (e) {
      state.decision = null;
      return keepStatic('fill failed');
    }
    state.state = 'filled';
    root.setAttribute('data-etalage-state', 'filled');
    storageSet('sessionStorage', DECISION_KEY, JSON.stringify({ decisionId: decision.decisionId, visitorId: state.visitorId }));
    if (filled.length) event('impression');
    ['banner', 'cta'].forEach(function (name) {
      slots(name).forEach(function (el) {
        el.addEventListener('click', function () { event('click'); });
      });
    });
    announce('etalage:decision', decision);
    resolveReady(decision);
  }

  var resolveReady = noop;
  var ready = typeof Promise === 'function' ? new Promise(function (resolve) { resolveReady = resolve; }) : null;

  function run() {
    Array.prototype.slice.call(document.querySelectorAll('[data-etalage-viewed]')).forEach(function (el) {
      viewed(el.getAttribute('data-etalage-viewed'), el.getAttribute('data-etalage-product') || undefined);
    });
    var body;
    try {
      body = context();
    } catch (e) {
      return keepStatic('no context');
    }
    state.visitorId = body.visitorId;
    if (typeof fetch !== 'function') return keepStatic('no fetch');
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () {
      if (controller) controller.abort();
      keepStatic('timeout');
    }, timeoutMs());
    fetch(endpoint + '/v1/decisions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) throw new Error('status ' + response.status);
      return response.json();
    }).then(function (decision) {
      clearTimeout(timer);
      apply(decision);
    }).catch(function (e) {
      clearTimeout(timer);
      keepStatic(e && e.name === 'AbortError' ? 'timeout' : 'unreachable: ' + (e && e.message ? e.message : 'error'));
    });
  }

  window.etalage = {
    version: VERSION,
    /** Records a category (and optionally product) view; it counts from the next decision on. */
    viewed: viewed,
    /** Reports a conversion (e.g. on the order confirmation page) for this visit's last decision. */
    converted: function (value) {
      var last;
      try { last = JSON.parse(storageGet('sessionStorage', DECISION_KEY) || 'null'); } catch (e) { last = null; }
      if (!last || typeof last.decisionId !== 'string') return false;
      var e = { type: 'conversion', decisionId: last.decisionId, visitorId: last.visitorId };
      if (typeof value === 'number' && value >= 0 && isFinite(value)) e.value = value;
      send([e]);
      return true;
    },
    /** `loading`, `filled` or `static`; the decision once filled; a promise of the decision (null if static). */
    get state() { return state.state; },
    get reason() { return state.reason; },
    get decision() { return state.decision; },
    get visitorId() { return state.visitorId; },
    ready: ready
  };

  root.setAttribute('data-etalage-state', 'loading');
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run); else run();
})();
