import { stringify } from 'yaml';
import type { OutputFormat } from './output-format';

/** Prints a result: the wire object itself as JSON or YAML (stable fields), or its table. */
export function formatOutput(format: OutputFormat, value: unknown, table: () => string): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(value, null, 2)}\n`;
    case 'yaml':
      return stringify(value, { lineWidth: 0 });
    case 'table':
      return table();
  }
}
