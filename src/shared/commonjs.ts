/**
 * The exports of a lazily imported CommonJS package. Node's import() gives them both as named
 * exports and as `default`; the production bundle (scripts/bundle.js) gives them only as
 * `default`. Every `import()` of a CommonJS package goes through this, so both builds agree.
 */
export function commonJsExports<M extends object>(mod: M): M {
  return 'default' in mod && mod.default ? (mod.default as M) : mod;
}
