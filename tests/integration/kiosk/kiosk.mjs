// The kiosk page in Debian's chromium, driven by playwright-core; run by kiosk_browser.sh,
// which issued the cards, started `fmc-terminal kiosk` and passes everything in the
// environment. This script inserts and removes the cards itself (fmc-vcard on the saved
// card states) so that it can time them. Prints ok/FAIL lines; exits with the number of
// failed checks.
import { chromium } from "playwright-core";
import { spawn, execFile } from "node:child_process";
import { openSync } from "node:fs";
import { join } from "node:path";

const env = process.env;
const url = env.KIOSK_URL;
const bin = env.FMC_BIN_DIR;
const reader = env.KIOSK_READER;
const idleSeconds = Number(env.KIOSK_IDLE);
const shots = env.KIOSK_SCREENSHOTS;

let failures = 0;
const ok = (what) => console.log(`ok: ${what}`);
const fail = (what) => { console.error(`FAIL: ${what}`); failures += 1; };
const check = (condition, what, detail = "") => (condition ? ok(what) : fail(detail ? `${what}: ${detail}` : what));
// A step that throws (a timeout, mostly) fails once and lets the next steps run.
async function step(what, body) {
  try { await body(); } catch (error) { fail(`${what}: ${String(error.message || error).split("\n")[0]}`); }
}

// ---- cards -----------------------------------------------------------------------------
const cards = new Set();
process.on("exit", () => { for (const child of cards) child.kill(); });

function run(args) {
  return new Promise((resolve) => execFile(join(bin, "fmc-terminal"), args, (error) => resolve(error ? error.code : 0)));
}
async function waitReaderEmpty() {
  for (let i = 0; i < 50; i++) {
    if ((await run(["readers", "--reader", reader, "--require-card"])) === 5) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`'${reader}' still holds a card after 5 s`);
}
// When pcscd reports a card in our reader: pcsc_scan (pcsc-tools) prints each reader event
// as it happens. `readers --wait` is no clock for this: it reads the card itself after the
// event, and so waits for the kiosk's own reading to finish.
let insertedAt = null;
let scanner = null;
try {
  scanner = spawn("stdbuf", ["-oL", "pcsc_scan", "-n"], { stdio: ["ignore", "pipe", "ignore"] });
  let ours = false;
  let pending = "";
  scanner.stdout.on("data", (chunk) => {
    const now = Date.now();
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop();
    for (const line of lines) {
      const readerLine = line.match(/^ Reader \d+: (.*)$/);
      if (readerLine) ours = readerLine[1].trim() === reader;
      else if (ours && line.includes("Card inserted")) insertedAt = now;
    }
  });
  scanner.on("error", () => { scanner = null; });
} catch { scanner = null; }
process.on("exit", () => scanner && scanner.kill());

// Starts the card's fmc-vcard; resolves once pcscd shows the card, with the times (ms since
// the epoch, the clock the page's Date.now() uses) of the start and of pcscd seeing it
// (from pcsc_scan; without it, the start: a stricter reference).
async function insert(name) {
  await waitReaderEmpty();
  insertedAt = null;
  const started = Date.now();
  const child = spawn(join(bin, "fmc-vcard"), ["--state", join(env.VCARD_DIR, `${name}.state`),
                                               "--port", env.KIOSK_VCARD_PORT, "--quiet"],
                      { stdio: ["ignore", "ignore", openSync(join(env.VCARD_DIR, `${name}.log`), "a")] });
  cards.add(child);
  const code = await run(["readers", "--reader", reader, "--wait", "10"]);
  if (code !== 0) throw new Error(`the ${name} card did not appear in '${reader}' (readers exit ${code})`);
  for (let i = 0; scanner && insertedAt === null && i < 20; i++) await new Promise((r) => setTimeout(r, 50));
  return { child, started, seen: insertedAt ?? started, scanned: insertedAt !== null };
}
async function remove(card) {
  const exited = new Promise((resolve) => card.child.once("exit", resolve));
  card.child.kill();
  await exited;
  cards.delete(card.child);
  return Date.now();
}

// ---- page helpers ----------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
page.setDefaultTimeout(5000);
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(String(error)));
// Chromium logs every 4xx answer as a console error: a wrong PIN's 403 from /api/pin is expected.
page.on("console", (message) => {
  if (message.type() !== "error") return;
  if (/^Failed to load resource: .* 403/.test(message.text()) && message.location().url.endsWith("/api/pin")) return;
  pageErrors.push(`${message.text()} (${message.location().url})`);
});

