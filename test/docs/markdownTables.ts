import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/**
 * The checked tables of the reference pages: a row counts when its first cell is one backticked
 * code span (`` `tool_naming` ``, `` `GET /api/system` ``); header and separator rows do not.
 */
export interface TableRow {
  /** The first cell's code, backticks removed. */
  readonly key: string;
  /** Every cell, trimmed. */
  readonly cells: readonly string[];
  /** 1-based line in the file. */
  readonly line: number;
}

/** A repository file's text. */
export function readDoc(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

/** The sections of a markdown file by their `## ` heading (text after `## `); `''` before the first. */
export function sections(markdown: string): Map<string, { text: string; firstLine: number }> {
  const out = new Map<string, { text: string; firstLine: number }>();
  let heading = '';
  let lines: string[] = [];
  let firstLine = 1;
  const flush = () => out.set(heading, { text: lines.join('\n'), firstLine });
  markdown.split('\n').forEach((line, index) => {
    const match = /^## (.+)$/.exec(line);
    if (match) {
      flush();
      heading = match[1]!.trim();
      lines = [];
      firstLine = index + 2;
    } else lines.push(line);
  });
  flush();
  return out;
}

/** The rows of every table in `text` whose first cell is a single code span. */
export function tableRows(text: string, firstLine = 1): TableRow[] {
  const rows: TableRow[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trimStart().startsWith('|')) return;
    const cells = splitRow(line);
    const match = /^`([^`]+)`$/.exec(cells[0] ?? '');
    if (match) rows.push({ key: match[1]!, cells, line: firstLine + index });
  });
  return rows;
}

/** The rows of the tables under one `## ` heading; fails loudly when the heading is missing. */
export function sectionRows(file: string, heading: string): TableRow[] {
  const section = sections(readDoc(file)).get(heading);
  if (section === undefined) throw new Error(`${file} has no section '## ${heading}'`);
  return tableRows(section.text, section.firstLine);
}

/** The cells of a table row; `\|` inside a cell is not a separator. */
function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}
