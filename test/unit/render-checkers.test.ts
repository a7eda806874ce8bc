// Runs the real checkers on the rendered configs: haproxy -c, nginx -t, keepalived -t, nsd-checkconf,
// nsd-checkzone and mariadbd --help --verbose. Files are checked unchanged at their real paths: as root,
// each check runs in `unshare --mount` (plus `--net` where the checker binds or looks up interfaces)
// with the rendered folders bind-mounted over /etc/nginx, /etc/ssl, ...; the namespaces end with the
// checker, so nothing stays mounted. Debian packages: haproxy, nginx-light (or nginx), keepalived,
// nsd, mariadb-server, openssl, iproute2, util-linux.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listBlueprints, loadBlueprint } from "../../src/blueprints/index.js";
import { buildModel, type Host, type Model } from "../../src/model/index.js";
import { loadStackYaml } from "../../src/spec/load.js";
import { PLACEHOLDER_SECRETS, renderAll, writeRendered, zoneFilePath } from "../../src/render/config/index.js";

const isRoot = process.getuid?.() === 0;
const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).status === 0;
const PACKAGE: Record<string, string> = {
  haproxy: "haproxy",
  nginx: "nginx-light",
  keepalived: "keepalived",
  "nsd-checkconf": "nsd",
  "nsd-checkzone": "nsd",
  mariadbd: "mariadb-server",
  openssl: "openssl",
  unshare: "util-linux",
  ip: "iproute2",
};

/** Why a checker cannot run here, or undefined when it can. */
function missing(bins: string[], needsRoot: boolean): string | undefined {
  const absent = bins.filter((b) => !has(b));
  if (absent.length) return `${absent.join(", ")} not installed: apt-get install -y ${[...new Set(absent.map((b) => PACKAGE[b] ?? b))].join(" ")}`;
  if (needsRoot && !isRoot) return "needs root (unshare --mount to check files at their real paths)";
  return undefined;
}
const skipNotes = new Set<string>();
function title(base: string, why: string | undefined): string {
  if (why) skipNotes.add(`${base.split(" ")[0]}: ${why}`);
  return why ? `${base} (skipped: ${why})` : base;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface Isolation {
  net?: boolean;
  /** Addresses to put on lo inside the new network namespace. */
  addresses?: string[];
  /** Create an eth0 (a veth end) inside the new network namespace. */
  eth0?: boolean;
  /** [source folder, target path] pairs to bind-mount. */
  mounts?: [string, string][];
}

/** Runs a command in fresh namespaces set up as asked; returns status and combined output. */
function run(argv: string[], iso: Isolation = {}): { status: number | null; out: string } {
  const steps: string[] = [];
  if (iso.net) steps.push("ip link set lo up");
  for (const a of iso.addresses ?? []) steps.push(`ip addr add ${a}/32 dev lo`);
  if (iso.eth0) steps.push("ip link add eth0 type veth peer name eth0peer", "ip link set eth0 up");
  for (const [src, dst] of iso.mounts ?? []) steps.push(`mount --bind ${q(src)} ${q(dst)}`);
  const script = [...steps, `exec ${argv.map(q).join(" ")}`].join(" && ");
  const cmd = steps.length ? ["unshare", ...(iso.net ? ["--net"] : []), "--mount", "sh", "-c", script] : argv;
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

const VARIANTS: Record<string, string> = {
  passthrough: `
loadBalancer: { count: 2, ha: active-active, algorithm: source }
servers: [{ roles: [web], count: 2 }, { roles: [app, db], count: 3 }]
database: { replication: semisync }
tls: { mode: passthrough, internal: true }
monitoring: { system: prometheus }
`,
  "direct-tls": `
servers: [{ name: node, roles: [web, app, db], count: 2 }]
tls: { mode: passthrough, internal: true }
monitoring: { system: prometheus }
`,
  custom: `
loadBalancer: { algorithm: leastconn }
servers: [{ roles: [web, app], count: 2 }]
app: { type: custom, command: "node server.js", usesDatabase: false }
`,
};

function variant(yaml: string): Model {
  const r = loadStackYaml(yaml, "variant.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return buildModel(r.value);
}

const designs: [string, Model][] = [
  ...listBlueprints().map((b) => [b.name, buildModel(loadBlueprint(b.name))] as [string, Model]),
  ...Object.entries(VARIANTS).map(([n, y]) => [n, variant(y)] as [string, Model]),
];

let work = "";
const sslDir = () => join(work, "ssl");
const hostRoot = (design: string, host: string) => join(work, "hosts", design, host);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "stacklab-render-check-"));
  for (const [name, model] of designs) {
    for (const [host, files] of Object.entries(renderAll(model, PLACEHOLDER_SECRETS))) writeRendered(hostRoot(name, host), files);
  }
  // Throwaway TLS material at the paths the configs name (one self-signed certificate plays every part).
  const dir = join(sslDir(), "stacklab");
  mkdirSync(dir, { recursive: true });
  if (has("openssl")) {
    const r = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=foobar.com",
        "-addext",
        "subjectAltName=DNS:foobar.com,DNS:www.foobar.com,DNS:app.internal",
        "-keyout",
        join(dir, "site.key"),
        "-out",
        join(dir, "site.crt"),
      ],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    const crt = readFileSync(join(dir, "site.crt"), "utf8");
    const key = readFileSync(join(dir, "site.key"), "utf8");
    writeFileSync(join(dir, "site.pem"), crt + key);
    writeFileSync(join(dir, "ca.crt"), crt);
    writeFileSync(join(dir, "host.crt"), crt);
    writeFileSync(join(dir, "host.key"), key);
  }
});

