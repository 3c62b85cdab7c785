import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_PATH, generatedSections, sectionIn } from '../../scripts/config-docs.js';

const readme = readFileSync(README_PATH, 'utf8');

describe('README stays true', () => {
  it.each(Object.entries(generatedSections()))('its %s matches the code (run `npm run docs:config -- --write`)', (name, text) => {
    expect(sectionIn(readme, name)).toBe(text);
  });

  it('starts with what Gatehouse is, then the two commands', () => {
    const [title, , ...rest] = readme.split('\n');
    expect(title).toBe('# Gatehouse');
    const intro = rest.slice(0, rest.indexOf(''));
    expect(intro).toHaveLength(3);
    const firstBlock = readme.slice(readme.indexOf('```sh'), readme.indexOf('```', readme.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm test');
  });

  it('links the API reference and says the container files were not run here', () => {
    expect(readme).toContain('/api/openapi.json');
    expect(readme).toContain('/api/docs');
    expect(readme).toMatch(/## Docker[\s\S]*cannot be run on the machine/);
  });
});
