import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import ts from 'typescript';
import { createEvent, type PublishedEvent } from './DomainEvent.js';
import { isKernelEvent, KERNEL_EVENT_TYPES, type KernelEvent, type KernelEventOf, type KernelEventType } from './hangarEvents.js';

const CORE_SRC = fileURLToPath(new URL('..', import.meta.url));

/** The kernel's sources, tests and the testing entry left out. */
function kernelSources(): string[] {
  return readdirSync(CORE_SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith(`testing${path.sep}`))
    .map((file) => path.join(CORE_SRC, file));
}

/**
 * The event types `file` publishes. Every kernel event is made by `createEvent(type, …)`, directly
 * or through a class's `publish(…)` helper that passes its type on; the type is a string literal,
 * or a local `const` holding one (`const type = ok ? 'A' : 'B'`). Both calls are read, and each
 * argument resolved to the literals it can be; a helper's own `createEvent(type, …)` resolves to
 * none, its parameter not being a literal.
 */
function publishedTypes(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isPublishingCall(node.expression)) {
      for (const argument of node.arguments) found.push(...literalsOf(argument));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // Event types are PascalCase; this drops the other strings a publish call may hold (ids, reasons).
  return found.filter((text) => /^[A-Z][A-Za-z]+$/.test(text));
}

function isPublishingCall(callee: ts.Expression): boolean {
  if (ts.isIdentifier(callee)) return callee.text === 'createEvent' || callee.text === 'publish';
  return (
    ts.isPropertyAccessExpression(callee) &&
    callee.expression.kind === ts.SyntaxKind.ThisKeyword &&
    callee.name.text === 'publish'
  );
}

/** The string literals `node` can evaluate to, following conditionals and local consts. */
function literalsOf(node: ts.Expression): string[] {
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isParenthesizedExpression(node)) return literalsOf(node.expression);
  if (ts.isConditionalExpression(node)) return [...literalsOf(node.whenTrue), ...literalsOf(node.whenFalse)];
  if (ts.isIdentifier(node)) {
    const initializer = constInitializer(node);
    return initializer === undefined ? [] : literalsOf(initializer);
  }
  return [];
}

/** The initializer of the nearest enclosing `const` named like `identifier` (a parameter of that name hides it). */
function constInitializer(identifier: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = identifier.parent; scope !== undefined; scope = scope.parent) {
    if (ts.isFunctionLike(scope) && scope.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === identifier.text)) {
      return undefined;
    }
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
      const declaration = statement.declarationList.declarations.find(
        (d) => ts.isIdentifier(d.name) && d.name.text === identifier.text,
      );
      if (declaration !== undefined) return declaration.initializer;
    }
  }
  return undefined;
}

test('the union lists exactly the event types the kernel publishes', (t) => {
  const published = new Set(kernelSources().flatMap((file) => publishedTypes(file)));
  t.true(published.has('McpServerStarted') && published.has('ToolInvocationFailed'), 'the scan sees helpers and consts');
  const listed = new Set<string>(KERNEL_EVENT_TYPES);
  t.deepEqual(
    {
      publishedButNotListed: [...published].filter((type) => !listed.has(type)).sort(),
      listedButNotPublished: [...listed].filter((type) => !published.has(type)).sort(),
    },
    { publishedButNotListed: [], listedButNotPublished: [] },
  );
});

test('the scan follows a local const through a conditional, and stops at a parameter', (t) => {
  const text = `
    const type = 'OuterIgnored';
    function finish(ok: boolean) { const type = ok ? 'SampleDone' : 'SampleFailed'; this.publish(id, type, {}); }
    function publish(type: string) { createEvent(type, { reason: 'user_request' }); }
    function other() { eventBus.publish(createEvent('SampleDirect', {})); notify('NotAnEvent'); }`;
  t.deepEqual(publishedTypes('sample.ts', text).sort(), ['SampleDirect', 'SampleDone', 'SampleFailed']);
});

test('isKernelEvent narrows to the named type and its data', (t) => {
  const event: PublishedEvent = {
    ...createEvent(
      'ToolInvocationCompleted',
      { tool: 'echo', correlation_id: 'c-1', result_size_bytes: 12, duration_ms: 7 },
      { mcpServerId: 'math' },
    ),
    global_position: 3,
  };
  t.false(isKernelEvent(event, 'ToolInvocationFailed'));
  if (!isKernelEvent(event, 'ToolInvocationCompleted')) return t.fail('not narrowed');
  // These lines compile only because the guard narrowed `data` and kept the sink's own fields.
  const duration: number = event.data.duration_ms;
  const server: string = event.mcp_server_id;
  t.deepEqual([duration, server, event.data.tool, event.global_position], [7, 'math', 'echo', 3]);
});

test('isKernelEvent without a type accepts any kernel event, and a switch on event_type narrows it', (t) => {
  const reloaded = createEvent('ConfigurationReloaded', { config_path: '/etc/hangar.yaml', graceful: true });
  const foreign = createEvent('HelloWaved', { name: 'crew' });
  t.false(isKernelEvent(foreign));
  t.false(isKernelEvent(foreign, 'McpServerStarted'));
  if (!isKernelEvent(reloaded)) return t.fail('not a kernel event');
  const describe = (event: KernelEvent): string => {
    switch (event.event_type) {
      case 'ConfigurationReloaded':
        return event.data.config_path;
      case 'McpServerStateChanged':
        return `${event.mcp_server_id}: ${event.data.old_state} → ${event.data.new_state}`;
      default:
        return event.event_type;
    }
  };
  t.is(describe(reloaded), '/etc/hangar.yaml');
});

test('KernelEventOf a union of types is the union of those events', (t) => {
  const outcome = (event: KernelEventOf<'ToolInvocationCompleted' | 'ToolInvocationFailed'>) =>
    event.event_type === 'ToolInvocationFailed' ? event.data.error_type : String(event.data.result_size_bytes);
  const failed = createEvent(
    'ToolInvocationFailed',
    { tool: 't', correlation_id: 'c', error_type: 'UpstreamError', error_message: 'boom', duration_ms: 1 },
    { mcpServerId: 's' },
  );
  if (!isKernelEvent(failed, 'ToolInvocationFailed')) return t.fail('not narrowed');
  t.is(outcome(failed), 'UpstreamError');
  const types: readonly KernelEventType[] = KERNEL_EVENT_TYPES;
  t.is(new Set(types).size, types.length);
  t.true(Object.isFrozen(KERNEL_EVENT_TYPES));
});
