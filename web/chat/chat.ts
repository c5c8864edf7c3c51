// The seed article's chat, kept compatible with it: a status line, a message box that sends on
// Enter and refuses empty messages, a log of "You:" and "Server:" lines, Connect/Disconnect.
// Each line is linked to its frame in the inspector and back.
import { closeCodeInfo } from '../../server/wire/close-codes';
import { byTestId, h } from '../lib/dom';

export interface ChatLink {
  /** The inspector lane of the connection the line travelled on, once the tap has named it. */
  laneKey: string | null;
  dir: 'client' | 'server';
  message: number;
}

interface LineLink {
  session: ChatSession;
  dir: 'client' | 'server';
  /** Which message of its direction on that connection, from 0. */
  message: number;
}

export interface ChatOptions {
  url: () => string;
  /** Called right before each connect, so the inspector can claim the socket as the chat's. */
  onConnecting(session: ChatSession): void;
  /** A line was clicked: show its frame. */
  onLineSelected(link: ChatLink): void;
}

export class ChatSession {
  laneKey: string | null = null;
  sent = 0;
  received = 0;
}

const MAX_LINES = 500;

export class Chat {
  readonly element: HTMLElement;
  private socket: WebSocket | null = null;
  private session: ChatSession | null = null;
  private readonly status: HTMLElement;
  private readonly log: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly connectButton: HTMLButtonElement;
  private readonly sendButton: HTMLButtonElement;

  constructor(private readonly options: ChatOptions) {
    this.element = h(
      'section',
      { className: 'chat', 'aria-label': 'Chat' },
      h(
        'header',
        { className: 'panel-head' },
        h('h2', {}, 'Chat'),
        h(
          'span',
          {
            className: 'chat-status',
            role: 'status',
            'data-testid': 'chat-status',
            'data-state': 'disconnected',
          },
          'disconnected',
        ),
        h(
          'button',
          { type: 'button', 'data-testid': 'chat-connect', onclick: () => this.toggle() },
          'Connect',
        ),
      ),
      h('div', {
        className: 'chat-log',
        'data-testid': 'chat-log',
        role: 'log',
        'aria-label': 'Chat messages',
        tabindex: 0,
      }),
      h(
        'form',
        {
          className: 'chat-form',
          onsubmit: (e: Event) => {
            e.preventDefault();
            this.send();
          },
        },
        h('input', {
          type: 'text',
          'data-testid': 'chat-input',
          'aria-label': 'Message to send',
          placeholder: 'Type a message, Enter sends',
          autocomplete: 'off',
        }),
        h('button', { type: 'submit', 'data-testid': 'chat-send' }, 'Send'),
      ),
    );
    this.status = byTestId(this.element, 'chat-status');
    this.log = byTestId(this.element, 'chat-log');
    this.input = byTestId(this.element, 'chat-input');
    this.connectButton = byTestId(this.element, 'chat-connect');
    this.sendButton = byTestId(this.element, 'chat-send');
    this.log.addEventListener('click', (event) => {
      const line = (event.target as HTMLElement).closest<HTMLElement>('[data-message]');
      if (line) this.selectLine(line);
    });
    this.log.addEventListener('keydown', (event) => {
      const line = (event.target as HTMLElement).closest<HTMLElement>('[data-message]');
      if (line && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        this.selectLine(line);
      }
    });
    this.setStatus('disconnected', 'disconnected');
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    const url = this.options.url();
    const session = new ChatSession();
    this.session = session;
    this.options.onConnecting(session);
    this.setStatus('connecting', `connecting to ${url}…`);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.setStatus('connected', `connected to ${url}`);
      this.addLine('status', 'Connected to the WebSocket server.');
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const text =
        typeof event.data === 'string' ? event.data : `(${(event.data as Blob).size} bytes of binary)`;
      this.addLine('server', text, { session, dir: 'server', message: session.received++ });
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const info = closeCodeInfo(event.code);
      const reason = event.reason ? `, reason "${event.reason}"` : '';
      this.setStatus('disconnected', `disconnected: ${event.code} ${info.name}${reason}`);
      this.addLine('status', `Disconnected from the WebSocket server (${event.code} ${info.name}${reason}).`);
    };
  }

  disconnect(): void {
    this.socket?.close(1000, 'chat disconnected');
  }

  private toggle(): void {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.disconnect();
    else this.connect();
  }

  send(): void {
    const text = this.input.value;
    if (text.trim() === '') {
      this.input.setCustomValidity('Type something first: an empty message is not sent.');
      this.input.reportValidity();
      return;
    }
    this.input.setCustomValidity('');
    const socket = this.socket;
    const session = this.session;
    if (!socket || socket.readyState !== WebSocket.OPEN || !session) {
      this.addLine('status', 'The WebSocket is not connected. Press Connect first.');
      return;
    }
    socket.send(text);
    this.addLine('client', text, { session, dir: 'client', message: session.sent++ });
    this.input.value = '';
  }

  private setStatus(state: 'connecting' | 'connected' | 'disconnected', text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
    const open = state !== 'disconnected';
    this.connectButton.textContent = open ? 'Disconnect' : 'Connect';
    this.connectButton.setAttribute('aria-label', open ? 'Disconnect the chat' : 'Connect the chat');
    this.sendButton.disabled = state !== 'connected';
  }

  private addLine(kind: 'client' | 'server' | 'status', text: string, link?: LineLink): void {
    const prefix = kind === 'client' ? 'You: ' : kind === 'server' ? 'Server: ' : '';
    const line = h('div', { className: `line ${kind}` }, prefix + text);
    if (link) {
      line.dataset.dir = link.dir;
      line.dataset.message = String(link.message);
      line.tabIndex = 0;
      line.title = 'Show this message’s frame in the inspector';
      (line as HTMLElement & { chatLink?: LineLink }).chatLink = link;
    }
    const atBottom = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 4;
    this.log.appendChild(line);
    while (this.log.childElementCount > MAX_LINES) this.log.firstElementChild!.remove();
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  private selectLine(line: HTMLElement): void {
    const link = (line as HTMLElement & { chatLink?: LineLink }).chatLink;
    if (!link) return;
    this.highlightLine(line);
    this.options.onLineSelected({ laneKey: link.session.laneKey, dir: link.dir, message: link.message });
  }

  private highlightLine(line: HTMLElement | null): void {
    for (const old of this.log.querySelectorAll('.line.linked')) old.classList.remove('linked');
    if (line) {
      line.classList.add('linked');
      line.scrollIntoView({ block: 'nearest' });
    }
  }

  /** The inspector selected a frame of the chat's connection: light up its line. */
  highlight(laneKey: string, dir: 'client' | 'server', message: number): void {
    for (const line of this.log.querySelectorAll<HTMLElement>('[data-message]')) {
      const link = (line as HTMLElement & { chatLink?: LineLink }).chatLink;
      if (link && link.dir === dir && link.message === message && link.session.laneKey === laneKey) {
        this.highlightLine(line);
        return;
      }
    }
    this.highlightLine(null);
  }
}
