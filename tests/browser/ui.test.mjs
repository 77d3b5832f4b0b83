// The web UI in a real browser (Debian's Chromium driven by playwright-core) against the real
// server and the Syncro simulator over HTTPS: sign-in, CSRF, lock-out, the integration workflow
// from an empty install to synced devices, a re-sync after a change at the vendor, and roles.
// Screenshots of the main pages go to build/screenshots/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { CAIRN_BIN, Stack, launchBrowser, screenshot, signIn, watchedPage } from "./harness.mjs";

let stack, browser;

before(async () => {
  stack = new Stack();
  await stack.startSim("syncro", ["--rate-limit", "0"]);
  await stack.startSim("connectwise");
  await stack.startSim("halo");
  await stack.startSim("pulseway");
  await stack.startCairn();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

// A user made with `cairn user create` (as an administrator would from the shell).
function createUser(email, role, password) {
  const made = spawnSync(CAIRN_BIN, ["user", "create", "--data-dir", path.join(stack.dir, "data"), "--email", email,
    "--role", role, "--password-stdin"], { input: password + "\n" });
  assert.equal(made.status, 0, made.stderr.toString());
}

// A new user of `role`, signed in on a page of their own.
async function signInAsNew(email, role, password) {
  createUser(email, role, password);
  const page = await watchedPage(browser);
  await signIn(page, stack, email, password);
  return page;
}

// Each of `pages` ([path, screenshot name]) on a 390 px phone, without sideways scrolling.
async function checkOnAPhone(pages) {
  const phone = await watchedPage(browser, { width: 390, height: 844 });
  await signIn(phone, stack);
  for (const [p, name] of pages) {
    await phone.goto(stack.url + p);
    await screenshot(phone, name);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling on a phone at ${p} (overflow ${overflow}px)`);
  }
  assert.deepEqual(phone.problems(), []);
  await phone.context().close();
}

// Starts a run from the integration's page and waits on the run's page (which follows the run
// over server-sent events and reloads when it ends) for its final state.
async function startSyncAndWait(page, label = "Start sync") {
  await Promise.all([page.waitForURL(/\/admin\/sync_runs\/\d+$/), page.click(`button:has-text("${label}")`)]);
  await page.waitForSelector(".run-state .badge-succeeded, .run-state .badge-failed", { timeout: 60000 });
  return page.textContent(".run-state");
}

describe("sign-in", () => {
  test("a wrong password is refused with a message, the right one signs in, sign-out ends the session", async () => {
    const page = await watchedPage(browser);
    await page.goto(stack.url + "/companies");
    assert.match(page.url(), /\/login\?next=%2Fcompanies$/);
    await screenshot(page, "login");
    await signIn(page, stack, stack.email, "not-the-password");
    assert.equal(await page.textContent("#login-error"), "Wrong email or password.");
    assert.equal(await page.inputValue("#f-email"), stack.email);
    // With the keyboard alone: the email field comes first, Enter sends the form.
    await page.goto(stack.url + "/login");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "f-email");
    await page.keyboard.type(stack.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(stack.password);
    await Promise.all([page.waitForURL(/\/companies$/), page.keyboard.press("Enter")]);
    // The first key press on a page offers the skip link.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "__Host-cairn_session");
    assert.ok(session, "a session cookie");
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, "Lax");
    await page.click("#user-menu summary");
    await Promise.all([page.waitForURL(/\/login$/), page.click("button:has-text('Sign out')")]);
    assert.match(await page.textContent(".notice"), /signed out/);
    await page.goto(stack.url + "/admin/integrations");
    assert.match(page.url(), /\/login/, "the old session no longer works");
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });

  test("after sign-in, `next` leads only to a page of this server", async () => {
    for (const next of ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example/x"]) {
      const page = await watchedPage(browser);
      await page.goto(`${stack.url}/login?next=${next}`);
      await page.fill("#f-email", stack.email);
      await page.fill("#f-password", stack.password);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      assert.equal(new URL(page.url()).host, new URL(stack.url).host, next);
      await page.context().close();
    }
  });

  test("a form posted without the session's CSRF token, or from another origin, is refused and changes nothing", async () => {
    const page = await watchedPage(browser);
    await signIn(page, stack);
    const before = await stack.api("GET", "/api/v1/sync_runs");
    const noToken = await page.request.post(stack.url + "/admin/integrations/sync_all", { form: { x: "1" }, maxRedirects: 0 });
    assert.equal(noToken.status(), 403);
    assert.match(await noToken.text(), /CSRF/);
    const html = await (await page.request.get(stack.url + "/admin/integrations")).text();
    const token = html.match(/name="_csrf" value="([0-9a-f]+)"/)[1];
    const otherSite = await page.request.post(stack.url + "/admin/integrations/sync_all", {
      form: { _csrf: token }, headers: { Origin: "https://evil.example" }, maxRedirects: 0,
    });
    assert.equal(otherSite.status(), 403);
    const login = await page.request.post(stack.url + "/login", { form: { email: stack.email, password: stack.password }, maxRedirects: 0 });
    assert.equal(login.status(), 403, "sign-in without the form's token");
    assert.deepEqual((await stack.api("GET", "/api/v1/sync_runs")).sync_runs, before.sync_runs);
    await page.context().close();
  });

  test("repeated failures lock the address out, known or not, and the lock names how long", async () => {
    const page = await watchedPage(browser);
    for (const email of ["nobody@example.com", "Tech@Example.com"]) {
      if (email.startsWith("Tech")) {
        createUser("tech@example.com", "editor", "correct horse battery");
      }
      for (let i = 0; i < 4; i++) {
        await signIn(page, stack, email, "wrong-" + i);
        assert.equal(await page.textContent("#login-error"), "Wrong email or password.");
      }
      await signIn(page, stack, email, "wrong-5");
      assert.match(await page.textContent("#login-error"), /Too many failed sign-ins for this address\. Try again in 15 minutes/);
    }
    // Locked even with the right password, and the lock is per address, whatever its case.
    await signIn(page, stack, "tech@example.com", "correct horse battery");
    assert.match(await page.textContent("#login-error"), /Too many failed sign-ins/);
    await screenshot(page, "login-locked");
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });
});

describe("the Syncro workflow from an empty install", () => {
  test("the layouts records are filed under are made in Admin > Layouts, with errors by field", async () => {
    const page = await watchedPage(browser);
    await signIn(page, stack);
    await screenshot(page, "companies-empty");
    assert.match(await page.textContent(".empty"), /No companies yet/);
    await page.click("summary:has-text('Admin')");
    await page.click("nav >> text=Layouts");
    assert.match(await page.textContent(".empty"), /No layouts yet/);
    // Bad input: a blank name and two fields with one label; nothing saved.
    await page.click("text=New layout");
    await page.fill("#f-fields\\[0\\]\\.label", "Serial Number");
    await page.fill("#f-fields\\[1\\]\\.label", "serial number");
    await page.click("button:has-text('Save layout')");
    assert.match(await page.textContent("#f-name-error"), /^Can't be blank/);
    assert.equal(await page.inputValue("#f-fields\\[1\\]\\.label"), "serial number", "what was typed is kept");
    await page.fill("#f-name", "Computers");
    await page.click("button:has-text('Save layout')");
    assert.match(await page.textContent("#form-errors"), /not saved/);
    assert.match(await page.textContent("main"), /Label has already been taken: serial number/);
    await screenshot(page, "layout-form-errors");
    assert.equal((await stack.api("GET", "/api/v1/asset_layouts")).asset_layouts.length, 0);
    for (const [name, icon, fields] of [["People", "fas fa-user", ["Email", "Phone"]], ["Locations", "fas fa-building", ["Address"]],
                                        ["Computers", "fas fa-laptop", ["Serial Number", "Operating System", "IP Address"]]]) {
      await page.goto(stack.url + "/admin/asset_layouts/new");
      await page.fill("#f-name", name);
      await page.fill("#f-icon", icon);
      for (let i = 0; i < fields.length; i++) await page.fill(`#f-fields\\[${i}\\]\\.label`, fields[i]);
      await Promise.all([page.waitForURL(/\/admin\/asset_layouts$/), page.click("button:has-text('Save layout')")]);
      assert.match(await page.textContent(".notice"), new RegExp(`Layout "${name}" created`));
    }
    assert.equal(await page.locator("#layouts tbody tr").count(), 3);
    // Editing: a fourth field, and the order of another.
    await page.click("#layouts >> text=Computers");
    assert.equal(await page.inputValue("#f-fields\\[2\\]\\.label"), "IP Address");
    await page.fill("#f-fields\\[3\\]\\.label", "Warranty Expires");
    await page.selectOption("select[name='fields[3].field_type']", "Date");
    await Promise.all([page.waitForURL(/\/admin\/asset_layouts$/), page.click("button:has-text('Save layout')")]);
    const computers = (await stack.api("GET", "/api/v1/asset_layouts?name=Computers")).asset_layouts[0];
    assert.deepEqual(computers.fields.map((f) => [f.label, f.field_type]),
      [["Serial Number", "Text"], ["Operating System", "Text"], ["IP Address", "Text"], ["Warranty Expires", "Date"]]);
    await screenshot(page, "layouts");
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });

  test("set up, test, discover, match, sync, see the devices, re-sync after a change at the vendor", async () => {
    const layouts = Object.fromEntries((await stack.api("GET", "/api/v1/asset_layouts")).asset_layouts.map((l) => [l.name, l.id]));
    const people = layouts.People, computers = layouts.Computers;
    const page = await watchedPage(browser);
    await signIn(page, stack);

    await page.click("nav >> text=Integrations");
    await screenshot(page, "integrations-empty");
    await page.click("#vendor-syncro >> text=Set up Syncro");
    const syncro = new URL(stack.sims.syncro.url);

    // A host is checked as soon as it is typed...
    await page.fill("#f-credentials\\.domain", `https://${syncro.host}`);
    await page.press("#f-credentials\\.domain", "Tab");
    await page.waitForSelector("#live-domain .field-error");
    assert.match(await page.textContent("#live-domain"), /^Remove "https:\/\/"/);
    await page.fill("#f-credentials\\.domain", syncro.host);
    await page.press("#f-credentials\\.domain", "Tab");
    await page.waitForFunction(() => document.querySelector("#live-domain").textContent === "");
    // ...as is every other field: a key typed then cleared, an interval out of range, no layout.
    await page.fill("#f-credentials\\.api_key", "x");
    await page.press("#f-credentials\\.api_key", "Tab");
    await page.fill("#f-credentials\\.api_key", "");
    await page.press("#f-credentials\\.api_key", "Tab");
    await page.waitForSelector("#live-api_key .field-error");
    assert.match(await page.textContent("#live-api_key"), /^Can't be blank/);
    await page.fill("#f-interval_minutes", "3");
    await page.press("#f-interval_minutes", "Tab");
    await page.waitForSelector("#live-interval_minutes .field-error");
    assert.match(await page.textContent("#live-interval_minutes"), /from 5 to 10080/);
    await page.selectOption("#f-default_layouts\\.contacts", String(people));
    await page.selectOption("#f-default_layouts\\.contacts", "");
    await page.waitForSelector("#live-default_layouts-contacts .field-error");
    assert.match(await page.textContent("#live-default_layouts-contacts"), /^Can't be blank \(the layout for contacts/);
    await page.fill("#f-interval_minutes", "");
    await page.press("#f-interval_minutes", "Tab");
    await page.waitForFunction(() => document.querySelector("#live-interval_minutes").textContent === "");
    // ...and on save: each error next to its field, nothing saved.
    await page.fill("#f-credentials\\.domain", `https://${syncro.host}/api`);
    await page.fill("#f-credentials\\.api_key", "sim-syncro-api-key");
    await page.fill("#f-interval_minutes", "2");
    await page.click("button:has-text('Save')");
    assert.match(await page.textContent("#form-errors"), /not saved/);
    assert.equal(await page.getAttribute("#f-credentials\\.domain", "aria-invalid"), "true");
    assert.match(await page.textContent("#f-credentials\\.domain-error"), /^Remove "https:\/\/"/);
    assert.match(await page.textContent("#f-interval_minutes-error"), /^Must be a whole number of minutes from 5 to 10080/);
    assert.match(await page.textContent("#f-default_layouts\\.contacts-error"), /^Can't be blank/);
    assert.equal(await page.inputValue("#f-credentials\\.api_key"), "", "a secret is never sent back to the browser");
    await screenshot(page, "integration-form-errors");
    assert.equal((await stack.api("GET", "/api/v1/integrations")).integrations.length, 0);

    await page.fill("#f-credentials\\.domain", syncro.host);
    await page.fill("#f-credentials\\.api_key", "sim-syncro-api-key");
    await page.fill("#f-interval_minutes", "180");
    await page.selectOption("#f-default_layouts\\.contacts", String(people));
    await page.selectOption("#f-default_layouts\\.assets", String(computers));
    await Promise.all([page.waitForURL(/\/admin\/integrations\/\d+$/), page.click("button:has-text('Save')")]);
    assert.match(await page.textContent(".notice"), /Saved/);

    await page.click("#test-connection");
    await page.waitForSelector("#test-result .test-ok");
    assert.match(await page.textContent("#test-result"), /Connection successful/);
    await screenshot(page, "integration");

    // The first run discovers companies only.
    assert.match(await startSyncAndWait(page), /succeeded/);
    await screenshot(page, "run-discovery");
    await page.click("nav[aria-label=breadcrumb] li:nth-child(2) a");
    assert.match(await page.textContent("main"), /3<\/strong>|3 vendor companies|\b3\b/);
    await page.click("text=Match companies");
    assert.equal(await page.locator("#matchers tbody tr").count(), 3);
    await screenshot(page, "match-companies");
    // One by hand, the rest in bulk.
    await page.click("#matchers tbody tr:first-child button:has-text('Create company')");
    assert.match(await page.textContent(".notice"), /Company created and matched/);
    assert.equal(await page.locator("#matchers tbody tr").count(), 2);
    page.once("dialog", (d) => d.accept());
    await page.click("button:has-text('Create all unmatched')");
    assert.match(await page.textContent(".notice"), /2 created/);
    assert.match(await page.textContent(".empty"), /Every vendor company is matched/);

    // A preview first: the report of what would be created, and nothing written.
    await page.click("nav[aria-label=breadcrumb] li:nth-child(2) a");
    assert.match(await page.textContent("#preview-hint"), /Preview/);
    await Promise.all([page.waitForURL(/\/admin\/sync_runs\/\d+$/), page.click("button:has-text('Preview (dry run)')")]);
    await page.waitForSelector(".run-state .badge-succeeded", { timeout: 60000 });
    assert.match(await page.textContent(".run-state"), /dry run/);
    assert.match(await page.textContent("main"), /What a real run would change/);
    assert.equal(await page.locator("td[data-kind=assets][data-action=created]").textContent(), "9");
    assert.equal((await stack.api("GET", "/api/v1/assets")).assets.length, 0, "a preview writes nothing");
    await screenshot(page, "run-preview");

    // The import, followed live.
    await page.click("nav[aria-label=breadcrumb] li:nth-child(2) a");
    await Promise.all([page.waitForURL(/\/admin\/sync_runs\/\d+$/), page.click("button:has-text('Start sync')")]);
    await page.waitForSelector(".run-state .badge-succeeded", { timeout: 60000 });
    await screenshot(page, "run-report");
    const reportPath = new URL(page.url()).pathname;
    const created = await page.locator("td[data-kind=assets][data-action=created]").textContent();
    assert.equal(created, "9", "3 companies x 3 devices");
    assert.ok((await page.locator("#changes tbody tr").count()) > 0, "the report lists the changes");

    // The devices, on their company's page and their own.
    await page.click("nav >> text=Companies");
    assert.equal(await page.locator("#companies tbody tr").count(), 3);
    // Sorted by name, and the other way on a second click.
    const names = await page.locator("#companies tbody tr td:first-child").allTextContents();
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));
    await page.click("#companies th >> text=Name");
    assert.deepEqual(await page.locator("#companies tbody tr td:first-child").allTextContents(), [...names].reverse());
    await screenshot(page, "companies");
    await page.click("#companies tbody tr:first-child a");
    await page.waitForSelector(".layout-group");
    assert.match(await page.textContent("main"), /Computers/);
    await screenshot(page, "company");
    await page.click(".layout-group:has-text('Computers') tbody tr:first-child a");
    assert.match(await page.textContent(".cards"), /Syncro/);
    assert.match(await page.getAttribute(".cards a.vendor-link", "href"), new RegExp(`^https://${syncro.host.replace(/\./g, "\\.")}/customer_assets/\\d+$`));
    await screenshot(page, "asset");

    // A change at the vendor arrives with the next run, field by field in its report.
    await stack.simControl("syncro", "/_sim/mutate", { kind: "assets", action: "rename", count: 1 });
    await page.goto(stack.url + "/admin/integrations");
    await page.click("#vendor-syncro a:has-text('Syncro')");
    assert.match(await startSyncAndWait(page), /succeeded/);
    assert.equal(await page.locator("td[data-kind=assets][data-action=updated]").textContent(), "1");
    assert.match(await page.textContent("#changes"), /name/);

    // Search finds what was synced.
    await page.fill("input[name=q]", (await stack.api("GET", "/api/v1/companies")).companies[0].name.split(" ")[0]);
    await page.press("input[name=q]", "Enter");
    assert.ok((await page.locator(".results li").count()) > 0);
    await screenshot(page, "search");
    assert.deepEqual(page.problems(), []);

    // On a phone the same pages lay out in one column and stay usable.
    await checkOnAPhone([["/admin/integrations", "integrations-phone"], ["/companies", "companies-phone"], [reportPath, "run-phone"]]);
    await page.context().close();
  });

  // The other three vendors, each from its setup form to synced devices on a company's page.
  for (const v of [
    { slug: "cw_manage", sim: "connectwise", card: "ConnectWise PSA", devices: "configurations", match: "bulk",
      creds: (host) => ({ site: host, company: "cairnsim", public_key: "sim-cw-public", private_key: "sim-cw-private", client_id: "sim-cw-client-id" }),
      layouts: { contacts: "People", locations: "Locations", configurations: "Computers" } },
    { slug: "halo", sim: "halo", card: "HaloPSA", devices: "assets", match: "suggestion",
      creds: (host) => ({ resource_server: `https://${host}/api`, tenant: "cairn-sim", client_id: "sim-halo-client-id", client_secret: "sim-halo-client-secret" }),
      layouts: { users: "People", sites: "Locations", assets: "Computers" } },
    { slug: "pulseway_rmm", sim: "pulseway", card: "Pulseway RMM", devices: "systems", match: "by name",
      creds: (host) => ({ server: host, token_id: "sim-pulseway-token-id", token_secret: "sim-pulseway-token-secret" }),
      layouts: { systems: "Computers" } },
  ]) {
    test(`${v.card}: set up, test, discover, match to the companies already here, sync`, async () => {
      const layouts = Object.fromEntries((await stack.api("GET", "/api/v1/asset_layouts")).asset_layouts.map((l) => [l.name, l.id]));
      const page = await watchedPage(browser);
      await signIn(page, stack);
      await page.goto(stack.url + "/admin/integrations");
      await page.click(`#vendor-${v.slug} >> text=Set up`);
      const host = new URL(stack.sims[v.sim].url).host;
      for (const [k, value] of Object.entries(v.creds(host))) await page.fill(`#f-credentials\\.${k}`, value);
      for (const [kind, layout] of Object.entries(v.layouts)) await page.selectOption(`#f-default_layouts\\.${kind}`, String(layouts[layout]));
      await Promise.all([page.waitForURL(/\/admin\/integrations\/\d+$/), page.click("button:has-text('Save')")]);
      await page.click("#test-connection");
      await page.waitForSelector("#test-result .test-ok");
      assert.match(await startSyncAndWait(page), /succeeded/);
      await page.click("nav[aria-label=breadcrumb] li:nth-child(2) a");
      // The same three companies are already here (from Syncro): matched, not made again, each
      // vendor a different way.
      await page.click("text=Match companies");
      assert.equal(await page.locator("#matchers tbody tr").count(), 3);
      const first = page.locator("#matchers tbody tr").first();
      const vendorName = (await first.locator("td").first().textContent()).replace(/\s+\d+$/, "").trim();
      if (v.match === "suggestion") {
        assert.match(await first.textContent(), new RegExp(`Suggested: ${vendorName} \\(100%\\)`));
        await first.locator("button:has-text('Match to suggestion')").click();
        assert.match(await page.textContent(".notice"), /^Matched\./);
      } else if (v.match === "by name") {
        await first.locator("input[name=company]").fill(vendorName);
        await first.locator("button:has-text('Match')").first().click();
        assert.match(await page.textContent(".notice"), /^Matched\./);
      }
      if (v.match !== "create") {
        await page.click("button:has-text('Match all suggestions')");
        assert.match(await page.textContent(".notice"), /matched/);
      }
      assert.match(await page.textContent(".empty"), /Every vendor company is matched/);
      assert.equal((await stack.api("GET", "/api/v1/companies")).companies.length, 3, "no company made twice");
      await page.click("nav[aria-label=breadcrumb] li:nth-child(2) a");
      assert.match(await startSyncAndWait(page), /succeeded/);
      const created = Number(await page.locator(`td[data-kind=${v.devices}][data-action=created]`).textContent());
      assert.ok(created > 0, `${v.devices} created: ${created}`);
      await screenshot(page, `run-${v.sim}`);
      assert.deepEqual(page.problems(), []);
      await page.context().close();
    });
  }

  test("a running sync's page follows it live over server-sent events, then shows its report", async () => {
    const cw = (await stack.api("GET", "/api/v1/integrations?slug=cw_manage")).integrations[0];
    await stack.simControl("connectwise", "/_sim/faults", { latency_ms: 250 });
    try {
      const page = await watchedPage(browser);
      await signIn(page, stack);
      await page.goto(`${stack.url}/admin/integrations/${cw.id}`);
      page.once("dialog", (d) => d.accept());
      await Promise.all([page.waitForURL(/\/admin\/sync_runs\/\d+$/), page.click("button:has-text('Full re-sync')")]);
      assert.ok(await page.locator(".run-state .badge-running, .run-state .badge-queued").count() > 0, "the run is under way");
      // Counts replaced in place by a progress event while the run is still running.
      await page.waitForSelector("#run-status[data-live=updated] .badge-running", { timeout: 30000 });
      await screenshot(page, "run-live");
      await page.waitForSelector(".run-state .badge-succeeded", { timeout: 60000 });
      assert.equal(await page.locator("button:has-text('Stop this run')").count(), 0);
      assert.deepEqual(page.problems(), []);
      await page.context().close();
    } finally {
      await stack.simControl("connectwise", "/_sim/faults", { latency_ms: 0 });
    }
  });

  test("a sort rule sends a vendor type to a layout made on the spot", async () => {
    const cw = (await stack.api("GET", "/api/v1/integrations?slug=cw_manage")).integrations[0];
    const types = (await stack.api("GET", `/api/v1/integrations/${cw.id}/vendor_types`)).vendor_types.configurations;
    assert.ok(types.length > 0, "the sync has seen configuration types");
    const page = await watchedPage(browser);
    await signIn(page, stack);
    await page.goto(`${stack.url}/admin/integrations/${cw.id}`);
    await Promise.all([page.waitForURL(/sort_rules$/), page.click("a:has-text('Sort rules and connected fields')")]);
    assert.match(await page.textContent("main"), /No sort rules/);
    // No layout chosen and none named: refused next to the field.
    await page.selectOption("#f-kind", "configurations");
    await page.fill("#f-vendor_type", types[0]);
    await page.click("button:has-text('Add sort rule')");
    assert.match(await page.textContent("main"), /asset layout id/);
    await page.fill("#f-new_layout", "Firewalls");
    await page.selectOption("#f-kind", "configurations");
    await page.fill("#f-vendor_type", types[0]);
    await Promise.all([page.waitForURL(/sort_rules$/), page.click("button:has-text('Add sort rule')")]);
    assert.match(await page.textContent(".notice"), /with the new layout "Firewalls"/);
    assert.match(await page.textContent("#sort-rules"), new RegExp(`${types[0]}[\\s\\S]*Firewalls`));
    await screenshot(page, "sort-rules");
    const rules = (await stack.api("GET", `/api/v1/integrations/${cw.id}/sort_rules`)).sort_rules;
    assert.equal(rules.length, 1);
    assert.equal(rules[0].vendor_type, types[0]);
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });
});

