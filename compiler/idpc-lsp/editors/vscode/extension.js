// Starts `idpc lsp` for the workspace's .kdl files. Highlighting comes from the server's semantic
// tokens, so no grammar is needed.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('idpc').get('command') || 'idpc';
  client = new LanguageClient(
    'idpc',
    'idpc',
    { command, args: ['lsp'] },
    {
      documentSelector: [{ scheme: 'file', language: 'kdl' }],
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{kdl,rego,hbs}'),
      },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