async function shot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}
const visible = (selector) => page.locator(selector).isVisible();
const attr = (selector, name) => page.locator(selector).getAttribute(name);
const html = () => page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
const bodyHtml = () => page.evaluate(() => document.body.innerHTML);
// Records, in the page, when an element matching `selector` first appears (Date.now()).
function watchFor(selector) {
  return page.evaluate((s) => {
    window.__seenAt = null;
    const look = () => { if (!window.__seenAt && document.querySelector(s)) window.__seenAt = Date.now(); };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, attributes: true });
    look();
  }, selector);
}
const seenAt = () => page.evaluate(() => window.__seenAt);

await page.goto(url);
const catalog = await (await page.request.get(new URL("api/texts", url).href)).json();
const text = (lang, key) => catalog.texts[lang][key];
const timings = [];

// Inserts a card and waits for `selector`; returns the card with the time from pcscd seeing
// the card to the page showing it (and from fmc-vcard's start, which includes vpcd's own).
async function present(name, selector) {
  await watchFor(selector);
  const card = await insert(name);
  await page.locator(selector).first().waitFor({ state: "visible", timeout: 10000 });
  const shown = await seenAt();
  card.ms = shown - card.seen;
  timings.push(`${name}: ${card.scanned ? `${card.ms} ms after pcscd reported the card, ` : "(no pcsc_scan) "}` +
               `${shown - card.started} ms after fmc-vcard started`);
  return card;
}
// Removes a card: the welcome screen is back within 2 s, nothing personal stays in the page.
async function removeAndCheck(card, label, secrets) {
  const removed = await remove(card);
  await page.locator("#welcome").waitFor({ state: "visible", timeout: 2500 });
  const ms = Date.now() - removed;
  check(ms <= 2000, `${label}: removal brings #welcome back within 2 s (${ms} ms)`);
  check(await page.locator("#card").isHidden(), `${label}: #card hidden after removal`);
  const body = await bodyHtml();
  for (const secret of secrets) check(!body.includes(secret), `${label}: '${secret}' is gone from the page after removal`);
  check((await html()).dir === "ltr" && (await html()).lang === "en", `${label}: the welcome screen is back in English`);
  await waitReaderEmpty();
}

// ---- 1. no card: the welcome screen ------------------------------------------------------
await step("welcome", async () => {
  await page.locator("#welcome-prompts li").first().waitFor();
  check(await visible("#welcome"), "no card: #welcome visible");
  check(await page.locator("#card").isHidden(), "no card: #card hidden");
  check((await page.locator("#welcome-prompts li").count()) === catalog.languages.length,
        "no card: the prompt in every kiosk language");
  await shot("1-welcome");
});

// ---- 2. a valid French card: status, entitlements, language, timing ----------------------
let fr = null;
await step("valid French card", async () => {
  fr = await present("fr", "#entitlements .entitlement");
  check(fr.ms < 1000, `valid card: entitlements visible within 1 s of insertion (${fr.ms} ms)`);
  check(await attr("#status", "data-status") === "valid", "valid card: #status[data-status=valid]",
        await attr("#status", "data-status"));
  const codes = await page.locator("#entitlements .entitlement").evaluateAll((n) => n.map((e) => e.dataset.code));
  check(JSON.stringify(codes.sort()) === JSON.stringify(["library", "trade.licensing"]),
        "valid card: entitlements library and trade.licensing", codes.join(","));
  check(await page.locator('#entitlements .service[data-code="trade.licensing"]').count() === 1,
        "valid card: the trade.licensing service is listed");
  const { lang, dir } = await html();
  check(lang === "fr" && dir === "ltr", "valid card: the page is in French (lang=fr, ltr)", `${lang} ${dir}`);
  check(await page.locator("#status h2").innerText() === text("fr", "status_valid"), "valid card: French status title");
  check(await visible("#show-personal"), "valid card on contact: #show-personal offered");
  await shot("2-valid-fr");
});

// ---- 8. keyboard: Tab reaches the language buttons and #show-personal ---------------------
await step("keyboard", async () => {
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const order = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => {
      const e = document.activeElement;
      return e.dataset.lang ? `lang:${e.dataset.lang}` : (e.id || e.tagName);
    }));
  }
  const langs = catalog.languages.map((l) => `lang:${l.tag}`);
  check(langs.every((l) => order.includes(l)), "keyboard: Tab reaches every language button", order.join(" "));
  check(order.includes("show-personal"), "keyboard: Tab reaches #show-personal", order.join(" "));
  check(order.indexOf(langs[langs.length - 1]) < order.indexOf("show-personal"),
        "keyboard: the language switcher comes before #show-personal");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(outline !== "none", "keyboard: the focused control shows a focus outline", outline);
  await shot("8-keyboard-focus");
});

