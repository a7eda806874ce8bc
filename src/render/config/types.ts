// What every config renderer returns, and the secrets some of them need.

/** One file for one host: an absolute path inside the host, its text and, when not 0644, its mode. */
export interface RenderedFile {
  path: string;
  content: string;
  mode?: number;
}

/** The lab's secrets, handed to the renderers by the runtime (placeholders for `stacklab render`). */
export interface Secrets {
  mysqlRoot: string;
  app: string;
  replication: string;
  monitor: string;
}

/** Secrets shown as `<secret:NAME>`, for files that people read rather than run. */
export const PLACEHOLDER_SECRETS: Secrets = {
  mysqlRoot: "<secret:mysqlRoot>",
  app: "<secret:app>",
  replication: "<secret:replication>",
  monitor: "<secret:monitor>",
};
