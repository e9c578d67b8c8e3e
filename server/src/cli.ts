// Placeholder entry for the CLI bundle (dist/cli.js).
console.error('taskscope: CLI not implemented yet');
process.exit(2);
