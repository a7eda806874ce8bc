// TLS as users and servers meet it: HTTPS at the entry, versions, cipher suites, certificates, redirect and HSTS.
import type { Model } from "../model/types.js";
import type { AuditContext, CheckResult } from "./context.js";
import { tlsEndpoints, type TlsEndpoint } from "./tls-endpoints.js";
import { parseTlsOutput, tlsScript, type StepResult } from "./tls-probe.js";
import { allOf, count } from "./words.js";

/** Longest certificate lifetime accepted (the public CAs' limit). */
export const MAX_CERT_DAYS = 398;
/** A certificate expiring sooner than this fails the check. */
export const MIN_DAYS_LEFT = 7;

const DAY = 86_400_000;

export interface ProbedEndpoint extends TlsEndpoint {
  steps: Partial<Record<string, StepResult>>;
}

/** Probes every endpoint from the host its flow starts at, all endpoints at once. */
export async function probeTls(ctx: AuditContext, endpoints: TlsEndpoint[]): Promise<ProbedEndpoint[]> {
  return Promise.all(
    endpoints.map(async (e): Promise<ProbedEndpoint> => {
      const r = await ctx.inHost(e.from, ["bash", "-c", tlsScript(e)], { timeoutMs: 60_000 });
      return { ...e, steps: Object.fromEntries(parseTlsOutput(r.stdout)) };
    }),
  );
}

const where = (e: TlsEndpoint) => `${e.address}:${e.port} (${e.host}, flow ${e.flow}, from ${e.from})`;

/** True when nothing accepted a TCP connection at the endpoint (no TLS step ran). */
export function silent(e: ProbedEndpoint): boolean {
  return e.steps.reach !== undefined;
}

/** Versions: 1.0 and 1.1 refused, 1.2 and 1.3 accepted. An endpoint where nothing answers is a warning: the reachability matrix tells why. */
export function judgeVersions(all: ProbedEndpoint[]): CheckResult {
  const details: string[] = [];
  const quiet = all.filter(silent);
  const endpoints = all.filter((e) => !silent(e));
  let bad = 0;
  for (const e of endpoints) {
    const got = (s: string) => e.steps[s]?.ok === true;
    const wrong = [...["tls1", "tls1_1"].filter(got).map((s) => `accepts ${label(s)}`), ...["tls1_2", "tls1_3"].filter((s) => !got(s)).map((s) => `refuses ${label(s)}`)];
    if (wrong.length) bad++;
    details.push(`${wrong.length ? "FAIL " : ""}${where(e)}: ${wrong.length ? wrong.join(", ") : `1.0 and 1.1 refused; 1.2 (${e.steps.tls1_2?.cipher}) and 1.3 (${e.steps.tls1_3?.cipher}) accepted`}`);
  }
  const none = quiet.length ? `; nothing answers at ${quiet.length} (${quiet.map((e) => `${e.address}:${e.port}`).join(", ")})` : "";
  return {
    id: "tls-versions",
    title: "TLS versions",
    status: bad ? "fail" : quiet.length ? "warn" : "pass",
    summary: bad
      ? `${bad} of ${count(endpoints.length, "TLS endpoint")} offer${bad === 1 ? "s" : ""} the wrong versions${none}`
      : `${allOf(endpoints.length, "TLS endpoint")} that answer${endpoints.length === 1 ? "s" : ""} speak${endpoints.length === 1 ? "s" : ""} TLS 1.2 and 1.3 only${none}`,
    details: [
      ...details.filter((d) => d.startsWith("FAIL")),
      ...quiet.map((e) => `WARN ${where(e)}: nothing accepts a connection (is the service running? see the reachability matrix)`),
      ...details.filter((d) => !d.startsWith("FAIL")),
    ],
  };
}

function label(step: string): string {
  return { tls1: "TLS 1.0", tls1_1: "TLS 1.1", tls1_2: "TLS 1.2", tls1_3: "TLS 1.3" }[step] ?? step;
}

