// `export ansible --secrets target`: no password in the project at all. The files are rendered with marker values
// in place of the passwords and installed as templates; each shared password is generated once on one target (the
// first database host), read into the play's memory (slurp, no_log) and handed to the hosts that need it, never
// written on the control machine. Keys and certificates are the user's own in this mode: the roles check that they
// are in place and set their owner and mode.
import { derivedSecrets, type Secrets } from "../../runtime/secrets.js";
import type { Model } from "../../model/types.js";

/** How the project keeps its secrets: encrypted with ansible-vault (default), or generated on the targets. */
export type SecretsMode = "vault" | "target";
export const SECRETS_MODES: SecretsMode[] = ["vault", "target"];

/** Where the secrets host keeps the generated passwords (root only). */
export const GENERATED_SECRETS_DIR = "/etc/stacklab/generated-secrets";

/**
 * Marker values rendered in place of the passwords: letters and digits only, so every renderer writes them as they
 * are (SQL quotes, JSON, ini files), and long enough never to occur by chance. The derived secrets (the failover's
 * agent, token and clone passwords) are HMACs of `mysqlRoot`: their markers are the HMACs of this marker.
 */
export const TARGET_MARKERS: Secrets = {
  mysqlRoot: "stacklabTargetSecretMysqlRootMarker0",
  app: "stacklabTargetSecretAppMarker000000",
  replication: "stacklabTargetSecretReplicationMarker",
  monitor: "stacklabTargetSecretMonitorMarker00",
};

/** Each marker and the name of the secret generated on the target in its place (derived ones included). */
export function markerNames(): [marker: string, name: string][] {
  const derived = derivedSecrets(TARGET_MARKERS);
  return [
    [TARGET_MARKERS.mysqlRoot, "mysql_root"],
    [TARGET_MARKERS.app, "app"],
    [TARGET_MARKERS.replication, "replication"],
    [TARGET_MARKERS.monitor, "monitor"],
    [derived.agent, "db_agent"],
    [derived.token, "failover_token"],
    [derived.clone, "db_clone"],
  ];
}

