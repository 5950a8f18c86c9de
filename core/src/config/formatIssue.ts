/** The part of a zod issue Hangar reports. */
export interface Issue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
}

/** Renders a zod issue path as a dotted key path: `mcp_servers.math.command.0`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** One line per issue, `path: message`, for error messages that must name the field. */
export function formatIssues(issues: readonly Issue[], prefix = ''): string {
  return issues
    .map((issue) => {
      const path = [prefix, formatIssuePath(issue.path)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
