import { extensionPoint, serviceRef } from '../kernel/refs.js';

/** Who is calling. `anonymous` is used when no authenticator claims the request. */
export interface Principal {
  readonly id: string;
  readonly type: 'user' | 'service_account' | 'api_key' | 'anonymous' | 'system';
  readonly roles: readonly string[];
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** The anonymous principal: what a caller is when auth is off. */
export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', type: 'anonymous', roles: Object.freeze([]) });

/** What an authenticator sees of a request, WebSocket upgrade or MCP session. */
export interface AuthRequest {
  readonly channel: 'http' | 'websocket' | 'mcp';
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Query parameters (only `api_key` is honoured, and only on `/api/ws/*`, by convention). */
  readonly query: Readonly<Record<string, string | undefined>>;
}

/** Identifies callers. */
export interface Authenticator {
  readonly name: string;
  /**
   * Returns the principal, `undefined` to pass to the next authenticator, or throws
   * `AuthenticationError` (bad or required credentials) / `AccessDeniedError`.
   */
  authenticate(request: AuthRequest): Promise<Principal | undefined> | Principal | undefined;
}

/**
 * `core.authenticators` — sequential, first-wins: authenticators run in load order and the first
 * that returns a principal decides; one that throws refuses the request. None claiming it means
 * `ANONYMOUS`.
 */
export const authenticatorsExtensionPoint = extensionPoint<Authenticator>('core.authenticators', {
  key: (a) => a.name,
});

/** One access question: may `principal` do `action` (`tool:invoke`, …) on `resource`? */
export interface AccessRequest {
  readonly principal: Principal;
  readonly action: string;
  /** `global`, `mcp_server:<id>`, `group:<id>`. */
  readonly resource: string;
}

/** A policy's answer; `abstain` leaves the decision to other policies. */
export type AccessDecision = 'allow' | 'deny' | 'abstain';

/** Decides access to actions and which upstream tools a principal may see and call. */
export interface AccessPolicy {
  readonly name: string;
  check(request: AccessRequest): Promise<AccessDecision> | AccessDecision;
  /** Whether `tool` of server `serverId` is visible and callable for `principal`. */
  toolAllowed?(principal: Principal, serverId: string, tool: string): boolean;
}

/**
 * `core.policies` — all policies are asked, sequentially; any `deny` wins, otherwise allowed
 * (no policy contributed means everything is allowed, which is the case when auth is off).
 * `toolAllowed` likewise: every policy must allow a tool.
 */
export const policiesExtensionPoint = extensionPoint<AccessPolicy>('core.policies', { key: (p) => p.name });

/** The caller of the current request or MCP session (registered in the per-request scope). */
export const principalRef = serviceRef<Principal>('core.principal');

/**
 * What a route, WebSocket path or meta tool needs: `action` (`mcp_servers:read`, `operations:cancel`,
 * …) on `resource` (`global`, `mcp_server:<id>`, `group:<id>`).
 */
export interface Permission {
  readonly action: string;
  readonly resource: string;
}

/**
 * The one door every access question goes through (REST routes, WebSocket upgrades, meta tools,
 * invocations, listings). It asks the `core.policies` contributions: any `deny` refuses; a policy
 * that throws is logged and refuses too (a broken policy never lets a caller through silently).
 */
export interface Authorizer {
  /**
   * True when authentication is on (config `auth.enabled`, or an authenticator is loaded). Routes
   * that declare no permission are refused then.
   */
  readonly enabled: boolean;
  /** Throws `AccessDeniedError` (403) unless every policy allows or abstains. */
  authorize(principal: Principal, permission: Permission, deniedMessage?: string): Promise<void>;
  /** Whether `authorize` would pass; for listings, which leave out what the caller may not read. */
  permitted(principal: Principal, permission: Permission): Promise<boolean>;
  /**
   * Whether `principal` may see and call `tool` (the upstream name) of the server `subject`: its
   * config `tool_access`, then every policy's `toolAllowed`.
   */
  toolAllowed(principal: Principal, subject: ToolAccessSubject, tool: string): boolean;
}

/** What `toolAllowed` reads of a server (an `McpServer` is one). */
export interface ToolAccessSubject {
  readonly id: string;
  readonly config: {
    readonly tool_access?: { readonly allow_list?: readonly string[]; readonly deny_list?: readonly string[] };
  };
}

/** The authorizer service (`core.authorizer`). */
export const authorizerRef = serviceRef<Authorizer>('core.authorizer');
