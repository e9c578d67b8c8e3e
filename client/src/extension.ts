// Placeholder entry for the extension bundle (dist/extension.js).
export function activate(): void {}
export function deactivate(): void {}
