// Activity Feed — LAN browser page (CONTRACT §8).
// Served under a strict CSP: no inline script or style, no eval. Every piece of user
// text (payload strings, tenant names, comment bodies) reaches the DOM through
// textContent / createTextNode only — never as HTML.
'use strict';

(function () {
  const TOKEN_KEY = 'activityfeed.token';
  const ME_KEY = 'activityfeed.tenantId';
  const PAGE_SIZE = 20;
  const CLOCK_TICK_MS = 30000;
  // The server's catalogue (/catalogue.json): event types, reactions and limits, the same
  // one the desktop and the backend read. Loaded before anything is shown.
  let CATALOGUE = { eventTypes: [], reactions: [], limits: { commentMaxCodePoints: 500, textFieldMaxChars: 200 } };
  let REACTIONS = [];
  let COMMENT_LIMIT = 500;

  const $ = (id) => document.getElementById(id);

  const ui = {
    login: $('login'),
    loginForm: $('login-form'),
    loginMessage: $('login-message'),
    tokenInput: $('token-input'),
    tokenReveal: $('token-reveal'),
    loginSubmit: $('login-submit'),
    feedView: $('feed-view'),
    feed: $('feed'),
    sentinel: $('sentinel'),
    sentinelLoading: $('sentinel-loading'),
    sentinelError: $('sentinel-error'),
    sentinelErrorText: $('sentinel-error-text'),
    sentinelRetry: $('sentinel-retry'),
    loadMore: $('load-more'),
    sentinelEnd: $('sentinel-end'),
    empty: $('empty'),
    conn: $('conn'),
    connLabel: $('conn-label'),
    signout: $('signout'),
    toasts: $('toasts'),
    newPill: $('new-pill'),
    newPillLabel: $('new-pill-label'),
  };

  const state = {
    token: null,
    cards: new Map(), // event id → { ev, el, refs }
    removed: new Set(), // singles folded into tiles since the last reload: pages skip them
    followComments: null, // { tileId, draft }: the open thread's single went into that tile
    nextCursor: null,
    atEnd: false,
    loading: false,
    generation: 0, // bumped on every feed reset so late answers are ignored
    source: null,
    lastSeq: null,
    reconnectTimer: null,
    reconnectDelay: 3000,
    unseen: 0,
    myTenantId: null, // learnt from our own comment or a 403 on our own event
  };

  // The read marker, type filters and keyboard shortcuts (reading.js): it reads the cards
  // and calls back through these.
  const reading = window.AFReading({
    ui, state, h, api, toast, reloadFeed, isOwn,
    catalogue: () => CATALOGUE,
    reactions: () => REACTIONS,
  });

  // ---------------------------------------------------------------- DOM helpers

  /** Builds an element; string/number children become text nodes, never markup. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'hidden') el.hidden = Boolean(v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many || one + 's'}`;
  }

  function fmtNum(n) {
    return Number(n || 0).toLocaleString();
  }

  // ---------------------------------------------------------------- time

  function parseTs(ts) {
    const t = Date.parse(ts);
    return Number.isFinite(t) ? t : null;
  }

  function relTime(ts, now = Date.now()) {
    const t = parseTs(ts);
    if (t === null) return '';
    const s = Math.round((now - t) / 1000);
    if (s < 45) return 'just now';
    const m = Math.round(s / 60);
    if (m < 60) return `${m} min ago`;
    const hrs = Math.round(m / 60);
    if (hrs < 24) return `${hrs} h ago`;
    const d = Math.round(hrs / 24);
    if (d === 1) return 'yesterday';
    if (d < 7) return `${d} days ago`;
    const date = new Date(t);
    const sameYear = date.getFullYear() === new Date(now).getFullYear();
    return date.toLocaleDateString(undefined, sameYear
      ? { month: 'short', day: 'numeric' }
      : { year: 'numeric', month: 'short', day: 'numeric' });
  }

  function timeEl(ts, cls) {
    const t = parseTs(ts);
    const el = h('time', { class: cls || 'rel-time', datetime: ts || '' });
    el.dataset.ts = ts || '';
    el.textContent = relTime(ts);
    if (t !== null) el.title = new Date(t).toLocaleString();
    return el;
  }

  function refreshTimes() {
    const now = Date.now();
    for (const el of document.querySelectorAll('time[data-ts]')) {
      const txt = relTime(el.dataset.ts, now);
      if (el.textContent !== txt) el.textContent = txt;
    }
  }

  // ---------------------------------------------------------------- payload text

  function payloadOf(ev) {
    let p = ev && ev.payload_json;
    if (typeof p === 'string') {
      try { p = JSON.parse(p); } catch (_) { p = {}; }
    }
    return p && typeof p === 'object' ? p : {};
  }

  function isTile(ev) {
    const p = payloadOf(ev);
    return Number.isInteger(p.count) && p.count > 1 && Array.isArray(p.samples);
  }

  // The catalogue's text templates: `{field}` takes a non-empty string, `{#field}` a
  // positive number, `{#field|one|other}` a number with its noun; the first template whose
  // fields are all there wins (the backend's Catalogue reads them by the same rules).
  function catalogueType(type) {
    return CATALOGUE.eventTypes.find((t) => t.type === type) || null;
  }

  function positive(v) {
    return typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e15 ? Math.trunc(v) : null;
  }

  function fieldText(p, spec) {
    if (spec.startsWith('#')) {
      const parts = spec.slice(1).split('|');
      const n = positive(p[parts[0]]);
      if (n === null) return null;
      return parts.length === 3 ? plural(n, parts[1], parts[2]) : String(n);
    }
    const v = p[spec];
    if (typeof v !== 'string' || v === '') return null;
    const max = CATALOGUE.limits.textFieldMaxChars;
    if (v.length <= max) return v;
    return v.slice(0, /[\uD800-\uDBFF]/.test(v[max - 1]) ? max - 1 : max);
  }

  function renderTemplate(tpl, p) {
    let out = '';
    let i = 0;
    while (i < tpl.length) {
      const open = tpl.indexOf('{', i);
      if (open < 0) { out += tpl.slice(i); break; }
      const close = tpl.indexOf('}', open);
      if (close < 0) return null;
      const value = fieldText(p, tpl.slice(open + 1, close));
      if (value === null) return null;
      out += tpl.slice(i, open) + value;
      i = close + 1;
    }
    return out;
  }

  function firstRendered(templates, p) {
    for (const t of templates || []) {
      const r = renderTemplate(t, p);
      if (r !== null) return r;
    }
    return null;
  }

  function describe(type, p) {
    const t = catalogueType(type);
    if (!t) return String(type || '');
    return firstRendered(t.describe, p || {}) || t.displayName;
  }

  /** One short line for one queue payload of the given type (plain text). */
  function summarize(type, p) {
    if (!p || typeof p !== 'object') return '';
    const t = catalogueType(type);
    return (t && firstRendered(t.sample, p)) || describe(type, p);
  }

  function typeIcon(type) {
    const t = catalogueType(type);
    return t ? t.icon : '✨';
  }

  async function loadCatalogue() {
    const res = await fetch('/catalogue.json', { cache: 'no-cache' });
    if (!res.ok) throw new Error(`The server's catalogue could not be loaded (${res.status}).`);
    CATALOGUE = await res.json();
    REACTIONS = CATALOGUE.reactions;
    COMMENT_LIMIT = CATALOGUE.limits.commentMaxCodePoints;
  }

  function typeClass(type) {
    return 'type-' + String(type || 'other').replace(/[^a-z0-9_-]/gi, '');
  }

  // ---------------------------------------------------------------- toasts

  function toast(message, kind = 'error', ms = 6000) {
    // Same sentence twice in a row: refresh the existing toast instead of stacking.
    for (const t of ui.toasts.children) {
      if (t.dataset.msg === message) { t.remove(); break; }
    }
    const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss' }, '×');
    const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
      h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, kind === 'error' ? '⚠️' : kind === 'ok' ? '✅' : 'ℹ️'),
      h('span', { class: 'toast-text' }, message), close);
    el.dataset.msg = message;
    const dismiss = () => { el.classList.add('leaving'); setTimeout(() => el.remove(), 200); };
    close.addEventListener('click', dismiss);
    ui.toasts.append(el);
    while (ui.toasts.children.length > 3) ui.toasts.firstElementChild.remove();
    if (ms) setTimeout(dismiss, ms);
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, message, retryAfter) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  async function api(method, path, body) {
    const token = state.token;
    const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (_) {
      throw new ApiError(0, "Couldn't reach the server. Check your connection and try again.");
    }
    let data = null;
    const text = await res.text().catch(() => '');
    if (text) {
      try { data = JSON.parse(text); } catch (_) { data = null; }
    }
    if (!res.ok) {
      const msg = data && typeof data.error === 'string' ? data.error : `The server answered ${res.status}.`;
      const ra = Number.parseInt(res.headers.get('Retry-After') || '', 10);
      const err = new ApiError(res.status, msg, Number.isFinite(ra) ? ra : null);
      if (res.status === 401 && token === state.token && state.token) {
        signOut('Your token was not accepted (it may have been revoked). Enter a valid token to continue.');
      }
      throw err;
    }
    return data;
  }

  // ---------------------------------------------------------------- auth / views

  function showLogin(message) {
    ui.feedView.hidden = true;
    ui.signout.hidden = true;
    ui.conn.hidden = true;
    ui.login.hidden = false;
    ui.loginMessage.hidden = !message;
    ui.loginMessage.textContent = message || '';
    setConn('offline');
    ui.tokenInput.value = '';
    ui.tokenInput.focus();
  }

  function showFeed() {
    ui.login.hidden = true;
    ui.feedView.hidden = false;
    ui.signout.hidden = false;
    ui.conn.hidden = false;
  }

  function signOut(message) {
    try {
      localStorage.removeItem(TOKEN_KEY);
      localStorage.removeItem(ME_KEY);
    } catch (_) { /* storage may be disabled */ }
    state.token = null;
    state.myTenantId = null;
    stopStream();
    resetFeed();
    reading.signedOut();
    showLogin(message);
  }

  async function signIn(token) {
    state.token = token;
    resetFeed();
    state.loading = true;
    updateSentinel();
    const gen = state.generation;
    let data;
    try {
      data = await api('GET', `/api/activity/events?limit=${PAGE_SIZE}${reading.eventsQuery()}`);
    } catch (err) {
      if (gen !== state.generation) return false;
      if (err.status === 401) return false; // signOut already showed the prompt
      throw err;
    }
    if (gen !== state.generation) return false;
    try {
      if (localStorage.getItem(TOKEN_KEY) !== token) localStorage.removeItem(ME_KEY);
      localStorage.setItem(TOKEN_KEY, token);
      const me = Number.parseInt(localStorage.getItem(ME_KEY) || '', 10);
      state.myTenantId = Number.isInteger(me) ? me : null;
    } catch (_) { /* ignore */ }
    showFeed();
    applyPage(data, gen);
    reading.signedIn();
    startStream();
    // The token's own tenant: its events are marked and their reactions disabled.
    api('GET', '/api/me').then((me) => {
      if (gen === state.generation && me) learnMe(me.tenantId);
    }).catch(() => { /* older servers: learnt from a 403 or our own comment instead */ });
    return true;
  }

  ui.loginForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = ui.tokenInput.value.trim();
    if (!token) {
      ui.loginMessage.hidden = false;
      ui.loginMessage.textContent = 'Paste your access token first.';
      ui.tokenInput.focus();
      return;
    }
    ui.loginSubmit.disabled = true;
    ui.loginSubmit.textContent = 'Checking…';
    try {
      const ok = await signIn(token);
      if (!ok && !state.token) {
        ui.loginMessage.hidden = false;
        ui.loginMessage.textContent = 'That token was not accepted. Check it and try again.';
        ui.tokenInput.value = token;
        ui.tokenInput.select();
      }
    } catch (err) {
      state.token = null;
      ui.loginMessage.hidden = false;
      ui.loginMessage.textContent = err.message || 'Something went wrong. Try again.';
    } finally {
      ui.loginSubmit.disabled = false;
      ui.loginSubmit.textContent = 'Open the feed';
    }
  });

  ui.tokenReveal.addEventListener('click', () => {
    const show = ui.tokenInput.type === 'password';
    ui.tokenInput.type = show ? 'text' : 'password';
    ui.tokenReveal.setAttribute('aria-pressed', String(show));
    ui.tokenReveal.setAttribute('aria-label', show ? 'Hide token' : 'Show token');
    ui.tokenReveal.title = show ? 'Hide token' : 'Show token';
  });

  ui.signout.addEventListener('click', () => signOut('Signed out. Enter a token to open the feed again.'));

  // ---------------------------------------------------------------- feed list

  function resetFeed() {
    state.generation += 1;
    state.cards.clear();
    state.removed.clear();
    state.followComments = null;
    state.nextCursor = null;
    state.atEnd = false;
    state.loading = false;
    state.unseen = 0;
    ui.feed.replaceChildren();
    ui.newPill.hidden = true;
    updateSentinel();
  }

  function updateSentinel(error) {
    const empty = state.atEnd && state.cards.size === 0;
    ui.empty.hidden = !empty;
    ui.sentinelLoading.hidden = !state.loading;
    ui.sentinelError.hidden = !error;
    if (error) ui.sentinelErrorText.textContent = error;
    ui.loadMore.hidden = state.loading || state.atEnd || Boolean(error) || state.cards.size === 0;
    ui.sentinelEnd.hidden = !(state.atEnd && state.cards.size > 0);
    ui.feed.setAttribute('aria-busy', String(state.loading));
  }

  function applyPage(data, gen) {
    if (gen !== state.generation) return;
    const events = (data && Array.isArray(data.events)) ? data.events : [];
    const frag = document.createDocumentFragment();
    for (const ev of events) {
      // A single folded while this page was on its way stays gone.
      if (!ev || !ev.id || state.cards.has(ev.id) || state.removed.has(ev.id)) continue;
      const card = buildCard(ev);
      state.cards.set(ev.id, card);
      frag.append(card.el);
      noteSeq(ev.seq);
    }
    ui.feed.append(frag);
    state.nextCursor = data && data.nextCursor ? data.nextCursor : null;
    state.atEnd = !state.nextCursor;
    state.loading = false;
    updateSentinel();
    // The observer only fires on changes: if the sentinel is still on screen, go on.
    requestAnimationFrame(() => { if (sentinelVisible()) loadMore(); });
  }

  async function loadMore() {
    if (state.loading || state.atEnd || !state.token || !state.nextCursor) return;
    state.loading = true;
    updateSentinel();
    const gen = state.generation;
    try {
      const data = await api('GET',
        `/api/activity/events?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(state.nextCursor)}${reading.eventsQuery()}`);
      applyPage(data, gen);
    } catch (err) {
      if (gen !== state.generation) return;
      state.loading = false;
      updateSentinel(err.status === 401 ? null : (err.message || "Couldn't load more activity."));
    }
  }

  async function reloadFeed() {
    if (!state.token) return;
    resetFeed();
    state.loading = true;
    updateSentinel();
    const gen = state.generation;
    try {
      const data = await api('GET', `/api/activity/events?limit=${PAGE_SIZE}${reading.eventsQuery()}`);
      applyPage(data, gen);
      reading.reloaded();
      if (!state.source && !state.reconnectTimer) startStream();
    } catch (err) {
      if (gen !== state.generation) return;
      state.loading = false;
      updateSentinel(err.status === 401 ? null : (err.message || "Couldn't load the feed."));
    }
  }

  function sentinelVisible() {
    if (ui.feedView.hidden) return false;
    const r = ui.sentinel.getBoundingClientRect();
    return r.top < window.innerHeight + 600 && r.bottom > -600;
  }

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: '600px 0px' });
  observer.observe(ui.sentinel);

  ui.loadMore.addEventListener('click', loadMore);
  ui.sentinelRetry.addEventListener('click', () => {
    if (state.cards.size === 0) reloadFeed(); else { updateSentinel(); loadMore(); }
  });

  function noteSeq(seq) {
    if (seq === '' || seq === null || seq === undefined) return;
    const n = Number(seq);
    if (Number.isFinite(n) && (state.lastSeq === null || n > state.lastSeq)) state.lastSeq = n;
  }

  /** Newest first by (created_at, seq), as the server pages. */
  function newerThan(a, b) {
    const ta = parseTs(a.created_at) || 0;
    const tb = parseTs(b.created_at) || 0;
    if (ta !== tb) return ta > tb;
    return Number(a.seq || 0) > Number(b.seq || 0);
  }

  /** The card element @p ev goes before (null: the end), @p skip left out. */
  function placeOf(ev, skip) {
    for (const el of ui.feed.children) {
      if (el === skip) continue;
      const other = state.cards.get(el.dataset.eventId);
      if (other && newerThan(ev, other.ev)) return el;
    }
    return null;
  }

  /**
   * Runs @p change (which adds, moves or drops cards) without moving what the reader is
   * looking at: the first card on screen that @p change leaves alone keeps its place.
   */
  function keepingScroll(change, moving) {
    let anchor = null;
    let top = 0;
    if (window.scrollY > 0) {
      for (const el of ui.feed.children) {
        if (el === moving) continue;
        const r = el.getBoundingClientRect();
        if (r.bottom > 0) { anchor = el; top = r.top; break; }
      }
    }
    change();
    if (anchor && anchor.isConnected) {
      const delta = anchor.getBoundingClientRect().top - top;
      if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    }
  }

  /** created and updated alike: insert, or replace in place and move by created_at/seq. */
  function upsertLive(ev, created) {
    if (!ev || !ev.id || state.removed.has(ev.id)) return;
    reading.eventArrived();
    if (!reading.shows(ev)) return; // a type the reader hid
    const card = state.cards.get(ev.id);
    if (!card) { insertLive(ev, created); return; }
    if (Number(ev.seq || 0) < Number(card.ev.seq || 0)) return; // an older state than shown
    keepingScroll(() => {
      replaceCard(card, ev);
      const before = placeOf(card.ev, card.el);
      if (card.el.nextElementSibling !== before) ui.feed.insertBefore(card.el, before);
    }, card.el);
    followInto(card);
  }

  /**
   * Renders @p ev into @p card's place. The card object and its comments section (an open
   * thread, a draft, a post on its way) stay: only the parts made from the event change.
   */
  function replaceCard(card, ev) {
    const merged = { ...ev };
    // The stream is shared by every viewer: it cannot carry this viewer's reactions.
    const mine = new Set([...(card.ev.myReactions || []), ...(Array.isArray(ev.myReactions) ? ev.myReactions : [])]);
    merged.myReactions = [...mine];
    const fresh = buildCard(merged);
    const focused = card.el.contains(document.activeElement) ? document.activeElement : null;
    fresh.el.replaceChild(card.refs.comments, fresh.refs.comments);
    card.el.replaceWith(fresh.el);
    const kept = {};
    for (const k of ['comments', 'commentList', 'commentEmpty', 'commentLoading', 'commentMore',
      'textarea', 'counter', 'post', 'updateCounter']) {
      if (k in card.refs) kept[k] = card.refs[k];
    }
    card.refs = { ...fresh.refs, ...kept };
    card.el = fresh.el;
    card.ev = fresh.ev;
    card.refs.commentBtn.setAttribute('aria-expanded', String(card.commentsOpen));
    card.refs.commentBtn.classList.toggle('open', card.commentsOpen);
    renderReactions(card);
    renderCommentCount(card);
    if (focused && focused.isConnected) focused.focus({ preventScroll: true });
    else if (focused) card.el.focus({ preventScroll: true });
  }

  /** A single folded into a tile: its card goes; an open thread reopens on the tile. */
  function removeLive(d) {
    if (!d || !d.id) return;
    state.removed.add(d.id);
    const card = state.cards.get(d.id);
    if (!card) return;
    const open = card.commentsOpen;
    const draft = card.refs.textarea ? card.refs.textarea.value : '';
    keepingScroll(() => card.el.remove(), card.el);
    state.cards.delete(d.id);
    ui.empty.hidden = !(state.atEnd && state.cards.size === 0);
    if (!open || !d.mergedInto) return;
    state.followComments = { tileId: String(d.mergedInto), draft };
    const tile = state.cards.get(String(d.mergedInto));
    if (tile) followInto(tile);
  }

  /** Opens the comments of @p card when the reader's thread was folded into it. */
  function followInto(card) {
    const follow = state.followComments;
    if (!follow || follow.tileId !== card.ev.id) return;
    state.followComments = null;
    if (card.commentsOpen) loadComments(card, true); // the folded thread's comments are there now
    else toggleComments(card.ev.id);
    if (follow.draft && card.refs.textarea && !card.refs.textarea.value) {
      card.refs.textarea.value = follow.draft;
      card.refs.updateCounter();
    }
  }

  function insertLive(ev, created) {
    if (!ev || !ev.id) return;
    if (state.cards.has(ev.id)) return;
    // Find its place among loaded cards (normally the top). Something older than the
    // last loaded card will arrive with a later page, so it is left to pagination.
    const before = placeOf(ev, null);
    if (!before && !state.atEnd && state.cards.size > 0) return;
    // Only an event above everything shown is new at the top (not a tile that grew or a
    // late row for an older window).
    const atTop = before !== null && before === ui.feed.firstElementChild;
    const card = buildCard(ev);
    card.el.classList.add('card-new');
    card.el.addEventListener('animationend', () => card.el.classList.remove('card-new'), { once: true });
    state.cards.set(ev.id, card);
    keepingScroll(() => ui.feed.insertBefore(card.el, before), card.el);
    ui.empty.hidden = true;
    ui.sentinelEnd.hidden = !(state.atEnd && state.cards.size > 0);
    followInto(card);
    if (created && atTop && window.scrollY > 240) {
      state.unseen += 1;
      ui.newPillLabel.textContent = state.unseen === 1 ? '1 new event' : `${state.unseen} new events`;
      ui.newPill.hidden = false;
    }
  }

  ui.newPill.addEventListener('click', () => {
    state.unseen = 0;
    ui.newPill.hidden = true;
    window.scrollTo({ top: 0, behavior: 'smooth' });
    const first = ui.feed.firstElementChild;
    if (first) first.focus({ preventScroll: true });
  });

  window.addEventListener('scroll', () => {
    if (window.scrollY < 120 && !ui.newPill.hidden) {
      state.unseen = 0;
      ui.newPill.hidden = true;
    }
  }, { passive: true });

  // ---------------------------------------------------------------- cards

  function buildCard(ev) {
    const p = payloadOf(ev);
    const tile = isTile(ev);
    const refs = {};
    const titleText = ev.display_name || String(ev.event_type || 'Activity');
    const titleId = `t-${ev.id}`;

    const header = h('div', { class: 'card-head' },
      h('div', { class: `avatar ${typeClass(ev.event_type)}`, 'aria-hidden': 'true' }, ev.icon || typeIcon(ev.event_type)),
      h('div', { class: 'head-text' },
        h('h2', { class: 'card-title', id: titleId },
          h('span', { class: 'card-title-text' }, titleText),
          tile ? h('span', { class: 'count-badge', title: `${p.count} grouped events` }, `×${fmtNum(p.count)}`) : null),
        h('p', { class: 'meta' },
          h('span', { class: 'tenant' }, ev.tenantName || `Team ${ev.tenant_id ?? ''}`.trim()),
          h('span', { class: 'dot', 'aria-hidden': 'true' }, '·'),
          timeEl(ev.created_at))));

    const desc = h('p', { class: 'desc' }, ev.description || summarize(ev.event_type, p));

    let samplesBlock = null;
    if (tile) {
      const samples = p.samples.slice(0, 3);
      const list = h('ul', { class: 'samples', 'aria-label': 'Latest in this group' },
        samples.map((s) => h('li', { class: 'sample' },
          h('span', { class: 'sample-icon', 'aria-hidden': 'true' }, ev.icon || typeIcon(ev.event_type)),
          h('span', { class: 'sample-text' }, summarize(ev.event_type, s) || '—'))));
      const more = p.count - samples.length;
      refs.sourcesBtn = h('button', {
        class: 'link-btn sources-toggle', type: 'button', 'aria-expanded': 'false',
      }, more > 0 ? `View all ${fmtNum(p.count)} (+${fmtNum(more)} more)` : `View all ${fmtNum(p.count)}`);
      refs.sources = h('div', { class: 'sources', hidden: true });
      refs.sourcesBtn.addEventListener('click', () => toggleSources(ev, refs));
      refs.samples = list;
      samplesBlock = h('div', { class: 'tile-body' }, list, refs.sourcesBtn, refs.sources);
    }

    refs.reactBtns = {};
    const reactions = h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
      REACTIONS.map((r) => {
        const count = h('span', { class: 'react-count' });
        const btn = h('button', { class: 'react', type: 'button', dataset: { type: r.name } },
          h('span', { class: 'react-emoji', 'aria-hidden': 'true' }, r.glyph),
          h('span', { class: 'react-label' }, r.label),
          count);
        btn.addEventListener('click', () => toggleReaction(ev.id, r.name));
        refs.reactBtns[r.name] = { btn, count, label: r.label };
        return btn;
      }));

    refs.commentCount = h('span', { class: 'comment-count' });
    refs.commentBtn = h('button', { class: 'comment-toggle', type: 'button', 'aria-expanded': 'false' },
      h('span', { class: 'react-emoji', 'aria-hidden': 'true' }, '💬'),
      h('span', { class: 'comment-word' }, 'Comments'),
      refs.commentCount);
    refs.commentBtn.addEventListener('click', () => toggleComments(ev.id));

    refs.comments = h('section', { class: 'comments', hidden: true, 'aria-label': `Comments on ${titleText}` });

    const el = h('article', {
      class: `card${tile ? ' card-tile' : ''}`, 'aria-labelledby': titleId, tabindex: '-1',
      dataset: { eventId: ev.id, eventType: ev.event_type || '' },
    }, header, desc, samplesBlock,
    h('div', { class: 'actions' }, reactions, refs.commentBtn),
    refs.comments);

    const card = {
      ev: { ...ev }, el, refs, commentsOpen: false, commentIds: new Set(), pending: new Set(), lateComments: [],
    };
    if (!card.ev.reactions) card.ev.reactions = Object.fromEntries(REACTIONS.map((r) => [r.name, 0]));
    if (!Array.isArray(card.ev.myReactions)) card.ev.myReactions = [];
    renderReactions(card);
    renderCommentCount(card);
    return card;
  }

  function isOwn(ev) {
    return state.myTenantId !== null && Number(ev.tenant_id) === state.myTenantId;
  }

  function learnMe(tenantId) {
    const id = Number(tenantId);
    if (!Number.isInteger(id) || state.myTenantId === id) return;
    state.myTenantId = id;
    try { localStorage.setItem(ME_KEY, String(id)); } catch (_) { /* ignore */ }
    for (const card of state.cards.values()) renderReactions(card);
  }

  function renderReactions(card) {
    const counts = card.ev.reactions || {};
    const mine = new Set(card.ev.myReactions || []);
    const own = isOwn(card.ev);
    card.el.classList.toggle('card-own', own);
    for (const [type, r] of Object.entries(card.refs.reactBtns)) {
      const n = Number(counts[type] || 0);
      const on = mine.has(type);
      r.count.textContent = n > 0 ? fmtNum(n) : '';
      r.btn.setAttribute('aria-pressed', String(on));
      r.btn.classList.toggle('mine', on);
      r.btn.classList.toggle('has-count', n > 0);
      r.btn.setAttribute('aria-label', `${r.label}: ${n}${on ? ', you reacted' : ''}`);
      r.btn.title = own ? "Your team's event: others can react to it"
        : on ? `Remove your ${r.label.toLowerCase()}` : `Give ${r.label.toLowerCase()}`;
      r.btn.disabled = card.pending.has(type) || own;
    }
  }

  function renderCommentCount(card) {
    const n = Number(card.ev.commentCount || 0);
    card.refs.commentCount.textContent = n > 0 ? fmtNum(n) : '';
    card.refs.commentBtn.setAttribute('aria-label', n === 1 ? '1 comment' : `${n} comments`);
  }

  // ---------------------------------------------------------------- reactions

  function reactionError(err) {
    switch (err.status) {
      case 429: {
        if (err.retryAfter !== null && err.retryAfter !== undefined) {
          const mins = Math.max(1, Math.ceil(err.retryAfter / 60));
          return `You can react 10 times per hour — try again in ${mins} min.`;
        }
        return 'You can react 10 times per hour — try again a little later.';
      }
      case 403: return "That's your own team's event — you can cheer for others, not yourself.";
      case 404: return 'That event no longer exists.';
      case 401: return null;
      default: return err.message || 'Your reaction could not be saved.';
    }
  }

  async function toggleReaction(id, type) {
    const card = state.cards.get(id);
    if (!card || card.pending.has(type)) return;
    const mine = (card.ev.myReactions || []).includes(type);
    card.pending.add(type);
    renderReactions(card);
    try {
      const data = await api(mine ? 'DELETE' : 'POST', '/api/activity/reactions', { eventId: id, reactionType: type });
      const cur = state.cards.get(id);
      if (cur) {
        if (data && data.counts) cur.ev.reactions = data.counts;
        const set = new Set(cur.ev.myReactions || []);
        if (mine) set.delete(type); else set.add(type);
        cur.ev.myReactions = [...set];
      }
    } catch (err) {
      const msg = reactionError(err);
      if (msg) toast(msg);
      if (err.status === 403) learnMe(card.ev.tenant_id);
    } finally {
      card.pending.delete(type);
      const cur = state.cards.get(id);
      if (cur) renderReactions(cur);
    }
  }

  // ---------------------------------------------------------------- comments

  function codePoints(str) {
    return [...str].length;
  }

  function commentItem(c) {
    return h('li', { class: 'comment', dataset: { commentId: c.id || '' } },
      h('div', { class: 'comment-head' },
        h('span', { class: 'comment-author' }, c.tenantName || `Team ${c.tenant_id ?? ''}`.trim()),
        timeEl(c.created_at)),
      h('p', { class: 'comment-body' }, c.body == null ? '' : String(c.body)));
  }

  function appendComment(card, c) {
    if (!card.refs.commentList) return;
    if (c.id && card.commentIds.has(c.id)) return;
    if (c.id) card.commentIds.add(c.id);
    card.refs.commentEmpty.hidden = true;
    card.refs.commentList.append(commentItem(c));
  }

  function buildCommentsPanel(card) {
    const id = card.ev.id;
    const refs = card.refs;
    refs.commentList = h('ol', { class: 'comment-list' });
    refs.commentEmpty = h('p', { class: 'comment-empty', hidden: true }, 'No comments yet — say something nice.');
    refs.commentLoading = h('div', { class: 'loading loading-small', hidden: true },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', null, 'Loading comments…'));
    refs.commentMore = h('button', { class: 'link-btn', type: 'button', hidden: true }, 'Show more comments');
    refs.commentMore.addEventListener('click', () => loadComments(card, false));

    const taId = `c-${id}`;
    const counterId = `cc-${id}`;
    refs.textarea = h('textarea', {
      id: taId, class: 'comment-input', rows: '2', placeholder: 'Write a comment…',
      'aria-describedby': counterId,
    });
    refs.counter = h('span', { id: counterId, class: 'counter', 'aria-live': 'polite' }, `0 / ${COMMENT_LIMIT}`);
    refs.post = h('button', { class: 'btn btn-primary btn-small', type: 'submit', disabled: true }, 'Post');
    const form = h('form', { class: 'comment-form', novalidate: true },
      h('label', { class: 'sr-only', for: taId }, 'Your comment'),
      refs.textarea,
      h('div', { class: 'comment-form-row' },
        h('span', { class: 'hint' }, 'Ctrl + Enter to post'), refs.counter, refs.post));

    const update = () => {
      const n = codePoints(refs.textarea.value.trim());
      refs.counter.textContent = `${n} / ${COMMENT_LIMIT}`;
      refs.counter.classList.toggle('over', n > COMMENT_LIMIT);
      refs.counter.classList.toggle('near', n > COMMENT_LIMIT - 50 && n <= COMMENT_LIMIT);
      refs.post.disabled = n === 0 || n > COMMENT_LIMIT || card.posting;
    };
    refs.updateCounter = update;
    refs.textarea.addEventListener('input', update);
    refs.textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', (e) => { e.preventDefault(); postComment(card); });

    refs.comments.replaceChildren(refs.commentList, refs.commentEmpty, refs.commentLoading, refs.commentMore, form);
  }

  async function loadComments(card, fresh) {
    const refs = card.refs;
    if (card.commentsLoading) return;
    card.commentsLoading = true;
    card.lateComments = [];
    refs.commentLoading.hidden = false;
    refs.commentMore.hidden = true;
    if (fresh) {
      card.commentCursor = null;
      card.commentIds.clear();
      refs.commentList.replaceChildren();
    }
    const id = card.ev.id;
    let url = `/api/activity/comments?eventId=${encodeURIComponent(id)}`;
    if (card.commentCursor) url += `&cursor=${encodeURIComponent(card.commentCursor)}`;
    try {
      const data = await api('GET', url);
      if (state.cards.get(id) !== card) return;
      const list = data && Array.isArray(data.comments) ? data.comments : [];
      for (const c of list) appendComment(card, c);
      // Comments pushed during the load are newer than the page when it is the last one.
      if (!(data && data.nextCursor)) for (const c of card.lateComments) appendComment(card, c);
      card.commentCursor = data && data.nextCursor ? data.nextCursor : null;
      refs.commentMore.hidden = !card.commentCursor;
      refs.commentEmpty.hidden = card.commentIds.size > 0 || refs.commentList.children.length > 0;
    } catch (err) {
      if (err.status !== 401) toast(err.status === 404 ? 'That event no longer exists.' : `Comments could not be loaded: ${err.message}`);
    } finally {
      card.commentsLoading = false;
      refs.commentLoading.hidden = true;
    }
  }

  function toggleComments(id) {
    const card = state.cards.get(id);
    if (!card) return;
    card.commentsOpen = !card.commentsOpen;
    card.refs.commentBtn.setAttribute('aria-expanded', String(card.commentsOpen));
    card.refs.commentBtn.classList.toggle('open', card.commentsOpen);
    card.refs.comments.hidden = !card.commentsOpen;
    if (card.commentsOpen) {
      if (!card.refs.commentList) buildCommentsPanel(card);
      loadComments(card, true);
      card.refs.textarea.focus({ preventScroll: true });
    }
  }

  async function postComment(card) {
    const refs = card.refs;
    const body = refs.textarea.value.trim();
    const n = codePoints(body);
    if (n === 0 || n > COMMENT_LIMIT || card.posting) return;
    card.posting = true;
    refs.updateCounter();
    refs.post.textContent = 'Posting…';
    try {
      const data = await api('POST', '/api/activity/comments', { eventId: card.ev.id, body });
      const c = data && data.comment;
      if (c) {
        learnMe(c.tenant_id);
        const known = c.id && card.commentIds.has(c.id);
        appendComment(card, c);
        // The stream may have delivered it first and already counted it.
        if (!known) {
          card.ev.commentCount = Number(card.ev.commentCount || 0) + 1;
          renderCommentCount(card);
        }
      }
      refs.textarea.value = '';
    } catch (err) {
      if (err.status !== 401) {
        toast(err.status === 404 ? 'That event no longer exists.' : (err.message || 'Your comment could not be posted.'));
      }
    } finally {
      card.posting = false;
      refs.post.textContent = 'Post';
      refs.updateCounter();
    }
  }

  // ---------------------------------------------------------------- tile sources

  async function toggleSources(ev, refs) {
    const open = refs.sourcesBtn.getAttribute('aria-expanded') !== 'true';
    refs.sourcesBtn.setAttribute('aria-expanded', String(open));
    refs.sources.hidden = !open;
    refs.samples.hidden = open; // the full list replaces the samples while it is open
    const p = payloadOf(ev);
    refs.sourcesBtn.textContent = open ? 'Hide the list' : `View all ${fmtNum(p.count)}`;
    if (!open || refs.sourcesLoaded) return;
    refs.sources.replaceChildren(h('div', { class: 'loading loading-small' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', null, 'Loading…')));
    try {
      const data = await api('GET', `/api/activity/events/${encodeURIComponent(ev.id)}/sources`);
      const rows = Array.isArray(data) ? data
        : (data && (data.sources || data.events || data.items || data.rows)) || [];
      refs.sourcesLoaded = true;
      refs.sources.replaceChildren(
        h('p', { class: 'sources-title' }, `${plural(rows.length, 'event')} in this group, oldest first`),
        h('ol', { class: 'source-list' }, rows.map((r) => {
          const rp = typeof r.payload_json === 'string' ? (() => { try { return JSON.parse(r.payload_json); } catch (_) { return {}; } })() : r.payload_json;
          return h('li', { class: 'source' },
            h('span', { class: 'source-icon', 'aria-hidden': 'true' }, typeIcon(r.event_type || ev.event_type)),
            h('span', { class: 'source-text' }, summarize(r.event_type || ev.event_type, rp) || String(r.event_type || '')),
            timeEl(r.created_at, 'rel-time source-time'));
        })));
    } catch (err) {
      refs.sources.replaceChildren(h('p', { class: 'sources-error' },
        err.status === 401 ? '' : `The grouped events could not be loaded: ${err.message}`));
    }
  }

  // ---------------------------------------------------------------- live stream

  function setConn(kind) {
    const labels = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', offline: 'Offline' };
    ui.conn.className = `conn conn-${kind}`;
    ui.connLabel.textContent = labels[kind] || kind;
    ui.conn.title = kind === 'live' ? 'Receiving live updates' : kind === 'offline'
      ? 'Not receiving live updates' : 'Trying to restore live updates';
  }

  function stopStream() {
    if (state.reconnectTimer) { clearTimeout(state.reconnectTimer); state.reconnectTimer = null; }
    if (state.source) { state.source.close(); state.source = null; }
  }

  function parseData(e) {
    try { return JSON.parse(e.data); } catch (_) { return null; }
  }

  function startStream() {
    stopStream();
    if (!state.token) return;
    let url = `/api/activity/stream?access_token=${encodeURIComponent(state.token)}`;
    // A new EventSource cannot send Last-Event-ID itself; the server also takes it as a query.
    if (state.lastSeq !== null) url += `&lastEventId=${encodeURIComponent(state.lastSeq)}`;
    const es = new EventSource(url);
    state.source = es;
    setConn(navigator.onLine === false ? 'offline' : 'connecting');

    es.onopen = () => {
      if (state.source !== es) return;
      state.reconnectDelay = 3000;
      setConn('live');
    };
    es.onerror = () => {
      if (state.source !== es) return;
      if (es.readyState === EventSource.CONNECTING) {
        // The browser retries on its own and sends Last-Event-ID.
        setConn(navigator.onLine === false ? 'offline' : 'reconnecting');
        return;
      }
      // CLOSED: the server refused (bad token, too many clients…). Find out which.
      es.close();
      state.source = null;
      setConn(navigator.onLine === false ? 'offline' : 'reconnecting');
      probeAndReconnect();
    };

    // Every one of these carries an `id:`: the reconnect resumes after it.
    es.addEventListener('activity.event.created', (e) => {
      noteSeq(e.lastEventId);
      const ev = parseData(e);
      if (ev) { noteSeq(ev.seq); upsertLive(ev, true); }
    });
    es.addEventListener('activity.event.updated', (e) => {
      noteSeq(e.lastEventId);
      const ev = parseData(e);
      if (ev) { noteSeq(ev.seq); upsertLive(ev, false); }
    });
    es.addEventListener('activity.event.removed', (e) => {
      noteSeq(e.lastEventId);
      removeLive(parseData(e));
    });
    es.addEventListener('activity.reaction.updated', (e) => {
      const d = parseData(e);
      if (!d || !d.eventId || !d.counts) return;
      const card = state.cards.get(d.eventId);
      if (!card) return;
      card.ev.reactions = d.counts;
      renderReactions(card);
    });
    es.addEventListener('activity.comment.created', (e) => {
      const c = parseData(e);
      if (!c || !c.eventId) return;
      const card = state.cards.get(c.eventId);
      if (!card) return;
      if (Number.isFinite(Number(c.commentCount)) && c.commentCount !== null) {
        card.ev.commentCount = Number(c.commentCount);
      } else if (!(c.id && card.commentIds.has(c.id))) {
        card.ev.commentCount = Number(card.ev.commentCount || 0) + 1;
      }
      renderCommentCount(card);
      if (!card.commentsOpen) return;
      // Arriving while the list loads: keep it and add it once the list is there.
      if (card.commentsLoading) card.lateComments.push(c); else appendComment(card, c);
    });
    es.addEventListener('activity.marker.updated', (e) => reading.markerPushed(parseData(e)));
    es.addEventListener('activity.resync', () => {
      reloadFeed();
    });
  }

  async function probeAndReconnect() {
    const delay = state.reconnectDelay;
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 30000);
    try {
      await api('GET', '/api/activity/events?limit=1');
    } catch (err) {
      if (err.status === 401 || !state.token) return; // back at the token prompt
    }
    if (!state.token) return;
    state.reconnectTimer = setTimeout(() => {
      state.reconnectTimer = null;
      if (state.token && !state.source) startStream();
    }, delay);
  }

  window.addEventListener('offline', () => { if (state.token) setConn('offline'); });
  window.addEventListener('online', () => {
    if (!state.token) return;
    if (!state.source) startStream();
    else if (state.source.readyState === EventSource.OPEN) setConn('live');
    else setConn('reconnecting');
  });

  // ---------------------------------------------------------------- start

  setInterval(refreshTimes, CLOCK_TICK_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshTimes(); });

  function boot() {
    let saved = null;
    try { saved = localStorage.getItem(TOKEN_KEY); } catch (_) { saved = null; }
    if (saved) {
      showFeed();
      signIn(saved).catch((err) => {
        // Server unreachable: keep the token, show the error and let the user retry.
        state.loading = false;
        updateSentinel(err.message || "Couldn't load the feed.");
        setConn('offline');
        state.token = saved;
      });
    } else {
      showLogin();
    }
  }

  loadCatalogue().then(boot, (err) => {
    showLogin();
    toast(err.message || "The server's catalogue could not be loaded.");
  });
})();
