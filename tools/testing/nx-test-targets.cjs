// Nx plugin: gives every project a `test` target that runs its own tests in every tier
// (`nx affected -t test` skips the projects a change does not touch). Projects with a test/
// folder run service or cluster tests, which start the built server and agents: build first.
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

function testTarget(root, workspaceRoot) {
  const build = existsSync(join(workspaceRoot, root, 'test')) ? 'npm run -s build && ' : '';
  return {
    executor: 'nx:run-commands',
    cache: false,
    options: { command: `${build}node tools/testing/run-tiers.mjs -- --passWithNoTests ${root}/`, cwd: '{workspaceRoot}' },
  };
}

module.exports.createNodesV2 = [
  '**/project.json',
  async (files, _options, context) =>
    files.map((file) => {
      const root = dirname(file);
      return [file, { projects: { [root]: { targets: { test: testTarget(root, context.workspaceRoot) } } } }];
    }),
];