// ---- 3. the PIN pad: a wrong PIN, then the right one ---------------------------------------
async function typeOnPad(pin) {
  for (const digit of pin) await page.locator(`[data-digit="${digit}"]`).click();
  await page.locator("#pin-ok").click();
}
await step("PIN", async () => {
  await page.locator("#show-personal").click();
  await page.locator("#pin-pad").waitFor();
  check(await page.evaluate(() => document.activeElement.id) === "pin-input", "PIN: the pad opens with #pin-input focused");
  await typeOnPad("11111111");
  const wrong = new RegExp("^" + text("fr", "error_wrong_pin").split("{tries}")
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\d+") + "$");
  await page.waitForFunction(() => /\d/.test(document.querySelector("#message")?.textContent || ""));
  const message = await page.locator("#message").innerText();
  check(wrong.test(message), "PIN: a wrong PIN shows the French wrong-PIN message", message);
  check(await page.locator("#personal").count() === 0, "PIN: no personal data after a wrong PIN");
  check(await page.locator("#pin-input").inputValue() === "", "PIN: the pad is empty again after a wrong PIN");
  await shot("3-wrong-pin");
  await typeOnPad(env.FR_PIN);
  await page.locator("#personal-name").waitFor();
  check(await page.locator("#personal-name").innerText() === env.FR_NAME, "PIN: #personal shows the name");
  check(await page.locator("#pin-input").count() === 0, "PIN: the pad is closed");
  await shot("3-personal");
});

// ---- 6. removal clears the page ------------------------------------------------------------
if (fr) await step("removal", () => removeAndCheck(fr, "removal", [env.FR_NAME, "Diallo", "trade.licensing"]));

// ---- 4. a revoked card ------------------------------------------------------------------------
await step("revoked card", async () => {
  const rv = await present("rv", '#status[data-status="revoked"]');
  const { lang } = await html();
  check(lang === "fr", "revoked card: shown in its holder's language (fr)", lang);
  check(await page.locator("#status h2").innerText() === text("fr", "status_revoked"), "revoked card: revoked title");
  check(await page.locator("#status p").innerText() === text("fr", "advice_revoked"), "revoked card: revoked advice message");
  check(await attr("#status", "data-reason") === "revoked", "revoked card: data-reason=revoked");
  check(await page.locator("#show-personal").count() === 0, "revoked card: no personal data offered");
  await shot("4-revoked");
  await removeAndCheck(rv, "revoked removal", [env.RV_NAME]);
});

// ---- 5. an Arabic card: right to left, then English -----------------------------------------
let ar = null;
let lastTouch = 0;
await step("Arabic card", async () => {
  ar = await present("ar", "#entitlements .entitlement");
  check(ar.ms < 1000, `Arabic card: entitlements visible within 1 s of insertion (${ar.ms} ms)`);
  const before = await html();
  check(before.lang === "ar" && before.dir === "rtl", "Arabic card: <html lang=ar dir=rtl>", `${before.lang} ${before.dir}`);
  check(await page.evaluate(() => getComputedStyle(document.querySelector("#card")).direction) === "rtl",
        "Arabic card: the card screen lays out right to left");
  check(await page.locator("#status h2").innerText() === text("ar", "status_valid"), "Arabic card: Arabic status title");
  await shot("5-arabic-rtl");
  await page.locator('#language-switcher [data-lang="en"]').click();
  lastTouch = Date.now();
  const after = await html();
  check(after.lang === "en" && after.dir === "ltr", "Arabic card: the switcher to English makes it ltr", `${after.lang} ${after.dir}`);
  check(await page.locator("#status h2").innerText() === text("en", "status_valid"), "Arabic card: English status title");
  check(await attr('#language-switcher [data-lang="en"]', "aria-pressed") === "true", "Arabic card: English button pressed");
  await shot("5-arabic-in-english");
});

// ---- 7. idle: back to the welcome screen after --idle seconds without a touch -----------------
if (ar) await step("idle", async () => {
  await page.locator("#welcome").waitFor({ state: "visible", timeout: (idleSeconds + 4) * 1000 });
  const s = (Date.now() - lastTouch) / 1000;
  check(s >= idleSeconds - 0.5 && s <= idleSeconds + 2, `idle: #welcome after ${s.toFixed(1)} s without a touch (--idle ${idleSeconds})`);
  check(await page.locator("#status").count() === 0, "idle: the card screen is gone");
  await page.waitForTimeout(1000);
  check(await visible("#welcome"), "idle: the card still in the reader does not come back by itself");
  await shot("7-idle-welcome");
  await removeAndCheck(ar, "Arabic removal", [env.AR_NAME, env.AR_NATIVE]);
});

check(pageErrors.length === 0, "no errors in the page's console", pageErrors.join(" | "));
await browser.close();
console.log(`timing (insertion to entitlements visible): ${timings.join("; ")}`);
process.exit(Math.min(failures, 100));
