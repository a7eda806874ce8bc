// The live dashboard on a real design-3 lab, in Debian's Chromium: the page loads without console errors and
// draws every host; QPS rises during a bounded load burst; crashing lb-1 from the page turns it red, moves the
// floating IP to lb-2 and logs the fault and the failover; healing it from the page brings it back; no answer
// the page received carries a secret. Screenshots go to test/artifacts/.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/index.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { isRoot, testLab } from "./helpers.js";
import { loadLab } from "../../src/runtime/status.js";
import { cookieName } from "../../src/dashboard/guard.js";
import { hasChromium, hostHealth, labSecretValues, qpsRisesUnderBurst, screenshot, useDashboardLab } from "./dashboard-support.js";

const LAB = testLab("wx3t");
const model = buildModel(loadBlueprint("3-scale_up"));

describe.skipIf(!isRoot || !hasChromium)("the dashboard on design 3, in a browser", () => {
  const ui = useDashboardLab(LAB, "3-scale_up");

  it("loads without console errors and draws every host of the design, all healthy", async () => {
    const { page } = ui.browser;
    await page.goto(ui.dash.url);
    // the token went from the address into an HttpOnly cookie
    expect(new URL(page.url()).search).toBe("");
    const port = new URL(ui.dash.url).port;
    const cookie = (await page.context().cookies()).find((c) => c.name === cookieName(Number(port)));
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    for (const h of model.hosts) await page.locator(`#topology g.host[data-host="${h.name}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator("#topology g.host").count()).toBe(model.hosts.length);
    await expect.poll(() => page.locator("#headline").getAttribute("class"), { timeout: 20_000 }).toBe("headline ok");
    await expect.poll(() => page.locator("#topology .entry").textContent()).toContain("floating IP on lb-1");
    expect(await page.locator("#charts .chart h3").allTextContents()).toEqual(["Requests per second", "Requests per second, by server", "Latency", "Error rate"]);
    await screenshot(page, "dashboard-design3-healthy");
    expect(ui.browser.errors).toEqual([]);
  }, 40_000);

  it("shows QPS rising while the user host sends a bounded burst of load", async () => {
    await qpsRisesUnderBurst(ui.browser.page, LAB, `https://www.${model.domain}/`, "dashboard-design3-load");
  }, 40_000);

  it("crashes lb-1 from the page: lb-1 turns red, the floating IP moves to lb-2, the log shows the fault and the failover", async () => {
    const { page } = ui.browser;
    await page.locator('#topology g.host[data-host="lb-1"]').click();
    await expect.poll(() => page.locator("#fault-host").inputValue()).toBe("lb-1");
    await page.locator('#fault-buttons button[data-action="kill"]').click();
    await expect.poll(() => hostHealth(page, "lb-1"), { timeout: 10_000 }).toBe("down");
    await expect.poll(() => page.locator("#topology .entry").textContent(), { timeout: 15_000 }).toContain("floating IP on lb-2");
    await expect.poll(() => page.locator("#events").textContent(), { timeout: 15_000 }).toContain("crashed lb-1");
    await expect.poll(() => page.locator("#events").textContent(), { timeout: 15_000 }).toMatch(/moved from lb-1 to lb-2/);
    expect(await page.locator("#headline").getAttribute("class")).toBe("headline warn");
    // Prometheus sees it too, a few scrapes later
    await expect.poll(() => page.locator("#alerts").textContent(), { timeout: 20_000 }).toContain("HostDown");
    await screenshot(page, "dashboard-design3-lb1-killed");
    expect(await hostHealth(page, "lb-2")).toBe("ok");
  }, 60_000);

  it("heals lb-1 from the page: it comes back and takes the floating IP again", async () => {
    const { page } = ui.browser;
    await page.locator("#heal-host").click();
    await expect.poll(() => page.locator("#fault-result").textContent(), { timeout: 30_000 }).toContain("started lb-1 again");
    await expect.poll(() => hostHealth(page, "lb-1"), { timeout: 15_000 }).toBe("ok");
    await expect.poll(() => page.locator("#topology .entry").textContent(), { timeout: 15_000 }).toContain("floating IP on lb-1");
    await screenshot(page, "dashboard-design3-healed");
    expect(ui.browser.errors).toEqual([]);
  }, 60_000);

  it("answers 401 with how to get the URL to a request without the token", async () => {
    const r = await fetch(new URL("/", ui.dash.url));
    expect(r.status).toBe(401);
    expect(await r.text()).toMatch(/Open that URL/);
    expect((await fetch(new URL("/api/state", ui.dash.url))).status).toBe(401);
  });

  it("never sent the page a secret of the lab", () => {
    const secrets = labSecretValues(LAB);
    expect(secrets.length).toBe(4);
    const api = ui.browser.bodies.filter((b) => b.url.includes("/api/"));
    expect(new Set(api.map((b) => new URL(b.url).pathname))).toEqual(new Set(["/api/state", "/api/series", "/api/events", "/api/challenge", "/api/fault", "/api/heal"]));
    for (const { url, body } of ui.browser.bodies) for (const s of secrets) expect(body.includes(s), `${url} holds a secret`).toBe(false);
  });

  it("serves the demo site with its security headers, and the browser reports no CSP violation", async () => {
    const { page } = ui.browser;
    const site = loadLab(LAB).state.published.https;
    expect(site).toBeDefined();
    const before = ui.browser.errors.length;
    const answer = await page.goto(site!);
    const headers = answer!.headers();
    expect(headers["content-security-policy"]).toMatch(/default-src 'self'/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBeTruthy();
    expect(headers["strict-transport-security"]).toBe("max-age=63072000");
    // the page's script ran (it fills in who served the page from /api/whoami) and its stylesheet and images loaded
    await page.locator("header img").waitFor({ timeout: 10_000 });
    await page.waitForLoadState("networkidle");
    expect(ui.browser.errors.slice(before)).toEqual([]);
  }, 40_000);
});
