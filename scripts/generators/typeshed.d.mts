// Types for typeshed.mjs, so TypeScript tests can import it.
export function generate(options: { root: string; check: boolean }): Promise<void>;
