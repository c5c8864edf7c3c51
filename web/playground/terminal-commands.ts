// wscat-like commands at the terminal's prompt, on one socket the page opens itself.
import { fromHex } from '../../core/wire/bytes';
import { closeCodeInfo } from '../../core/wire/close-codes';
import { jsonTextOfBytes } from '../lib/binary-json';
import { echoUrl, serverWsUrl } from '../lib/urls';
import type { TerminalView } from './terminal';

export const HELP = [
  'Commands:',
  '  connect [url]   open a WebSocket: the echo server,',
  '                  or a path such as /echo?tick=1000',
  '  send <text>     send a text message',
  '  binary <hex>    send bytes, e.g. binary 01 02 fa',
  '  ping [text]     (a page cannot send pings; try it)',
  '  close [code] [reason]   e.g. close 4000 bye',
  '  clear           clear the terminal',
  '  help            this list',
];

export interface CommandHooks {
  /** Called right before the terminal opens a socket to `path`, so the inspector can name it. */
  onConnecting(path: string): void;
}

export class TerminalCommands {
  private socket: WebSocket | null = null;

  constructor(
    private readonly terminal: TerminalView,
    private readonly hooks: CommandHooks,
  ) {}

  run(line: string): void {
    const [command = '', ...rest] = line.split(' ');
    const argument = line.slice(command.length).trim();
    switch (command.toLowerCase()) {
      case 'help':
      case '?':
        for (const text of HELP) this.terminal.print(text, 'system');
        break;
      case 'connect':
      case 'c':
        this.connect(argument);
        break;
      case 'send':
      case 's':
        this.send(argument);
        break;
      case 'binary':
      case 'b':
        this.binary(argument);
        break;
      case 'ping':
        this.terminal.print(
          'The browser WebSocket API has no ping(): pages cannot send pings, only the browser answers them. ' +
            'Ask the server to ping you instead: connect /echo?ping=1000 and watch the ping and pong frames.',
          'warn',
        );
        break;
      case 'close':
        this.close(rest);
        break;
      case 'clear':
        this.terminal.clear();
        break;
      default:
        this.terminal.print(`unknown command "${command}"; type help`, 'error');
    }
  }

  private resolve(argument: string): string | null {
    if (!argument) return echoUrl();
    if (argument.startsWith('/') || argument.startsWith('?')) {
      return argument.startsWith('?') ? `${echoUrl()}${argument}` : `${serverWsUrl()}${argument}`;
    }
    if (/^wss?:\/\//.test(argument)) return argument;
    return null;
  }

  private connect(argument: string): void {
    const url = this.resolve(argument);
    if (!url) {
      this.terminal.print(`not a WebSocket URL: ${argument} (want ws://… or a path such as /echo)`, 'error');
      return;
    }
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000, 'reconnecting');
    let socket: WebSocket;
    try {
      const parsed = new URL(url);
      if (parsed.host === new URL(serverWsUrl()).host)
        this.hooks.onConnecting(`${parsed.pathname}${parsed.search}`);
      socket = new WebSocket(url);
    } catch (error) {
      this.terminal.print((error as Error).message, 'error');
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.terminal.print(`connecting to ${url}…`, 'system');
    socket.onopen = () =>
      this.terminal.print(`connected (press Ctrl+C to clear the line; close to hang up)`, 'info');
    socket.onmessage = (event) => {
      const data = event.data as string | ArrayBuffer;
      // JSON in a binary frame (the Live API sends all of its messages so) is printed as its text.
      const json = typeof data === 'string' ? null : jsonTextOfBytes(new Uint8Array(data));
      const text =
        typeof data === 'string'
          ? data
          : json !== null
            ? `binary ${data.byteLength} B, UTF-8: ${json}`
            : `binary ${data.byteLength} B: ${[...new Uint8Array(data.slice(0, 64))].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
      this.terminal.print(`< ${text}`, 'log');
    };
    socket.onerror = () =>
      this.terminal.print('error event (the browser does not say why; see the inspector)', 'error');
    socket.onclose = (event) => {
      const info = closeCodeInfo(event.code);
      this.terminal.print(
        `disconnected: ${event.code} ${info.name}${event.reason ? ` "${event.reason}"` : ''}, wasClean ${event.wasClean}`,
        event.wasClean ? 'info' : 'warn',
      );
      if (this.socket === socket) this.socket = null;
    };
  }

  private open(): WebSocket | null {
    if (this.socket?.readyState === WebSocket.OPEN) return this.socket;
    this.terminal.print('not connected: type connect first', 'error');
    return null;
  }

  private send(text: string): void {
    const socket = this.open();
    if (socket) socket.send(text);
  }

  private binary(hex: string): void {
    const bytes = fromHex(hex);
    if (!bytes) {
      this.terminal.print(`not hex: ${hex} (want pairs of hex digits, e.g. 01 02 fa)`, 'error');
      return;
    }
    const socket = this.open();
    if (socket) socket.send(bytes as Uint8Array<ArrayBuffer>);
  }

  private close(args: string[]): void {
    const socket = this.socket;
    if (!socket || socket.readyState >= WebSocket.CLOSING) {
      this.terminal.print('not connected', 'error');
      return;
    }
    const [codeText, ...reasonWords] = args;
    const code = codeText ? Number(codeText) : undefined;
    const reason = reasonWords.join(' ');
    try {
      if (code === undefined) socket.close();
      else socket.close(code, reason);
    } catch (error) {
      // The browser allows only 1000 and 3000-4999, and a reason of at most 123 bytes (RFC 6455 §7.4).
      this.terminal.print(`${(error as Error).message}`, 'error');
    }
  }
}
