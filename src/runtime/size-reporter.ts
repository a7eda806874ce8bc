// What a sized host used, published from inside it: every 5 s a small runit service reads the host's cgroup
// accounting and writes it for the node exporter's textfile collector (per-host series in Prometheus), and
// appends an event to the lab's log each time the kernel kills one of the host's processes for want of memory.
// It is stacklab's, not a component of the design: it runs on every sized host, listed in no plan or diagram.
import { MONITORING_FILES } from "../render/config/prometheus.js";
import { inHostView, usageFiles } from "./cgroups.js";
import { eventsFile } from "./events.js";
import { SERVICE_DIR, type HostFile } from "./host.js";
import type { ServiceContext } from "./services/types.js";

/** The reporter's runit service for a sized host (none for an unsized one). */
export function sizeReporterFiles(ctx: ServiceContext): HostFile[] {
  const size = ctx.host.size;
  const src = size && usageFiles(ctx.lab, ctx.host.name);
  if (!size || !src) return [];
  const dir = MONITORING_FILES.textfileDir;
  // The host cannot see /sys/fs/cgroup (ip netns exec mounts a fresh /sys): the hierarchies are mounted again
  // under the host's own /run, one folder per hierarchy.
  const views = new Map<string, NonNullable<ReturnType<typeof inHostView>>>();
  const view = (file: string): string => {
    const v = inHostView(file, "/run/stacklab/cgroup/x");
    if (!v) return file;
    const key = `${v.fstype}:${v.options}`;
    if (!views.has(key)) views.set(key, inHostView(file, `/run/stacklab/cgroup/${views.size}`)!);
    return inHostView(file, views.get(key)!.at)!.path;
  };
  const cpuFile = view(src.cpu);
  const memFile = view(src.mem);
  const oomFile = view(src.oom);
  const mountLines = [...views.values()].map((v) => `mkdir -p ${v.at} && { mountpoint -q ${v.at} || mount -t ${v.fstype} ${v.options ? `-o ${v.options} ` : ""}stacklab-cgroup ${v.at}; }`);
  const cpuRead = src.cpuScale === 1e6 ? `cpu=$(awk '/^usage_usec /{print $2}' ${cpuFile})` : `read cpu < ${cpuFile}`;
  const script = [
    "#!/bin/sh",
    "# stacklab: the host's use of its size, from its cgroup, every 5 s (textfile metrics and OOM events).",
    "exec >>/var/log/size-reporter.log 2>&1",
    `exec 3>>'${eventsFile(ctx.lab)}'`,
    ...mountLines,
    `oom_of() { awk '/^oom_kill /{print $2}' ${oomFile}; }`,
    "last=$(oom_of); last=${last:-0}",
    "while :; do",
    `  ${cpuRead}`,
    `  read mem < ${memFile}`,
    "  oom=$(oom_of); oom=${oom:-0}",
    `  if [ -d ${dir} ]; then`,
    `    cat > ${dir}/.stacklab-size.prom.tmp <<EOM`,
    "# HELP stacklab_host_cpu_seconds_total CPU time used by every process of the host (its cgroup).",
    "# TYPE stacklab_host_cpu_seconds_total counter",
    `stacklab_host_cpu_seconds_total{host="${ctx.host.name}"} $(awk "BEGIN{print $cpu/${src.cpuScale}}")`,
    "# HELP stacklab_host_cpu_limit_cores The host's CPU size, in cores.",
    "# TYPE stacklab_host_cpu_limit_cores gauge",
    `stacklab_host_cpu_limit_cores{host="${ctx.host.name}"} ${size.cpu}`,
    "# HELP stacklab_host_memory_bytes Memory the host uses now, as its cgroup counts it.",
    "# TYPE stacklab_host_memory_bytes gauge",
    `stacklab_host_memory_bytes{host="${ctx.host.name}"} $mem`,
    "# HELP stacklab_host_memory_limit_bytes The host's memory size.",
    "# TYPE stacklab_host_memory_limit_bytes gauge",
    `stacklab_host_memory_limit_bytes{host="${ctx.host.name}"} ${size.memoryBytes}`,
    "# HELP stacklab_host_oom_kills_total Processes of the host the kernel killed for want of memory.",
    "# TYPE stacklab_host_oom_kills_total counter",
    `stacklab_host_oom_kills_total{host="${ctx.host.name}"} $oom`,
    "EOM",
    `    mv ${dir}/.stacklab-size.prom.tmp ${dir}/stacklab-size.prom`,
    "  fi",
    '  if [ "$oom" -gt "$last" ]; then',
    `    printf '{"time":%s,"kind":"alert","host":"${ctx.host.name}","message":"${ctx.host.name} ran out of memory (its size: ${Math.round(size.memoryBytes / 1024 ** 2)} MiB): the kernel killed a process (%s so far)","source":"kernel","data":{"oomKills":%s}}\\n' "$(date +%s%3N)" "$oom" "$oom" >&3`,
    "    last=$oom",
    "  fi",
    "  sleep 5",
    "done",
    "",
  ].join("\n");
  return [{ path: `${SIZE_REPORTER_DIR}/run`, content: script, mode: 0o755 }];
}

/** The reporter's runit folder: lab-only (it reads the lab's cgroups and writes the lab's event log). */
export const SIZE_REPORTER_DIR = `${SERVICE_DIR}/size-reporter`;

/** Whether a host file is the reporter's: an export to real servers leaves it out (a real server's size is its own). */
export function isSizeReporterFile(path: string): boolean {
  return path.startsWith(`${SIZE_REPORTER_DIR}/`);
}
