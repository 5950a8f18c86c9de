import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** One running server process group, as written to `<data-dir>/run/<hangar pid>-<server>.json`. */
interface LedgerEntry {
  readonly mcp_server_id: string;
  /** Leader pid, which is also the process group id (subprocesses lead their own group). */
  readonly pid: number;
  /** The leader's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), against pid reuse. */
  readonly starttime: number | null;
  /** The Hangar that started it (pid and start time): a living owner's servers are never touched. */
  readonly owner: { readonly pid: number; readonly starttime: number | null };
}

/**
 * Remembers on disk which process groups Hangar's servers run in, so a Hangar that was killed
 * (SIGKILL, OOM, power cut: no chance to stop its servers) reaps what it left behind at its next
 * boot instead of leaving orphans forever. Only groups whose identity still checks out are killed:
 * a living leader must have the recorded start time; with the leader gone, every member must have
 * started after it. Linux only (it reads `/proc`); elsewhere stale entries are just dropped.
 */
export class ProcessLedger {
  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Records that `serverId` now runs process group `pid`. */
  record(serverId: string, pid: number): void {
    const entry: LedgerEntry = {
      mcp_server_id: serverId,
      pid,
      starttime: readStat(pid)?.starttime ?? null,
      owner: { pid: process.pid, starttime: readStat(process.pid)?.starttime ?? null },
    };
    const file = this.fileOf(serverId);
    // Written whole then renamed, so a crash never leaves half an entry.
    writeFileSync(`${file}.tmp`, JSON.stringify(entry));
    renameSync(`${file}.tmp`, file);
  }

  /** Forgets `serverId`'s group once it has been stopped (only if the entry is still about `pid`). */
  forget(serverId: string, pid: number): void {
    const file = this.fileOf(serverId);
    try {
      const entry = JSON.parse(readFileSync(file, 'utf8')) as LedgerEntry;
      if (entry.pid === pid) unlinkSync(file);
    } catch {
      // Already gone.
    }
  }

  /**
   * Kills the process groups a Hangar that is gone left running, and drops their entries; entries of
   * a Hangar still running on the same data dir stay untouched. Returns how many groups were killed.
   */
  reapLeftovers(): number {
    let reaped = 0;
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      try {
        if (!name.endsWith('.json')) {
          unlinkSync(file); // a temp file of a record() cut short
          continue;
        }
        const entry = JSON.parse(readFileSync(file, 'utf8')) as LedgerEntry;
        if (ownerAlive(entry)) continue;
        if (this.reap(entry)) reaped += 1;
        unlinkSync(file);
      } catch (error) {
        this.logger.warn({ err: error, file }, 'unreadable process ledger entry dropped');
        rmSync(file, { force: true });
      }
    }
    return reaped;
  }

  private reap(entry: LedgerEntry): boolean {
    if (entry.starttime === null) return false;
    const members = groupMembers(entry.pid);
    if (members.length === 0) return false;
    const leader = members.find((member) => member.pid === entry.pid);
    const same = leader ? leader.starttime === entry.starttime : members.every((member) => member.starttime >= entry.starttime!);
    if (!same) return false;
    try {
      process.kill(-entry.pid, 'SIGKILL');
    } catch {
      return false;
    }
    this.logger.warn(
      { mcp_server_id: entry.mcp_server_id, pid: entry.pid, processes: members.length },
      `killed ${members.length} process(es) of MCP server '${entry.mcp_server_id}' left running by a Hangar that did not stop cleanly`,
    );
    return true;
  }

  private fileOf(serverId: string): string {
    // Keyed by the owning Hangar too: two Hangars on one data dir may run servers of the same id.
    return path.join(this.dir, `${process.pid}-${serverId}.json`);
  }
}

function ownerAlive(entry: LedgerEntry): boolean {
  const owner = entry.owner as LedgerEntry['owner'] | undefined;
  if (!owner || owner.pid === process.pid) return false;
  const stat = readStat(owner.pid);
  return stat !== undefined && stat.starttime === owner.starttime;
}

interface ProcStat {
  readonly pid: number;
  readonly pgrp: number;
  readonly starttime: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `comm` (field 2) may hold spaces and parentheses: the fields that follow start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, pgrp: Number(fields[2]), starttime: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

function groupMembers(pgid: number): ProcStat[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map((pid) => readStat(Number(pid))).filter((stat): stat is ProcStat => stat?.pgrp === pgid);
}