/** Cipher suites: no TLS 1.2 suite without forward secrecy and authenticated encryption. Only HAProxy's and nginx's are stacklab's to set. */
export function judgeCiphers(all: ProbedEndpoint[]): CheckResult {
  const endpoints = all.filter((e) => !silent(e));
  const weak = endpoints.filter((e) => e.steps.weak?.ok);
  const ours = weak.filter((e) => e.server === "haproxy" || e.server === "nginx");
  const theirs = weak.filter((e) => !ours.includes(e));
  const fix: Record<string, string> = {
    app: "the app server uses Node's default suites (set `ciphers` where it creates its HTTPS server)",
    mariadb: "MariaDB uses its default suites (set ssl_cipher in my.cnf)",
    other: "this service uses its TLS library's default suites",
  };
  return {
    id: "tls-ciphers",
    title: "TLS cipher suites",
    status: ours.length ? "fail" : theirs.length ? "warn" : "pass",
    summary: ours.length
      ? `${ours.length} endpoint${ours.length > 1 ? "s" : ""} served by HAProxy or nginx accept${ours.length > 1 ? "" : "s"} a weak TLS 1.2 suite`
      : theirs.length
        ? `HAProxy and nginx accept modern suites only; ${theirs.length} internal endpoint${theirs.length > 1 ? "s" : ""} (${[...new Set(theirs.map((e) => e.server))].join(", ")}) still accept CBC suites`
        : `${allOf(endpoints.length, "TLS endpoint")} refuse${endpoints.length === 1 ? "s" : ""} every suite without forward secrecy and AEAD`,
    details: [
      ...weak.map((e) => `${ours.includes(e) ? "FAIL " : "WARN "}${where(e)} [${e.server}] accepts ${e.steps.weak?.cipher}${ours.includes(e) ? "" : `: ${fix[e.server] ?? ""}`}`),
      ...endpoints.filter((e) => !weak.includes(e)).map((e) => `${where(e)} [${e.server}] refuses weak suites`),
    ],
  };
}

/** Certificates: a chain to the lab CA, the right name, a sensible lifetime. */
export function judgeCertificates(all: ProbedEndpoint[], now = new Date()): CheckResult {
  const endpoints = all.filter((e) => !silent(e));
  const details: string[] = [];
  let bad = 0;
  for (const e of endpoints) {
    const v12 = e.steps.tls1_2;
    const cert = v12?.cert;
    const problems: string[] = [];
    if (!v12?.ok) problems.push(`no verified TLS 1.2 handshake (verify: ${v12?.verify ?? "no answer"})`);
    else if (!v12.verify?.startsWith("0 ")) problems.push(`verification: ${v12.verify}`);
    if (!cert) problems.push("no certificate read");
    else {
      if (!cert.names.includes(e.name)) problems.push(`names ${cert.names.join(", ")} lack ${e.name}`);
      const lifetime = Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY);
      const left = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY);
      if (lifetime > MAX_CERT_DAYS) problems.push(`valid for ${lifetime} days (more than ${MAX_CERT_DAYS})`);
      if (left < MIN_DAYS_LEFT) problems.push(`expires in ${left} days`);
      if (!problems.length) details.push(`${where(e)}: ${cert.subject}, names ${cert.names.join(", ")}; issued by ${cert.issuer}; valid ${lifetime} days, ${left} left; chain verified for ${e.name}`);
    }
    if (problems.length) {
      bad++;
      details.unshift(`FAIL ${where(e)}: ${problems.join("; ")}`);
    }
  }
  return {
    id: "certificates",
    title: "certificates",
    status: bad ? "fail" : "pass",
    summary: bad
      ? `${bad} of ${count(endpoints.length, "TLS endpoint")} present${bad === 1 ? "s" : ""} a certificate that does not verify or does not fit`
      : `${allOf(endpoints.length, "certificate")} chain${endpoints.length === 1 ? "s" : ""} to the lab CA, carr${endpoints.length === 1 ? "ies" : "y"} the name ${endpoints.length === 1 ? "its client checks" : "their clients check"} and live${endpoints.length === 1 ? "s" : ""} at most ${MAX_CERT_DAYS} days`,
    details,
  };
}

const HTTP_MARK = "@@http";

