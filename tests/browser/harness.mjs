// The browser tests' harness: starts the real `cairn` binary (SQLite in a temporary directory)
// and vendor simulators over HTTPS, and Debian's Chromium through playwright-core. Every page a
// test opens is watched for console errors and failed requests, which fail the test.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const BUILD = process.env.CAIRN_BUILD_DIR || path.join(ROOT, "build");
export const CAIRN_BIN = process.env.CAIRN_BIN || path.join(BUILD, "cairn");
export const SIM_BIN = process.env.CAIRN_SIM_BIN || path.join(BUILD, "cairn-sim");
export const SCREENSHOTS = process.env.CAIRN_SCREENSHOTS || path.join(BUILD, "screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

// Starts `bin args...` and resolves with {proc, lines} once a line starts with "listening on ".
// `ready`: the output must also match this before the process counts as started.
function startProcess(bin, args, ready = null) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`${bin} did not start: ${out}${err}`)), 20000);
    proc.stderr.on("data", (d) => { err += d; if (err.length > 20000) err = err.slice(-10000); });
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^listening on (\S+)$/m);
      if (m && (!ready || ready.test(out))) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], out: () => out, err: () => err });
      }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`${bin} exited ${code}: ${out}${err}`)); });
  });
}

export class Stack {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "cairn-browser-"));
    this.procs = [];
    this.sims = {};
  }

  // A vendor simulator with a small seeded fleet; its CA is what Cairn trusts.
  async startSim(vendor, extra = []) {
    const s = await startProcess(SIM_BIN, [
      "--vendor", vendor, "--listen", "127.0.0.1:0", "--tls-dir", path.join(this.dir, "tls"), "--seed", "5",
      "--companies", "3", "--contacts-per-company", "2", "--sites-per-company", "1", "--devices-per-company", "3",
      "--control-token", "browser-test", ...extra,
    ]);
    this.procs.push(s.proc);
    this.sims[vendor] = s;
    return s;
  }

  async startCairn() {
    const c = await startProcess(CAIRN_BIN, [
      "serve", "--data-dir", path.join(this.dir, "data"), "--listen", "127.0.0.1:0",
      "--ca-file", path.join(this.dir, "tls", "ca.pem"), "--sync-poll-ms", "100", "--rate-limit", "0",
      "--webhook-allow", "127.0.0.0/8",  // the tests' webhook receiver listens on loopback
    ], /API key: +\S+\n/);  // the first admin's credentials follow the URL
    this.procs.push(c.proc);
    this.cairn = c;
    this.url = c.url;
    this.email = c.out().match(/first admin created: (\S+)/)[1];
    this.password = c.out().match(/password: (\S+)/)[1];
    this.key = c.out().match(/API key: +(\S+)/)[1];
    return c;
  }

  // The API as a script would call it, with the first admin's key.
  async api(method, p, body) {
    const r = await fetch(this.url + p, {
      method,
      headers: { "x-api-key": this.key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = text; }
    if (!r.ok) throw new Error(`${method} ${p} -> ${r.status}: ${text}`);
    return json;
  }

  // The simulator's control API (/_sim/...), over HTTPS with the simulators' throwaway CA.
  simControl(vendor, p, body) {
    const url = new URL(this.sims[vendor].url + p);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method: "POST", ca: readFileSync(path.join(this.dir, "tls", "ca.pem")),
        headers: { "X-Sim-Token": "browser-test", "content-type": "application/json" },
      }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${p} -> ${res.statusCode}: ${text}`))));
      });
      req.on("error", reject);
      req.end(JSON.stringify(body));
    });
  }

  async stop() {
    for (const p of this.procs) p.kill("SIGTERM");
    await Promise.all(this.procs.map((p) => new Promise((r) => (p.exitCode !== null ? r() : p.on("exit", r)))));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

// A page whose console errors, page errors and failed same-site requests are collected; call
// `problems()` to read them. `viewport` defaults to a 1280 px desktop.
export async function watchedPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  // Pages answered with a 4xx on purpose (a refused sign-in is a 401, a form with errors a 422):
  // Chromium logs each as "Failed to load resource"; those, and only as many, are expected.
  let refusedPages = 0;
  page.on("response", (r) => {
    if (r.request().resourceType() === "document" && r.status() >= 400 && r.status() < 500) refusedPages++;
  });
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && refusedPages > 0) {
      refusedPages--;
      return;
    }
    problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A server-sent events stream closed by a reload is not a failure.
    if (!r.url().endsWith("/events")) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.problems = () => problems.slice();
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function signIn(page, stack, email = stack.email, password = stack.password) {
  await page.goto(stack.url + "/login");
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
}
