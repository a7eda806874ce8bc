// The etcd cluster of a design, as data: members, their URLs and the files they read (the run command is built from this).
import type { Host, Model } from "../../model/index.js";
import { PORTS } from "../../model/ports.js";
import { hostByName, privateAddress } from "./common.js";
import { TLS_FILES } from "./paths.js";

/** Where etcd keeps its data and its copy of the host key inside a member host. */
export const ETCD_PATHS = {
  dataDir: "/var/lib/etcd/member",
  runDir: "/run/stacklab/etcd",
  /** The host key, copied at each start for the etcd user (the original belongs to root or mysql). */
  key: "/run/stacklab/etcd/host.key",
} as const;

/** etcd's timing: a heartbeat every 100 ms and an election after 1 s of silence (etcd's defaults). */
export const ETCD_TIMING = {
  heartbeatMs: 100,
  electionMs: 1000,
  /** The failover controllers' leader lease (src/failover/election.ts): a dead leader's key is free after at most this. */
  leaseTtlS: 3,
  /**
   * The primary's lease (src/failover/lease.ts), held by the writable server's agent. Long enough to outlive an
   * election of etcd's own leader: its holder goes read-only once renewals have gone unanswered for about 3.8 s
   * (TTL - margin - one renewal period), and electing a new etcd leader after its host is lost takes 1 to 2 s (the
   * randomised election timeout) plus the client's 600 ms on the dead member. With 2 s (etcd's minimum) every loss
   * of the etcd leader's host made the primary fence itself (docs/failover.md). A crashed or cut-off primary does
   * not make a failover wait this long: the leading controller revokes its lease once it finds it lost. Semi-sync's
   * timeout follows it (mariadb.ts, semisyncTimeoutMs).
   */
  primaryLeaseTtlS: 5,
} as const;

/** One member: its name (the host's) and where peers and clients reach it. */
export interface EtcdMember {
  name: string;
  address: string;
  peerUrl: string;
  clientUrl: string;
}

/** True when etcd speaks TLS (the lab has a CA: tls.mode is not none). */
export function etcdTls(model: Model): boolean {
  return model.tls.mode !== "none";
}

/** The design's etcd members, in the spec's order (empty without etcd). */
export function etcdMembers(model: Model): EtcdMember[] {
  const scheme = etcdTls(model) ? "https" : "http";
  return model.database.etcd.map((name) => {
    const address = privateAddress(hostByName(model, name));
    return { name, address, peerUrl: `${scheme}://${address}:${PORTS.etcdPeer}`, clientUrl: `${scheme}://${address}:${PORTS.etcdClient}` };
  });
}

/** The etcd command line of a member host (flags only, after the program name). */
export function etcdArgs(model: Model, host: Host, lab: string): string[] {
  const members = etcdMembers(model);
  const me = members.find((m) => m.name === host.name);
  if (!me) throw new Error(`${host.name} holds no etcd member`);
  const tls = etcdTls(model)
    ? [
        `--cert-file=${TLS_FILES.hostCert}`,
        `--key-file=${ETCD_PATHS.key}`,
        `--trusted-ca-file=${TLS_FILES.ca}`,
        "--client-cert-auth",
        `--peer-cert-file=${TLS_FILES.hostCert}`,
        `--peer-key-file=${ETCD_PATHS.key}`,
        `--peer-trusted-ca-file=${TLS_FILES.ca}`,
        "--peer-client-cert-auth",
        // Forward-secret AEAD suites only (Mozilla intermediate; the certificates are P-256): Go's defaults add CBC ones.
        "--cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      ]
    : [];
  return [
    `--name=${me.name}`,
    `--data-dir=${ETCD_PATHS.dataDir}`,
    `--listen-peer-urls=${me.peerUrl}`,
    `--initial-advertise-peer-urls=${me.peerUrl}`,
    `--listen-client-urls=${me.clientUrl}`,
    `--advertise-client-urls=${me.clientUrl}`,
    `--listen-metrics-urls=http://${me.address}:${PORTS.etcdMetrics}`,
    `--initial-cluster=${members.map((m) => `${m.name}=${m.peerUrl}`).join(",")}`,
    "--initial-cluster-state=new",
    `--initial-cluster-token=stacklab-${lab}`,
    `--heartbeat-interval=${ETCD_TIMING.heartbeatMs}`,
    `--election-timeout=${ETCD_TIMING.electionMs}`,
    // a lab's keys are a few hundred bytes: a small backend and frequent compaction keep the member light
    "--quota-backend-bytes=67108864",
    "--auto-compaction-mode=revision",
    "--auto-compaction-retention=1000",
    "--snapshot-count=5000",
    "--logger=zap",
    "--log-outputs=stderr",
    ...tls,
  ];
}