/** The curl script the user host runs: the redirect from HTTP and the HSTS header of HTTPS, at each entry address. */
export function httpScript(model: Model): string {
  const site = `www.${model.domain}`;
  const lines: string[] = [];
  for (const e of model.entryPoints) {
    lines.push(
      `echo "${HTTP_MARK} redirect ${e.address}"`,
      `curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\\n' --max-time 3 --resolve ${site}:80:${e.address} 'http://${site}/guestbook?from=audit'`,
    );
    // No -k: curl verifies the chain with the user host's trust store, which holds the lab CA.
    lines.push(`echo "${HTTP_MARK} hsts ${e.address}"`, `curl -sS -D - -o /dev/null --max-time 3 --resolve ${site}:443:${e.address} https://${site}/ 2>&1 | tr -d '\\r'`);
  }
  return `${lines.join("\n")}\n`;
}

/** Parses the curl script's output into sections keyed "redirect ADDRESS" / "hsts ADDRESS". */
export function parseHttpOutput(out: string): Map<string, string> {
  const sections = new Map<string, string>();
  let key: string | undefined;
  for (const line of out.split("\n")) {
    if (line.startsWith(`${HTTP_MARK} `)) {
      key = line.slice(HTTP_MARK.length + 1);
      sections.set(key, "");
    } else if (key) sections.set(key, `${sections.get(key)}${line}\n`);
  }
  return sections;
}

/** Judges the redirect and HSTS sections. */
export function judgeHttp(model: Model, sections: Map<string, string>): CheckResult[] {
  const site = `www.${model.domain}`;
  const redirect: string[] = [];
  const hsts: string[] = [];
  const headers: string[] = [];
  let badRedirect = 0;
  let badHsts = 0;
  let badHeaders = 0;
  for (const e of model.entryPoints) {
    const r = (sections.get(`redirect ${e.address}`) ?? "").trim();
    const [code = "", location = ""] = r.split(" ");
    const want = `https://${site}/guestbook?from=audit`;
    const ok = (code === "301" || code === "308") && location === want;
    if (!ok) badRedirect++;
    redirect.push(`${ok ? "" : "FAIL "}${e.address}: http://${site}/guestbook?from=audit -> ${code || "no answer"} ${location}`.trim());
    const h = sections.get(`hsts ${e.address}`) ?? "";
    const status = /^HTTP\/\S+ (\d{3})/m.exec(h)?.[1];
    const maxAge = Number(/^strict-transport-security:.*max-age=(\d+)/im.exec(h)?.[1] ?? 0);
    const hOk = status !== undefined && maxAge >= MIN_HSTS_SECONDS;
    if (!hOk) badHsts++;
    hsts.push(
      hOk
        ? `${e.address}: https://${site}/ answers ${status} over a chain curl verified, with Strict-Transport-Security max-age=${maxAge}`
        : `FAIL ${e.address}: ${!status ? `no verified HTTPS answer (${h.trim().split("\n").pop() ?? ""})` : maxAge ? `Strict-Transport-Security max-age=${maxAge} is under ${MIN_HSTS_SECONDS} s (180 days)` : `answers ${status} without a Strict-Transport-Security header`}`,
    );
    const missing = status ? missingHeaders(h) : ["(no answer)"];
    if (missing.length) badHeaders++;
    headers.push(missing.length ? `FAIL ${e.address}: https://${site}/ lacks ${missing.join(", ")}` : `${e.address}: ${SECURITY_HEADERS.map((x) => x.name).join(", ")} present`);
  }
  return [
    {
      id: "redirect",
      title: "HTTP redirects to HTTPS",
      status: badRedirect ? "fail" : "pass",
      summary: badRedirect
        ? `${badRedirect} entry address${badRedirect > 1 ? "es do" : " does"} not redirect plain HTTP to the same URL over HTTPS`
        : "plain HTTP is answered with a permanent redirect to the same URL over HTTPS",
      details: redirect,
    },
    {
      id: "hsts",
      title: "HSTS",
      status: badHsts ? "fail" : "pass",
      summary: badHsts
        ? `${badHsts} entry address${badHsts > 1 ? "es answer" : " answers"} HTTPS without HSTS or without a verified chain`
        : "HTTPS answers carry Strict-Transport-Security, over a chain the visitor's curl verifies",
      details: hsts,
    },
    {
      id: "headers",
      title: "security headers",
      status: badHeaders ? "fail" : "pass",
      summary: badHeaders
        ? `${badHeaders} entry address${badHeaders > 1 ? "es answer" : " answers"} without ${SECURITY_HEADERS.map((x) => x.name).join(", ")}`
        : "pages carry X-Content-Type-Options: nosniff, a Referrer-Policy and a Content-Security-Policy",
      details: headers,
    },
  ];
}

