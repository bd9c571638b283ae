/* The demo storefront's controls. It runs before /etalage.js (both are deferred, in order) and plays the shop's
 * part: who is signed in, the consent the visitor gave, the page's language, the category page being viewed.
 * Query parameters: visitor=new, member=ID (empty: sign out), token=TOKEN, consent=granted|denied, lang=en|nl,
 * category=ID, endpoint=URL and timeout=MS (to try the snippet against a slow or missing server). */
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var snippet = document.getElementById('etalage-snippet');
  var root = document.documentElement;

  function get(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function set(store, key, value) {
    try {
      if (value === null) window[store].removeItem(key); else window[store].setItem(key, value);
    } catch (e) { /* storage blocked: the demo forgets */ }
  }
  function show(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  if (params.get('visitor') === 'new') {
    // A new visitor: no visitor cookie, no history, no sign-in, no campaign.
    document.cookie = 'etalage_vid=; Max-Age=0; Path=/; SameSite=Lax';
    ['etalage_viewed'].forEach(function (k) { set('localStorage', k, null); });
    ['etalage_referral', 'etalage_decision', 'demo_member', 'demo_token'].forEach(function (k) { set('sessionStorage', k, null); });
  }
  if (params.has('member')) {
    set('sessionStorage', 'demo_member', params.get('member') || null);
    set('sessionStorage', 'demo_token', params.get('token') || null);
  }
  if (params.has('consent')) set('localStorage', 'demo_consent', params.get('consent') === 'denied' ? 'denied' : 'granted');
  if (params.has('lang')) set('sessionStorage', 'demo_lang', params.get('lang') === 'nl' ? 'nl' : 'en');

  var member = get('sessionStorage', 'demo_member');
  var token = get('sessionStorage', 'demo_token');
  var consent = get('localStorage', 'demo_consent') || 'granted';
  var lang = get('sessionStorage', 'demo_lang') || 'en';

  // What a shop's page would say about itself, in the ways the snippet reads.
  root.setAttribute('lang', lang === 'nl' ? 'nl-NL' : 'en-GB');
  if (snippet) {
    snippet.setAttribute('data-consent', consent);
    // Only this host or loopback: the parameter exists to show the snippet against a slow or missing server.
    var endpoint = params.get('endpoint');
    try {
      var host = endpoint ? new URL(endpoint, location.href).hostname : null;
      if (host === location.hostname || host === '127.0.0.1' || host === 'localhost') snippet.setAttribute('data-endpoint', endpoint);
    } catch (e) { /* not a URL: ignored */ }
    if (params.get('timeout')) snippet.setAttribute('data-timeout', params.get('timeout'));
  }
  if (member) window.etalageMember = token ? { id: member, token: token } : { id: member };
  if (params.get('category')) document.body.setAttribute('data-etalage-viewed', params.get('category'));

  show('demo-account', member ? 'Signed in as ' + member : 'Not signed in');
  show('demo-consent', consent);
  var select = document.getElementById('demo-member');
  if (select && member) select.value = member;

  function showViewed() {
    try {
      var viewed = JSON.parse(get('localStorage', 'etalage_viewed') || 'null');
      var list = viewed && Array.isArray(viewed.categories) ? viewed.categories : [];
      show('demo-viewed', list.length ? list.join(', ') : 'none');
    } catch (e) { show('demo-viewed', 'none'); }
  }

  function showReasons(reasons) {
    var list = document.getElementById('demo-reasons');
    if (!list) return;
    list.textContent = '';
    (reasons.length ? reasons : ['no reasons given']).forEach(function (reason) {
      var item = document.createElement('li');
      item.textContent = String(reason);
      list.appendChild(item);
    });
  }

  document.addEventListener('etalage:decision', function (e) {
    var d = e.detail || {};
    show('demo-state', 'filled');
    show('demo-variant', String(d.variant || ''));
    show('demo-segments', Array.isArray(d.segments) && d.segments.length ? d.segments.join(', ') : 'none');
    show('demo-banner', d.banner && d.banner.id ? String(d.banner.id) : 'none');
    show('demo-visitor', window.etalage ? String(window.etalage.visitorId) : 'none');
    show('demo-decision', String(d.decisionId || '') + (d.holdout ? ' (holdout)' : ''));
    showReasons(Array.isArray(d.reasons) ? d.reasons : []);
    showViewed();
  });
  document.addEventListener('etalage:static', function (e) {
    var reason = e.detail && e.detail.reason ? e.detail.reason : 'unknown';
    show('demo-state', 'static content kept (' + reason + ')');
    showReasons(['Etalage did not answer (' + reason + '), so the page shows its own content']);
    showViewed();
  });
  showViewed();
})();
