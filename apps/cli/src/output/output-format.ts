import { UsageError } from '../exit-codes';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** --output as given, else a table on a terminal and JSON for programs and CI logs. */
export function resolveOutputFormat(flag: string | undefined, stdoutIsTty: boolean): OutputFormat {
  if (flag === undefined) return stdoutIsTty ? 'table' : 'json';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(flag)) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got "${flag}"`);
  return flag as OutputFormat;
}