/** HSTS shorter than this fails: 180 days, the least testssl and Mozilla's guidelines accept (stacklab sends two years). */
export const MIN_HSTS_SECONDS = 15_552_000;

/** Headers every page of the site must carry, and what their value must say. */
const SECURITY_HEADERS = [
  { name: "X-Content-Type-Options", test: /^nosniff$/i },
  { name: "Referrer-Policy", test: /\S/ },
  { name: "Content-Security-Policy", test: /default-src/ },
];

/** The security headers an HTTP answer (curl -D - output) lacks or carries with a useless value. */
export function missingHeaders(answer: string): string[] {
  return SECURITY_HEADERS.filter((x) => !answer.split("\n").some((line) => line.toLowerCase().startsWith(`${x.name.toLowerCase()}:`) && x.test.test(line.slice(x.name.length + 1).trim()))).map(
    (x) => x.name,
  );
}

const TLS_IDS = ["https", "tls-versions", "tls-ciphers", "certificates", "redirect", "hsts", "headers"] as const;
/** The ids and titles of the TLS checks, for reporting them when they cannot run. */
export const TLS_CHECKS = TLS_IDS.map((id) => ({ id, title: id }));

/** Runs every TLS check. Without HTTPS the `https` check fails and the others are skipped. */
export async function checkTls(ctx: AuditContext): Promise<CheckResult[]> {
  const { model } = ctx;
  if (model.tls.mode === "none") {
    const skip = (id: string, title: string): CheckResult => ({ id, title, status: "skip", summary: "no HTTPS to check", details: [] });
    return [
      {
        id: "https",
        title: "HTTPS for visitors",
        status: "fail",
        summary: "the site is served over plain HTTP only (tls.mode: none): pages, cookies and passwords cross the network readable by anyone on the way",
        details: model.entryPoints.map((e) => `${e.address}: HTTP on port 80, nothing on 443`),
      },
      skip("tls-versions", "TLS versions"),
      skip("tls-ciphers", "TLS cipher suites"),
      skip("certificates", "certificates"),
      skip("redirect", "HTTP redirects to HTTPS"),
      skip("hsts", "HSTS"),
      skip("headers", "security headers"),
    ];
  }
  const [probed, http] = await Promise.all([
    probeTls(
      ctx,
      tlsEndpoints(model).filter((e) => ctx.isUp(e.from)),
    ),
    ctx.inHost("user", ["bash", "-c", httpScript(model)], { timeoutMs: 60_000 }),
  ]);
  const front = probed.filter((e) => e.from === "user");
  const frontOk = front.filter((e) => e.steps.tls1_2?.ok || e.steps.tls1_3?.ok);
  const internal = probed.filter((e) => e.from !== "user");
  return [
    {
      id: "https",
      title: "HTTPS for visitors",
      status: front.length && frontOk.length === front.length ? "pass" : "fail",
      summary: `visitors get HTTPS at ${front.map((e) => e.address).join(", ")} (tls.mode: ${model.tls.mode}${model.tls.internal ? ", internal hops encrypted too" : ""}); ${count(internal.length, "internal TLS endpoint")}`,
      details: probed.map((e) => `${where(e)} -> ${e.name} [${e.server}]`),
    },
    judgeVersions(probed),
    judgeCiphers(probed),
    judgeCertificates(probed),
    ...judgeHttp(model, parseHttpOutput(http.stdout)),
  ];
}
