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

async function scenario(backend) {
  const base = backend.base;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
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
  log('PASS');
} catch (e) {
  exitCode = 1;
  console.error(`FAIL: ${e instanceof TestFailure ? e.message : (e && e.stack) || e}`);
} finally {
  if (backend) await backend.stop().catch((e) => console.error(`cleanup: ${e.message}`));
}
process.exit(exitCode);
