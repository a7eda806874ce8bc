// Section "Load balancing": which algorithm spreads the requests, over which servers, and how health checks help.
import type { LoadBalancerModel } from "../model/index.js";
import { addressOf, count, list, names, namesWithAddresses, type Facts } from "./facts.js";
import type { Block, Section } from "./types.js";

/** Explains the load balancer's algorithm with the servers it chooses between (or the lack of a load balancer). */
export function loadBalancingSection(f: Facts): Section {
  const lb = f.model.loadBalancer;
  const blocks: Block[] = lb ? withBalancer(f, lb) : withoutBalancer(f);
  return { id: "load-balancing", title: "How the load is shared", blocks };
}

function withBalancer(f: Facts, lb: LoadBalancerModel): Block[] {
  const webs = f.withRole("web");
  const port = f.flow("lb-web")?.port ?? 80;
  const unit = f.model.tls.mode === "passthrough" ? "connection" : "request";
  const blocks: Block[] = [
    {
      kind: "paragraph",
      text:
        `HAProxy on ${names(lb.hosts)} uses the ${lb.algorithm} algorithm to choose, for each ${unit}, one of the ${count(webs.length, "web server")} behind it: ` +
        `${namesWithAddresses(webs, "private")}, on port ${port}.`,
    },
    {
      kind: "paragraph",
      text: algorithmText(
        f,
        lb.algorithm,
        webs.map((h) => h.name),
        unit,
      ),
    },
  ];
  if (webs.length === 1) blocks.push({ kind: "paragraph", text: `With a single web server there is nothing to choose between yet: the algorithm starts to matter when a second one is added.` });
  const hc = lb.healthCheck;
  blocks.push({
    kind: "paragraph",
    text:
      `HAProxy only chooses among servers it believes are healthy. Every ${hc.intervalMs} ms it checks each web server; after ${count(hc.fall, "failed check")} in a row it takes the server out of the rotation ` +
      `(so a dead server is noticed within about ${seconds(hc.intervalMs * hc.fall)}), and after ${count(hc.rise, "good check")} it puts it back. ` +
      `A request that was already on its way to a server when it died can still fail.`,
  });
  return blocks;
}

/** How one algorithm works, naming this design's servers. */
export function algorithmText(f: Facts, algorithm: LoadBalancerModel["algorithm"], servers: string[], unit = "request"): string {
  const [a = "the first server", b = a] = servers;
  const cycle =
    servers.length <= 1
      ? `${a} every time`
      : servers.length <= 3
        ? `${servers.join(", then ")}, then ${a} again`
        : `${servers.slice(0, 2).join(", then ")}, and so on up to ${servers.at(-1)}, then ${a} again`;
  if (algorithm === "roundrobin")
    return (
      `Round robin hands out ${unit}s in turn: ${cycle}. Each server gets the same share whatever it is busy with. ` +
      `That is simple and fair when requests cost about the same and the servers are alike; when some requests are much slower than others, a server can fall behind while still receiving its full share.`
    );
  if (algorithm === "leastconn")
    return (
      `Least connections (leastconn) sends each new ${unit} to the server that has the fewest connections open at that moment, taking turns among servers that are tied. ` +
      `If ${a} is stuck on slow requests, its connections stay open longer, so new ${unit}s go to ${b === a ? "the others" : b} instead. ` +
      `It suits long or uneven requests (uploads, slow pages, long-lived connections) better than round robin.`
    );
  const user = f.model.hosts.find((h) => h.roles.includes("user"));
  return (
    `Source hashing (source) computes a hash of the visitor's IP address and uses it to pick the server, so every ${unit} from one address, ` +
    `for example the lab's user at ${user ? addressOf(user) : "one address"}, lands on the same one of ${list(servers.length > 5 ? [names(servers)] : servers, "or")} as long as the set of servers does not change. ` +
    `That keeps a visitor "stuck" to one server without cookies, which matters if a server keeps sessions in its memory. ` +
    `On the other hand the spread is uneven when many visitors share one address (an office behind one router), and when a server fails or is added, some visitors move to another server and lose what the old one held for them.`
  );
}

function withoutBalancer(f: Facts): Block[] {
  const front = f.model.entryPoints.map((e) => f.host(e.holders[0]!));
  const other =
    `A load balancer would sit in front of several web servers and pick one for each request, with an algorithm such as round robin (each server in turn), ` +
    `leastconn (the server with the fewest open connections) or source (a fixed server for each visitor's address), and it would stop sending requests to a server that fails its health checks.`;
  if (front.length <= 1) {
    const h = front[0] ?? f.front;
    return [
      {
        kind: "paragraph",
        text:
          `This design has no load balancer. Every request goes straight to nginx on ${h.name} at ${f.entry.address}, so that one machine takes all the traffic: ` +
          `no work is shared, and nothing steps in when it is slow or down.`,
      },
      { kind: "paragraph", text: other },
    ];
  }
  return [
    {
      kind: "paragraph",
      text:
        `This design has no load balancer. Instead, the DNS record lists the addresses of ${namesWithAddresses(front, "public")} and visitors are spread by DNS round robin. ` +
        `DNS does not know whether a server is up: a dead server keeps getting its share of visitors until the record is changed and the cached answers expire.`,
    },
    { kind: "paragraph", text: other },
  ];
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
