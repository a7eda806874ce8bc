// TLS probes with openssl s_client, run inside the host an endpoint's flow starts from: one shell script per host.
import { TLS_FILES } from "../render/config/index.js";
import type { TlsEndpoint } from "./tls-endpoints.js";

/** The probes made against each endpoint. */
export const TLS_STEPS = ["tls1", "tls1_1", "tls1_2", "tls1_3", "weak"] as const;
export type TlsStep = (typeof TLS_STEPS)[number];

/**
 * TLS 1.2 suites without forward secrecy or without authenticated encryption (CBC, static RSA, ...):
 * a modern server refuses all of them. SECLEVEL=0 lets this client offer what its defaults would not.
 */
export const WEAK_CIPHERS = "ALL:!ECDHE+AESGCM:!ECDHE+CHACHA20:@SECLEVEL=0";
/** Lets the client offer TLS 1.0 and 1.1, which OpenSSL 3's defaults refuse on the client side. */
const OLD_OK = "DEFAULT:@SECLEVEL=0";

const MARK = "@@tls";
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function stepArgs(e: TlsEndpoint, step: TlsStep): string[] {
  const base = [
    "-connect",
    `${e.address}:${e.port}`,
    ...(e.starttls ? ["-starttls", e.starttls] : []),
    ...(e.nameKind === "dns" ? ["-servername", e.name] : []),
    // A server that requires a client certificate ends the handshake without one: show the probing host's own.
    ...(e.clientCert ? ["-cert", TLS_FILES.hostCert, "-key", TLS_FILES.hostKey] : []),
  ];
  const verify = ["-CAfile", TLS_FILES.ca, "-verify_return_error", ...(e.nameKind === "dns" ? ["-verify_hostname", e.name] : ["-verify_ip", e.name])];
  switch (step) {
    case "tls1":
      return [...base, "-tls1", "-cipher", OLD_OK];
    case "tls1_1":
      return [...base, "-tls1_1", "-cipher", OLD_OK];
    case "tls1_2":
      return [...base, "-tls1_2", ...verify];
    case "tls1_3":
      return [...base, "-tls1_3", ...verify];
    case "weak":
      return [...base, "-tls1_2", "-cipher", WEAK_CIPHERS];
  }
}

/** The shell script that probes one endpoint: a TCP connect first (no answer: one `reach` section and nothing else), then every step. */
export function tlsScript(e: TlsEndpoint): string {
  const lines = [
    "probe() {",
    "  id=$1; shift",
    '  out=$(timeout 4 openssl s_client "$@" </dev/null 2>&1); rc=$?',
    `  echo "${MARK} $id rc=$rc"`,
    "  printf '%s\\n' \"$out\" | grep -E '^(New, |Verify return code|    Verify return code)' | head -2",
    `  case $id in tls1_2) printf '%s\\n' "$out" | openssl x509 -noout -subject -issuer -startdate -enddate -ext subjectAltName 2>/dev/null;; esac`,
    "}",
  ];
  lines.push(`if ! timeout 2 bash -c 'exec 3<>/dev/tcp/${e.address}/${e.port}' 2>/dev/null; then echo "${MARK} reach rc=1"; exit 0; fi`);
  for (const step of TLS_STEPS) lines.push(`probe ${step} ${stepArgs(e, step).map(q).join(" ")}`);
  return `${lines.join("\n")}\n`;
}

/** What one probe found. */
export interface StepResult {
  ok: boolean;
  protocol?: string;
  cipher?: string;
  /** openssl's verification result, e.g. "0 (ok)". */
  verify?: string;
  cert?: { subject: string; issuer: string; notBefore: Date; notAfter: Date; names: string[] };
}

/** Parses one probe's section of output. */
function parseSection(ok: boolean, lines: string[]): StepResult {
  const result: StepResult = { ok };
  const field = (prefix: string) =>
    lines
      .find((l) => l.startsWith(prefix))
      ?.slice(prefix.length)
      .trim();
  const cipher = lines.map((l) => /^New, (\S+), Cipher is (\S+)/.exec(l)).find((m) => m);
  if (cipher) {
    result.protocol = cipher[1]!.replace(/,$/, "");
    result.cipher = cipher[2]!;
    if (result.cipher === "(NONE)") result.ok = false;
  }
  const verify = lines.map((l) => /Verify return code: (.*)$/.exec(l)).find((m) => m);
  if (verify) result.verify = verify[1]!;
  const notAfter = field("notAfter=");
  if (notAfter) {
    const san = lines.findIndex((l) => l.startsWith("X509v3 Subject Alternative Name"));
    const names =
      san >= 0
        ? (lines[san + 1] ?? "")
            .trim()
            .split(/,\s*/)
            .map((n) => n.replace(/^(DNS|IP Address):/, ""))
            .filter(Boolean)
        : [];
    result.cert = { subject: field("subject=") ?? "", issuer: field("issuer=") ?? "", notBefore: new Date(field("notBefore=") ?? ""), notAfter: new Date(notAfter), names };
  }
  return result;
}

/** Parses the script's output into one result per step (a lone `reach` result when nothing answered). */
export function parseTlsOutput(out: string): Map<string, StepResult> {
  const results = new Map<string, StepResult>();
  let key: string | undefined;
  let ok = false;
  let lines: string[] = [];
  const flush = () => key !== undefined && results.set(key, parseSection(ok, lines));
  for (const line of out.split("\n")) {
    const mark = /^@@tls (\S+) rc=(\d+)$/.exec(line);
    if (!mark) {
      lines.push(line);
      continue;
    }
    flush();
    key = mark[1]!;
    ok = mark[2] === "0";
    lines = [];
  }
  flush();
  return results;
}