afterAll(() => {
  if (skipNotes.size) console.warn(`render checkers skipped:\n  ${[...skipNotes].join("\n  ")}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

const withRole = (model: Model, role: Host["roles"][number]) => model.hosts.filter((h) => h.roles.includes(role));

/** Checks a (possibly edited) haproxy.cfg of a host at /etc/haproxy/haproxy.cfg. */
function haproxyCheck(design: string, host: string): ReturnType<typeof run> {
  const etc = join(hostRoot(design, host), "etc");
  return run(["haproxy", "-c", "-f", "/etc/haproxy/haproxy.cfg"], {
    mounts: [
      [join(etc, "haproxy"), "/etc/haproxy"],
      [sslDir(), "/etc/ssl"],
    ],
  });
}

function nginxCheck(design: string, host: Host): ReturnType<typeof run> {
  const root = hostRoot(design, host.name);
  const varLib = join(root, "var", "lib", "nginx");
  const varLog = join(root, "var", "log", "nginx");
  mkdirSync(varLib, { recursive: true });
  mkdirSync(varLog, { recursive: true });
  return run(["nginx", "-t"], {
    net: true,
    addresses: host.interfaces.map((i) => i.address),
    mounts: [
      [join(root, "etc", "nginx"), "/etc/nginx"],
      [sslDir(), "/etc/ssl"],
      [varLib, "/var/lib/nginx"],
      [varLog, "/var/log/nginx"],
    ],
  });
}

function keepalivedCheck(design: string, host: string): ReturnType<typeof run> {
  const root = join(hostRoot(design, host), "etc", "keepalived");
  return run(["keepalived", "-t", "-f", "/etc/keepalived/keepalived.conf"], { net: true, eth0: true, mounts: [[root, "/etc/keepalived"]] });
}

function mariadbVariables(design: string, host: string): { status: number | null; out: string; vars: Map<string, string> } {
  const r = run(["mariadbd", `--defaults-file=${join(hostRoot(design, host), "etc", "mysql", "my.cnf")}`, "--help", "--verbose"]);
  const vars = new Map<string, string>();
  for (const line of r.out.split("\n")) {
    const m = /^([a-z0-9-]+)\s{2,}(\S.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!.trim());
  }
  return { ...r, vars };
}

describe.each(designs)("checkers on %s", (name, model) => {
  const lbs = withRole(model, "lb");
  const webs = withRole(model, "web");
  const dbs = withRole(model, "db");
  const pair = model.loadBalancer !== null && model.loadBalancer.ha !== "single";

  if (lbs.length)
    it.skipIf(missing(["haproxy", "unshare"], true))(title("haproxy -c accepts every load balancer's haproxy.cfg", missing(["haproxy", "unshare"], true)), () => {
      for (const lb of lbs) {
        const r = haproxyCheck(name, lb.name);
        expect(r.status, `${lb.name}: ${r.out}`).toBe(0);
        expect(r.out, lb.name).not.toMatch(/\[(WARNING|ALERT)\]/);
      }
    });

  if (webs.length)
    it.skipIf(missing(["nginx", "unshare", "ip"], true))(title("nginx -t accepts every web server's nginx.conf", missing(["nginx", "unshare", "ip"], true)), () => {
      for (const web of webs) {
        const r = nginxCheck(name, web);
        expect(r.status, `${web.name}: ${r.out}`).toBe(0);
        expect(r.out, web.name).not.toMatch(/\[(warn|emerg|alert)\]/);
      }
    });

  if (pair)
    it.skipIf(missing(["keepalived", "unshare", "ip"], true))(title("keepalived -t accepts every load balancer's keepalived.conf", missing(["keepalived", "unshare", "ip"], true)), () => {
      for (const lb of lbs) {
        const r = keepalivedCheck(name, lb.name);
        expect(r.status, `${lb.name}: ${r.out}`).toBe(0);
        expect(r.out.trim(), lb.name).toBe("");
      }
    });

  it.skipIf(missing(["nsd-checkconf", "nsd-checkzone"], false))(title("nsd-checkconf and nsd-checkzone accept the DNS files", missing(["nsd-checkconf", "nsd-checkzone"], false)), () => {
    const etc = join(hostRoot(name, "dns"));
    const conf = run(["nsd-checkconf", join(etc, "etc/nsd/nsd.conf")]);
    expect(conf.status, conf.out).toBe(0);
    const zone = run(["nsd-checkzone", model.domain, join(etc, zoneFilePath(model.domain))]);
    expect(zone.status, zone.out).toBe(0);
    expect(zone.out).toContain(`zone ${model.domain} is ok`);
  });

  if (dbs.length)
    it.skipIf(missing(["mariadbd"], false))(title("mariadbd reads every my.cnf, with the intended values", missing(["mariadbd"], false)), () => {
      for (const db of dbs) {
        const r = mariadbVariables(name, db.name);
        expect(r.status, `${db.name}: ${r.out}`).toBe(0);
        expect(r.vars.get("bind-address"), db.name).toBe(db.interfaces.find((i) => i.network === "private")!.address);
        // with replicas every server starts read-only (the primary's db-agent makes it writable); a lone one is writable
        expect(r.vars.get("read-only"), db.name).toBe(model.database.replicas.length ? "TRUE" : "FALSE");
        expect(r.vars.get("gtid-strict-mode"), db.name).toBe("TRUE");
        if (model.database.replication === "semisync") expect(r.vars.get("rpl-semi-sync-master-wait-point"), db.name).toBe("AFTER_SYNC");
        if (model.tls.internal) expect(r.vars.get("require-secure-transport"), db.name).toBe("TRUE");
      }
    });
});

// Each checker must be able to fail: a broken copy of a rendered file is rejected.
describe("the checkers reject broken files", () => {
  const breakFile = (design: string, host: string, path: string, from: string | RegExp, to: string) => {
    const file = join(hostRoot(design, host), path);
    const before = readFileSync(file, "utf8");
    const after = before.replace(from, to);
    expect(after, `nothing to break in ${path}`).not.toBe(before);
    writeFileSync(file, after);
    return () => writeFileSync(file, before);
  };

  it.skipIf(missing(["haproxy", "unshare"], true))(title("haproxy -c rejects an unknown balance algorithm", missing(["haproxy", "unshare"], true)), () => {
    const restore = breakFile("1-distributed_web_infrastructure", "lb-1", "etc/haproxy/haproxy.cfg", "balance roundrobin", "balance nosuchalgorithm");
    try {
      expect(haproxyCheck("1-distributed_web_infrastructure", "lb-1").status).not.toBe(0);
    } finally {
      restore();
    }
  });

  it.skipIf(missing(["nginx", "unshare", "ip"], true))(title("nginx -t rejects a directive without its value", missing(["nginx", "unshare", "ip"], true)), () => {
    const model = designs.find(([n]) => n === "3-scale_up")![1];
    const restore = breakFile("3-scale_up", "web-1", "etc/nginx/nginx.conf", "keepalive 16;", "keepalive;");
    try {
      expect(
        nginxCheck(
          "3-scale_up",
          model.hosts.find((h) => h.name === "web-1")!,
        ).status,
      ).not.toBe(0);
    } finally {
      restore();
    }
  });

  it.skipIf(missing(["keepalived", "unshare", "ip"], true))(title("keepalived -t rejects a bad advert interval", missing(["keepalived", "unshare", "ip"], true)), () => {
    const restore = breakFile("3-scale_up", "lb-1", "etc/keepalived/keepalived.conf", "advert_int 0.2", "advert_int soon");
    try {
      expect(keepalivedCheck("3-scale_up", "lb-1").status).not.toBe(0);
    } finally {
      restore();
    }
  });

  it.skipIf(missing(["nsd-checkconf", "nsd-checkzone"], false))(title("nsd-checkconf and nsd-checkzone reject bad values", missing(["nsd-checkconf", "nsd-checkzone"], false)), () => {
    const dns = hostRoot("3-scale_up", "dns");
    const restoreConf = breakFile("3-scale_up", "dns", "etc/nsd/nsd.conf", "port: 53", "port: fifty-three");
    const restoreZone = breakFile("3-scale_up", "dns", "etc/nsd/zones/foobar.com.zone", /198\.18\.0\.100$/m, "198.18.0.300");
    try {
      expect(run(["nsd-checkconf", join(dns, "etc/nsd/nsd.conf")]).status).not.toBe(0);
      expect(run(["nsd-checkzone", "foobar.com", join(dns, "etc/nsd/zones/foobar.com.zone")]).status).not.toBe(0);
    } finally {
      restoreConf();
      restoreZone();
    }
  });

  it.skipIf(missing(["mariadbd"], false))(title("mariadbd rejects an unknown option", missing(["mariadbd"], false)), () => {
    const restore = breakFile("3-scale_up", "db-1", "etc/mysql/my.cnf", "[mysqld]\n", "[mysqld]\nno_such_option = 1\n");
    try {
      expect(mariadbVariables("3-scale_up", "db-1").status).not.toBe(0);
    } finally {
      restore();
    }
  });
});
