// The live dashboard on a real design-2 lab, in Debian's Chromium: the page loads without console errors and
// draws every host; QPS rises during a bounded load burst; crashing server-2 from the page turns it red and the
// log shows the fault and HAProxy taking it out of rotation; healing it brings it back; no answer the page
// received carries a secret; the challenge card shows the learner's current challenge and, once checked, each check
// with its verdict and numbers. Screenshots go to test/artifacts/.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/index.js";
import { loadBlueprint } from "../../src/blueprints/index.js";
import { asLearner, check, start } from "./challenge-support.js";
import { isRoot, testLab } from "./helpers.js";
import { hasChromium, hostHealth, labSecretValues, qpsRisesUnderBurst, screenshot, useDashboardLab } from "./dashboard-support.js";

const LAB = testLab("wx2t");
const model = buildModel(loadBlueprint("2-secured_and_monitored_web_infrastructure"));

describe.skipIf(!isRoot || !hasChromium)("the dashboard on design 2, in a browser", () => {
  const ui = useDashboardLab(LAB, "2-secured_and_monitored_web_infrastructure");

  it("loads without console errors and draws every host, the entry on lb-1 and server-1 as the primary", async () => {
    const { page } = ui.browser;
    await page.goto(ui.dash.url);
    for (const h of model.hosts) await page.locator(`#topology g.host[data-host="${h.name}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator("#topology g.host").count()).toBe(model.hosts.length);
    await expect.poll(() => page.locator("#headline").getAttribute("class"), { timeout: 20_000 }).toBe("headline ok");
    await expect.poll(() => page.locator("#topology .entry").textContent()).toContain("address on lb-1");
    expect(await page.locator('#topology g.host[data-host="server-1"] .badge.primary').count()).toBe(1);
    expect(await page.locator("#charts .chart").count()).toBe(4);
    await screenshot(page, "dashboard-design2-healthy");
    expect(ui.browser.errors).toEqual([]);
  }, 40_000);

  it("shows QPS rising while the user host sends a bounded burst of load", async () => {
    await qpsRisesUnderBurst(ui.browser.page, LAB, `https://www.${model.domain}/`, "dashboard-design2-load");
  }, 40_000);

  it("crashes server-2 from the page: it turns red, and the log shows the fault and HAProxy taking it out of rotation", async () => {
    const { page } = ui.browser;
    await page.locator('#topology g.host[data-host="server-2"]').click();
    await page.locator('#fault-buttons button[data-action="kill"]').click();
    await expect.poll(() => hostHealth(page, "server-2"), { timeout: 10_000 }).toBe("down");
    await expect.poll(() => page.locator("#events").textContent(), { timeout: 15_000 }).toContain("crashed server-2");
    await expect.poll(() => page.locator("#events").textContent(), { timeout: 25_000 }).toMatch(/BackendDown firing: lb-1 took web server server-2 out of rotation/);
    expect(await page.locator("#headline").getAttribute("class")).toBe("headline warn");
    expect(await hostHealth(page, "server-1")).toBe("ok");
    await screenshot(page, "dashboard-design2-server2-killed");
  }, 60_000);

  it("heals everything from the page: server-2 comes back", async () => {
    const { page } = ui.browser;
    await page.locator("#heal-all").click();
    await expect.poll(() => page.locator("#fault-result").textContent(), { timeout: 40_000 }).toContain("started server-2 again");
    await expect.poll(() => hostHealth(page, "server-2"), { timeout: 20_000 }).toBe("ok");
    expect(ui.browser.errors).toEqual([]);
  }, 60_000);

  it("shows the learner's current challenge in its card, then each of its checks as the last check found them", async () => {
    const { page } = ui.browser;
    // The dashboard reads the progress file of the HOME it runs with: the isolated HOME of this test process.
    const home = process.env.HOME!;
    await expect.poll(() => page.locator("#challenge-card").isHidden()).toBe(true);
    start(home, "encrypt-private-traffic", ["--dir", home, "--name", LAB]);
    const card = page.locator("#challenge-card");
    await expect.poll(() => card.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator("#challenge .challenge-title").textContent()).toBe("No plaintext on the private network");
    expect(await page.locator("#challenge-state").textContent()).toBe("started");
    expect(await page.locator("#challenge .challenge-none").textContent()).toContain("stacklab challenge check");
    const v = check(home, LAB, false);
    await expect.poll(() => page.locator("#challenge-state").textContent(), { timeout: 10_000 }).toBe("not yet");
    const shown = page.locator("#challenge ul.challenge-checks > li");
    expect(await shown.count()).toBe(v.checks.length);
    for (const [i, c] of v.checks.entries()) {
      const li = shown.nth(i);
      expect(await li.locator(".says").textContent()).toBe(c.says);
      expect(await li.locator(".mark").textContent()).toBe(c.passed ? "PASS" : "FAIL");
      expect(await li.locator("ul.lines > li").allTextContents()).toEqual(c.lines.map((l) => l.text));
      expect(await li.locator("ul.lines > li.fail").count()).toBe(c.lines.filter((l) => !l.passed).length);
    }
    expect(await page.locator("#challenge").textContent()).toMatch(/plaintext on the private segment \(warn\)/);
    expect(await page.locator("#challenge .challenge-when").textContent()).toContain(`checked on lab ${LAB}`);
    await screenshot(page, "dashboard-design2-challenge");
    expect(ui.browser.errors).toEqual([]);
    expect(asLearner(home, ["challenge", "list", "--json"]).code).toBe(0);
  }, 240_000);

  it("never sent the page a secret of the lab", () => {
    const secrets = labSecretValues(LAB);
    expect(secrets.length).toBe(4);
    expect(ui.browser.bodies.filter((b) => b.url.includes("/api/")).length).toBeGreaterThan(20);
    for (const { url, body } of ui.browser.bodies) for (const s of secrets) expect(body.includes(s), `${url} holds a secret`).toBe(false);
  });
});