const JINJA = /\{[{%#]|[}%#]\}/;

/**
 * A file holding markers as a Jinja template (written for `ansible.builtin.template` with `trim_blocks: false`):
 * each marker becomes `{{ stacklab_secret.NAME }}`, the rest stays byte for byte (in a raw block when it holds
 * anything Jinja would read). Returns the template and the names it uses.
 */
export function secretTemplate(content: string): { template: string; names: string[] } {
  const markers = markerNames();
  const names = new Set<string>();
  // (markers are letters, digits, '-' and '_': nothing to escape)
  const pattern = new RegExp(markers.map(([m]) => m).join("|"), "g");
  const literal = (text: string) => (JINJA.test(text) ? `{% raw %}${text}{% endraw %}` : text);
  let out = "";
  let last = 0;
  for (const m of content.matchAll(pattern)) {
    const name = markers.find(([marker]) => marker === m[0])![1];
    names.add(name);
    out += literal(content.slice(last, m.index)) + `{{ stacklab_secret.${name} }}`;
    last = m.index + m[0].length;
  }
  out += literal(content.slice(last));
  return { template: out, names: [...names].sort() };
}

/** The host that generates and keeps the shared secrets: the design's database primary, else its first server. */
export function secretsHost(model: Model, hosts: string[]): string {
  const primary = model.database.primary;
  return primary && hosts.includes(primary) ? primary : hosts[0]!;
}

/** group_vars of target mode. */
export function targetSecretVars(host: string, names: string[]): Record<string, unknown> {
  return { stacklab_secrets_host: host, stacklab_secrets_dir: GENERATED_SECRETS_DIR, stacklab_secret_names: names };
}

/** The first play: generate each secret once on the secrets host, read them into memory, hand them to every host. */
export function secretsPlay(): Record<string, unknown> {
  const onSecretsHost = { delegate_to: "{{ stacklab_secrets_host }}", run_once: true };
  // (os.open with O_EXCL and mode 0600: never readable by others, never overwritten)
  const generate = "import os,secrets,sys; f=os.open(sys.argv[1],os.O_WRONLY|os.O_CREAT|os.O_EXCL,0o600); os.write(f,secrets.token_urlsafe(24).encode())";
  return {
    name: "Shared secrets: generated once on one target, handed to the other hosts in memory only",
    hosts: "all",
    gather_facts: false,
    tasks: [
      {
        name: "Create the folder of the generated secrets (root only)",
        "ansible.builtin.file": { path: "{{ stacklab_secrets_dir }}", state: "directory", owner: "root", group: "root", mode: "0700" },
        ...onSecretsHost,
      },
      {
        name: "Generate each shared secret once",
        "ansible.builtin.command": { argv: ["python3", "-c", generate, "{{ stacklab_secrets_dir }}/{{ item }}"], creates: "{{ stacklab_secrets_dir }}/{{ item }}" },
        loop: "{{ stacklab_secret_names }}",
        ...onSecretsHost,
      },
      {
        name: "Read the secrets into the play's memory",
        "ansible.builtin.slurp": { src: "{{ stacklab_secrets_dir }}/{{ item }}" },
        loop: "{{ stacklab_secret_names }}",
        register: "stacklab_secret_files",
        no_log: true,
        ...onSecretsHost,
      },
      {
        name: "Hand the secrets to every host",
        "ansible.builtin.set_fact": { stacklab_secret: "{{ dict(stacklab_secret_names | zip(stacklab_secret_values)) }}" },
        vars: { stacklab_secret_values: "{{ stacklab_secret_files.results | map(attribute='content') | map('b64decode') | list }}" },
        no_log: true,
      },
    ],
  };
}

/** The task installing a role's files that hold secrets, as templates filled from `stacklab_secret`. */
export function secretTemplateTask(name: string, list: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    "ansible.builtin.template": {
      src: "{{ stacklab_host }}{{ item.path }}.j2",
      dest: "{{ item.path }}",
      mode: "{{ item.mode }}",
      owner: "{{ item.owner }}",
      group: "{{ item.group }}",
      trim_blocks: false,
    },
    loop: `{{ ${list} | default([]) }}`,
    loop_control: { label: "{{ item.path }}" },
    no_log: true,
    ...extra,
  };
}

/** Tasks checking that the keys and certificates the user supplies are in place, then setting owner and mode. */
export function suppliedFilesTasks(list: string): Record<string, unknown>[] {
  return [
    {
      name: "Find the keys and certificates you supply",
      "ansible.builtin.stat": { path: "{{ item.path }}" },
      loop: `{{ ${list} | default([]) }}`,
      loop_control: { label: "{{ item.path }}" },
      register: "supplied_files",
    },
    {
      name: "Check every key and certificate is in place",
      "ansible.builtin.assert": {
        that: ["supplied_files.results | rejectattr('stat.exists') | list | length == 0"],
        fail_msg: "Put {{ supplied_missing | join(', ') }} on {{ inventory_hostname }}: keys and certificates are yours (README.md)",
        quiet: true,
      },
      vars: { supplied_missing: "{{ supplied_files.results | rejectattr('stat.exists') | map(attribute='item.path') | list }}" },
    },
    {
      name: "Give the keys and certificates the owner and mode the services need",
      "ansible.builtin.file": { path: "{{ item.path }}", state: "file", owner: "{{ item.owner }}", group: "{{ item.group }}", mode: "{{ item.mode }}" },
      loop: `{{ ${list} | default([]) }}`,
      loop_control: { label: "{{ item.path }}" },
    },
  ];
}

/** The Secrets section of the project's README in target mode. */
export function targetSecretsReadme(host: string, names: string[], supplied: string[]): string {
  return `## Secrets

Exported with \`--secrets target\`: no password is in this project, encrypted or not. The first play generates each
shared password once on \`${host}\` (\`stacklab_secrets_host\`), in \`${GENERATED_SECRETS_DIR}\` (mode 0700, one file per
secret: ${names.map((n) => `\`${n}\``).join(", ")}), reads them into the play's memory (\`slurp\`, \`no_log\`) and hands
them to the hosts that need them, whose files are templates (\`roles/ROLE/templates/HOST/...j2\`) filled from
\`stacklab_secret\`. Nothing is written on the machine running ansible-playbook (facts stay in memory); a second run
finds the files and changes nothing. Back that folder up with the database: a new password there is a new password
for the database users at their next start, and for the app.

${
  supplied.length
    ? `Keys and certificates are yours in this mode: the project ships none (they are not generated on the targets).
Before applying, put on each host the files its roles list under \`stacklab_files.ROLE.supplied\` in
\`host_vars/HOST.yml\` (${supplied.map((p) => `\`${p}\``).join(", ")}); the roles check they are there and set their owner
and mode.`
    : "This design uses no TLS key or certificate."
}
`;
}
