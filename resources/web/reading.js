// Activity Feed — reading on the LAN browser page: the read marker ("New since you last
// read" divider, the unread count in the title, sync with the tenant's other tabs and
// devices through activity.marker.updated), the event-type filter chips (kept in
// localStorage) and the keyboard shortcuts. app.js owns the feed; this file only reads its
// cards and calls the few functions app.js hands over in AFReading(page).
// User text never passes through here; everything this file writes is its own text.
'use strict';

window.AFReading = function AFReading(page) {
  const HIDDEN_KEY = 'activityfeed.hiddenTypes';
  const BASE_TITLE = 'Activity Feed';
  // A row counts as read once it has been at least half on screen for this long while
  // the page was visible: a glimpse during a fast scroll is not reading.
  const DWELL_MS = 1000;
  const CHECK_MS = 250;
  const UNREAD_REFRESH_MS = 400;

  const { ui, state } = page;
  const $ = (id) => document.getElementById(id);
  const chipsBox = $('type-filters');
  const sheet = $('shortcuts');
  const helpButton = $('shortcuts-open');

  const marker = {
    known: false,
    lastReadSeq: 0,
    unreadCount: 0,
    cap: 1000,
    dividerSeq: 0, // where the divider sits: the marker when the feed was opened, or as
    // another tab or device moved it (this tab's own reading leaves the divider in place)
    postedMax: 0, // the highest seq this tab asked for
    inFlight: false,
    refreshTimer: null,
    generation: 0,
  };
  let checks = 0;

  // ------------------------------------------------------------ filters

  function knownTypes() {
    return (page.catalogue().eventTypes || []).map((t) => t.type);
  }

  function loadHidden() {
    let saved = [];
    try { saved = JSON.parse(localStorage.getItem(HIDDEN_KEY) || '[]'); } catch (_) { saved = []; }
    const known = new Set(knownTypes());
    return new Set(Array.isArray(saved) ? saved.filter((t) => known.has(t)) : []);
  }
  // Read from localStorage once the catalogue is there (before the first page is asked for).
  let hiddenSet = null;
  function hidden() {
    if (hiddenSet === null && knownTypes().length) hiddenSet = loadHidden();
    return hiddenSet || new Set();
  }

  function saveHidden() {
    try { localStorage.setItem(HIDDEN_KEY, JSON.stringify([...hidden()])); } catch (_) { /* storage off */ }
  }

  /** `&eventType=…` when some types are hidden (the server filters, so paging stays exact). */
  function eventsQuery() {
    const off = hidden();
    if (off.size === 0) return '';
    const shown = knownTypes().filter((t) => !off.has(t));
    return `&eventType=${encodeURIComponent(shown.join(','))}`;
  }

  function shows(ev) {
    return !(ev && hidden().has(ev.event_type));
  }

  function renderChips() {
    for (const chip of chipsBox.querySelectorAll('button.chip')) {
      const on = !hidden().has(chip.dataset.type);
      chip.setAttribute('aria-pressed', String(on));
      chip.title = on ? `Hide ${chip.dataset.name}` : `Show ${chip.dataset.name}`;
    }
  }

  function buildChips() {
    if (chipsBox.childElementCount) return;
    for (const t of page.catalogue().eventTypes || []) {
      const chip = page.h('button', { class: 'chip', type: 'button', dataset: { type: t.type, name: t.displayName } },
        page.h('span', { class: 'chip-icon', 'aria-hidden': 'true' }, t.icon || ''),
        page.h('span', { class: 'chip-label' }, t.displayName));
      chip.addEventListener('click', () => toggleType(t.type));
      chipsBox.append(chip);
    }
    chipsBox.hidden = false;
    renderChips();
    $('shortcuts-reactions').textContent = `Toggle ${page.reactions()
      .map((r, i) => `${i + 1} ${r.glyph} ${r.label}`).join(', ')}`;
  }

  function toggleType(type) {
    const off = hidden();
    if (off.has(type)) off.delete(type);
    else if (off.size + 1 >= knownTypes().length) {
      page.toast('At least one type stays shown: show another type first.', 'info', 4000);
      return;
    } else off.add(type);
    saveHidden();
    renderChips();
    page.reloadFeed();
  }

  // ------------------------------------------------------------ marker

  function setTitle() {
    const n = marker.known ? marker.unreadCount : 0;
    const label = n >= marker.cap ? `${marker.cap}+` : String(n);
    document.title = n > 0 ? `(${label}) ${BASE_TITLE}` : BASE_TITLE;
  }

  function seqOf(el) {
    const card = el && el.dataset ? state.cards.get(el.dataset.eventId) : null;
    const n = card ? Number(card.ev.seq) : NaN;
    return Number.isFinite(n) ? n : null;
  }

  function cards() {
    return [...ui.feed.children].filter((el) => el.matches('article.card'));
  }

  let divider = null;
  function placeDivider() {
    const list = cards();
    let before = null;
    let unreadAbove = false;
    if (marker.known && marker.dividerSeq > 0) {
      for (const el of list) {
        const seq = seqOf(el);
        if (seq === null) continue;
        if (seq <= marker.dividerSeq) { before = el; break; }
        if (!page.isOwn(state.cards.get(el.dataset.eventId).ev)) unreadAbove = true;
      }
    }
    if (!before || !unreadAbove) {
      if (divider && divider.isConnected) divider.remove();
      return;
    }
    if (!divider) {
      divider = page.h('div', { class: 'unread-divider', role: 'separator', 'aria-label': 'New since you last read' },
        page.h('span', { class: 'unread-divider-label' },
          page.h('span', { 'aria-hidden': 'true' }, '↑ '), 'New since you last read'));
    }
    if (divider.nextElementSibling !== before || !divider.isConnected) ui.feed.insertBefore(divider, before);
  }

  /** A marker from the server: an answer, or activity.marker.updated. */
  function applyMarker(m) {
    if (!m || !Number.isFinite(Number(m.lastReadSeq))) return;
    const seq = Number(m.lastReadSeq);
    if (marker.known && seq < marker.lastReadSeq) return; // older than what we know
    // Moved by another tab or device (its push, or a read that shows it): the divider
    // follows. This tab's own moves leave it where the reader found it.
    const elsewhere = marker.known && seq > marker.postedMax && seq > marker.lastReadSeq;
    marker.known = true;
    marker.lastReadSeq = seq;
    if (Number.isFinite(Number(m.unreadCount))) marker.unreadCount = Number(m.unreadCount);
    if (elsewhere) marker.dividerSeq = seq;
    setTitle();
    placeDivider();
  }

  async function fetchMarker(first) {
    const gen = marker.generation;
    try {
      const m = await page.api('GET', '/api/activity/markers');
      if (gen !== marker.generation) return;
      if (first) {
        marker.known = false;
        marker.dividerSeq = Number(m.lastReadSeq) || 0;
        marker.postedMax = 0;
      }
      applyMarker(m);
    } catch (_) { /* the feed shows connection problems; the count waits for the next event */ }
  }

  function eventArrived() {
    if (!marker.known || marker.refreshTimer) return;
    // One read for a burst of events: the server counts (others' events only, capped).
    marker.refreshTimer = setTimeout(() => {
      marker.refreshTimer = null;
      fetchMarker(false);
    }, UNREAD_REFRESH_MS);
  }

  // What is on screen, and since when (null: the page is hidden, the clock is stopped).
  const onScreen = new Map();
  const seen = new IntersectionObserver((entries) => {
    const now = document.visibilityState === 'visible' ? performance.now() : null;
    for (const e of entries) {
      // Half of the card, or half of the window for a card taller than two windows.
      const enough = e.isIntersecting
        && (e.intersectionRatio >= 0.5 || e.intersectionRect.height >= window.innerHeight / 2);
      if (!enough) onScreen.delete(e.target);
      else if (!onScreen.has(e.target)) onScreen.set(e.target, now);
    }
  }, { threshold: [0, 0.25, 0.5, 0.75, 1] });

  document.addEventListener('visibilitychange', () => {
    const now = document.visibilityState === 'visible' ? performance.now() : null;
    for (const el of onScreen.keys()) onScreen.set(el, now);
  });

  function checkSeen() {
    checks += 1;
    document.documentElement.dataset.readChecks = String(checks);
    if (!marker.known || marker.inFlight || !state.token || document.visibilityState !== 'visible') return;
    const now = performance.now();
    let best = 0;
    for (const [el, since] of onScreen) {
      if (!el.isConnected) { onScreen.delete(el); continue; }
      if (since === null || now - since < DWELL_MS) continue;
      const seq = seqOf(el);
      if (seq !== null && seq > best) best = seq;
    }
    if (best <= marker.lastReadSeq || best <= marker.postedMax) return;
    marker.postedMax = best;
    marker.inFlight = true;
    const gen = marker.generation;
    page.api('POST', '/api/activity/markers', { lastReadSeq: best })
      .then((m) => { if (gen === marker.generation) applyMarker(m); })
      .catch(() => { /* a 400 (the database was replaced) or a lost link: next rows retry */ })
      .finally(() => { marker.inFlight = false; });
  }
  setInterval(checkSeen, CHECK_MS);

  // Cards come and go (pages, live events, folds): watch them and keep the divider put.
  new MutationObserver(() => {
    for (const el of cards()) seen.observe(el);
    placeDivider();
  }).observe(ui.feed, { childList: true });

  // ------------------------------------------------------------ keyboard

  function currentCard() {
    const a = document.activeElement;
    return a && a.closest ? a.closest('#feed > article.card') : null;
  }

  function focusCard(el) {
    if (!el) return;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'nearest' });
  }

  function firstOnScreen(list) {
    return list.find((el) => el.getBoundingClientRect().bottom > 72) || list[0];
  }

  function move(step) {
    const list = cards();
    if (!list.length) return;
    const cur = currentCard();
    const i = cur ? list.indexOf(cur) : -1;
    if (i < 0) { focusCard(firstOnScreen(list)); return; }
    focusCard(list[Math.max(0, Math.min(list.length - 1, i + step))]);
  }

  function closePanels(el) {
    const comments = el.querySelector('button.comment-toggle[aria-expanded="true"]');
    if (comments) comments.click();
    const sources = el.querySelector('button.sources-toggle[aria-expanded="true"]');
    if (sources) sources.click();
    focusCard(el);
  }

  function openSheet() {
    if (sheet.open) return;
    sheet.showModal();
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || ui.feedView.hidden || e.defaultPrevented) return;
    if (sheet.open) return; // the dialog has its own keys (Esc closes it)
    const el = currentCard();
    if (e.key === 'Escape') {
      if (el) { e.preventDefault(); closePanels(el); }
      return;
    }
    if (typing(e.target)) return;
    const onCard = el && document.activeElement === el;
    switch (e.key) {
      case 'j': case 'ArrowDown': move(1); break;
      case 'k': case 'ArrowUp': move(-1); break;
      case '?': openSheet(); break;
      case 'Enter': {
        if (!onCard) return; // a focused button does its own thing
        const tile = el.querySelector('button.sources-toggle');
        (tile || el.querySelector('button.comment-toggle')).click();
        break;
      }
      default: {
        const r = page.reactions()[Number(e.key) - 1];
        if (!el || !r || !/^[1-9]$/.test(e.key)) return;
        const btn = el.querySelector(`button.react[data-type="${CSS.escape(r.name)}"]`);
        if (btn && !btn.disabled) btn.click();
        else if (btn) page.toast("That's your own team's event — you can cheer for others, not yourself.", 'info', 4000);
      }
    }
    e.preventDefault();
  });

  helpButton.addEventListener('click', openSheet);
  $('shortcuts-close').addEventListener('click', () => sheet.close());
  sheet.addEventListener('click', (e) => { if (e.target === sheet) sheet.close(); }); // the backdrop

  // ------------------------------------------------------------ the page's calls

  return {
    eventsQuery,
    shows,
    eventArrived,
    markerPushed(d) { applyMarker(d); },
    signedIn() {
      buildChips();
      helpButton.hidden = false;
      marker.generation += 1;
      fetchMarker(true);
    },
    /** The feed reloads (resync, filter): the marker may have moved meanwhile. */
    reloaded() { fetchMarker(false); },
    signedOut() {
      marker.generation += 1;
      Object.assign(marker, { known: false, lastReadSeq: 0, unreadCount: 0, dividerSeq: 0, postedMax: 0 });
      if (marker.refreshTimer) { clearTimeout(marker.refreshTimer); marker.refreshTimer = null; }
      helpButton.hidden = true;
      onScreen.clear();
      setTitle();
    },
  };
};
