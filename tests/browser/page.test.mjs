// End-to-end test of the LAN browser page in headless Chromium.
//
// Starts a real `activityfeed serve` on a private managed PostgreSQL in a fresh temp
// data dir, fills it with the CLI, then drives the page: token prompt, first page,
// infinite scroll, a live event emitted + drained from the CLI, a reaction, a hostile
// comment shown as literal text, screenshots at 1280 px and 390 px.
//
// Environment:
//   ACTIVITYFEED_BIN      path of the built activityfeed binary (set by ctest)
//   AF_SCREENSHOT_DIR     where to write browser-1280.png / browser-390.png
//   CHROMIUM              Chromium binary (default /usr/bin/chromium)
//   AF_BROWSER_BACKEND    dev only: a module exporting start() → backend, used instead
//                         of the real binary (for working on the page without a server)
// Exit codes: 0 pass, 1 fail, 77 skipped (Chromium missing).

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshotDir = path.resolve(process.env.AF_SCREENSHOT_DIR || path.join(process.cwd(), 'screenshots'));
const LIVE_BUDGET_MS = 2000;

const t0 = Date.now();
function log(...args) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  console.log(`[${s}s]`, ...args);
}
class TestFailure extends Error {}
function check(cond, message) {
  if (!cond) throw new TestFailure(message);
  log(`ok - ${message}`);
}

if (!fs.existsSync(chromiumPath)) {
  console.log(`SKIP: Chromium not found at ${chromiumPath} (apt-get install chromium)`);
  process.exit(SKIP);
}

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error(`FAIL: playwright-core is not installed: run "npm ci" in ${here}\n(${e.message})`);
  process.exit(1);
}

// ------------------------------------------------------------------ helpers

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(bin, args, env, timeoutMs = 120000) {
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

async function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([
    new Promise((r) => child.once('exit', () => r(true))),
    sleep(ms).then(() => false),
  ]);
}

// ------------------------------------------------------------------ real backend

// Whatever must be stopped if we are interrupted, even before realBackend() returns.
let starting = null;

