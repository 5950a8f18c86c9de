// The tool picker: a server, one of its tools, a form from the tool's input schema, and Run (an
// async invocation, watched as an operation).

import { serverPath } from './api.js';
import { h, setText } from './dom.js';
import { buildForm, describeSchema } from './schemaForm.js';

/** Events after which the selected server's tool list is read again. */
const TOOL_EVENTS = new Set(['McpServerStarted', 'McpServerUpdated', 'McpServerRegistered', 'ConfigurationReloaded']);

/**
 * @typedef {{ name: string, description: string | null, inputSchema: unknown }} ToolInfo
 */

/**
 * The Run a tool card: server and tool pickers, the argument form of the chosen tool (rebuilt only
 * when its schema changes), and Run, which starts the call with `"async": true`.
 */
export class ToolPicker {
  /**
   * @param {object} options
   * @param {import('./api.js').ApiClient} options.api
   * @param {HTMLFormElement} options.form
   * @param {HTMLSelectElement} options.serverSelect
   * @param {HTMLSelectElement} options.toolSelect
   * @param {HTMLElement} options.description
   * @param {HTMLElement} options.args
   * @param {HTMLButtonElement} options.runButton
   * @param {HTMLElement} options.status
   * @param {(started: { operation_id: string, mcp_server: string, tool: string }) => void} options.onStarted
   */
  constructor(options) {
    this.options = options;
    /** @type {ToolInfo[]} */
    this.tools = [];
    /** @type {{ read(): { ok: true, args: Record<string, unknown> } | { ok: false } } | undefined} */
    this.current = undefined;
    this.currentKey = '';
    this.loadSequence = 0;
    this.running = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.reloadTimer = undefined;
    options.serverSelect.addEventListener('change', () => void this.loadTools());
    options.toolSelect.addEventListener('change', () => this.showTool());
    options.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.run();
    });
    this.showTool();
  }

  get serverId() {
    return this.options.serverSelect.value;
  }

  /**
   * Offers these servers; the selection is kept while its server exists.
   * @param {{ mcp_server: string }[]} servers
   */
  setServers(servers) {
    const select = this.options.serverSelect;
    const ids = servers.map((s) => s.mcp_server).sort();
    const before = select.value;
    const same = ids.length === select.options.length && ids.every((id, i) => select.options[i]?.value === id);
    if (!same) select.replaceChildren(...ids.map((id) => h('option', { value: id }, id)));
    if (ids.includes(before)) select.value = before;
    if (select.value !== before || (!same && this.tools.length === 0)) void this.loadTools();
  }

  /**
   * Re-reads the tools when the selected server's tool list may have changed.
   * @param {Record<string, any>} event
   */
  applyEvent(event) {
    const ofSelected = event.mcp_server_id === this.serverId || event.event_type === 'ConfigurationReloaded';
    if (ofSelected && TOOL_EVENTS.has(event.event_type)) this.scheduleReload();
  }

  /** Reads the selected server's tools again shortly (once for a burst of reasons). */
  scheduleReload() {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.loadTools(), 100);
  }

  /** Lists the selected server's tools (predefined ones while it is cold). */
  async loadTools() {
    const id = this.serverId;
    const sequence = ++this.loadSequence;
    if (!id) {
      this.setTools([]);
      return;
    }
    try {
      const detail = await this.options.api.get(serverPath(id));
      if (sequence === this.loadSequence) this.setTools(Array.isArray(detail.tools) ? detail.tools : []);
    } catch (error) {
      if (sequence !== this.loadSequence) return;
      this.setTools([]);
      this.say(`Could not list the tools of ${id}: ${error instanceof Error ? error.message : error}`, true);
    }
  }

  /** @param {ToolInfo[]} tools */
  setTools(tools) {
    this.tools = [...tools].sort((a, b) => a.name.localeCompare(b.name));
    const select = this.options.toolSelect;
    const before = select.value;
    if (this.tools.length === 0) {
      const why = this.serverId ? 'No tools known yet: start the server' : 'No servers';
      select.replaceChildren(h('option', { value: '' }, why));
    } else {
      select.replaceChildren(
        h('option', { value: '' }, '— choose a tool —'),
        ...this.tools.map((tool) => h('option', { value: tool.name }, tool.name)),
      );
      if (this.tools.some((tool) => tool.name === before)) select.value = before;
    }
    this.showTool();
  }

  /** Shows the chosen tool's description and argument form (kept when the schema did not change). */
  showTool() {
    const { toolSelect, description, args, runButton } = this.options;
    const tool = this.tools.find((t) => t.name === toolSelect.value);
    const key = tool ? `${this.serverId}\u0000${tool.name}\u0000${JSON.stringify(tool.inputSchema ?? null)}` : '';
    runButton.disabled = !tool || this.running;
    setText(description, tool?.description ?? '');
    description.hidden = !tool?.description;
    if (key === this.currentKey) return;
    this.currentKey = key;
    if (!tool) {
      this.current = undefined;
      args.replaceChildren();
      return;
    }
    this.current = buildForm(args, describeSchema(tool.inputSchema), 'arg');
  }

  /** Validates the form and starts the call as an operation (`"async": true`). */
  async run() {
    const server = this.serverId;
    const tool = this.options.toolSelect.value;
    if (!this.current || !tool || this.running) return;
    const reading = this.current.read();
    if (!reading.ok) {
      this.say('Some arguments need fixing.', true);
      return;
    }
    this.running = true;
    this.options.runButton.disabled = true;
    this.say(`Starting ${tool}…`, false);
    try {
      const started = await this.options.api.post(serverPath(server, 'tools', tool, 'invoke'), {
        arguments: reading.args,
        async: true,
      });
      this.options.onStarted({ operation_id: started.operation_id, mcp_server: server, tool });
      this.say(`Started ${tool} on ${server} (operation ${String(started.operation_id).slice(0, 8)}).`, false);
    } catch (error) {
      this.say(`${tool} did not start: ${error instanceof Error ? error.message : error}`, true);
    } finally {
      this.running = false;
      this.showTool();
    }
  }

  /**
   * @param {string} message
   * @param {boolean} isError
   */
  say(message, isError) {
    setText(this.options.status, message);
    this.options.status.classList.toggle('is-error', isError);
  }
}
