// The VS Code client of the campaign language server.
//
// It starts `campaign lsp` (the command and its arguments come from the settings
// `campaign.server.path` and `campaign.server.args`), talks LSP to it over standard input and
// output for `.campaign` and `.tests` files, restarts it when those settings change, and says
// plainly what to do when the executable cannot be found or will not start.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

const CLIENT_ID = 'campaign';
const CLIENT_NAME = 'Campaign Language Server';
const LANGUAGES = ['campaign', 'campaign-tests'];
/** How many times the server may stop within RESTART_WINDOW_MS before it is left stopped. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
/** `.campaign` and `.tests` files on disk; shared by every client this extension starts. */
let watcher: vscode.FileSystemWatcher | undefined;
/** Serialises starts and stops, so that quick setting changes do not race. */
let pending: Promise<void> = Promise.resolve();

/** The server command as the settings give it. */
interface ServerCommand {
  /** `campaign.server.path` as written. */
  configured: string;
  /** The executable to run, once found. */
  command: string;
  args: string[];
}

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  // A `.tests` file is checked against its campaign: the server hears when either changes on disk.
  watcher = vscode.workspace.createFileSystemWatcher('**/*.{campaign,tests}');
  context.subscriptions.push(output, watcher);

  context.subscriptions.push(
    vscode.commands.registerCommand('campaign.server.restart', () => queue(restart)),
    vscode.commands.registerCommand('campaign.server.showOutput', () => output?.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('campaign.server')) {
        queue(restart);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => queue(restart)),
  );

  queue(start);
}

export function deactivate(): Thenable<void> | undefined {
  return client?.stop();
}

function queue(step: () => Promise<void>): void {
  pending = pending.then(step).catch((error: unknown) => {
    log(`unexpected error: ${describe(error)}`);
  });
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (error) {
      log(`stopping the server: ${describe(error)}`);
    }
    await running.dispose();
  }
}

async function start(): Promise<void> {
  const settings = readSettings();
  const command = findExecutable(settings.configured);
  if (command === undefined) {
    log(`not found: ${settings.configured}`);
    void notFound(settings.configured);
    return;
  }
  const server: ServerCommand = { ...settings, command };
  log(`starting: ${[command, ...server.args].join(' ')}`);

  const serverOptions: ServerOptions = {
    command,
    args: server.args,
    transport: TransportKind.stdio,
    options: { cwd: workspaceRoot() },
  };

  let stops: number[] = [];
  let started = false;
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    synchronize: watcher === undefined ? {} : { fileEvents: watcher },
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // Do not retry a failed `initialize`: start() then fails, and startFailed says why, once.
    initializationFailedHandler: (error) => {
      log(`initialize failed: ${describe(error)}`);
      return false;
    },
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        if (!started) {
          // The server stopped before answering `initialize`: start() fails and says why.
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        const now = Date.now();
        stops = [...stops.filter((t) => now - t < RESTART_WINDOW_MS), now];
        if (stops.length <= MAX_RESTARTS) {
          log(`the server stopped; restarting (${stops.length} of ${MAX_RESTARTS})`);
          return { action: CloseAction.Restart, handled: true };
        }
        return {
          action: CloseAction.DoNotRestart,
          message:
            `The campaign language server (${display(server)}) stopped ${stops.length} times in ` +
            `${RESTART_WINDOW_MS / 60000} minutes and was not restarted. See the output, then run ` +
            `"Campaign: Restart Language Server".`,
        };
      },
    },
  };

  let next: CampaignLanguageClient | undefined;
  try {
    next = new CampaignLanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client = next;
    await next.start();
    started = true;
    next.starting = false;
    log('started');
  } catch (error) {
    if (next !== undefined) {
      if (client === next) {
        client = undefined;
      }
      await next.dispose().then(undefined, () => undefined);
    }
    void startFailed(server, error);
  }
}

/**
 * A client whose failure to start is reported once, by this extension, in words about the
 * settings (vscode-languageclient would also pop up its own "couldn't create connection").
 */
class CampaignLanguageClient extends LanguageClient {
  starting = true;

  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    super.error(message, data, this.starting ? false : showNotification);
  }
}

function readSettings(): { configured: string; args: string[] } {
  const config = vscode.workspace.getConfiguration('campaign.server');
  const configured = (config.get<string>('path') ?? '').trim() || 'campaign';
  const raw = config.get<unknown>('args');
  const args = Array.isArray(raw) ? raw.filter((a): a is string => typeof a === 'string') : ['lsp'];
  return { configured: expand(configured), args: args.map(expand) };
}

/** `~` and `${workspaceFolder}` in a setting, as users write them. */
function expand(value: string): string {
  let result = value;
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = path.join(os.homedir(), result.slice(1));
  }
  const root = workspaceRoot();
  if (root !== undefined) {
    result = result.replace(/\$\{workspaceFolder\}/g, root);
  }
  return result;
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/**
 * The executable `configured` names: a path (absolute, or relative to the first workspace folder)
 * when it contains a path separator, otherwise a name looked up on PATH.
 */
export function findExecutable(configured: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const isWindows = process.platform === 'win32';
  const extensions = isWindows
    ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter((e) => e.length > 0)]
    : [''];
  const candidates = (base: string): string[] => extensions.map((ext) => base + ext);

  if (configured.includes('/') || (isWindows && configured.includes('\\'))) {
    const root = workspaceRoot();
    const base = path.isAbsolute(configured) || root === undefined ? configured : path.join(root, configured);
    return candidates(path.resolve(base)).find(isExecutable);
  }
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const found = candidates(path.join(dir, configured)).find(isExecutable);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, process.platform === 'win32' ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function notFound(configured: string): Promise<void> {
  const openSettings = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(
    `The campaign language server was not found: no executable "${configured}"` +
      (configured.includes('/') || configured.includes('\\') ? '' : ' on PATH') +
      '. Install the campaign command line tool (for example `cargo install --path .` in the campaign ' +
      'repository), or set "campaign.server.path" to the full path of the `campaign` binary. ' +
      'Syntax highlighting works without it.',
    openSettings,
  );
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'campaign.server');
  }
}

async function startFailed(server: ServerCommand, error: unknown): Promise<void> {
  log(`failed to start: ${describe(error)}`);
  const showOutput = 'Show Output';
  const openSettings = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(
    `The campaign language server (${display(server)}) did not start: ${describe(error)}. ` +
      `Check that "${server.command} ${server.args.join(' ')}" runs in a terminal: a campaign binary ` +
      'older than the `lsp` command cannot serve the editor.',
    showOutput,
    openSettings,
  );
  if (choice === showOutput) {
    output?.show(true);
  } else if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'campaign.server');
  }
}

function display(server: ServerCommand): string {
  return [server.configured, ...server.args].join(' ');
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

function log(message: string): void {
  output?.appendLine(`[${new Date().toISOString()}] ${message}`);
}
