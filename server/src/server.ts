// Placeholder entry for the language server bundle (dist/server.js).
export {};
