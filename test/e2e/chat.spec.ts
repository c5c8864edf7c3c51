import type { TapEvent, TapFrameEvent } from '../../core/tap/events';
import { deriveAccept } from '../../core/wire/handshake';
import { expect, test, unique } from './fixtures';

test('a chat round trip shows in the inspector with a ticked 101 handshake and a masked client frame', async ({
  app,
}) => {
  const text = unique('hello');
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await app.getByTestId('chat-input').fill(text);
  await app.getByTestId('chat-input').press('Enter');
  await expect(app.getByTestId('chat-log')).toContainText(`You: ${text}`);
  await expect(app.getByTestId('chat-log')).toContainText(`Server: Server received: '${text}'`);

  const lane = app.locator('[data-testid="connection"][data-role="chat"]');
  await expect(lane).toHaveCount(1);
  const handshake = lane.getByTestId('handshake');
  await expect(handshake.locator('summary')).toContainText('101 Switching Protocols');
  await expect(handshake.getByTestId('accept-ok')).toBeVisible();
  // The tick is earned: the key the card shows derives to the accept it shows.
  await handshake.locator('summary').click();
  const accept = handshake.locator('.accept');
  await expect(accept).toHaveAttribute('data-accept', 'ok');
  const key = (await accept.locator('code').first().textContent())!;
  await expect(accept).toContainText(`server sent ${deriveAccept(key)}`);

  const row = app.locator(`[data-testid="frame-row"][data-lane="chat"][data-dir="client"]`, {
    hasText: text,
  });
  await expect(row).toHaveAttribute('data-masked', 'true');
  await expect(row).toHaveAttribute('data-opcode', 'text');
  await expect(
    app.locator(`[data-testid="frame-row"][data-lane="chat"][data-dir="server"]`, { hasText: text }),
  ).toHaveCount(1);
});

test('clicking a frame shows its anatomy with the right opcode and mask key', async ({ app, tap }) => {
  const text = unique('anatomy');
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  await app.getByTestId('chat-input').fill(text);
  await app.getByTestId('chat-send').click();
  // What the server saw on the wire, independently of the page.
  const sent = await tap.find(
    (event: TapEvent): event is TapFrameEvent =>
      event.type === 'frame' && event.dir === 'client' && event.payload.text === text,
  );
  expect(sent.maskKey).toMatch(/^[0-9a-f]{8}$/);

  await app.locator('[data-testid="frame-row"][data-dir="client"]', { hasText: text }).click();
  const detail = app.getByTestId('frame-detail');
  await expect(detail.locator('.anatomy')).toHaveAttribute('data-opcode', 'text');
  await expect(detail).toContainText('opcode=0x1 text');
  await expect(detail).toContainText('MASK=1');
  await expect(detail.getByTestId('mask-key')).toHaveText(sent.maskKey!.match(/../g)!.join(' '));
  // The XOR table's first row: the masked byte on the wire, the key byte, and the letter back.
  const firstRow = detail.locator('.xor-table tbody tr').first();
  const key0 = Number.parseInt(sent.maskKey!.slice(0, 2), 16);
  const plain0 = text.charCodeAt(0);
  await expect(firstRow).toContainText((plain0 ^ key0).toString(16).padStart(2, '0'));
  await expect(firstRow).toContainText(text[0]!);

  // A chat line and its frame are linked both ways: the client frame lights up its "You:" line,
  // and the "Server:" line selects the server's frame.
  await expect(app.locator('.chat-log .line.linked')).toHaveText(`You: ${text}`);
  await app.locator('.chat-log .line.server', { hasText: text }).click();
  await expect(app.locator('[data-testid="frame-row"][aria-selected="true"]')).toHaveAttribute(
    'data-dir',
    'server',
  );
  await expect(detail).toContainText(`Server received: '${text}'`);
  await expect(detail).toContainText('MASK=0');
});

test('an empty send is refused once: the next message goes, by Enter and by the Send button', async ({
  app,
}) => {
  await expect(app.getByTestId('chat-status')).toHaveAttribute('data-state', 'connected');
  const input = app.getByTestId('chat-input');
  await input.press('Enter');
  await expect
    .poll(() => input.evaluate((element) => (element as HTMLInputElement).validationMessage))
    .toContain('empty message');
  const typed = unique('after-empty');
  await input.fill(typed);
  await input.press('Enter');
  await expect(app.getByTestId('chat-log')).toContainText(`Server: Server received: '${typed}'`);

  await app.getByTestId('chat-send').click();
  const clicked = unique('clicked');
  await input.fill(clicked);
  await app.getByTestId('chat-send').click();
  await expect(app.getByTestId('chat-log')).toContainText(`Server: Server received: '${clicked}'`);
});