describe("documentation", () => {
  test("passwords are revealed on request and each reveal is logged; articles are written with the editor and shown safe", async () => {
    const company = (await stack.api("POST", "/api/v1/companies", { company: { name: "Docs & Co" } })).company;
    const page = await watchedPage(browser);
    await signIn(page, stack);
    await page.goto(`${stack.url}/companies/${company.id}`);
    await page.click("nav.tabs >> text=Passwords");
    assert.match(await page.textContent(".empty"), /No passwords for Docs & Co/);
    await page.click("text=New password");
    await page.fill("#f-password", "Correct-Horse-9");
    await page.click("button:has-text('Save password')");
    assert.match(await page.textContent("#f-name-error"), /^Can't be blank/);
    await page.fill("#f-name", "Firewall admin");
    await page.fill("#f-username", "root");
    await page.fill("#f-password", "Correct-Horse-9");
    await Promise.all([page.waitForURL(/\/passwords$/), page.click("button:has-text('Save password')")]);
    assert.doesNotMatch(await page.content(), /Correct-Horse-9/, "the value is not in the page until asked for");
    await page.click("#passwords button:has-text('Reveal')");
    await page.waitForSelector("#passwords code.secret");
    assert.equal(await page.textContent("#passwords code.secret"), "Correct-Horse-9");
    await screenshot(page, "passwords");
    const log = await stack.api("GET", "/api/v1/activity_logs?record_type=AssetPassword&action_message=viewed%20password");
    assert.ok(log.some((l) => l.record_name === "Firewall admin" && l.user_email === stack.email && l.app_type === "web"), JSON.stringify(log));
    // Edited without retyping the secret: it stays; then archived, it leaves the list.
    await page.click("#passwords a:has-text('Edit')");
    assert.equal(await page.inputValue("#f-name"), "Firewall admin");
    assert.equal(await page.inputValue("#f-password"), "");
    await page.fill("#f-username", "admin");
    await Promise.all([page.waitForURL(/\/passwords$/), page.click("button:has-text('Save password')")]);
    assert.match(await page.textContent("#passwords"), /Firewall admin\s*admin/);
    await page.click("#passwords button:has-text('Reveal')");
    await page.waitForSelector("#passwords code.secret");
    assert.equal(await page.textContent("#passwords code.secret"), "Correct-Horse-9");
    await page.click("#passwords a:has-text('Edit')");
    page.once("dialog", (d) => d.accept());
    await Promise.all([page.waitForURL(/\/passwords$/), page.click("button:has-text('Archive this password')")]);
    assert.match(await page.textContent(".empty"), /No passwords for Docs & Co/);

    // An article: a folder, then the editor's formatting.
    await page.click("nav.tabs >> text=Articles");
    await page.click("text=New folder");
    await page.fill("#f-name", "Network");
    await Promise.all([page.waitForURL(/\/articles$/), page.click("button:has-text('Create folder')")]);
    await page.click("text=New article");
    await page.fill("#f-name", "VPN access");
    await page.selectOption("#f-folder_id", { label: "Network" });
    await page.click(".editor");
    await page.keyboard.type("Connect with ");
    await page.click(".editor-toolbar >> text=Bold");
    await page.keyboard.type("FortiClient");
    await page.click(".editor-toolbar >> text=Bold");
    await page.keyboard.type(" first.");
    await screenshot(page, "article-editor");
    await Promise.all([page.waitForURL(/\/articles\/\d+$/), page.click("button:has-text('Save article')")]);
    assert.equal(await page.textContent("#article-body b, #article-body strong"), "FortiClient");
    assert.match(await page.textContent("#article-body"), /Connect\swith\sFortiClient\sfirst\./);  // \\s: the editor may type non-breaking spaces
    await screenshot(page, "article");
    await page.goto(`${stack.url}/companies/${company.id}/articles`);
    assert.match(await page.textContent("main"), /Network[\s\S]*VPN access/);
    await page.click("nav >> text=Articles");
    assert.match(await page.textContent("main"), /Companies' own[\s\S]*VPN access[\s\S]*Docs & Co/);
    await screenshot(page, "knowledge-base");

    // Content written through the API is shown without anything that could run.
    const evil = (await stack.api("POST", "/api/v1/articles", { article: { name: "Imported", company_id: company.id,
      content: '<p>Hello</p><script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2"><a href="javascript:window.pwned=3">click</a>' } })).article;
    await page.goto(`${stack.url}/articles/${evil.id}`);
    assert.equal(await page.textContent("#article-body p"), "Hello");
    assert.equal(await page.locator("#article-body script").count(), 0);
    assert.equal(await page.getAttribute("#article-body img", "onerror"), null);
    assert.equal(await page.getAttribute("#article-body a", "href"), null);
    await page.click("#article-body a");
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });
  test("a company is created, edited and archived; an article without a title is refused", async () => {
    const page = await watchedPage(browser);
    await signIn(page, stack);
    await page.click("text=New company");
    await page.fill("#f-city", "Leeds");
    await page.click("button:has-text('Save company')");
    assert.match(await page.textContent("#f-name-error"), /^Can't be blank/);
    assert.equal(await page.inputValue("#f-city"), "Leeds", "what was typed is kept");
    await page.fill("#f-name", "Umbrella Corp");
    await Promise.all([page.waitForURL(/\/companies\/\d+$/), page.click("button:has-text('Save company')")]);
    assert.match(await page.textContent(".notice"), /Umbrella Corp" created/);
    await page.click("a:has-text('Edit')");
    await page.fill("#f-phone_number", "+44 113 496 0000");
    await Promise.all([page.waitForURL(/\/companies\/\d+$/), page.click("button:has-text('Save company')")]);
    assert.match(await page.textContent(".details"), /\+44 113 496 0000/);
    const id = page.url().split("/").pop();
    const log = await stack.api("GET", `/api/v1/activity_logs?resource_type=Company&resource_id=${id}`);
    assert.ok(log.some((l) => l.action === "updated" && l.app_type === "web"), JSON.stringify(log));
    page.once("dialog", (d) => d.accept());
    await page.click("button:has-text('Archive')");
    assert.match(await page.textContent("h1"), /archived/);
    await page.goto(stack.url + "/companies?search=Umbrella");
    assert.match(await page.textContent(".empty"), /No company matches/);

    await page.goto(stack.url + "/articles/new");
    await page.click(".editor");
    await page.keyboard.type("Body without a title");
    await page.click("button:has-text('Save article')");
    assert.match(await page.textContent("#f-name-error"), /^Can't be blank/);
    assert.match(await page.textContent(".editor"), /Body without a title/, "the body is kept");
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });

  test("an asset is made by hand from its layout's typed fields, shown by type, edited, archived and unarchived", async () => {
    const layout = (await stack.api("POST", "/api/v1/asset_layouts", { asset_layout: { name: "Perimeter gear", icon: "fas fa-shield", fields: [
      { label: "Owner", field_type: "Text", required: true },
      { label: "Management URL", field_type: "Website" },
      { label: "Admin Password", field_type: "Password" },
      { label: "Installed", field_type: "Date" },
      { label: "Monitored", field_type: "CheckBox" },
      { label: "Site address", field_type: "AddressData" },
      { label: "Behind", field_type: "AssetTag" },
      { label: "Notes", field_type: "RichText" },
    ] } })).asset_layout;
    const company = (await stack.api("POST", "/api/v1/companies", { company: { name: "Acme Networks" } })).company;
    const core = (await stack.api("POST", `/api/v1/companies/${company.id}/assets`,
      { asset: { name: "core-switch", asset_layout_id: layout.id, custom_fields: [{ owner: "NetOps" }] } })).asset;
    const page = await watchedPage(browser);
    await signIn(page, stack);

    // The layout gains a number with a range and a dropdown with choices and a hint, in the UI;
    // a range that is not a number is refused on its row.
    await page.goto(stack.url + `/admin/asset_layouts/${layout.id}/edit`);
    await page.fill("#f-fields\\[8\\]\\.label", "Ports");
    await page.selectOption("select[name='fields[8].field_type']", "Number");
    await page.click("text=Field 9 details");
    await page.fill("input[name='fields[8].min']", "one");
    await page.fill("input[name='fields[8].max']", "65535");
    await page.fill("#f-fields\\[9\\]\\.label", "Role");
    await page.selectOption("select[name='fields[9].field_type']", "Dropdown");
    await page.click("text=Field 10 details");
    await page.fill("input[name='fields[9].hint']", "Where it sits in the network.");
    await page.fill("textarea[name='fields[9].options']", "Edge\n  Core  \n\nBranch, small office");
    await page.click("button:has-text('Save layout')");
    assert.match(await page.textContent("#form-errors"), /not saved/);
    assert.match(await page.textContent("details.field-more[open]"), /min/i);
    await page.fill("input[name='fields[8].min']", "1");
    await Promise.all([page.waitForURL(/\/admin\/asset_layouts$/), page.click("button:has-text('Save layout')")]);
    const fields = Object.fromEntries((await stack.api("GET", `/api/v1/asset_layouts/${layout.id}`)).asset_layout.fields.map((f) => [f.label, f]));
    assert.equal(fields.Ports.min, 1);
    assert.equal(fields.Ports.max, 65535);
    assert.equal(fields.Role.options, "Edge\nCore\nBranch, small office");
    assert.equal(fields.Role.hint, "Where it sits in the network.");

    // New asset: choose the layout, then the form generated from its fields. Bad input first.
    await page.goto(stack.url + `/companies/${company.id}`);
    await page.click("a:has-text('New asset')");
    await page.click("a:has-text('Perimeter gear')");
    assert.match(await page.textContent("h1"), /New Perimeter gear/);
    assert.deepEqual(await page.locator("#f-cf\\[" + fields.Role.id + "\\] option").allTextContents(),
      ["(none)", "Edge", "Core", "Branch, small office"]);
    assert.match(await page.textContent("main"), /Where it sits in the network\./);
    assert.match(await page.textContent("main"), /From 1 to 65535\./);
    const cf = (label) => `#f-cf\\[${fields[label].id}\\]`;
    await page.fill(cf("Ports"), "70000");
    await page.fill(cf("Management URL"), "https://fw.acme.example");
    await page.click("button:has-text('Create asset')");
    assert.match(await page.textContent("#form-errors"), /not saved/);
    assert.match(await page.textContent("#f-name-error"), /^Can't be blank/);
    assert.match(await page.textContent(cf("Owner") + "-error"), /^Can't be blank/);
    assert.match(await page.textContent(cf("Ports") + "-error"), /^Must be at most 65535/);
    assert.equal(await page.inputValue(cf("Management URL")), "https://fw.acme.example", "what was typed is kept");
    assert.equal((await stack.api("GET", `/api/v1/companies/${company.id}/assets`)).assets.length, 1, "nothing was made");

    await page.fill("#f-name", "fw-edge-1");
    await page.fill("#f-primary_serial", "FGT60F0000001");
    await page.fill(cf("Owner"), "NetOps");
    await page.fill(cf("Ports"), "443");
    await page.selectOption(cf("Role"), "Edge");
    await page.fill(cf("Admin Password"), "s3cret!pass");
    await page.fill(cf("Installed"), "2026-01-15");
    await page.check(cf("Monitored"));
    await page.fill(`#f-cf\\[${fields["Site address"].id}\\]\\.city`, "Leeds");
    await page.fill(`#f-cf\\[${fields["Site address"].id}\\]\\.zip`, "LS1 4AP");
    await page.selectOption(cf("Behind"), [String(core.id)]);
    await page.fill(cf("Notes"), "<b>Edge</b> firewall<script>window.bad=1</script>");
    await screenshot(page, "asset-form");
    await Promise.all([page.waitForURL(/\/assets\/\d+$/), page.click("button:has-text('Create asset')")]);
    assert.match(await page.textContent(".notice"), /fw-edge-1" created/);
    const id = page.url().split("/").pop();

    // Shown by type: a link, Yes, the address lines, the tagged asset's name, rich text made safe,
    // the confidential value only on request.
    const details = await page.textContent(".details");
    for (const s of ["FGT60F0000001", "NetOps", "443", "Edge", "2026-01-15", "Yes", "Leeds", "LS1 4AP", "core-switch"])
      assert.ok(details.includes(s), `${s} in ${details}`);
    assert.equal(await page.getAttribute("dd a[href^='https://fw.acme']", "target"), "_blank");
    assert.equal(await page.getAttribute("dd a:has-text('core-switch')", "href"), `/assets/${core.id}`);
    assert.equal(await page.locator("dd .rich b").textContent(), "Edge");
    assert.equal(await page.locator("dd .rich script").count(), 0);
    assert.equal(await page.evaluate(() => window.bad), undefined);
    assert.ok(!(await page.content()).includes("s3cret!pass"), "the confidential value is not in the page");
    await page.click("button.reveal");
    await page.waitForSelector("code.secret");
    assert.equal(await page.textContent("code.secret"), "s3cret!pass");
    const reveals = await stack.api("GET", `/api/v1/activity_logs?resource_type=Asset&resource_id=${id}`);
    assert.ok(reveals.some((l) => l.action === "viewed confidential field" && l.app_type === "web"), JSON.stringify(reveals));
    await screenshot(page, "asset-page");
    const stored = (await stack.api("GET", `/api/v1/assets?id=${id}`)).assets[0];
    const value = (label) => stored.fields.find((f) => f.label === label).value;
    assert.equal(value("Monitored"), "true");
    assert.equal(value("Behind"), `[${core.id}]`);
    assert.deepEqual(JSON.parse(value("Site address")), { address_line_1: "", address_line_2: "", city: "Leeds", state: "", zip: "LS1 4AP", country_name: "" });

    // Edit: the secret is never put in the page and is kept when left blank; a box unticked is false;
    // a tag of an asset archived meanwhile (no longer offered in the list) is kept.
    await stack.api("PUT", `/api/v1/companies/${company.id}/assets/${core.id}/archive`, {});
    await page.click("a:has-text('Edit')");
    assert.ok(!(await page.content()).includes("s3cret!pass"), "the secret is not sent to the browser");
    assert.match(await page.textContent("main"), /Leave blank to keep the current value/);
    assert.equal(await page.inputValue(cf("Ports")), "443");
    await page.selectOption(cf("Role"), "Core");
    await page.uncheck(cf("Monitored"));
    await Promise.all([page.waitForURL(/\/assets\/\d+$/), page.click("button:has-text('Save asset')")]);
    const after = (await stack.api("GET", `/api/v1/assets?id=${id}`)).assets[0];
    const now = (label) => after.fields.find((f) => f.label === label).value;
    assert.equal(now("Role"), "Core");
    assert.equal(now("Monitored"), "false");
    assert.equal(now("Admin Password"), "s3cret!pass");
    assert.equal(now("Owner"), "NetOps");
    assert.equal(now("Behind"), `[${core.id}]`);
    await stack.api("PUT", `/api/v1/companies/${company.id}/assets/${core.id}/unarchive`, {});
    const log = await stack.api("GET", `/api/v1/activity_logs?resource_type=Asset&resource_id=${id}`);
    assert.ok(log.some((l) => l.action === "updated" && l.app_type === "web"), JSON.stringify(log));

    // Archive: gone from the company's list, listed under its archived assets, then back.
    page.once("dialog", (d) => d.accept());
    await page.click("button:has-text('Archive')");
    assert.match(await page.textContent("h1"), /archived/);
    await page.goto(stack.url + `/companies/${company.id}`);
    assert.ok(!(await page.textContent("main")).includes("fw-edge-1"));
    await page.click("a:has-text('Show archived assets')");
    await page.click("a:has-text('fw-edge-1')");
    await page.click("button:has-text('Unarchive')");
    assert.doesNotMatch(await page.textContent("h1"), /archived/);
    await page.goto(stack.url + `/companies/${company.id}`);
    assert.ok((await page.textContent("main")).includes("fw-edge-1"));

    // The company's tables sort by a click (or Enter) on a column's header, then the other way.
    const names = () => page.locator(".layout-group table tbody tr td:first-child").allTextContents();
    const nameHeader = page.locator(".layout-group th button.sort", { hasText: "Name" });
    await nameHeader.click();
    assert.deepEqual(await names(), ["core-switch", "fw-edge-1"]);
    assert.equal(await page.getAttribute(".layout-group th:first-child", "aria-sort"), "ascending");
    await nameHeader.focus();
    await page.keyboard.press("Enter");
    assert.deepEqual(await names(), ["fw-edge-1", "core-switch"]);
    assert.equal(await page.getAttribute(".layout-group th:first-child", "aria-sort"), "descending");
    await page.locator(".layout-group th button.sort", { hasText: "Serial" }).click();
    assert.deepEqual(await names(), ["core-switch", "fw-edge-1"], "an empty serial sorts first");

    // On a phone: the asset's page, its form and the company's page without sideways scrolling.
    await checkOnAPhone([[`/assets/${id}`, "asset-phone"], [`/assets/${id}/edit`, "asset-form-phone"],
                         [`/companies/${company.id}`, "company-phone"]]);
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });

  test("folders nest, are renamed and moved (never into themselves), and a deleted one hands its articles up", async () => {
    const company = (await stack.api("POST", "/api/v1/companies", { company: { name: "Folders Ltd" } })).company;
    const page = await watchedPage(browser);
    await signIn(page, stack);
    const articles = stack.url + `/companies/${company.id}/articles`;
    for (const [name, inside] of [["Network", null], ["VPN", "Network"], ["Site B", "Network / VPN"]]) {
      await page.goto(articles);
      await page.click("text=New folder");
      await page.fill("#f-name", name);
      if (inside) await page.selectOption("#f-parent_folder_id", { label: inside });
      await Promise.all([page.waitForURL(/\/articles$/), page.click("button:has-text('Create folder')")]);
    }
    const folders = Object.fromEntries((await stack.api("GET", `/api/v1/folders?company_id=${company.id}`)).folders.map((f) => [f.name, f]));
    const article = (await stack.api("POST", "/api/v1/articles", { article: { name: "Site B tunnel", company_id: company.id,
      folder_id: folders["Site B"].id, content: "<p>PSK in the password vault.</p>" } })).article;
    await page.goto(articles);
    await page.click("summary:has-text('Folders (3)')");
    assert.deepEqual(await page.locator("details.folders li").allTextContents(),
      ["Network Edit", "Network / VPN Edit", "Network / VPN / Site B Edit"]);
    assert.match(await page.textContent("main"), /Network \/ VPN \/ Site B[\s\S]*Site B tunnel/, "articles are grouped under their folder's path");

    // Renamed, then a move of Network into its own sub-folder is refused and changes nothing.
    await page.click("a[aria-label='Edit folder Network / VPN']");
    await page.fill("#f-name", "Remote access");
    await Promise.all([page.waitForURL(/\/articles$/), page.click("button:has-text('Save folder')")]);
    await page.click("summary:has-text('Folders (3)')");
    await page.click("a[aria-label='Edit folder Network']");
    const choices = await page.locator("#f-parent_folder_id option").allTextContents();
    assert.deepEqual(choices, ["None: at the top"], "a folder is not offered its own sub-folders");
    // (a form sent anyway is refused by the API, under the field)
    await page.evaluate((id) => {
      const o = document.createElement("option");
      o.value = String(id);
      o.textContent = "forged";
      document.querySelector("#f-parent_folder_id").append(o);
      document.querySelector("#f-parent_folder_id").value = String(id);
    }, folders["Site B"].id);
    await page.click("button:has-text('Save folder')");
    assert.match(await page.textContent("#f-parent_folder_id-error"), /own sub-folder/);
    assert.equal((await stack.api("GET", `/api/v1/folders/${folders.Network.id}`)).folder.parent_folder_id, null);

    // Site B moved to the top, then Remote access deleted: nothing is lost.
    await page.goto(stack.url + `/folders/${folders["Site B"].id}/edit`);
    await page.selectOption("#f-parent_folder_id", { label: "None: at the top" });
    await Promise.all([page.waitForURL(/\/articles$/), page.click("button:has-text('Save folder')")]);
    await page.goto(stack.url + `/folders/${folders.VPN.id}/edit`);
    page.once("dialog", (d) => d.accept());
    await Promise.all([page.waitForURL(/\/articles$/), page.click("button:has-text('Delete folder')")]);
    assert.match(await page.textContent(".notice"), /"Remote access" deleted/);
    await page.click("summary:has-text('Folders (2)')");
    assert.deepEqual(await page.locator("details.folders li").allTextContents(), ["Network Edit", "Site B Edit"]);
    assert.equal((await stack.api("GET", `/api/v1/articles/${article.id}`)).article.folder_id, folders["Site B"].id);
    await screenshot(page, "folders");
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });
});

describe("admin", () => {
  test("users, API keys shown once, and the activity log with filters", async () => {
    const page = await watchedPage(browser);
    await signIn(page, stack);
    await page.click("summary:has-text('Admin')");
    await page.click("nav >> text=Users");
    await page.click("text=New user");
    await page.fill("#f-email", "not an email");
    await page.fill("#f-password", "short");
    await page.click("button:has-text('Save user')");
    assert.match(await page.textContent("#f-email-error"), /^Must be an email address/);
    assert.match(await page.textContent("#f-password-error"), /^Is too short \(at least 12 characters\)/);
    assert.equal(await page.inputValue("#f-password"), "", "a password is never sent back");
    await screenshot(page, "user-form-errors");
    await page.fill("#f-email", "dana@example.com");
    await page.fill("#f-first_name", "Dana");
    await page.selectOption("#f-security_level", "admin");
    await page.fill("#f-password", "dana's long password");
    await Promise.all([page.waitForURL(/\/admin\/users$/), page.click("button:has-text('Save user')")]);
    assert.match(await page.textContent(".notice"), /dana@example.com created/);
    assert.match(await page.textContent("#users"), /dana@example.com[\s\S]*Admin/);

    // A new password signs Dana out everywhere.
    const danaPage = await watchedPage(browser);
    await signIn(danaPage, stack, "dana@example.com", "dana's long password");
    assert.match(danaPage.url(), /\/companies$/);
    await page.click("#users >> text=dana@example.com");
    await page.fill("#f-password", "a brand new password");
    await Promise.all([page.waitForURL(/\/admin\/users$/), page.click("button:has-text('Save user')")]);
    await danaPage.goto(stack.url + "/companies");
    assert.match(danaPage.url(), /\/login/, "the old session ended with the old password");
    await danaPage.context().close();

    // A key for Dana, shown once, that works until it is revoked.
    await page.goto(stack.url + "/admin/api_keys/new");
    await page.fill("#f-name", "Onboarding script");
    const dana = (await stack.api("GET", "/api/v1/users?email=dana@example.com")).users[0];
    await page.selectOption("#f-user_id", String(dana.id));
    await page.fill("#f-allow_ips", "not-an-address");
    await page.click("button:has-text('Create key')");
    assert.match(await page.textContent("#f-allow_ips-error"), /is not an address or CIDR/);
    await page.fill("#f-allow_ips", "127.0.0.0/8");
    await page.click("button:has-text('Create key')");
    const key = (await page.textContent("#new-key")).trim();
    assert.match(key, /^cairn_/);
    await screenshot(page, "api-key-shown-once");
    const works = await fetch(stack.url + "/api/v1/companies", { headers: { "x-api-key": key } });
    assert.equal(works.status, 200);
    await page.click("text=Done");
    assert.doesNotMatch(await page.textContent("main"), new RegExp(key), "the list never shows the key");
    assert.match(await page.textContent("#api-keys"), new RegExp(key.slice(0, 10)));
    page.once("dialog", (d) => d.accept());
    await page.click("#api-keys tr:has-text('Onboarding script') button:has-text('Revoke')");
    assert.match(await page.textContent(".notice"), /revoked/);
    let status = 200;
    for (let i = 0; i < 40 && status !== 401; i++) {
      status = (await fetch(stack.url + "/api/v1/companies", { headers: { "x-api-key": key } })).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 401, "a revoked key stops working");

    // The activity log names who did it, from the web.
    await page.goto(stack.url + "/admin/activity");
    await page.selectOption("select[name=record_type]", "ApiKey");
    await page.click("button:has-text('Filter')");
    const rows = await page.locator("#activity tbody tr").allTextContents();
    assert.ok(rows.some((r) => /revoked/.test(r) && /Onboarding script/.test(r) && /web/.test(r)), rows.join("\n"));
    assert.ok(rows.some((r) => /created/.test(r) && /Onboarding script/.test(r)), rows.join("\n"));
    await screenshot(page, "activity-log");
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });
  test("a webhook: its secret shown once, a signed test, and a change delivered and listed", async () => {
    const received = [];
    const receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => { received.push({ headers: req.headers, body }); res.end("ok"); });
    });
    await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
    const target = `http://127.0.0.1:${receiver.address().port}/hook`;
    try {
      const page = await watchedPage(browser);
      await signIn(page, stack);
      await page.goto(stack.url + "/admin/webhooks");
      assert.match(await page.textContent(".empty"), /No webhooks yet/);
      await page.click("text=New webhook");
      await page.fill("#f-name", "Rev.io");
      await page.fill("#f-url", "http://10.1.2.3/hook");
      await page.click("button:has-text('Save webhook')");
      assert.match(await page.textContent("#f-url-error"), /private|allow/i);
      await page.fill("#f-url", target);
      await page.click("input[value='*']");  // from every event to a choice of two
      await page.click("input[value='company.updated']");
      await page.click("input[value='company.created']");
      await page.click("button:has-text('Save webhook')");
      const secret = (await page.textContent("#new-secret")).trim();
      assert.ok(secret.length >= 16, secret);
      await screenshot(page, "webhook-secret-once");
      await page.click("text=Continue");
      await page.click("#send-test");
      await page.waitForSelector("#test-result p");
      assert.equal(await page.locator("#test-result p.test-ok").count(), 1, await page.textContent("#test-result"));
      const ping = received.find((r) => r.headers["x-cairn-event"] === "ping");
      assert.ok(ping, "the ping arrived");
      const signature = createHmac("sha256", secret).update(`${ping.headers["x-cairn-timestamp"]}.${ping.body}`).digest("hex");
      assert.equal(ping.headers["x-cairn-signature"], `sha256=${signature}`);

      const company = (await stack.api("POST", "/api/v1/companies", { company: { name: "Hooked Ltd" } })).company;
      await stack.api("PUT", `/api/v1/companies/${company.id}`, { company: { city: "Leeds" } });
      for (let i = 0; i < 100 && !received.some((r) => r.headers["x-cairn-event"] === "company.updated"); i++)
        await new Promise((r) => setTimeout(r, 100));
      const update = received.find((r) => r.headers["x-cairn-event"] === "company.updated");
      assert.ok(update, "the change arrived");
      assert.equal(JSON.parse(update.body).changes.city.to, "Leeds");
      await page.reload();
      assert.match(await page.textContent("#deliveries"), /company\.updated[\s\S]*delivered/);
      await screenshot(page, "webhook-deliveries");
      assert.deepEqual(page.problems(), []);
      await page.context().close();
    } finally {
      receiver.close();
    }
  });
});

describe("roles", () => {
  test("a spectator sees the documentation but not the admin pages", async () => {
    const page = await signInAsNew("viewer@example.com", "spectator", "viewer password 1");
    assert.match(page.url(), /\/companies$/);
    assert.equal(await page.locator("nav >> text=Integrations").count(), 0, "no admin menu");
    const r = await page.goto(stack.url + "/admin/integrations");
    assert.equal(r.status(), 403);
    assert.match(await page.textContent("main"), /Only administrators/);
    await screenshot(page, "spectator-refused");
    const html = await (await page.request.get(stack.url + "/companies")).text();
    const token = html.match(/name="_csrf" value="([0-9a-f]+)"/)[1];
    const post = await page.request.post(stack.url + "/admin/integrations/sync_all", { form: { _csrf: token }, maxRedirects: 0 });
    assert.equal(post.status(), 403);
    // Reading, yes; writing, no: no buttons to write, and a write sent anyway is refused.
    const company = (await stack.api("GET", "/api/v1/companies?name=Docs%20%26%20Co")).companies[0];
    await page.goto(`${stack.url}/companies/${company.id}/passwords`);
    assert.equal(await page.locator("text=New password").count(), 0);
    await page.goto(`${stack.url}/companies/${company.id}/articles`);
    assert.equal(await page.locator("text=New article").count(), 0);
    await page.click("text=VPN access");
    assert.equal(await page.locator("a:has-text('Edit')").count(), 0);
    const write = await page.request.post(`${stack.url}/companies/${company.id}/passwords/new`,
      { form: { _csrf: token, name: "Sneaky", password: "x-long-enough" } });
    assert.equal(write.status(), 403);
    assert.match(await write.text(), /not allowed to change passwords/);
    await page.context().close();
  });

  test("an author writes articles but not passwords", async () => {
    const page = await signInAsNew("writer@example.com", "author", "author password 1");
    await page.click("nav >> text=Articles");
    await page.click("text=New folder");
    await page.click("button:has-text('Create folder')");
    assert.match(await page.textContent("#f-name-error"), /^Can't be blank/);
    await page.goto(stack.url + "/articles/new");
    await page.fill("#f-name", "Escalation");
    await page.click(".editor");
    await page.keyboard.type("Call the on-call engineer.");
    await Promise.all([page.waitForURL(/\/articles\/\d+$/), page.click("button:has-text('Save article')")]);
    assert.match(await page.textContent("#article-body"), /on-call engineer/);
    const company = (await stack.api("GET", "/api/v1/companies?name=Docs%20%26%20Co")).companies[0];
    await page.goto(`${stack.url}/companies/${company.id}/passwords`);
    assert.equal(await page.locator("text=New password").count(), 0);
    assert.equal(await page.locator("summary:has-text('Admin')").count(), 0);
    assert.deepEqual(page.problems(), []);
    await page.context().close();
  });

  test("an editor documents but does not administer", async () => {
    const page = await signInAsNew("ed@example.com", "editor", "editor password 1");
    assert.equal(await page.locator("summary:has-text('Admin')").count(), 0);
    assert.equal(await page.locator("nav >> text=Integrations").count(), 0);
    const company = (await stack.api("GET", "/api/v1/companies?name=Docs%20%26%20Co")).companies[0];
    await page.goto(`${stack.url}/companies/${company.id}/passwords/new`);
    await page.fill("#f-name", "Switch");
    await page.fill("#f-password", "Switch-Pass-22");
    await Promise.all([page.waitForURL(/\/passwords$/), page.click("button:has-text('Save password')")]);
    assert.match(await page.textContent("#passwords"), /Switch/);
    await page.click("#passwords >> tr:has-text('Switch') >> button.reveal");
    await page.waitForSelector("#passwords code.secret");
    assert.equal(await page.textContent("#passwords code.secret"), "Switch-Pass-22");
    assert.equal((await page.goto(stack.url + "/admin/users")).status(), 403);

    // An administrator takes the editor's access to passwords away, in Admin > Users.
    const admin = await watchedPage(browser);
    await signIn(admin, stack);
    await admin.goto(stack.url + "/admin/users");
    await admin.click("#users >> text=ed@example.com");
    assert.equal(await admin.isChecked("#f-password_access"), true);
    await admin.uncheck("#f-password_access");
    await Promise.all([admin.waitForURL(/\/admin\/users$/), admin.click("button:has-text('Save user')")]);
    const ed = (await stack.api("GET", "/api/v1/users?email=ed@example.com")).users[0];
    assert.equal(ed.password_access, false);
    await admin.context().close();
    // The editor still lists passwords, but no longer reveals them: no button, and a reveal
    // posted anyway is refused and not logged.
    await page.goto(`${stack.url}/companies/${company.id}/passwords`);
    assert.equal(await page.locator("#passwords button.reveal").count(), 0);
    assert.match(await page.textContent("#passwords"), /hidden/);
    const pid = (await stack.api("GET", `/api/v1/asset_passwords?company_id=${company.id}&name=Switch`)).asset_passwords[0].id;
    const before = (await stack.api("GET", `/api/v1/activity_logs?resource_type=AssetPassword&resource_id=${pid}`)).length;
    const forged = await page.evaluate(async (id) => {
      const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
      const r = await fetch(`/passwords/${id}/reveal`, { method: "POST", headers: { "X-CSRF-Token": csrf } });
      return { status: r.status, text: await r.text() };
    }, pid);
    assert.equal(forged.status, 403);
    assert.ok(!forged.text.includes("Switch-Pass-22"));
    assert.equal((await stack.api("GET", `/api/v1/activity_logs?resource_type=AssetPassword&resource_id=${pid}`)).length, before);
    assert.deepEqual(page.problems().filter((p) => !/403/.test(p)), []);
    await page.context().close();
  });
});