async function realBackend() {
  const bin = process.env.ACTIVITYFEED_BIN;
  if (!bin || !fs.existsSync(bin)) {
    throw new TestFailure(`ACTIVITYFEED_BIN does not name a built binary (got "${bin || ''}")`);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // PostgreSQL runs as an unprivileged user when we are root: it must reach the dir.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'af-browser-'));
  fs.chmodSync(dataDir, 0o755);
  const secret = crypto.randomBytes(16).toString('hex');
  const env = { ...process.env, MC_API_SECRET: secret };
  for (const k of ['ACTIVITYFEED_DATABASE_URL', 'DATABASE_URL']) delete env[k];
  const common = ['--data-dir', dataDir];

  fs.mkdirSync(screenshotDir, { recursive: true });
  const logPath = path.join(screenshotDir, 'browser-serve.log');
  const logFd = fs.openSync(logPath, 'w');
  log(`starting ${bin} serve --listen 127.0.0.1:${port} --data-dir ${dataDir}`);
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, ...common], {
    env, stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const serveLog = () => { try { return fs.readFileSync(logPath, 'utf8').slice(-4000); } catch (_) { return ''; } };

  const cli = async (args, what) => {
    const r = await run(bin, [...args, ...common], env);
    if (r.code !== 0) {
      throw new TestFailure(`${what}: "activityfeed ${args.join(' ')}" exited ${r.code}\n${r.stderr}${r.stdout}`);
    }
    return r.stdout;
  };

  const backend = {
    base,
    async stop() {
      if (starting === backend) starting = null;
      if (child.exitCode === null && child.signalCode === null) {
        log(`stopping serve (SIGTERM to pid ${child.pid})`);
        child.kill('SIGTERM');
        if (!(await waitExit(child, 20000))) {
          log('serve did not stop within 20 s: SIGKILL');
          child.kill('SIGKILL');
          await waitExit(child, 5000);
        }
      }
      // The app stops its managed cluster on exit; if it could not, stop that postmaster.
      const pidFile = path.join(dataDir, 'pgdata', 'postmaster.pid');
      if (fs.existsSync(pidFile)) {
        const pgPid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0], 10);
        if (Number.isInteger(pgPid) && pgPid > 1 && pidAlive(pgPid)) {
          log(`managed PostgreSQL (pid ${pgPid}) still running: fast shutdown`);
          try { process.kill(pgPid, 'SIGINT'); } catch (_) { /* gone */ }
          for (let i = 0; i < 100 && pidAlive(pgPid); i++) await sleep(100); // polling interval
        }
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  starting = backend;

  try {
    // initdb on first start takes a few seconds.
    const deadline = Date.now() + 90000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new TestFailure(`activityfeed serve exited early (${child.exitCode ?? child.signalCode}):\n${serveLog()}`);
      }
      try {
        const res = await fetch(`${base}/healthz`);
        if (res.ok) break;
      } catch (_) { /* not listening yet */ }
      if (Date.now() > deadline) throw new TestFailure(`serve not healthy after 90 s:\n${serveLog()}`);
      await sleep(250); // polling interval, with the deadline above
    }
    log('serve is healthy');

    const parseTenant = (out) => {
      const line = out.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'));
      const t = line ? JSON.parse(line) : null;
      if (!t || !t.token || t.id === undefined) throw new TestFailure(`tenant add --json printed no {id,name,token}: ${out}`);
      return t;
    };
    const viewer = parseTenant(await cli(['tenant', 'add', 'Browser Viewer', '--json'], 'create the viewer tenant'));
    const rival = parseTenant(await cli(['tenant', 'add', 'Rival Crew', '--json'], 'create a second tenant'));
    backend.token = viewer.token;
    backend.viewer = viewer;
    backend.rival = rival;
    // Its badges are the only ones of their window: the tile scenario owns it.
    backend.tileCrew = parseTenant(await cli(['tenant', 'add', 'Tile Crew', '--json'], 'create the tile tenant'));

    await cli(['demo-data', '--events', '120'], 'load demo data');
    await cli(['drain'], 'drain the demo data');

    // Emit with the tenant's id, or by name if that is what the CLI wants.
    backend.emit = async (tenant, type, payload) => {
      const json = JSON.stringify(payload);
      const byId = await run(bin, ['emit', String(tenant.id), type, json, ...common], env);
      if (byId.code === 0) return;
      await cli(['emit', tenant.name, type, json], `emit ${type}`);
    };
    backend.drain = () => cli(['drain'], 'drain');

    // The scenario needs at least two pages of 20; grouping may have folded the demo
    // data into fewer tiles, so top it up with ungrouped events (≤ 2 per type+tenant).
    const count = await countEvents(base, backend.token, 60);
    if (count < 30) {
      log(`demo data gave ${count} events; topping up`);
      const types = ['badge_earned', 'xp_rank_up', 'challenge_completed', 'streak_milestone', 'tasks_burst', 'all_tasks_cleared'];
      const payloads = {
        badge_earned: { badgeName: 'Top-up Badge', xpAwarded: 50 },
        xp_rank_up: { rank: 'Adept', previousRank: 'Apprentice', totalXp: 520 },
        challenge_completed: { challengeId: 1, challengeName: 'Top-up Challenge', xpAwarded: 50 },
        streak_milestone: { days: 7 },
        tasks_burst: { count: 10 },
        all_tasks_cleared: { tasksDone: 4 },
      };
      const extra = [rival];
      for (const name of ['Filler One', 'Filler Two', 'Filler Three']) {
        extra.push(parseTenant(await cli(['tenant', 'add', name, '--json'], 'create a filler tenant')));
      }
      for (const t of extra) for (const ty of types) for (let i = 0; i < 2; i++) await backend.emit(t, ty, payloads[ty]);
      await backend.drain();
    }
    starting = null;
    return backend;
  } catch (e) {
    await backend.stop().catch(() => {});
    throw e;
  }
}

