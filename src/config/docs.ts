import { leaves } from './load.js';
import { profiles } from './profiles.js';

const shown = (v: unknown): string => {
  if (v === null || v === undefined) return 'unset';
  if (Array.isArray(v)) return v.length ? `\`${v.join(',')}\`` : 'empty';
  return `\`${String(v)}\``;
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function profileValue(profile: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<unknown>((node, p) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined), profile);
}

/**
 * The configuration reference as a markdown table, straight from the schema: every key, its
 * environment name, its default (with the profiles that change it) and its description.
 */
export function configTable(): string {
  const rows = leaves.map((leaf) => {
    const s = leaf.schema as { default?: unknown; description?: string; secret?: boolean };
    let def = shown(s.default);
    const byProfile = Object.entries(profiles)
      .map(([name, p]) => [name, profileValue(p, leaf.path)] as const)
      .filter(([, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(s.default));
    if (byProfile.length) def += ` (${byProfile.map(([name, v]) => `${name}: ${shown(v)}`).join('; ')})`;
    const env = s.secret ? `\`${leaf.env}\`, \`${leaf.env}_FILE\`` : `\`${leaf.env}\``;
    return `| \`${leaf.key}\` | ${env} | ${cell(def)} | ${cell(s.description ?? '')} |`;
  });
  return ['| key | environment | default | description |', '|---|---|---|---|', ...rows].join('\n');
}
