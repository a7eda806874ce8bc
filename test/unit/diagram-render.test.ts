// The rendered diagram: SVG through Graphviz (WebAssembly), PNG through resvg, the docs copies, and the CLI.
import { Resvg } from "@resvg/resvg-js";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { main } from "../../src/cli/main.js";
import { buildModel } from "../../src/model/index.js";
import { MissingFontsError, findFonts, renderPng, renderSvg, toDot } from "../../src/render/diagram/index.js";

const DOCS = join(import.meta.dirname, "..", "..", "docs", "diagrams");
const update = process.env.UPDATE_GOLDEN === "1";
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Checks that every tag closes in order: a small well-formedness test on top of resvg's strict XML parser. */
function assertBalancedTags(xml: string): void {
  const stack: string[] = [];
  const body = xml
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<\?[\s\S]*?\?>/g, "")
    .replace(/<!DOCTYPE[^>]*>/g, "");
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    if (selfClose) continue;
    if (close) expect(stack.pop(), `</${name}> closes the wrong element`).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe("diagram rendering", () => {
  for (const bp of listBlueprints().map((b) => b.name)) {
    it(`renders ${bp} to SVG naming every host, and to a PNG of a sane size`, async () => {
      const model = buildModel(loadBlueprint(bp));
      const svg = await renderSvg(toDot(model, { title: `${bp} · ${model.domain}` }));
      expect(svg).toMatch(/^<\?xml[^>]*\?>\s*<!DOCTYPE svg/);
      assertBalancedTags(svg);
      expect(() => new Resvg(svg)).not.toThrow(); // resvg parses XML strictly
      const text = svg.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
      for (const host of model.hosts) expect(text, host.name).toMatch(new RegExp(`>${host.name}( \\(browser\\))?</text>`));
      expect(svg).toContain(`public network ${model.networks[0]!.cidr}`);

      const png = renderPng(svg);
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      const { width, height } = pngSize(png);
      expect(width).toBeGreaterThan(1000);
      expect(width).toBeLessThan(6000);
      expect(height).toBeGreaterThan(800);
      expect(height).toBeLessThan(6000);

      // The copies in docs/diagrams (shown by the README) must be what the code draws today.
      const svgFile = join(DOCS, `${bp}.svg`);
      if (update) {
        mkdirSync(DOCS, { recursive: true });
        writeFileSync(svgFile, svg);
        writeFileSync(join(DOCS, `${bp}.png`), png);
      }
      expect(existsSync(svgFile), `${svgFile} is missing: run UPDATE_GOLDEN=1 npx vitest run test/unit/diagram-render.test.ts`).toBe(true);
      expect(readFileSync(svgFile, "utf8"), `${svgFile} is stale: regenerate with UPDATE_GOLDEN=1`).toBe(svg);
    });
  }

  it("draws the text into the PNG (a PNG rendered without fonts has far fewer ink pixels)", async () => {
    const svg = await renderSvg(toDot(buildModel(loadBlueprint("0"))));
    const inked = (resvg: Resvg) => {
      const px = resvg.render().pixels;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && (px[i]! < 200 || px[i + 1]! < 200 || px[i + 2]! < 200)) n++;
      return n;
    };
    const withFonts = inked(new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: findFonts().files } }));
    const without = inked(new Resvg(svg, { font: { loadSystemFonts: false } }));
    expect(withFonts).toBeGreaterThan(without * 1.3);
  });

  it("says which package to install when the machine has no fonts", async () => {
    const empty = mkdtempSync(join(tmpdir(), "stacklab-nofonts-"));
    const svg = await renderSvg(toDot(buildModel(loadBlueprint("0"))));
    expect(() => renderPng(svg, { fontDirs: [empty] })).toThrow(MissingFontsError);
    expect(() => renderPng(svg, { fontDirs: [empty] })).toThrow(/apt-get install -y fonts-dejavu-core/);
  });

  it("turns a Graphviz syntax error into an error that names Graphviz", async () => {
    await expect(renderSvg("digraph { a -> }")).rejects.toThrow(/Graphviz/);
    expect(await renderSvg("digraph { a -> b }")).toContain("<svg");
  });
});

describe("stacklab diagram", () => {
  let stderr = "";
  let stdout = "";
  const capture = () => {
    stderr = "";
    stdout = "";
    vi.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
  };
  afterEach(() => vi.restoreAllMocks());

  it("exits 2 with a clear message for an output extension it cannot write, and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-diagram-"));
    capture();
    const code = await main(["diagram", "--blueprint", "3", "-o", join(dir, "stack.jpg")]);
    vi.restoreAllMocks();
    expect(code).toBe(2);
    expect(stderr).toContain("name the file .svg, .png or .dot");
    expect(existsSync(join(dir, "stack.jpg"))).toBe(false);
  });

  it("writes SVG or PNG by the file's extension and prints DOT with --format dot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stacklab-diagram-"));
    capture();
    expect(await main(["diagram", "--blueprint", "3", "-o", join(dir, "d.svg")])).toBe(0);
    expect(await main(["diagram", "--blueprint", "1", "-o", join(dir, "d.png"), "--json"])).toBe(0);
    const jsonOut = stdout.slice(stdout.indexOf("{"));
    stdout = "";
    expect(await main(["diagram", "--blueprint", "2", "--format", "dot"])).toBe(0);
    vi.restoreAllMocks();
    expect(readFileSync(join(dir, "d.svg"), "utf8")).toContain(">floating IP</text>");
    expect(readFileSync(join(dir, "d.png")).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(JSON.parse(jsonOut)).toMatchObject({ format: "png", hosts: ["user", "dns", "lb-1", "server-1", "server-2"] });
    expect(stdout).toMatch(/^digraph "foobar" \{/);
    expect(stdout).toContain("2-secured_and_monitored_web_infrastructure · foobar.com");
  });
});