async function api(base, token, pathAndQuery) {
  const res = await fetch(base + pathAndQuery, { headers: { Authorization: `Bearer ${token}` } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new TestFailure(`GET ${pathAndQuery} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

async function apiSend(base, token, method, pathAndQuery, body) {
  const res = await fetch(base + pathAndQuery, {
    method, body: JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  const answer = await res.json().catch(() => null);
  if (!res.ok) throw new TestFailure(`${method} ${pathAndQuery} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

async function countEvents(base, token, atLeast) {
  let n = 0;
  let cursor = null;
  do {
    const q = `/api/activity/events?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api(base, token, q);
    n += page.events.length;
    cursor = page.nextCursor;
  } while (cursor && n < atLeast);
  return n;
}

// ------------------------------------------------------------------ the scenario

function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

async function scenario(backend) {
  const base = backend.base;
  const browser = await launchBrowser();
  const problems = [];
  const dialogs = [];
  try {
    // A fresh context is a fresh profile: empty localStorage.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(15000);
    page.on('dialog', (d) => { dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol.startsWith('http') && u.origin !== base) problems.push(`request outside the server: ${r.url()}`);
    });

    const resp = await page.goto(`${base}/`);
    check(resp && resp.ok(), `GET / answers ${resp && resp.status()}`);
    if (!resp.headers()['content-security-policy']) log('note: GET / came without a Content-Security-Policy header');

    // --- token prompt
    await page.locator('#token-input').waitFor({ state: 'visible' });
    check(await page.locator('#feed-view').isHidden(), 'a fresh browser sees the token prompt, not the feed');
    await page.fill('#token-input', 'not-a-valid-token');
    await page.click('#login-submit');
    await page.locator('#login-message').waitFor({ state: 'visible' });
    check(await page.locator('#token-input').isVisible(), 'a wrong token keeps the prompt and says why');

    await page.fill('#token-input', backend.token);
    await page.click('#login-submit');

    // --- first page
    const first = await api(base, backend.token, '/api/activity/events?limit=20');
    await page.waitForFunction(() => document.querySelectorAll('#feed > article.card').length >= 20);
    const ids1 = await page.$$eval('#feed > article.card', (els) => els.map((e) => e.dataset.eventId));
    check(ids1.length === 20, `the first page shows 20 cards (got ${ids1.length})`);
    check(JSON.stringify(ids1) === JSON.stringify(first.events.map((e) => e.id)),
      'the cards are the first page of GET /api/activity/events, in order');
    check(await page.evaluate(() => localStorage.getItem('activityfeed.token')) === backend.token,
      'the token is kept in localStorage');
    const firstCard = page.locator('#feed > article.card').first();
    check((await firstCard.locator('.card-title-text').textContent()) === first.events[0].display_name,
      'a card shows the display name as its title');
    check((await firstCard.locator('.tenant').textContent()) === first.events[0].tenantName,
      'a card shows the tenant name');
    check(/ago|just now|yesterday|\d/.test(await firstCard.locator('time').textContent()),
      'a card shows a relative time');

    // --- stream connected
    await page.locator('#conn.conn-live').waitFor({ timeout: 10000 });
    check(true, 'the connection indicator says live');

    // --- infinite scroll
    await page.evaluate(() => { window.__noReload = 'still here'; });
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction(() => document.querySelectorAll('#feed > article.card').length > 20);
    const ids2 = await page.$$eval('#feed > article.card', (els) => els.map((e) => e.dataset.eventId));
    check(new Set(ids2).size === ids2.length, `scrolling loaded the second page (${ids2.length} cards, no duplicate)`);
    const second = await api(base, backend.token,
      `/api/activity/events?limit=20&cursor=${encodeURIComponent(first.nextCursor)}`);
    check(second.events.every((e) => ids2.includes(e.id)), 'the second page of the API is on screen');

    // --- a grouped tile opens to list the queue rows it was made from
    const tile = page.locator('#feed > article.card.card-tile').first();
    if (await tile.count()) {
      const n = Number((await tile.locator('.count-badge').textContent()).replace(/\D/g, ''));
      check(n >= 3 && (await tile.locator('.sample:visible').count()) === Math.min(3, n),
        `a tile shows its count (${n}) and up to 3 samples`);
      await tile.locator('.sources-toggle').click();
      await page.waitForFunction(([id, want]) =>
        document.querySelectorAll(`article.card[data-event-id="${id}"] .source`).length === want,
      [await tile.getAttribute('data-event-id'), n]);
      check(true, `opening the tile lists its ${n} source events`);
      await tile.screenshot({ path: path.join(screenshotDir, 'browser-tile.png') });
      await tile.locator('.sources-toggle').click();
    } else {
      log('note: no grouped tile among the loaded cards; tile check skipped');
    }

    // --- live event from the CLI
    await page.evaluate(() => window.scrollTo(0, 0));
    const before = new Set(ids2);
    await backend.emit(backend.rival, 'badge_earned', { badgeName: 'Browser Live Badge', xpAwarded: 50 });
    await backend.drain();
    const drained = Date.now();
    const liveId = await page.waitForFunction((known) => {
      const top = document.querySelector('#feed > article.card');
      return top && !known.includes(top.dataset.eventId) ? top.dataset.eventId : null;
    }, [...before], { timeout: LIVE_BUDGET_MS + 500 }).then((h) => h.jsonValue()).catch(() => null);
    const latency = Date.now() - drained;
    check(liveId && latency <= LIVE_BUDGET_MS,
      `the drained event appeared at the top without a reload (${latency} ms after drain exited)`);
    check(await page.evaluate(() => window.__noReload) === 'still here', 'the page was not reloaded');
    const newest = await api(base, backend.token, '/api/activity/events?limit=1');
    check(newest.events[0].id === liveId, 'the new top card is the newest event of the API');
    const live = page.locator(`#feed > article.card[data-event-id="${liveId}"]`);
    check((await live.locator('.tenant').textContent()) === 'Rival Crew', 'the live card names its tenant');
    check((await page.$$eval(`#feed > article.card[data-event-id="${liveId}"]`, (e) => e.length)) === 1,
      'the live event is shown once');

    // --- reaction
    const hype = live.locator('button.react[data-type="hype"]');
    const countOf = async () => (await hype.locator('.react-count').textContent()).trim();
    check((await countOf()) === '' && (await hype.getAttribute('aria-pressed')) === 'false', 'hype starts at 0, not mine');
    await hype.click();
    await page.waitForFunction((id) => {
      const b = document.querySelector(`article.card[data-event-id="${id}"] button.react[data-type="hype"]`);
      return b && b.getAttribute('aria-pressed') === 'true' && b.querySelector('.react-count').textContent === '1';
    }, liveId);
    check(true, 'clicking hype makes the count 1 and highlights it as mine');
    const afterReact = await api(base, backend.token, '/api/activity/events?limit=1');
    check(afterReact.events[0].reactions.hype === 1 && afterReact.events[0].myReactions.includes('hype'),
      'the server recorded the reaction');
    await hype.click();
    await page.waitForFunction((id) => {
      const b = document.querySelector(`article.card[data-event-id="${id}"] button.react[data-type="hype"]`);
      return b && b.getAttribute('aria-pressed') === 'false' && b.querySelector('.react-count').textContent === '';
    }, liveId);
    check(true, 'clicking it again takes the reaction back');
    await hype.click();
    await page.waitForFunction((id) => {
      const b = document.querySelector(`article.card[data-event-id="${id}"] button.react[data-type="hype"]`);
      return b && b.getAttribute('aria-pressed') === 'true';
    }, liveId);

    // --- hostile comment shown as text
    const hostile = '<img src=x onerror=alert(1)>';
    await live.locator('button.comment-toggle').click();
    const textarea = live.locator('textarea');
    await textarea.waitFor({ state: 'visible' });
    await textarea.fill(`  ${hostile}  `);
    check((await live.locator('.counter').textContent()).startsWith(`${[...hostile].length} / 500`),
      'the counter counts the trimmed text in code points');
    await live.locator('.comment-form button[type="submit"]').click();
    const body = live.locator('.comment-body', { hasText: hostile });
    await body.waitFor({ state: 'visible' });
    check((await body.textContent()) === hostile, 'the comment is shown as literal text');
    check((await live.locator('.comments img').count()) === 0, 'no <img> element was created from the comment');
    await page.waitForFunction((id) => {
      const c = document.querySelector(`article.card[data-event-id="${id}"] .comment-count`);
      return c && c.textContent === '1';
    }, liveId);
    check(true, 'the comment count became 1');
    // Images load with the cards, which are on screen (positive marker above); an
    // onerror handler that raises a dialog has no event of its own to wait for.
    await sleep(700); // an onerror handler would have fired by now
    check(dialogs.length === 0, `no dialog was raised${dialogs.length ? `: ${dialogs.join(', ')}` : ''}`);

    // --- one tile that grows across drains (issue 12): rows emitted and drained one at a
    // time give one card whose count grows, never a column of singles
    await page.evaluate(() => window.scrollTo(0, 0));
    const crewCards = () => page.$$eval('#feed > article.card', (els) =>
      els.filter((e) => e.querySelector('.tenant') && e.querySelector('.tenant').textContent === 'Tile Crew')
        .map((e) => ({ id: e.dataset.eventId, badge: (e.querySelector('.count-badge') || {}).textContent || '' })));
    const noDuplicateCard = async () => {
      const all = await page.$$eval('#feed > article.card', (els) => els.map((e) => e.dataset.eventId));
      return new Set(all).size === all.length;
    };
    const crewBadge = async (i) => {
      await backend.emit(backend.tileCrew, 'badge_earned', { badgeName: `Tile Badge ${i}`, xpAwarded: 10 * i });
      await backend.drain();
    };
    const waitCrew = (want) => page.waitForFunction((w) => {
      const cards = [...document.querySelectorAll('#feed > article.card')].filter((e) =>
        e.querySelector('.tenant') && e.querySelector('.tenant').textContent === 'Tile Crew');
      return JSON.stringify(cards.map((e) => (e.querySelector('.count-badge') || {}).textContent || '1')) === w;
    }, JSON.stringify(want), { timeout: 10000 });
    await crewBadge(1);
    await waitCrew(['1']);
    const [singleA] = await crewCards();
    await crewBadge(2);
    await waitCrew(['1', '1']);
    const [singleB] = await crewCards();
    check(singleA.id !== singleB.id && await noDuplicateCard(), 'two rows drained apart are two singles so far');
    // The reader opens the newer single's comments; the fold must carry the thread over.
    const cardB = page.locator(`#feed > article.card[data-event-id="${singleB.id}"]`);
    await cardB.locator('button.comment-toggle').click();
    await cardB.locator('textarea').waitFor({ state: 'visible' });
    await cardB.locator('textarea').fill('Written on the second single');
    await cardB.locator('.comment-form button[type="submit"]').click();
    await cardB.locator('.comment-body', { hasText: 'Written on the second single' }).waitFor({ state: 'visible' });
    await crewBadge(3);
    await waitCrew(['×3']);
    const [tile3] = await crewCards();
    check(tile3.id === singleA.id, 'the third row folds both singles into one tile ×3 that keeps the older id');
    check(await page.locator(`#feed > article.card[data-event-id="${singleB.id}"]`).count() === 0,
      'the folded single left the page');
    const tileCard = page.locator(`#feed > article.card[data-event-id="${singleA.id}"]`);
    await tileCard.locator('.comment-body', { hasText: 'Written on the second single' }).waitFor({ state: 'visible' });
    check(true, 'the open thread followed the single into the tile, with its comment');
    for (const n of [4, 5]) {
      await crewBadge(n);
      await waitCrew([`×${n}`]);
      const [t] = await crewCards();
      check(t.id === singleA.id && await noDuplicateCard(), `row ${n} joins the same tile (×${n}), no duplicate card`);
    }
    const latest = await api(base, backend.token, `/api/activity/events?limit=50&tenantId=${backend.tileCrew.id}`);
    check(latest.events.length === 1 && latest.events[0].id === singleA.id && latest.events[0].payload_json.count === 5,
      'the API agrees: one event, the tile of 5');
    await tileCard.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await sleep(300); // screenshot settling; asserts nothing
    await tileCard.screenshot({ path: path.join(screenshotDir, 'browser-tile-grown.png') });
    log(`screenshot: ${path.join(screenshotDir, 'browser-tile-grown.png')}`);

    // --- screenshots
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.mouse.move(0, 0);
    await sleep(300); // screenshot settling (hover and scroll transitions); asserts nothing
    const shot1280 = path.join(screenshotDir, 'browser-1280.png');
    await page.screenshot({ path: shot1280 });
    await page.setViewportSize({ width: 390, height: 844 });
    await sleep(300); // layout settling before the screenshot and the overflow measure
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= 390, `nothing overflows at 390 px (scrollWidth ${overflow})`);
    const shot390 = path.join(screenshotDir, 'browser-390.png');
    await page.screenshot({ path: shot390 });
    log(`screenshots: ${shot1280}, ${shot390}`);

    // --- signing out returns to the prompt
    await page.click('#signout');
    await page.locator('#token-input').waitFor({ state: 'visible' });
    check(await page.evaluate(() => localStorage.getItem('activityfeed.token')) === null,
      'signing out forgets the token and shows the prompt');

    check(problems.length === 0, `no page error, CSP violation or outside request${problems.length ? `:\n  ${problems.join('\n  ')}` : ''}`);
    await ctx.close();
  } finally {
    await browser.close().catch(() => {});
  }
}

// ------------------------------------------------------------------ reading

// The read marker, the type filters and the keyboard, as the rival tenant (whose marker the
// scenario above never moved): the divider, marker sync between two tabs of one browser,
// filter chips kept in localStorage, a reaction and the comments by keyboard, and
// screenshots in the light and the dark palette.
async function readingScenario(backend) {
  const base = backend.base;
  const token = backend.rival.token;
  const marker = () => api(base, token, '/api/activity/markers');
  const newestSeq = async () => (await api(base, token, '/api/activity/events?limit=1')).events[0].seq;
  const browser = await launchBrowser();
  const problems = [];
  const watch = (p) => {
    p.setDefaultTimeout(15000);
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
    return p;
  };
  const openFeed = async (ctx) => {
    const p = watch(await ctx.newPage());
    await p.goto(`${base}/`);
    await p.waitForFunction(() => document.querySelectorAll('#feed > article.card').length >= 20);
    await p.locator('#conn.conn-live').waitFor({ timeout: 10000 });
    return p;
  };
  const readChecks = (p) => p.evaluate(() => Number(document.documentElement.dataset.readChecks || 0));
  // Ticks of the page's read check (every 250 ms): after them the page has looked at what
  // is on screen for longer than its 1 s dwell.
  const afterChecks = async (p, n) => {
    const from = await readChecks(p);
    await p.waitForFunction((want) => Number(document.documentElement.dataset.readChecks || 0) >= want, from + n);
  };
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    await ctx.addInitScript((t) => { localStorage.setItem('activityfeed.token', t); }, token);

    // --- divider: the marker below three new events of another tenant
    const readTo = await newestSeq();
    const set = await apiSend(base, token, 'POST', '/api/activity/markers', { lastReadSeq: readTo });
    check(set.lastReadSeq === readTo && set.unreadCount === 0, `the rival's marker is at the newest event (${readTo})`);
    await backend.emit(backend.viewer, 'challenge_completed', { challengeId: 9, challengeName: 'Reading Week', xpAwarded: 40 });
    await backend.emit(backend.viewer, 'streak_milestone', { days: 30 });
    await backend.emit(backend.viewer, 'tasks_burst', { count: 14 });
    await backend.drain();
    const unread = (await marker()).unreadCount;
    check(unread >= 1 && unread <= 3, `three new events of another tenant are unread (${unread})`);

    const a = await openFeed(ctx);
    await a.locator('#feed > .unread-divider').waitFor();
    const placed = await a.evaluate(() => {
      const list = [...document.querySelectorAll('#feed > *')];
      const at = list.findIndex((el) => el.classList.contains('unread-divider'));
      return { at, above: list.slice(0, at).map((el) => el.dataset.eventId), below: list[at + 1].dataset.eventId,
        text: list[at].getAttribute('aria-label') };
    });
    const seqs = new Map((await api(base, token, '/api/activity/events?limit=50')).events.map((e) => [e.id, e.seq]));
    check(placed.text === 'New since you last read' && placed.above.length >= 1
      && placed.above.every((id) => seqs.get(id) > readTo) && seqs.get(placed.below) <= readTo,
    `the divider sits between the ${placed.above.length} events past the marker and the rest`);

    // Seen at the top of a visible page: the marker moves to the newest card, the title clears.
    const top = await newestSeq();
    let m1 = await marker();
    for (const until = Date.now() + 10000; m1.lastReadSeq !== top && Date.now() < until;) {
      await sleep(100); // polling interval, with the deadline above
      m1 = await marker();
    }
    await a.waitForFunction(() => document.title === 'Activity Feed');
    check(m1.lastReadSeq === top && m1.unreadCount === 0, `viewing the top rows moved the marker to ${top}`);
    check(await a.locator('#feed > .unread-divider').count() === 1, 'the divider stays where the reader found it');
    await a.evaluate(() => window.scrollTo(0, 0));
    await a.mouse.move(0, 0);
    await sleep(300); // screenshot settling; asserts nothing
    await a.screenshot({ path: path.join(screenshotDir, 'browser-reading-light.png') });

    // --- two tabs: events arriving off screen are not read; reading in one tab clears the other
    const b = await openFeed(ctx);
    for (const p of [a, b]) await p.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    for (const p of [a, b]) await afterChecks(p, 2);
    await backend.emit(backend.viewer, 'all_tasks_cleared', { tasksDone: 11 });
    await backend.drain();
    for (const p of [a, b]) await p.waitForFunction(() => /^\(1\) Activity Feed$/.test(document.title));
    check(true, 'both tabs count one unread event in the title: (1) Activity Feed');
    for (const p of [a, b]) await afterChecks(p, 6);
    const m2 = await marker();
    check(m2.lastReadSeq === top && m2.unreadCount === 1,
      `an event that arrived off screen did not move the marker (still ${m2.lastReadSeq}, 1 unread)`);
    await a.evaluate(() => window.scrollTo(0, 0));
    await b.waitForFunction(() => document.title === 'Activity Feed');
    const m3 = await marker();
    check(m3.lastReadSeq > top && m3.unreadCount === 0,
      `reading it in one tab moved the marker (${m3.lastReadSeq}) and cleared the other tab's count`);
    await b.close();

    // --- filter chips, kept in localStorage
    const badge = a.locator('#type-filters button.chip[data-type="badge_earned"]');
    check(await badge.getAttribute('aria-pressed') === 'true', 'every type chip starts pressed');
    const others = (await a.$$eval('#type-filters button.chip', (els) => els.map((e) => e.dataset.type)))
      .filter((t) => t !== 'badge_earned');
    await badge.click();
    const filtered = await api(base, token, `/api/activity/events?limit=20&eventType=${others.join(',')}`);
    const sameAsApi = async (p) => p.waitForFunction((want) => {
      const ids = [...document.querySelectorAll('#feed > article.card')].map((e) => e.dataset.eventId);
      return ids.length >= want.length && want.every((id, i) => ids[i] === id)
        && !document.querySelector('#feed > article.card[data-event-type="badge_earned"]');
    }, filtered.events.map((e) => e.id));
    await sameAsApi(a);
    check(true, `hiding "badge_earned" shows the API's eventType page (${filtered.events.length} cards, no badge)`);
    check(JSON.parse(await a.evaluate(() => localStorage.getItem('activityfeed.hiddenTypes'))).includes('badge_earned'),
      'the hidden type is kept in localStorage');
    await a.reload();
    await a.locator('#conn.conn-live').waitFor({ timeout: 10000 });
    await sameAsApi(a);
    check(await badge.getAttribute('aria-pressed') === 'false', 'after a reload the chip is still off and the feed still filtered');
    await backend.emit(backend.viewer, 'badge_earned', { badgeName: 'Hidden Badge', xpAwarded: 10 });
    await backend.emit(backend.viewer, 'xp_rank_up', { rank: 'Expert', previousRank: 'Adept', totalXp: 900 });
    await backend.drain();
    const shownTop = (await api(base, token, `/api/activity/events?limit=1&eventType=${others.join(',')}`)).events[0];
    await a.waitForFunction((id) => document.querySelector('#feed > article.card')?.dataset.eventId === id, shownTop.id);
    check(await a.locator('#feed > article.card[data-event-type="badge_earned"]').count() === 0,
      'a live event of a hidden type stays out (the shown type drained with it arrived)');
    await badge.click();
    await a.waitForFunction(() => document.querySelector('#feed > article.card[data-event-type="badge_earned"]'));
    check(true, 'pressing the chip again brings the type back');

    // --- keyboard: move, react, open and close the comments, the shortcuts sheet
    await a.evaluate(() => { window.scrollTo(0, 0); document.activeElement?.blur(); });
    const cardsNow = await a.$$eval('#feed > article.card', (els) => els.map((e) => e.dataset.eventId));
    await a.keyboard.press('j');
    const focused = () => a.evaluate(() => document.activeElement?.dataset?.eventId || null);
    check(await focused() === cardsNow[0], 'j focuses the first card');
    const ring = await a.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: s.outlineWidth, visible: document.activeElement.matches(':focus-visible') };
    });
    check(ring.visible && ring.style !== 'none' && ring.width !== '0px', `the focused card shows a focus ring (${ring.style} ${ring.width})`);
    await a.keyboard.press('j');
    check(await focused() === cardsNow[1], 'j again moves to the second card');
    await a.keyboard.press('k');
    check(await focused() === cardsNow[0], 'k moves back');
    const target = cardsNow[0];
    const hypeOn = (id) => a.waitForFunction((eid) =>
      document.querySelector(`article.card[data-event-id="${eid}"] button.react[data-type="hype"]`)?.getAttribute('aria-pressed') === 'true', id);
    await a.keyboard.press('1');
    await hypeOn(target);
    const reacted = (await api(base, token, '/api/activity/events?limit=5')).events.find((e) => e.id === target);
    check(reacted && reacted.myReactions.includes('hype'), 'pressing 1 on a card gave it a hype, recorded by the server');
    await a.keyboard.press('Enter');
    await a.waitForFunction((id) => document.activeElement?.matches(`article.card[data-event-id="${id}"] textarea`), target);
    check(true, 'Enter opens the comments and puts the cursor in the comment box');
    await a.keyboard.type('Read it all');
    await a.keyboard.press('Control+Enter');
    await a.locator(`article.card[data-event-id="${target}"] .comment-body`, { hasText: 'Read it all' }).waitFor();
    check(true, 'Ctrl+Enter posts the comment');
    await a.keyboard.press('Escape');
    await a.waitForFunction((id) => document.activeElement?.dataset?.eventId === id
      && document.querySelector(`article.card[data-event-id="${id}"] section.comments`).hidden, target);
    check(true, 'Esc closes the comments and leaves the focus on the card');
    await a.keyboard.press('?');
    await a.locator('#shortcuts[open]').waitFor();
    check((await a.locator('#shortcuts-reactions').textContent()).includes('1 🚀 Hype'),
      'the ? sheet lists the shortcuts, reactions from the catalogue');
    await a.screenshot({ path: path.join(screenshotDir, 'browser-shortcuts.png') });
    await a.keyboard.press('Escape');
    await a.locator('#shortcuts').waitFor({ state: 'hidden' });
    check(true, 'Esc closes the sheet');

    // --- the dark palette, with a divider and a focused card (tab a, still at the top of
    // a visible page, would read the new event at once)
    await ctx.close();
    const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    await dark.addInitScript((t) => { localStorage.setItem('activityfeed.token', t); }, token);
    await backend.emit(backend.viewer, 'challenge_completed', { challengeId: 10, challengeName: 'Night Shift', xpAwarded: 30 });
    await backend.drain();
    const d = await openFeed(dark);
    await d.locator('#feed > .unread-divider').waitFor();
    await d.keyboard.press('j');
    await d.mouse.move(0, 0);
    await sleep(300); // screenshot settling; asserts nothing
    await d.screenshot({ path: path.join(screenshotDir, 'browser-reading-dark.png') });
    check(true, 'screenshots: browser-reading-light.png, browser-reading-dark.png, browser-shortcuts.png');

    check(problems.length === 0, `no page error or CSP violation while reading${problems.length ? `:\n  ${problems.join('\n  ')}` : ''}`);
    await dark.close();
  } finally {
    await browser.close().catch(() => {});
  }
}

// ------------------------------------------------------------------ main

let backend = null;
let exitCode = 0;
const onSignal = async (sig) => {
  log(`${sig}: cleaning up`);
  const b = backend || starting;
  if (b) await b.stop().catch(() => {});
  process.exit(1);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  if (process.env.AF_BROWSER_BACKEND) {
    backend = await (await import(path.resolve(process.env.AF_BROWSER_BACKEND))).start();
  } else {
    backend = await realBackend();
  }
  await scenario(backend);
  await readingScenario(backend);
  log('PASS');
} catch (e) {
  exitCode = 1;
  console.error(`FAIL: ${e instanceof TestFailure ? e.message : (e && e.stack) || e}`);
} finally {
  if (backend) await backend.stop().catch((e) => console.error(`cleanup: ${e.message}`));
}
process.exit(exitCode);
