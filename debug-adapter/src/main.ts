// Placeholder entry for the debug adapter bundle (dist/debugAdapter.js).
export {};
