// Section "Monitoring": what it is for, how this design collects data, and how to watch the web servers' QPS.
import { PORTS } from "../model/index.js";
import { names, type Facts } from "./facts.js";
import type { Block, Section } from "./types.js";

/** Explains monitoring from the design's scrape flows, or what is missing when it has none. */
export function monitoringSection(f: Facts): Section {
  const why =
    `Monitoring answers three questions: is the site working right now, is it getting worse, and what went wrong when it failed. ` +
    `It turns each server's and each program's counters (requests served, errors, response times, CPU, memory, disk, replication delay) into time series, ` +
    `and raises an alert when one crosses a limit, so that people hear about a problem before the users do and can see trends coming (the disk filling up, traffic outgrowing the servers).`;
  const blocks: Block[] = [{ kind: "paragraph", text: why }];
  const mon = f.model.monitoring.host;
  const scrapes = f.model.flows.filter((fl) => fl.protocol === "prometheus");
  if (!mon || scrapes.length === 0) {
    blocks.push({
      kind: "paragraph",
      text:
        `This design has no monitoring: nobody is told when a server stops or slows down, and after an outage there is no record to find the cause. ` +
        `A monitoring tool would collect its data through agents on each server: small programs that read the machine's and the services' counters and either send them to a central collector (push) ` +
        `or publish them on a port for the collector to fetch at regular intervals (pull, the way Prometheus works).`,
    });
    blocks.push({ kind: "paragraph", text: qpsWithout(f) });
    return { id: "monitoring", title: "Monitoring", blocks };
  }
  blocks.push({
    kind: "paragraph",
    text:
      `Here Prometheus on ${mon} (port ${PORTS.prometheus}) collects the data by pulling it: at a fixed interval it makes an HTTP request to each agent's /metrics page, ` +
      `reads the current value of every counter, and stores it with a timestamp. The agents (exporters) are small programs beside each service that translate its internal figures into that format. ` +
      `Prometheus also checks the alert rules, and Alertmanager on ${mon} (port ${PORTS.alertmanager}) delivers the alerts to people. What it reads, and from where:`,
  });
  blocks.push({ kind: "bullets", items: scrapes.map((s) => `${s.purpose.replace(/^Prometheus scrapes /, "")}: ${names(s.to.hosts)}, port ${s.port}`) });
  blocks.push({ kind: "paragraph", text: qpsWith(f) });
  return { id: "monitoring", title: "Monitoring", blocks };
}

function qpsWith(f: Facts): string {
  const webs = f.withRole("web");
  const lbs = f.withRole("lb");
  const m = f.model.monitoring;
  const nginx = f.model.flows.find((fl) => fl.id === "scrape-nginx");
  const haproxy = f.model.flows.find((fl) => fl.id === "scrape-haproxy");
  return (
    `To watch the web servers' QPS (queries, that is requests, per second): nginx counts every request it handles, and the nginx exporter on ${names(webs)} (port ${nginx?.port ?? PORTS.nginxExporter}) publishes that count as nginx_http_requests_total. ` +
    `The count only ever goes up; QPS is how fast it grows, which Prometheus computes with rate(): sum(rate(nginx_http_requests_total[1m])) is the whole site's requests per second over the last minute, and the same without sum() gives one line per web server. ` +
    (haproxy && lbs.length ? `HAProxy's own exporter on ${names(lbs)} (port ${haproxy.port}) gives the same at the entrance as haproxy_frontend_http_requests_total. ` : "") +
    alertSentence(m.qpsAlert, m.errorRateAlert)
  );
}

function qpsWithout(f: Facts): string {
  return (
    `To monitor the web server's QPS (requests per second) you would turn on nginx's status page (stub_status), which keeps a running count of the requests it has handled, ` +
    `run an exporter on ${names(f.withRole("web"))} that publishes that count, and let the monitoring tool read it every few seconds: QPS is how fast the count grows. ` +
    `An alert then fires when it passes a limit${f.model.monitoring.qpsAlert !== undefined ? `, for example the ${f.model.monitoring.qpsAlert} requests per second this design's settings name` : " (set monitoring.qpsAlert to choose one)"}.`
  );
}

function alertSentence(qps: number | undefined, errorRate: number | undefined): string {
  const parts = [
    ...(qps !== undefined ? [`when the site passes ${qps} requests per second`] : []),
    ...(errorRate !== undefined ? [`when more than ${Math.round(errorRate * 1000) / 10}% of the answers are server errors (5xx)`] : []),
  ];
  return parts.length ? `This design alerts ${parts.join(", and ")}.` : "This design sets no alert thresholds yet: add monitoring.qpsAlert and monitoring.errorRateAlert.";
}
