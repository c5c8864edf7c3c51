// The seed article's chat, kept compatible with it: a status line, a message box that sends on
// Enter and refuses empty messages, a log of "You:" and "Server:" lines, Connect/Disconnect.
// Each line is linked to its frame in the inspector and back. A "Connect through wslab to…" field
// beside Connect sends the chat to another WebSocket server by way of wslab's /proxy relay.
import { closeCodeInfo } from '../../core/wire/close-codes';
import type { Direction } from '../../core/wire/direction';
import { byTestId, h } from '../lib/dom';
import { load, save } from '../lib/local-settings';
import './chat.css';

export interface ChatLink {
  /** The inspector lane of the connection the line travelled on, once the tap has named it. */
  laneKey: string | null;
  dir: Direction;
  message: number;
}

interface LineLink {
  session: ChatSession;
  dir: Direction;
  /** Which message of its direction on that connection, from 0. */
  message: number;
}

export interface ChatOptions {
  /** The echo server's URL, or the relay's URL for a target typed in the proxy field. */
  url: (target: string | null) => string;
  /** Called right before each connect, so the inspector can claim the socket as the chat's. */
  onConnecting(session: ChatSession, url: string): void;
  /** A line was clicked: show its frame. */
  onLineSelected(link: ChatLink): void;
  /** The learner connected, disconnected or sent (not the page connecting on load). */
  onLearnerAct?(): void;
}

export class ChatSession {
  laneKey: string | null = null;
  sent = 0;
  received = 0;
  opened = false;
  /** The upstream URL when the chat connects through the relay. */
  target: string | null = null;
  /** Why the server would not open the connection, once the tap told the inspector. */
  refusal: string | null = null;
  /** The chat line that explains the failure, waiting for the reason. */
  refusalLine: HTMLElement | null = null;
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
  private readonly targetInput: HTMLInputElement;

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
      h(
        'label',
        { className: 'chat-target' },
        h('span', {}, 'Connect through wslab to…'),
        h('input', {
          type: 'url',
          'data-testid': 'proxy-target',
          'aria-label': 'Connect through wslab to this WebSocket server (empty: the echo server)',
          title:
            'A ws:// or wss:// URL: the chat connects to it through wslab, and the inspector shows its frames. Empty: the echo server.',
          placeholder: 'ws://127.0.0.1:9000/ (empty: the echo server)',
          autocomplete: 'off',
          spellcheck: 'false',
          onkeydown: (e: Event) => {
            if ((e as KeyboardEvent).key !== 'Enter') return;
            e.preventDefault();
            this.options.onLearnerAct?.();
            this.reconnect();
          },
        }),
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
          // An invalid form never submits: the complaint about an empty send must end with the
          // next keystroke, or every later message is refused.
          oninput: () => this.input.setCustomValidity(''),
        }),
        h('button', { type: 'submit', 'data-testid': 'chat-send' }, 'Send'),
      ),
    );
    this.status = byTestId(this.element, 'chat-status');
    this.log = byTestId(this.element, 'chat-log');
    this.input = byTestId(this.element, 'chat-input');
    this.connectButton = byTestId(this.element, 'chat-connect');
    this.sendButton = byTestId(this.element, 'chat-send');
    this.targetInput = byTestId(this.element, 'proxy-target');
    this.targetInput.value = load('proxy-target') ?? '';
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

  /** The upstream URL typed in the field, or null for the echo server. */
  get target(): string | null {
    const text = this.targetInput.value.trim();
    return text === '' ? null : text;
  }

  connect(): void {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    const target = this.target;
    if (target !== null && !/^wss?:\/\/./i.test(target)) {
      this.targetInput.setCustomValidity('A ws:// or wss:// URL, such as ws://127.0.0.1:9000/');
      this.targetInput.reportValidity();
      return;
    }
    this.targetInput.setCustomValidity('');
    save('proxy-target', target);
    const url = this.options.url(target);
    const session = new ChatSession();
    session.target = target;
    this.session = session;
    this.options.onConnecting(session, url);
    const where = target ?? url;
    this.setStatus('connecting', target ? `connecting to ${target} through wslab…` : `connecting to ${url}…`);
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch (error) {
      this.setStatus('disconnected', `cannot connect: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      session.opened = true;
      this.setStatus('connected', `connected to ${where}${target ? ' through wslab' : ''}`);
      this.addLine(
        'status',
        target ? `Connected to ${target} through wslab.` : 'Connected to the WebSocket server.',
      );
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
      if (!session.opened && event.code === 1006) {
        this.notOpened(session);
        return;
      }
      const info = closeCodeInfo(event.code);
      const reason = event.reason ? `, reason "${event.reason}"` : '';
      this.setStatus('disconnected', `disconnected: ${event.code} ${info.name}${reason}`);
      this.addLine('status', `Disconnected from the WebSocket server (${event.code} ${info.name}${reason}).`);
    };
  }

  /**
   * The handshake failed. A browser reports any non-101 answer only as close code 1006, without
   * the status or the reason (RFC 6455 §4.1 keeps them from scripts); the tap saw the answer, so
   * the chat points to the inspector, and quotes the reason once the tap has delivered it.
   */
  private notOpened(session: ChatSession): void {
    const through = session.target
      ? `wslab could not connect you to ${session.target}`
      : 'The connection failed';
    this.setStatus('disconnected', `${through}: refused (1006)`);
    this.status.dataset.refused = 'true';
    const line = this.addLine(
      'status',
      `${through}. The browser only says 1006 (abnormal closure), not why: the ${session.target ? 'proxy' : 'chat'} lane in the inspector shows the server's answer and its reason.`,
    );
    line.dataset.testid = 'chat-refusal';
    if (session.refusal) this.addRefusalReason(line, session.refusal);
    else session.refusalLine = line;
  }

  /** The tap's account of a refused handshake on a chat connection. */
  refused(session: ChatSession, status: number, reason: string): void {
    session.refusal = `${status}: ${reason}`;
    const line = session.refusalLine;
    if (line) this.addRefusalReason(line, session.refusal);
  }

  private addRefusalReason(line: HTMLElement, refusal: string): void {
    line.append(h('span', { className: 'refusal-reason' }, ` The server answered ${refusal}`));
  }

  /** Connects again, to whatever the target field now says. */
  private reconnect(): void {
    const socket = this.socket;
    if (socket && socket.readyState <= WebSocket.OPEN) {
      this.socket = null;
      socket.close(1000, 'chat reconnecting');
      this.setStatus('disconnected', 'disconnected');
    }
    this.connect();
  }

  disconnect(): void {
    this.socket?.close(1000, 'chat disconnected');
  }

  private toggle(): void {
    this.options.onLearnerAct?.();
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
    this.options.onLearnerAct?.();
    socket.send(text);
    this.addLine('client', text, { session, dir: 'client', message: session.sent++ });
    this.input.value = '';
  }

  private setStatus(state: 'connecting' | 'connected' | 'disconnected', text: string): void {
    this.status.dataset.state = state;
    delete this.status.dataset.refused;
    this.status.textContent = text;
    const open = state !== 'disconnected';
    this.connectButton.textContent = open ? 'Disconnect' : 'Connect';
    this.connectButton.setAttribute('aria-label', open ? 'Disconnect the chat' : 'Connect the chat');
    this.sendButton.disabled = state !== 'connected';
  }

  private addLine(kind: Direction | 'status', text: string, link?: LineLink): HTMLElement {
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
    return line;
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
  highlight(laneKey: string, dir: Direction, message: number): void {
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
