// The state of files and folders on a host, read by one `ansible.builtin.find` per role, and the conditions that skip a
// task when its file or folder is already as wanted. Each copy or folder checked by its own module costs two module runs
// on the host (the copy module's stat, then its file module for owner and mode) even when nothing changes, which made a
// second ansible-playbook run as long as the first; one find per role reads them all at once, and the copy or file
// module runs only for what is missing or differs (content, mode, owner, group), so changes, handlers and diffs are
// still the copy module's own.

/** A Jinja string literal. */
export function jinjaString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** The find task reading the state of everything under `paths` whose name matches, to `depth`, with checksums. */
export function scanTask(name: string, register: string, args: { paths: string; depth: string | number; patterns: string }): Record<string, unknown> {
  return {
    name,
    "ansible.builtin.find": { paths: args.paths, depth: args.depth, recurse: true, patterns: args.patterns, file_type: "any", hidden: true, get_checksum: true },
    register,
  };
}

export interface Wanted {
  /** A Jinja expression of the path. */
  path: string;
  kind: "file" | "directory" | "link";
  /** Jinja expressions; absent: not checked. The mode as the wanted octal string ('0644', '02750'). */
  mode?: string;
  owner?: string;
  group?: string;
  /** A Jinja expression of the wanted content, or of its SHA-1 (`sha1`). */
  content?: string;
  sha1?: string;
}

/** A Jinja condition, true when the scan's `files` (a Jinja expression: `haproxy_found.files`) hold the path as wanted. */
export function inPlace(files: string, w: Wanted): string {
  const parts = [`(${files} | default([]) | selectattr('path', 'equalto', ${w.path})`, `| selectattr('${w.kind === "file" ? "isreg" : w.kind === "directory" ? "isdir" : "islnk"}')`];
  // (find reports the mode as four octal digits: '0644', '2750')
  if (w.mode) parts.push(`| selectattr('mode', 'equalto', '%04o' | format(${w.mode} | int(base=8)))`);
  if (w.owner) parts.push(`| selectattr('pw_name', 'equalto', ${w.owner})`);
  if (w.group) parts.push(`| selectattr('gr_name', 'equalto', ${w.group})`);
  const sha1 = w.sha1 ?? (w.content ? `(${w.content}) | hash('sha1')` : undefined);
  if (sha1) parts.push(`| selectattr('checksum', 'equalto', ${sha1})`);
  parts.push("| list | length > 0)");
  return parts.join("\n");
}
