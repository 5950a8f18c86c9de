import sqlite3 from 'sqlite3';

/**
 * sqlite3's callback API as promises, for the SQLite event store. Every call is one trip to
 * node-sqlite3's thread pool and back to a JS callback, which is what the store's write path
 * counts and keeps few.
 */
export const sqlite = {
  open(file: string, mode: number, busyTimeoutMs: number): Promise<sqlite3.Database> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, mode, (error) => {
        if (error) return reject(error);
        db.configure('busyTimeout', busyTimeoutMs);
        resolve(db);
      });
    });
  },

  close(db: sqlite3.Database): Promise<void> {
    return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
  },

  exec(db: sqlite3.Database, sql: string): Promise<void> {
    return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
  },

  prepare(db: sqlite3.Database, sql: string): Promise<sqlite3.Statement> {
    return new Promise((resolve, reject) => {
      const statement = db.prepare(sql, (error) => (error ? reject(error) : resolve(statement)));
    });
  },

  /** Always `all` (never `get`): it steps to the end, so no statement keeps a read snapshot open. */
  all<T>(statement: sqlite3.Statement, params: unknown[]): Promise<T[]> {
    return new Promise((resolve, reject) => {
      statement.all<T>(params, (error, rows) => (error ? reject(error) : resolve(rows)));
    });
  },

  /**
   * Steps a statement that returns no rows once (to its end): `lastID` is the rowid of the last
   * row it inserted, `changes` how many rows it wrote itself (not counting triggers).
   */
  run(statement: sqlite3.Statement, params: unknown[] = []): Promise<{ lastID: number; changes: number }> {
    return new Promise((resolve, reject) => {
      statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ lastID: this.lastID, changes: this.changes });
      });
    });
  },

  finalize(statement: sqlite3.Statement): Promise<void> {
    return new Promise((resolve) => statement.finalize(() => resolve()));
  },
};
